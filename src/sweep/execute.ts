/**
 * Runs a prepared sweep: opens (or resumes) the DuckDB file, computes the missing (curve, config) pairs on
 * the worker pool and commits results in batches. Stopping (an aborted signal, e.g. Ctrl-C) terminates the
 * workers, commits what is done and returns `interrupted: true`; `kill -9` loses at most the uncommitted
 * batch, which `--resume` recomputes.
 */
import { BATCH_LANES } from "../schedulers/batch/index.ts";
import type { SweepConfig } from "./grid.ts";
import type { PreparedCurve } from "./kernel.ts";
import { SweepPool, type SweepTask } from "./pool.ts";
import { SweepStore } from "./store.ts";
import type { CurveInfo, ResultRow, SweepDefinition } from "./types.ts";
import type { SharedCurve, SweepKernel } from "./worker.ts";

export interface ExecuteOptions {
  out: string;
  def: SweepDefinition;
  curves: ReadonlyArray<{ info: CurveInfo; prepared: PreparedCurve }>;
  configs: readonly SweepConfig[];
  /** True when the scheduler has a `lambda` parameter (results get lambdaEff). */
  hasLambda: boolean;
  workers: number;
  resume: boolean;
  /** Results per commit (default 256). */
  batchSize?: number;
  /** Commit at least this often while results arrive, in ms (default 2000). */
  commitMs?: number;
  /** Called as results arrive (computed, not yet committed). */
  onProgress?: (done: number, total: number) => void;
  /** Called after each committed batch. */
  onCommit?: (committed: number, total: number) => void;
  /** Called once the missing pairs are known (before any work). */
  onStart?: (info: { total: number; alreadyDone: number; todo: number; workers: number }) => void;
  signal?: AbortSignal;
  /** How workers replay a task's configs (default "batch": shared passes of the family's kernel). */
  kernel?: SweepKernel;
  /**
   * Workers spawned early (`SweepPool.spawn`, not yet set up) so their start-up overlaps planning; used when
   * there is work and closed in every case. Without it the pool is started here.
   */
  pool?: SweepPool;
}

export interface ExecuteSummary {
  db: string;
  /** Pairs in the sweep (curves x configs). */
  total: number;
  /** Results found in the file before this run. */
  alreadyDone: number;
  /** Results computed and committed by this run. */
  computed: number;
  /** Results in the file now. */
  committed: number;
  interrupted: boolean;
  workers: number;
  seconds: number;
  /** Pairs per second of wall time in this run. */
  configsPerSecond: number;
  /** Wall time per replayed step over all workers (ns). */
  wallNsPerStep: number;
  /** Mean in-worker scheduler cost per step (ns), as runScheduler measured it. */
  nsPerStep: number;
}

/** Share a prepared curve's arrays so workers read them without copies. */
export function toShared(c: PreparedCurve): SharedCurve {
  const losses = new SharedArrayBuffer(c.losses.byteLength);
  new Float64Array(losses).set(c.losses);
  let stepAt: SharedArrayBuffer | null = null;
  if (c.stepAt) {
    stepAt = new SharedArrayBuffer(c.stepAt.byteLength);
    new Float64Array(stepAt).set(c.stepAt);
  }
  return { ...c, losses, stepAt };
}

/** Relative work of one (curve, config) in replayed-step units: a closed-loop step costs about 40 replay steps. */
export function workOfPair(c: PreparedCurve): number {
  return c.losses.length + (c.sim ? c.sim.seeds * c.sim.budgetSteps * 40 : 0);
}

/**
 * Group missing pairs into tasks of similar work (about 2M steps), with enough tasks to balance workers. With
 * `batch` (the worker replays a task's configs in shared passes) a task holds a multiple of BATCH_LANES configs
 * (up to 2 x BATCH_LANES) when there are that many, so every pass of the kernels is full.
 */
export function makeTasks(
  missing: ReadonlyArray<{ curveId: number; configIndex: number }>,
  stepsOf: (curveId: number) => number,
  workers: number,
  batch = false,
): SweepTask[] {
  const tasks: SweepTask[] = [];
  const balance = Math.max(1, Math.ceil(missing.length / (workers * 8)));
  let cur: SweepTask | null = null;
  let cap = 1;
  for (const p of missing) {
    if (!cur || cur.curveId !== p.curveId || cur.configIndices.length >= cap) {
      const byWork = Math.floor(2_000_000 / Math.max(1, stepsOf(p.curveId)));
      cap = batch
        ? Math.max(1, Math.min(2 * BATCH_LANES, balance, BATCH_LANES * Math.max(1, byWork)))
        : Math.max(1, Math.min(64, balance, byWork));
      cur = { curveId: p.curveId, configIndices: [] };
      tasks.push(cur);
    }
    cur.configIndices.push(p.configIndex);
  }
  return tasks;
}

