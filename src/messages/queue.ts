/**
 * Message catalogue of the queue area (`fastface sweep --queue`, `fastface worker`): error codes `E_QUEUE_*`,
 * warning codes `W_QUEUE_*` and their texts. A Redis URL appears in a text only through `display` (the password
 * replaced by `***`); error texts coming from Redis or the network are scrubbed of secrets before they get here.
 */

export const E_QUEUE_URL = "E_QUEUE_URL";
export const E_QUEUE_CONNECT = "E_QUEUE_CONNECT";
export const E_QUEUE_OPTION = "E_QUEUE_OPTION";
export const E_QUEUE_PAYLOAD = "E_QUEUE_PAYLOAD";
export const E_QUEUE_FAILED = "E_QUEUE_FAILED";

export const URL_HELP = "redis://[user:password@]host[:port][/db] or rediss://... (TLS)";

export const badUrl = (display: string, why: string): string => `--queue '${display}': ${why}; expected ${URL_HELP}`;

export const connectFailed = (display: string, why: string): string =>
  `cannot connect to Redis at ${display}: ${why}. Is redis-server running there (and the password right)?`;

export const connectTimeout = (display: string, ms: number): string =>
  `cannot connect to Redis at ${display}: no answer within ${ms} ms. Is redis-server running there?`;

export const badOption = (option: string, value: unknown, expected: string): string =>
  `${option} ${String(value)}: expected ${expected}`;

export const curvesFromMissing = (dir: string): string => `--curves-from ${dir}: no such folder`;

/** A job or sweep setup that a worker refuses (never run). */
export const badPayload = (what: string, why: string): string => `refused ${what}: ${why}`;

export const noSetup = (sweep: string): string =>
  `sweep ${sweep} has no setup in Redis (the sweep finished or was removed, or its coordinator has not written it yet)`;

export const versionMismatch = (sweep: string, theirs: string, ours: string): string =>
  `sweep ${sweep} was planned by fastface ${theirs} (queue protocol), this worker is ${ours}; run the same version on every machine`;

export const configsMismatch = (sweep: string): string =>
  `sweep ${sweep}: the configurations rebuilt from its scheduler spec and grid differ from the coordinator's (another fastface version?)`;

export const curveMissing = (sweep: string, digest: string, where: string): string =>
  `sweep ${sweep}: curve ${digest.slice(0, 16)} not found (${where})`;

export const curveCorrupt = (digest: string, why: string): string => `curve ${digest.slice(0, 16)}: ${why}`;

export const badResult = (jobId: string, why: string): string =>
  `job ${jobId}: invalid result from the worker (${why})`;

export const jobsFailed = (failed: number, total: number, db: string, first: readonly string[]): string =>
  `${failed} job(s) failed for good (refused, or still failing after their attempts); ${total} result(s) are in ${db}, the failed ones are missing:\n` +
  `${first.map((f) => `  - ${f}`).join("\n")}\nFix the cause and run the same command with --resume (failed jobs are retried)`;

export const enqueued = (jobs: number, pairs: number, display: string, queue: string, custom: boolean): string =>
  `queue: ${jobs} job(s) for ${pairs} result(s) on ${display} (queue '${queue}'); start workers with: ` +
  `fastface worker --queue ${display}${custom ? ` --queue-name ${queue}` : ""}` +
  (display.includes(":***@") ? " (the password as in your URL, or in $FASTFACE_REDIS_PASSWORD)" : "");

export const interruptedQueue = (): string =>
  "the queued jobs stay in Redis and workers keep computing them; --resume collects their results";

export const queueLine = (
  url: string,
  name: string,
  sweep: string,
  jobs: number,
  now: number,
  earlier: number,
  byWorker: string,
): string =>
  `queue: ${url} '${name}', sweep ${sweep}: ${jobs} job(s) (${now} enqueued now, ${earlier} finished earlier), results by worker: ${byWorker || "none"}`;

export const noWorkers = (jobs: number, display: string, queue: string): string =>
  `queue: ${jobs} job(s) waiting and no worker connected to ${display} (queue '${queue}'); start one with ` +
  `fastface worker --queue ${display}${queue !== "fastface-sweep" ? ` --queue-name ${queue}` : ""}`;

export const onlyWithQueue = (flags: readonly string[]): string => `${flags.join(", ")} only apply with --queue`;
