/**
 * The unit of work of a sweep: (curve, configs) -> result rows. The same scheduler code as `fastface replay`
 * (`createScheduler`, then `runScheduler` for one config or `feedRangeBatch` for a batch of one family, whose
 * kernels replay many configurations per pass and equal step() bit for bit), scored against the judge's
 * stationary subsequences (`scoreDecays`). Runs inside the pool's workers (and the queue's), and in the main
 * thread for validation and tests.
 */

import { scoreDecays } from "../judge/score.ts";
import { newDecaySink, runScheduler } from "../replay/loop.ts";
import { BatchCurve, feedRangeBatch } from "../schedulers/batch/index.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { Params, Scheduler, SchedulerContext } from "../schedulers/types.ts";
import { effectiveParams } from "./grid.ts";
import type { ResultRow, SimCurve } from "./types.ts";

/** A curve as a worker sees it: the per-step losses (shared memory) and the judge's spans (indices). */
export interface PreparedCurve {
  curveId: number;
  /** Per-step losses after expansion (a view on a SharedArrayBuffer in workers). */
  losses: Float64Array;
  /** Stationary subsequences as inclusive index ranges into `losses`. */
  spans: Array<{ start: number; end: number }>;
  /** Curve step of each index (`--expand none`); null: index i is step `firstStep + i`. */
  stepAt: Float64Array | null;
  firstStep: number;
  /** T handed to the scheduler context. */
  totalSteps: number;
  /** End tolerance of the scores in indices of `losses` (replay's judge.tolerance). */
  tolerance: number;
  /** Loss scale for lambdaMode=relative. */
  lossScale: number;
  /** Training steps before index 0 for fixed schedules (replay's `stepOffsetOf`); 0 when none. */
  stepOffset: number;
  /** Closed-loop setup (`--simulate` only). */
  sim?: SimCurve;
}

function schedulerFor(curve: PreparedCurve, scheduler: string, params: Params, lr0: number): Scheduler {
  const eff = effectiveParams(params, curve.lossScale);
  const ctx: SchedulerContext = { totalSteps: curve.totalSteps, lr0 };
  if (curve.stepOffset > 0) ctx.stepOffset = curve.stepOffset;
  return createScheduler({ name: scheduler, params: eff }, ctx);
}

function rowOf(curve: PreparedCurve, s: Scheduler, decayIndices: number[], ns: number, configIndex: number): ResultRow {
  const stepAt = curve.stepAt;
  const first = curve.firstStep;
  const stepOf = stepAt ? (i: number) => stepAt[i]! : (i: number) => first + i;
  const score = scoreDecays(curve.spans, decayIndices, stepOf, curve.tolerance);
  const lambda = s.params.lambda;
  return {
    curveId: curve.curveId,
    configIndex,
    decays: decayIndices.length,
    decaySteps: decayIndices.map(stepOf),
    removed: score.removed,
    openLoopLead: score.openLoopLead,
    plateaus: curve.spans.length,
    premature: score.premature,
    nsPerStep: ns,
    lambdaEff: typeof lambda === "number" ? lambda : null,
  };
}

/**
 * Replay one configuration over one prepared curve and score it.
 * @example
 * const row = evaluateConfig(curve, "fastface", { lambda: 2e-5 }, 1, 0);
 * // row.decays, row.removed, row.openLoopLead, row.premature, row.nsPerStep
 */
export function evaluateConfig(
  curve: PreparedCurve,
  scheduler: string,
  params: Params,
  lr0: number,
  configIndex: number,
): ResultRow {
  const s = schedulerFor(curve, scheduler, params, lr0);
  const run = runScheduler(s, curve.losses);
  return rowOf(curve, s, run.decayIndices, run.ns, configIndex);
}

/** The BatchCurve of each prepared curve's losses (the sweep never changes a curve's losses). */
const batchCurves = new WeakMap<Float64Array, BatchCurve>();

/**
 * Replay a batch of configurations of one scheduler over one prepared curve in shared passes (the family's
 * multi-configuration kernel when it has one) and score each: the same rows as `evaluateConfig` on each config,
 * except `nsPerStep`, which is the batch's wall time per configuration-step.
 * @example
 * const rows = evaluateBatch(curve, "fastface", [{ lambda: 2e-5 }, { lambda: 4e-5 }], 1, [0, 1]);
 */
export function evaluateBatch(
  curve: PreparedCurve,
  scheduler: string,
  configs: readonly Params[],
  lr0: number,
  configIndices: readonly number[],
): ResultRow[] {
  const batch = configs.map((p) => schedulerFor(curve, scheduler, p, lr0));
  let bc = batchCurves.get(curve.losses);
  if (!bc) {
    bc = new BatchCurve(curve.losses);
    batchCurves.set(curve.losses, bc);
  }
  const sinks = batch.map(() => newDecaySink());
  const t0 = process.hrtime.bigint();
  feedRangeBatch(batch, bc, 0, curve.losses.length, sinks);
  const elapsed = Number(process.hrtime.bigint() - t0);
  const n = curve.losses.length * batch.length;
  const ns = n > 0 ? elapsed / n : 0;
  return batch.map((s, b) => rowOf(curve, s, sinks[b]!.index, ns, configIndices[b]!));
}