/**
 * Execute (or resume) a sweep.
 * @example
 * const summary = await executeSweep({ out: "s.duckdb", def, curves, configs, hasLambda: true, workers: 2, resume: false });
 */
export async function executeSweep(opts: ExecuteOptions): Promise<ExecuteSummary> {
  const started = performance.now();
  const infos = opts.curves.map((c) => c.info);
  let store: SweepStore;
  try {
    store = await SweepStore.open(opts.out, opts.def, infos, opts.configs, { resume: opts.resume }, opts.hasLambda);
  } catch (err) {
    await opts.pool?.close();
    throw err;
  }
  let pool: SweepPool | null = opts.pool ?? null;
  let used = 0;
  let interrupted = false;
  let computed = 0;
  let committed = 0;
  let alreadyDone = 0;
  let stepsDone = 0;
  let nsSum = 0;
  const total = store.total;
  try {
    alreadyDone = await store.done();
    committed = alreadyDone;
    const missing = await store.missing();
    const stepsOf = (id: number) => opts.curves[id]!.prepared.losses.length;
    const workers = Math.max(1, Math.min(pool?.size ?? opts.workers, missing.length));
    opts.onStart?.({ total, alreadyDone, todo: missing.length, workers });
    if (missing.length > 0 && !opts.signal?.aborted) {
      const setup = {
        scheduler: opts.def.scheduler,
        lr0: opts.def.lr0,
        configs: opts.configs.map((c) => c.params),
        ...(opts.def.simulate ? { simulate: true } : {}),
        ...(opts.kernel ? { kernel: opts.kernel } : {}),
      };
      if (pool) await pool.setup(setup);
      else pool = await SweepPool.start(workers, setup);
      used = Math.min(pool.size, missing.length);
      const workOf = (id: number) => workOfPair(opts.curves[id]!.prepared);
      const tasks = makeTasks(missing, workOf, used, opts.kernel !== "single" && !opts.def.simulate);
      const needed = new Set(missing.map((m) => m.curveId));
      for (const c of opts.curves) if (needed.has(c.info.id)) pool.addCurve(toShared(c.prepared));
      const batchSize = opts.batchSize ?? 256;
      const commitMs = opts.commitMs ?? 2000;
      let buffer: ResultRow[] = [];
      let chain: Promise<void> = Promise.resolve();
      let commitError: unknown;
      let lastCommit = performance.now();
      const flush = () => {
        const batch = buffer;
        buffer = [];
        lastCommit = performance.now();
        if (batch.length === 0) return;
        chain = chain
          .then(async () => {
            if (commitError !== undefined) return;
            await store.commit(batch);
            committed += batch.length;
            opts.onCommit?.(committed, total);
          })
          .catch((e: unknown) => {
            // a write that fails (a full disk) stops the sweep; the error is thrown below, never left unhandled
            commitError ??= e;
            void pool?.stop();
          });
      };
      const onAbort = () => {
        interrupted = true;
        void pool?.stop();
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await pool.run(tasks, (rows) => {
          buffer.push(...rows);
          computed += rows.length;
          for (const r of rows) {
            const n = stepsOf(r.curveId);
            stepsDone += n;
            nsSum += r.nsPerStep * n;
          }
          opts.onProgress?.(alreadyDone + computed, total);
          if (buffer.length >= batchSize || performance.now() - lastCommit >= commitMs) flush();
        });
      } finally {
        opts.signal?.removeEventListener("abort", onAbort);
        flush();
        await chain;
      }
      if (commitError !== undefined) throw commitError;
    }
  } finally {
    await pool?.close();
    store.close();
  }
  return executeSummary(
    opts.out,
    started,
    { total, alreadyDone, computed, committed, interrupted, workers: used },
    stepsDone,
    nsSum,
  );
}

/**
 * The summary of a sweep run from its counts: seconds since `started`, rates, the mean in-worker ns/step
 * (`nsSum` = sum of nsPerStep x steps over the `stepsDone` replayed steps). Shared with the queue coordinator.
 */
export function executeSummary(
  db: string,
  started: number,
  counts: Pick<ExecuteSummary, "total" | "alreadyDone" | "computed" | "committed" | "interrupted" | "workers">,
  stepsDone: number,
  nsSum: number,
): ExecuteSummary {
  const seconds = (performance.now() - started) / 1000;
  return {
    db,
    ...counts,
    seconds,
    configsPerSecond: seconds > 0 ? counts.computed / seconds : 0,
    wallNsPerStep: stepsDone > 0 ? (seconds * 1e9) / stepsDone : 0,
    nsPerStep: stepsDone > 0 ? nsSum / stepsDone : 0,
  };
}
