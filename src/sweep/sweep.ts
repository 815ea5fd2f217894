/**
 * `fastface sweep` as a library call: scheduler spec + grid (or random search) + curves -> a DuckDB file of
 * (curve, config) results. Validates everything before the first write (unknown parameters, empty ranges,
 * invalid configs, a database from another sweep), then hands the work to `executeSweep`.
 */
import { existsSync, statSync } from "node:fs";
import { requireFiniteLoss } from "../curve/clean.ts";
import type { Curve } from "../curve/curve.ts";
import type { ExpandMode } from "../curve/expand.ts";
import { ConfigError, InputError, type Warnings } from "../errors.ts";
import { badTotalSteps, judgeTooShort, W_JUDGE_TOO_SHORT } from "../messages/replay.ts";
import * as M from "../messages/sweep.ts";
import { planConfigs } from "./configs.ts";
import { type ExecuteSummary, executeSweep } from "./execute.ts";
import { canonicalJson, type SweepConfig } from "./grid.ts";
import type { PreparedCurve } from "./kernel.ts";
import { SweepPool } from "./pool.ts";
import { canonicalJudge, curveHash, prepareCurve } from "./prepare.ts";
import type { QueueSummary, QueueSweepOptions } from "./queue/coordinator.ts";
import type { SweepSimulateOptions } from "./sim-plan.ts";
import { exportParquet, openDb, readDefinition } from "./store.ts";
import type { CurveInfo, SimulateDefinition, SweepDefinition } from "./types.ts";
import type { SweepKernel } from "./worker.ts";

export interface SweepOptions {
  /** Scheduler name, optionally with fixed parameters: `fastface` or `fastface:alpha=0.002`. */
  scheduler: string;
  /** `--grid` axes. */
  grid: readonly string[];
  /** Random search over the axes instead of the full grid. */
  random?: { n: number; seed: number } | null;
  judge?: string;
  expand?: ExpandMode;
  totalSteps?: number | null;
  lr0?: number;
  out: string;
  workers: number;
  resume?: boolean;
  /** Export the results table to this Parquet file when the sweep is complete. */
  parquet?: string;
  /** Closed-loop metrics per (curve, config) against a loss-response model of each curve (`--simulate`). */
  simulate?: SweepSimulateOptions;
  /** Run on BullMQ/Redis (`--queue`): this process enqueues and stores, `fastface worker`s compute. */
  queue?: QueueSweepOptions;
  batchSize?: number;
  commitMs?: number;
  /** How workers replay a task's configs (default "batch"; "single": one at a time, the bench's baseline). */
  kernel?: SweepKernel;
  onStart?: (info: { total: number; alreadyDone: number; todo: number; workers: number }) => void;
  onProgress?: (done: number, total: number) => void;
  onCommit?: (committed: number, total: number) => void;
  signal?: AbortSignal;
  warnings?: Warnings;
}

export interface SweepSummary extends ExecuteSummary {
  scheduler: string;
  configs: number;
  curves: Array<{ name: string; hash: string; steps: number; plateaus: number; lossScale: number }>;
  parquet: string | null;
  /** The closed-loop settings and per-curve models (`--simulate` only). */
  simulate?: SimulateDefinition;
  /** Queue, jobs and workers (`--queue` only). */
  queue?: QueueSummary;
}

/** A sweep fully resolved but not yet run (what `runSweep` executes; handy for tests and benches). */
export interface SweepPlan {
  def: SweepDefinition;
  configs: SweepConfig[];
  curves: Array<{ info: CurveInfo; prepared: PreparedCurve }>;
  hasLambda: boolean;
}

/**
 * Resolve a sweep: parse the scheduler and grid, build the configurations, validate each one, prepare the
 * curves (deduplicated by content, sorted by name then hash, so argument order does not matter).
 * @example
 * const plan = planSweep(curves, { scheduler: "fastface", grid: ["lambda=1e-6..1e-4:log:9"], out: "s.duckdb", workers: 2 });
 */
export function planSweep(curves: readonly Curve[], opts: SweepOptions): SweepPlan {
  const random = opts.random ?? null;
  const lr0 = opts.lr0 ?? 1;
  const planned = planConfigs(opts.scheduler, opts.grid, random, lr0, opts.warnings);
  const { spec, factory, configs } = planned;
  const judge = canonicalJudge(opts.judge);
  const expand = opts.expand ?? "hold";
  const totalSteps = opts.totalSteps ?? null;
  if (totalSteps !== null && !(Number.isSafeInteger(totalSteps) && totalSteps > 0)) {
    throw new ConfigError(badTotalSteps(totalSteps), M.E_SWEEP_OPTION);
  }
  for (const c of curves) requireFiniteLoss(c);
  const hashed = curves.map((c) => ({ curve: c, hash: curveHash(c) }));
  hashed.sort((a, b) => cmp(a.curve.meta.name, b.curve.meta.name) || cmp(a.hash, b.hash));
  const unique: typeof hashed = [];
  const seen = new Map<string, string>();
  for (const h of hashed) {
    const other = seen.get(h.hash);
    if (other !== undefined) {
      opts.warnings?.add(M.W_SWEEP_DUPLICATE_CURVE, M.duplicateCurve(h.curve.meta.name, other));
      continue;
    }
    seen.set(h.hash, h.curve.meta.name);
    unique.push(h);
  }
  const prepared = unique.map((h, id) => prepareCurve(h.curve, id, { expand, judge, totalSteps }, h.hash));
  for (const p of prepared) {
    if (p.refused) {
      opts.warnings?.add(W_JUDGE_TOO_SHORT, `${p.info.name}: ${judgeTooShort(p.refused.points, p.refused.needed)}`);
    } else if (p.info.stationary.length === 0) opts.warnings?.add(M.W_SWEEP_NO_PLATEAUS, M.noPlateaus(p.info.name));
  }
  const def: SweepDefinition = {
    version: 3,
    scheduler: spec.name,
    grid: planned.grid,
    random,
    judge,
    expand,
    totalSteps,
    lr0,
    curves: prepared.map((p) => ({ name: p.info.name, hash: p.info.hash })),
  };
  return { def, configs, curves: prepared, hasLambda: "lambda" in factory.paramSpecs };
}

