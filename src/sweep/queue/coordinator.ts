/**
 * `fastface sweep --queue URL`: the coordinator of a sweep on BullMQ/Redis. It plans nothing new (the sweep is
 * planned by run.ts as a local one), computes nothing itself, and is the only writer of the DuckDB store:
 *
 *   1. open (or resume) the store; the missing (curve, config) pairs are the work;
 *   2. write the sweep's setup and each needed prepared curve once (Redis, or `--curves-from DIR`);
 *   3. listen to the queue's events from the stream's current end, then take the results of this sweep's jobs
 *      that finished while no coordinator was listening (the queue's completed set: `--resume` after kill -9);
 *   4. enqueue one job per (curve, chunk of configs) with a deterministic id: jobs still waiting or running
 *      from an earlier run are not added twice, failed ones are retried;
 *   5. as `completed` events arrive, check each result, drop pairs already stored, commit in batches like a
 *      local sweep, and only then remove the finished jobs from Redis. A result that arrives twice (event
 *      plus a re-scan, a stalled job run again) is dropped by the done-set, and the store's primary key would
 *      refuse it anyway.
 *
 * Workers killed mid-job are BullMQ's business: the job's lock expires and another worker's stalled-job
 * check puts it back in the queue. Jobs that fail are retried with exponential backoff up to `attempts`; a job
 * that still fails is reported with its error when the rest is done, and `--resume` retries it.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { ConfigError, EXIT, FastfaceError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";
import { type ExecuteOptions, type ExecuteSummary, executeSummary, workOfPair } from "../execute.ts";
import { SweepStore } from "../store.ts";
import type { ResultRow } from "../types.ts";
import { connectRedis, describe } from "./connect.ts";
import { encodeCurve, sha256Hex } from "./curve-blob.ts";
import {
  BULL_PREFIX,
  chunkSize,
  configsDigest,
  curveFileName,
  curveKey,
  DEFAULT_QUEUE_NAME,
  fastfaceVersion,
  JOB_NAME,
  type JobPayload,
  jobIdOf,
  MAX_CHUNK_OPTION,
  PROTOCOL,
  planJobs,
  type SweepSetup,
  setupKey,
  sweepIdOf,
} from "./protocol.ts";
import { decodeResult } from "./result.ts";
import { parseRedisUrl, scrub } from "./url.ts";

export interface QueueSweepOptions {
  /** `--queue`: redis:// or rediss:// URL. */
  url: string;
  /** `--queue-name` (default fastface-sweep). */
  name?: string;
  /** Attempts per job before it counts as failed (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled each retry (default 1000). */
  backoffMs?: number;
  /** Configurations per job (default: see `chunkSize`). */
  chunk?: number | null;
  /** A folder every worker can read: curves are written there instead of into Redis. */
  curvesFrom?: string | null;
  connectTimeoutMs?: number;
  /** How often to re-check the queue when no event arrives (ms, default 2000). */
  pollMs?: number;
  /** Informational lines (enqueued jobs, failures as they happen). */
  onLog?: (line: string) => void;
}

/** The text the sweep was planned from: workers rebuild the configurations from it. */
export interface SweepText {
  scheduler: string;
  grid: readonly string[];
}

export interface QueueSummary {
  /** The URL without its password. */
  url: string;
  name: string;
  sweepId: string;
  /** Jobs this run waited for. */
  jobs: number;
  /** Jobs added to the queue by this run (the others were there already). */
  enqueued: number;
  /** Finished jobs from an earlier run whose results this run took. */
  recovered: number;
  /** Jobs that failed after their retries, with the worker's error. */
  failed: Array<{ jobId: string; reason: string }>;
  /** Results stored per worker name (host:pid). */
  byWorker: Record<string, number>;
}

export type QueueExecuteSummary = ExecuteSummary & { queue: QueueSummary };

