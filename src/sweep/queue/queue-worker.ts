/**
 * `fastface worker`: a BullMQ worker for sweep jobs. Its main thread only talks to Redis (fetching jobs,
 * renewing their locks, running BullMQ's stalled-job check for jobs of workers that died); the replays run on
 * `concurrency` kernel threads (threads.ts) with the local pool's kernel.
 *
 * Before a job runs, everything it names is checked: the payload's fields and that the job id matches them;
 * the sweep's setup (protocol and fastface version, sizes); the configurations, rebuilt from the setup's
 * scheduler spec and `--grid` text with the CLI's parser (unknown schedulers and invalid parameters are
 * refused) and compared with the coordinator's digest; each curve's sha256 and every field of its blob. A job
 * that fails these checks is failed at once without retries (BullMQ's UnrecoverableError) with an error saying
 * why; other failures (Redis hiccups, a missing setup) are retried by BullMQ with backoff.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { ConfigError, FastfaceError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";
import { planConfigs } from "../configs.ts";
import type { SharedCurve } from "../worker.ts";
import { connectRedis, describe } from "./connect.ts";
import { decodeCurve, sha256Hex } from "./curve-blob.ts";
import {
  BULL_PREFIX,
  configsDigest,
  curveFileName,
  curveKey,
  DEFAULT_QUEUE_NAME,
  type JobPayload,
  PayloadError,
  parseJobPayload,
  parseSetup,
  type SweepSetup,
  setupKey,
} from "./protocol.ts";
import { encodeResult } from "./result.ts";
import { KernelThreads, type ThreadSweep } from "./threads.ts";
import { parseRedisUrl, scrub } from "./url.ts";

export interface QueueWorkerOptions {
  /** `--queue` URL. */
  url: string;
  /** `--queue-name` (default fastface-sweep). */
  name?: string;
  /** Jobs at once = kernel threads. */
  concurrency: number;
  /** Where this machine sees the coordinator's `--curves-from` folder (default: the coordinator's path). */
  curvesFrom?: string | null;
  /** BullMQ lock duration (ms, default 30000): a killed worker's job goes back to the queue after about this. */
  lockMs?: number;
  /** How often this worker checks for stalled jobs (ms, default = lockMs). */
  stalledMs?: number;
  connectTimeoutMs?: number;
  /** Worker name shown in results and `redis-cli client list` (default host:pid). */
  workerName?: string;
  /** A line per job (otherwise: sweeps, curves, failures and a summary every 10 s). */
  verbose?: boolean;
  log: (line: string) => void;
  /** Stop: finish the jobs in hand, then return. */
  signal: AbortSignal;
  /** A second signal: stop now (jobs in hand go back to the queue through the stalled check). */
  force?: AbortSignal;
  /** Called once the worker is connected and listening. */
  onReady?: () => void;
}

export interface QueueWorkerSummary {
  jobs: number;
  results: number;
  failed: number;
  seconds: number;
}

interface ResolvedSweep {
  setup: SweepSetup;
  thread: ThreadSweep;
}

/** Allowed recoveries of a stalled job (a worker killed while holding it) before BullMQ fails it. */
const MAX_STALLED = 2;

/**
 * Serve sweep jobs until `signal` aborts.
 * @example
 * const stop = new AbortController();
 * await runQueueWorker({ url: "redis://127.0.0.1:6379", concurrency: 2, log: console.error, signal: stop.signal });
 */