/**
 * Resolve the closed loop of every curve and attach it to the plan (definition and prepared curves). On
 * `--resume` the database's stored per-curve models are reused when the simulate settings are unchanged.
 */
async function addSimulation(
  plan: SweepPlan,
  curves: readonly Curve[],
  opts: SweepOptions,
  sim: SweepSimulateOptions,
): Promise<void> {
  let stored: SweepDefinition | null = null;
  if (existsSync(opts.out) && statSync(opts.out).size > 0) {
    const ro = await openDb(opts.out, true);
    try {
      stored = await readDefinition(ro.conn, opts.out);
    } finally {
      ro.close();
    }
  }
  const { planSimulation, simulateSettings } = await import("./sim-plan.ts");
  if (stored) {
    // the store will refuse this file (another sweep, or this one without --resume): fail there, before any fit
    const settings = { ...simulateSettings(sim), models: [] };
    if (!opts.resume || canonicalJson({ ...stored.simulate, models: [] }) !== canonicalJson(settings)) {
      plan.def.simulate = settings;
      return;
    }
  }
  const { def, sims } = await planSimulation(
    curves,
    plan.def.curves,
    plan.def.judge,
    sim,
    opts.warnings,
    stored?.simulate ?? null,
  );
  plan.def.simulate = def;
  plan.curves.forEach((c, i) => {
    c.prepared.sim = sims[i]!;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Plan and run (or resume) a sweep; exports Parquet when asked and the sweep is complete.
 * @example
 * const summary = await runSweep(curves, { scheduler: "fastface", grid: ["tau=0.01,0.05"], out: "s.duckdb", workers: 2 });
 */
export async function runSweep(curves: readonly Curve[], opts: SweepOptions): Promise<SweepSummary> {
  if (!Number.isInteger(opts.workers) || opts.workers < 1)
    throw new ConfigError(M.badWorkers(opts.workers), M.E_SWEEP_OPTION);
  if (opts.parquet && existsSync(opts.parquet)) {
    throw new InputError(opts.parquet, M.parquetExists(), M.E_SWEEP_OPTION);
  }
  // the queue path (BullMQ) loads only when asked for; its options are checked before any planning
  const onQueue = opts.queue ? await import("./queue/coordinator.ts") : null;
  if (opts.queue) onQueue?.checkQueueOptions(opts.queue);
  // start the worker threads now: they load the sources while the main thread plans and opens the store
  const pool = opts.queue ? null : SweepPool.spawn(opts.workers);
  let plan: SweepPlan;
  try {
    plan = planSweep(curves, opts);
    if (opts.simulate) await addSimulation(plan, curves, opts, opts.simulate);
  } catch (err) {
    await pool?.close();
    throw err;
  }
  const exec = {
    out: opts.out,
    def: plan.def,
    curves: plan.curves,
    configs: plan.configs,
    hasLambda: plan.hasLambda,
    workers: opts.workers,
    resume: opts.resume ?? false,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    ...(opts.commitMs !== undefined ? { commitMs: opts.commitMs } : {}),
    ...(opts.kernel ? { kernel: opts.kernel } : {}),
    ...(opts.onStart ? { onStart: opts.onStart } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onCommit ? { onCommit: opts.onCommit } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const summary: ExecuteSummary & { queue?: QueueSummary } =
    onQueue && opts.queue
      ? await onQueue.executeOnQueue({
          ...exec,
          queue: opts.queue,
          text: { scheduler: opts.scheduler, grid: opts.grid },
        })
      : await executeSweep({ ...exec, ...(pool ? { pool } : {}) });
  let parquet: string | null = null;
  if (opts.parquet && !summary.interrupted && summary.committed === summary.total) {
    const db = await openDb(opts.out, true);
    try {
      await exportParquet(db.conn, opts.parquet);
      parquet = opts.parquet;
    } finally {
      db.close();
    }
  }
  return {
    ...summary,
    scheduler: plan.def.scheduler,
    configs: plan.configs.length,
    curves: plan.curves.map((c) => ({
      name: c.info.name,
      hash: c.info.hash,
      steps: c.info.steps,
      plateaus: c.info.stationary.length,
      lossScale: c.info.lossScale,
    })),
    parquet,
    ...(plan.def.simulate ? { simulate: plan.def.simulate } : {}),
  };
}