/** Some jobs failed for good: the rest is stored; `--resume` retries them. */
export class QueueJobsFailedError extends FastfaceError {
  readonly summary: QueueExecuteSummary;
  constructor(message: string, summary: QueueExecuteSummary) {
    super(M.E_QUEUE_FAILED, message, EXIT.backend);
    this.summary = summary;
  }
}

function positiveInt(v: number | null | undefined, option: string): void {
  if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1)) {
    throw new ConfigError(M.badOption(option, v, "an integer >= 1"), M.E_QUEUE_OPTION);
  }
}

/** Check the queue options before anything is opened (bad URL, bad numbers, missing folder). */
export function checkQueueOptions(q: QueueSweepOptions): void {
  parseRedisUrl(q.url);
  positiveInt(q.attempts, "--attempts");
  positiveInt(q.chunk, "--chunk");
  if (q.chunk !== undefined && q.chunk !== null && q.chunk > MAX_CHUNK_OPTION) {
    throw new ConfigError(
      M.badOption("--chunk", q.chunk, `at most ${MAX_CHUNK_OPTION} configurations per job`),
      M.E_QUEUE_OPTION,
    );
  }
  if (q.name !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(q.name)) {
    throw new ConfigError(
      M.badOption("--queue-name", q.name, "letters, digits, '_', '.', '-' (no ':')"),
      M.E_QUEUE_OPTION,
    );
  }
  if (q.curvesFrom && !(existsSync(q.curvesFrom) && statSync(q.curvesFrom).isDirectory())) {
    throw new ConfigError(M.curvesFromMissing(q.curvesFrom), M.E_QUEUE_OPTION);
  }
}

/**
 * Execute (or resume) a planned sweep through a BullMQ queue; workers (`fastface worker`) do the replays.
 * @example
 * const s = await executeOnQueue({ ...exec, queue: { url: "redis://127.0.0.1:6379" }, text: { scheduler, grid } });
 */