export async function runQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  const started = performance.now();
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new ConfigError(M.badOption("--concurrency", opts.concurrency, "an integer >= 1"), M.E_QUEUE_OPTION);
  }
  for (const [option, v] of [
    ["--lock-ms", opts.lockMs],
    ["--stalled-ms", opts.stalledMs],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 100)) {
      throw new ConfigError(M.badOption(option, v, "an integer >= 100 (milliseconds)"), M.E_QUEUE_OPTION);
    }
  }
  const target = parseRedisUrl(opts.url);
  const name = opts.name ?? DEFAULT_QUEUE_NAME;
  const me = opts.workerName ?? `${hostname()}:${process.pid}`;
  const log = (line: string) => opts.log(scrub(line, target.secrets));
  const redis = await connectRedis(target, {
    name: "fastface-worker",
    ...(opts.connectTimeoutMs ? { timeoutMs: opts.connectTimeoutMs } : {}),
  });
  redis.on("error", (err: Error) => log(`worker: redis: ${describe(err)}`));
  const threads = KernelThreads.start(opts.concurrency);
  const sweeps = new Map<string, Promise<ResolvedSweep>>();
  const curves = new Map<string, Promise<SharedCurve>>();
  const stats = { jobs: 0, results: 0, failed: 0 };

  const sweepOf = (id: string): Promise<ResolvedSweep> => {
    let p = sweeps.get(id);
    if (!p) {
      p = loadSweep(redis, name, id, log);
      sweeps.set(id, p);
      // a failed load is retried on the next job; keep at most two sweeps (and their curves) cached
      p.catch(() => sweeps.delete(id));
      while (sweeps.size > 2) {
        const oldest = sweeps.keys().next().value as string;
        sweeps.delete(oldest);
        for (const k of curves.keys()) if (k.startsWith(`${oldest}/`)) curves.delete(k);
      }
    }
    return p;
  };
  const curveOf = (sweep: ResolvedSweep, job: JobPayload): Promise<SharedCurve> => {
    const key = `${job.sweep}/${job.curve}`;
    let p = curves.get(key);
    if (!p) {
      p = loadCurve(redis, name, sweep.setup, job.curve, opts.curvesFrom ?? null, log);
      curves.set(key, p);
      p.catch(() => curves.delete(key));
    }
    return p;
  };

  const processor = async (job: Job): Promise<unknown> => {
    const t0 = performance.now();
    try {
      const payload = parseJobPayload(job.data, job.id);
      const sweep = await sweepOf(payload.sweep);
      const { setup } = sweep;
      if (payload.curve >= setup.curves.length) {
        throw new PayloadError(
          `job ${job.id}`,
          `curve ${payload.curve} is not in the sweep (${setup.curves.length} curves)`,
        );
      }
      if (payload.first + payload.count > setup.configs) {
        throw new PayloadError(
          `job ${job.id}`,
          `configurations ${payload.first}..${payload.first + payload.count - 1} exceed the sweep's ${setup.configs}`,
        );
      }
      const curve = await curveOf(sweep, payload);
      if (opts.verbose) {
        log(
          `worker: job ${job.id}: started (curve ${payload.curve}, configurations ${payload.first}..${payload.first + payload.count - 1})`,
        );
      }
      const indices = Array.from({ length: payload.count }, (_, i) => payload.first + i);
      const rows = await threads.run(sweep.thread, curve, indices);
      stats.jobs++;
      stats.results += rows.length;
      if (opts.verbose)
        log(`worker: job ${job.id}: ${rows.length} results in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      return encodeResult(rows, me);
    } catch (err) {
      stats.failed++;
      const message = scrub(describe(err), target.secrets);
      // refused payloads are never retried; anything else is, with backoff, up to the job's attempts
      const refuse = err instanceof PayloadError || err instanceof ConfigError;
      log(`worker: job ${job.id} ${refuse ? "refused" : `failed (attempt ${job.attemptsMade + 1})`}: ${message}`);
      throw refuse ? new UnrecoverableError(message) : new Error(message);
    }
  };

  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker(name, processor, {
    connection: redis,
    prefix: BULL_PREFIX,
    concurrency: opts.concurrency,
    lockDuration: lockMs,
    stalledInterval: opts.stalledMs ?? lockMs,
    maxStalledCount: MAX_STALLED,
    name: me,
    autorun: false,
  });
  worker.on("error", (err: Error) => log(`worker: ${describe(err)}`));
  worker.on("stalled", (jobId: string) =>
    log(`worker: job ${jobId} had stalled (its worker died?); back in the queue`),
  );
  const running = worker.run();
  running.catch((err: unknown) => log(`worker: ${describe(err)}`));
  await worker.waitUntilReady();
  log(`worker ${me}: listening on ${target.display} (queue '${name}'), ${opts.concurrency} kernel thread(s)`);
  opts.onReady?.();
  let reported = "";
  const ticker = setInterval(() => {
    const line = `worker: ${stats.jobs} job(s), ${stats.results} result(s), ${stats.failed} failed`;
    if (line !== reported) log(line);
    reported = line;
  }, 10_000);
  ticker.unref();
  try {
    await new Promise<void>((resolve) => {
      if (opts.signal.aborted) resolve();
      else opts.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    log(`worker: stopping (finishing the job(s) in hand; signal again to stop now)`);
    const force = () => {
      void worker.close(true);
    };
    opts.force?.addEventListener("abort", force, { once: true });
    await worker.close();
  } finally {
    clearInterval(ticker);
    await threads.close();
    redis.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `worker: done: ${stats.jobs} job(s), ${stats.results} result(s), ${stats.failed} failed, ${seconds.toFixed(1)} s`,
  );
  return { ...stats, seconds };
}

async function loadSweep(redis: Redis, queue: string, id: string, log: (line: string) => void): Promise<ResolvedSweep> {
  const raw = await redis.get(setupKey(queue, id));
  if (raw === null) throw new Error(M.noSetup(id));
  const setup = parseSetup(raw, id);
  let planned: ReturnType<typeof planConfigs>;
  try {
    planned = planConfigs(setup.scheduler, setup.grid, setup.random, setup.lr0);
  } catch (err) {
    if (err instanceof FastfaceError) throw new PayloadError(`sweep ${id} setup`, err.message);
    throw err;
  }
  if (planned.configs.length !== setup.configs || configsDigest(planned.configs) !== setup.configsDigest) {
    throw new PayloadError(`sweep ${id} setup`, M.configsMismatch(id));
  }
  log(
    `worker: sweep ${id}: ${setup.scheduler}, ${setup.configs} configuration(s) x ${setup.curves.length} curve(s)${setup.simulate ? ", closed loop" : ""}`,
  );
  return {
    setup,
    thread: {
      id,
      scheduler: planned.spec.name,
      lr0: setup.lr0,
      configs: planned.configs.map((c) => c.params),
      simulate: setup.simulate,
    },
  };
}

async function loadCurve(
  redis: Redis,
  queue: string,
  setup: SweepSetup,
  curveId: number,
  curvesFrom: string | null,
  log: (line: string) => void,
): Promise<SharedCurve> {
  const entry = setup.curves[curveId]!;
  const t0 = performance.now();
  let bytes: Buffer | null = null;
  let source = "";
  for (const dir of [curvesFrom, setup.curvesFrom]) {
    if (!dir || bytes) continue;
    const path = join(dir, curveFileName(entry.sha256));
    bytes = await readFile(path).catch(() => null);
    source = path;
  }
  if (!bytes && setup.curvesFrom === null) {
    bytes = await redis.getBuffer(curveKey(queue, setup.sweepId, entry.sha256));
    source = "redis";
  }
  if (!bytes) {
    const where = [curvesFrom, setup.curvesFrom].filter(Boolean).join(", ") || "redis";
    throw new Error(M.curveMissing(setup.sweepId, entry.sha256, where));
  }
  const what = `sweep ${setup.sweepId} curve ${curveId}`;
  if (bytes.byteLength !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
    throw new PayloadError(what, M.curveCorrupt(entry.sha256, `content does not match its sha256 (${source})`));
  }
  const curve = decodeCurve(bytes, what);
  if (curve.curveId !== curveId) throw new PayloadError(what, `the blob is curve ${curve.curveId}`);
  if (setup.simulate !== (curve.sim !== undefined)) {
    throw new PayloadError(
      what,
      setup.simulate ? "closed-loop setup missing" : "closed-loop setup in a sweep without --simulate",
    );
  }
  if (curve.sim) {
    const { modelNames } = await import("../../simulate/registry.ts");
    if (!modelNames().includes(curve.sim.model))
      throw new PayloadError(what, `unknown loss model '${curve.sim.model}'`);
  }
  log(
    `worker: sweep ${setup.sweepId} curve ${curveId}: ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB from ${source} in ${Math.round(performance.now() - t0)} ms`,
  );
  return curve;
}
