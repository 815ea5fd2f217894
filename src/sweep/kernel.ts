/**
 * One (curve, config) evaluation, the unit of work of a sweep: the same scheduler code as `fastface replay`
 * (`createScheduler` + `runScheduler`) scored against the judge's stationary subsequences (`scoreDecays`).
 * Runs inside the pool's workers, and in the main thread for validation and tests.
 */

import { scoreDecays } from "../judge/score.ts";
import { runScheduler } from "../replay/run.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { Params, SchedulerContext } from "../schedulers/types.ts";
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
  const eff = effectiveParams(params, curve.lossScale);
  const ctx: SchedulerContext = { totalSteps: curve.totalSteps, lr0 };
  if (curve.stepOffset > 0) ctx.stepOffset = curve.stepOffset;
  const s = createScheduler({ name: scheduler, params: eff }, ctx);
  const run = runScheduler(s, curve.losses);
  const stepAt = curve.stepAt;
  const first = curve.firstStep;
  const stepOf = stepAt ? (i: number) => stepAt[i]! : (i: number) => first + i;
  const score = scoreDecays(curve.spans, run.decayIndices, stepOf, curve.tolerance);
  const decaySteps = run.decayIndices.map(stepOf);
  const lambda = s.params.lambda;
  return {
    curveId: curve.curveId,
    configIndex,
    decays: run.decayIndices.length,
    decaySteps,
    removed: score.removed,
    openLoopLead: score.openLoopLead,
    plateaus: curve.spans.length,
    premature: score.premature,
    nsPerStep: run.ns,
    lambdaEff: typeof lambda === "number" ? lambda : null,
  };
}