export async function executeOnQueue(
  opts: ExecuteOptions & { queue: QueueSweepOptions; text: SweepText },
): Promise<QueueExecuteSummary> {
  const started = performance.now();
  const q = opts.queue;
  checkQueueOptions(q);
  const target = parseRedisUrl(q.url);
  const name = q.name ?? DEFAULT_QUEUE_NAME;
  const log = (line: string) => q.onLog?.(scrub(line, target.secrets));
  const infos = opts.curves.map((c) => c.info);
  const existed = existsSync(opts.out) && statSync(opts.out).size > 0;
  const store = await SweepStore.open(opts.out, opts.def, infos, opts.configs, { resume: opts.resume }, opts.hasLambda);
  const sweepId = sweepIdOf(opts.def);
  const nConfigs = opts.configs.length;
  const simulate = opts.def.simulate !== undefined;
  const summaryQueue: QueueSummary = {
    url: target.display,
    name,
    sweepId,
    jobs: 0,
    enqueued: 0,
    recovered: 0,
    failed: [],
    byWorker: {},
  };
  let computed = 0;
  let committed = 0;
  let alreadyDone = 0;
  let stepsDone = 0;
  let nsSum = 0;
  let interrupted = false;
  const total = store.total;
  let redis: Redis | null = null;
  let queue: Queue | null = null;
  let events: QueueEvents | null = null;
  try {
    alreadyDone = await store.done();
    committed = alreadyDone;
    const missing = await store.missing();
    if (missing.length === 0 || opts.signal?.aborted) {
      opts.onStart?.({ total, alreadyDone, todo: missing.length, workers: 0 });
      interrupted = missing.length > 0;
      return finish();
    }
    const done = new Uint8Array(total).fill(1);
    for (const m of missing) done[m.curveId * nConfigs + m.configIndex] = 0;
    const isMissing = (c: number, i: number) => done[c * nConfigs + i] === 0;

    try {
      redis = await connectRedis(target, {
        name: "fastface-coordinator",
        ...(q.connectTimeoutMs ? { timeoutMs: q.connectTimeoutMs } : {}),
      });
    } catch (err) {
      // a database this run created and could not fill is removed, so the same command works once Redis is up
      if (!existed) {
        store.close();
        for (const f of [opts.out, `${opts.out}.wal`]) rmSync(f, { force: true });
      }
      throw err;
    }
    redis.on("error", (err: Error) => log(`queue: redis: ${describe(err)}`));
    queue = new Queue(name, { connection: redis, prefix: BULL_PREFIX, streams: { events: { maxLen: 2000 } } });
    queue.on("error", (err: Error) => log(`queue: ${describe(err)}`));

    // 2. setup and curves (only the curves with missing pairs are uploaded; every curve is described)
    const needed = new Set(missing.map((m) => m.curveId));
    const curves: SweepSetup["curves"] = [];
    const uploaded: string[] = [];
    for (const c of opts.curves) {
      const blob = encodeCurve(c.prepared);
      const sha = sha256Hex(blob);
      curves.push({ id: c.info.id, hash: c.info.hash, bytes: blob.byteLength, sha256: sha });
      if (!needed.has(c.info.id)) continue;
      if (q.curvesFrom) writeCurveFile(q.curvesFrom, sha, blob);
      else {
        await redis.set(curveKey(name, sweepId, sha), blob);
        uploaded.push(curveKey(name, sweepId, sha));
      }
    }
    const setup: SweepSetup = {
      protocol: PROTOCOL,
      fastface: fastfaceVersion(),
      sweepId,
      scheduler: opts.text.scheduler,
      grid: [...opts.text.grid],
      random: opts.def.random,
      lr0: opts.def.lr0,
      configs: nConfigs,
      configsDigest: configsDigest(opts.configs),
      simulate,
      curves,
      curvesFrom: q.curvesFrom ?? null,
    };
    const setupText = JSON.stringify(setup);
    await redis.set(setupKey(name, sweepId), setupText);

    // 3. events from the stream's current end: nothing that finishes from now on can be missed
    const stream = `${BULL_PREFIX}:${name}:events`;
    const last = await redis.xrevrange(stream, "+", "-", "COUNT", 1);
    const lastEventId = last[0]?.[0] ?? "0-0";
    events = new QueueEvents(name, { connection: redis, prefix: BULL_PREFIX, lastEventId });
    events.on("error", (err: Error) => log(`queue events: ${describe(err)}`));
    await events.waitUntilReady();

    const jobs = planJobs(
      sweepId,
      [...needed].sort((a, b) => a - b),
      nConfigs,
      (c) => chunkSize(workOfPair(opts.curves[c]!.prepared), nConfigs, q.chunk),
      isMissing,
    );
    const pending = new Map<string, JobPayload>(jobs.map((j) => [jobIdOf(j), j]));
    summaryQueue.jobs = jobs.length;
    const mine = (id: string | undefined): id is string => typeof id === "string" && id.startsWith(`${sweepId}-`);

    // results are committed in batches of whole jobs; a job is removed from Redis only once its rows are stored
    const batchSize = opts.batchSize ?? 256;
    const commitMs = opts.commitMs ?? 2000;
    let buffer: ResultRow[] = [];
    let bufferJobs: string[] = [];
    let chain: Promise<void> = Promise.resolve();
    let lastCommit = performance.now();
    const q0 = queue;
    const flush = () => {
      const batch = buffer;
      const ids = bufferJobs;
      buffer = [];
      bufferJobs = [];
      lastCommit = performance.now();
      if (batch.length === 0 && ids.length === 0) return;
      chain = chain.then(async () => {
        await store.commit(batch);
        committed += batch.length;
        if (batch.length > 0) opts.onCommit?.(committed, total);
        await Promise.all(ids.map((id) => q0.remove(id).catch(() => 0)));
      });
    };
    let wake: (() => void) | null = null;
    const poke = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const taken = new Set<string>();
    const take = (jobId: string, value: unknown) => {
      const job = pending.get(jobId);
      if (!job) return;
      pending.delete(jobId);
      taken.add(jobId);
      let rows: ResultRow[];
      try {
        rows = decodeResult(value, job, simulate);
      } catch (err) {
        const reason = M.badResult(jobId, describe(err));
        summaryQueue.failed.push({ jobId, reason });
        log(`queue: ${reason}`);
        void q0.remove(jobId).catch(() => 0);
        poke();
        return;
      }
      const worker = workerOf(value);
      let fresh = 0;
      for (const r of rows) {
        const k = r.curveId * nConfigs + r.configIndex;
        if (done[k]) continue;
        done[k] = 1;
        buffer.push(r);
        fresh++;
        const n = opts.curves[r.curveId]!.prepared.losses.length;
        stepsDone += n;
        nsSum += r.nsPerStep * n;
      }
      summaryQueue.byWorker[worker] = (summaryQueue.byWorker[worker] ?? 0) + fresh;
      computed += fresh;
      bufferJobs.push(jobId);
      opts.onProgress?.(alreadyDone + computed, total);
      if (buffer.length >= batchSize || performance.now() - lastCommit >= commitMs) flush();
      poke();
    };
    const fail = (jobId: string, reason: string) => {
      if (!pending.delete(jobId)) return;
      const why = scrub(reason, target.secrets);
      summaryQueue.failed.push({ jobId, reason: why });
      log(`queue: job ${jobId} failed: ${why}`);
      poke();
    };
    let lastEvent = performance.now();
    events.on("completed", ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      lastEvent = performance.now();
      if (mine(jobId)) take(jobId, returnvalue);
    });
    events.on("failed", ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      lastEvent = performance.now();
      if (mine(jobId)) fail(jobId, failedReason);
    });

    // 3b. this sweep's jobs that finished while no coordinator listened, and failed ones to retry
    const stale: string[] = [];
    for (const job of await finishedJobs(queue, "completed", mine)) {
      if (pending.has(job.id)) {
        summaryQueue.recovered++;
        take(job.id, job.returnvalue);
      } else if (!taken.has(job.id)) stale.push(job.id);
    }
    for (const job of await finishedJobs(queue, "failed", mine)) stale.push(job.id);
    // completed jobs whose rows are all stored, and failed jobs (re-added below when still needed)
    await Promise.all(stale.map((id) => queue!.remove(id).catch(() => 0)));

    // 4. enqueue (ids already in the queue are left as they are)
    const toAdd = [...pending.values()];
    const jobOpts = {
      attempts: q.attempts ?? 3,
      backoff: { type: "exponential", delay: q.backoffMs ?? 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    };
    for (let i = 0; i < toAdd.length; i += 1000) {
      const part = toAdd.slice(i, i + 1000);
      const added = await queue.addBulk(
        part.map((data) => ({ name: JOB_NAME, data, opts: { ...jobOpts, jobId: jobIdOf(data) } })),
      );
      summaryQueue.enqueued += added.length;
    }
    const connected = await queue.getWorkersCount().catch(() => 0);
    opts.onStart?.({ total, alreadyDone, todo: missing.length, workers: connected });
    log(M.enqueued(pending.size, missing.length - computed, target.display, name, name !== DEFAULT_QUEUE_NAME));

    // 5. wait for every job, re-checking the queue when events are quiet (a trimmed event stream, a restart)
    const pollMs = q.pollMs ?? 2000;
    let quiet = 0;
    const onAbort = () => {
      interrupted = true;
      poke();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (pending.size > 0 && !interrupted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs).unref();
        });
        if (performance.now() - lastCommit >= commitMs) flush();
        if (pending.size === 0 || interrupted || performance.now() - lastEvent < pollMs) continue;
        quiet++;
        for (const job of await finishedJobs(queue, "completed", (id) => mine(id) && pending.has(id))) {
          take(job.id, job.returnvalue);
        }
        for (const job of await finishedJobs(queue, "failed", (id) => mine(id) && pending.has(id))) {
          fail(job.id, job.failedReason ?? "failed");
        }
        // every 10th quiet check: a job or the setup gone from Redis (restart without persistence) is put back,
        // and a coordinator that waits for nothing says so
        if (quiet % 10 === 0 && pending.size > 0) {
          await restore(queue, redis, pending, jobOpts, setupText, name, sweepId, opts, q);
          if ((await queue.getWorkersCount().catch(() => 1)) === 0)
            log(M.noWorkers(pending.size, target.display, name));
        }
      }
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      flush();
      await chain;
    }
    if (!interrupted && summaryQueue.failed.length === 0) {
      await redis.del(setupKey(name, sweepId), ...uploaded);
    }
    return finish();
  } finally {
    await events?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    redis?.disconnect();
    store.close();
  }

  function finish(): QueueExecuteSummary {
    const counts = {
      total,
      alreadyDone,
      computed,
      committed,
      interrupted,
      workers: Object.keys(summaryQueue.byWorker).length,
    };
    const summary: QueueExecuteSummary = {
      ...executeSummary(opts.out, started, counts, stepsDone, nsSum),
      queue: summaryQueue,
    };
    if (summaryQueue.failed.length > 0 && !interrupted) {
      throw new QueueJobsFailedError(
        M.jobsFailed(
          summaryQueue.failed.length,
          committed,
          opts.out,
          summaryQueue.failed.slice(0, 5).map((f) => `${f.jobId}: ${f.reason}`),
        ),
        summary,
      );
    }
    return summary;
  }
}

/** The worker name a result carries (a label for the summary, never trusted for anything else). */
function workerOf(value: unknown): string {
  const w = (value as { worker?: unknown }).worker;
  return typeof w === "string" && w.length > 0 && w.length <= 200 ? w : "unknown";
}

/** This sweep's jobs in the completed or failed set, read in pages. */
async function finishedJobs(
  queue: Queue,
  state: "completed" | "failed",
  keep: (id: string | undefined) => boolean,
): Promise<Array<{ id: string; returnvalue: unknown; failedReason?: string }>> {
  const out: Array<{ id: string; returnvalue: unknown; failedReason?: string }> = [];
  const ids: string[] = [];
  const page = 1000;
  for (let start = 0; ; start += page) {
    const range = (await queue.getRanges([state], start, start + page - 1, true)) as string[];
    for (const id of range) if (keep(id)) ids.push(id);
    if (range.length < page) break;
  }
  for (let i = 0; i < ids.length; i += 200) {
    const jobs = await Promise.all(ids.slice(i, i + 200).map((id) => queue.getJob(id)));
    for (const job of jobs) {
      if (job?.id) out.push({ id: job.id, returnvalue: job.returnvalue, failedReason: job.failedReason });
    }
  }
  return out;
}

/** Put back what vanished from Redis: the setup, the curves, and pending jobs that no longer exist. */
async function restore(
  queue: Queue,
  redis: Redis,
  pending: Map<string, JobPayload>,
  jobOpts: Record<string, unknown>,
  setupText: string,
  name: string,
  sweepId: string,
  opts: ExecuteOptions,
  q: QueueSweepOptions,
): Promise<void> {
  if ((await redis.exists(setupKey(name, sweepId))) === 0) {
    await redis.set(setupKey(name, sweepId), setupText);
    if (!q.curvesFrom) {
      for (const c of opts.curves) {
        const blob = encodeCurve(c.prepared);
        await redis.set(curveKey(name, sweepId, sha256Hex(blob)), blob);
      }
    }
  }
  const gone: JobPayload[] = [];
  for (const [id, job] of pending) if ((await queue.getJobState(id)) === "unknown") gone.push(job);
  if (gone.length > 0) {
    await queue.addBulk(gone.map((data) => ({ name: JOB_NAME, data, opts: { ...jobOpts, jobId: jobIdOf(data) } })));
  }
}

/** Write `<sha>.ffcurve` into the shared folder (temp file + rename; an existing file has the same content). */
function writeCurveFile(dir: string, sha: string, blob: Buffer): void {
  const path = join(dir, curveFileName(sha));
  if (existsSync(path) && statSync(path).size === blob.byteLength) return;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, blob);
  renameSync(tmp, path);
}
