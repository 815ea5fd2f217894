/**
 * Curves -> what a sweep needs of them, computed once in the main thread: the per-step losses (expand), the
 * judge's stationary subsequences, a content hash (the definition records it, so a changed file is a different
 * sweep) and the loss scale used by `lambdaMode=relative`.
 */
import { createHash } from "node:crypto";
import type { Curve } from "../curve/curve.ts";
import { type ExpandMode, expandCurve } from "../curve/expand.ts";
import { judgeStationary, parseJudgeSpec } from "../judge/stationary.ts";
import { endToleranceIndices } from "../judge/tolerance.ts";
import { finitePoints, resolveTotalSteps, stepOffsetOf } from "../replay/replay.ts";
import type { PreparedCurve } from "./kernel.ts";
import type { CurveInfo } from "./types.ts";

/** Steps averaged for the loss scale (1/alpha of the default EMA: the initial EMA level). */
export const LOSS_SCALE_STEPS = 1000;

/**
 * sha256 (16 hex digits) of the step and loss columns: equal content, equal hash, whatever the file name.
 * @example curveHash(curve) // "3f2a9c0d1e4b5a67"
 */
export function curveHash(curve: Curve): string {
  const h = createHash("sha256");
  const { step, loss } = curve.columns;
  h.update(new Uint8Array(step.buffer, step.byteOffset, step.byteLength));
  h.update(new Uint8Array(loss.buffer, loss.byteOffset, loss.byteLength));
  return h.digest("hex").slice(0, 16);
}

/**
 * The loss scale of a run: the mean of the finite per-step losses over the first LOSS_SCALE_STEPS steps
 * (about the level of the default EMA, alpha = 0.001, when the run starts). 1 when there is none.
 * @example lossScale(Float64Array.from([40, 44])) // 42
 */
export function lossScale(losses: Float64Array, steps = LOSS_SCALE_STEPS): number {
  let sum = 0;
  let count = 0;
  const n = Math.min(losses.length, steps);
  for (let i = 0; i < n; i++) {
    const v = losses[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 1;
  return mean > 0 ? mean : 1;
}

/**
 * The canonical text of a judge spec (bare `haar`, or parameters sorted by name).
 * @example canonicalJudge("haar:minLength=5000,eps=1e-6") // "haar:eps=0.000001,minLength=5000"
 */
export function canonicalJudge(spec: string | undefined): string {
  const { name, params } = parseJudgeSpec(spec === undefined || spec.trim() === "" ? "haar" : spec);
  const keys = Object.keys(params).sort() as Array<keyof typeof params>;
  return keys.length === 0 ? name : `${name}:${keys.map((k) => `${k}=${params[k]}`).join(",")}`;
}

export interface PrepareOptions {
  expand: ExpandMode;
  /** Canonical judge spec. */
  judge: string;
  /** T override (null: as `fastface replay`: the header's total_step, else the last logged step). */
  totalSteps: number | null;
}

/**
 * Expand, judge and describe one curve.
 * @example const { info, prepared } = prepareCurve(curve, 0, { expand: "hold", judge: "haar", totalSteps: null });
 */
export function prepareCurve(
  curve: Curve,
  id: number,
  opts: PrepareOptions,
  hash = curveHash(curve),
): { info: CurveInfo; prepared: PreparedCurve; refused?: { points: number; needed: number } } {
  const ex = expandCurve(curve, opts.expand);
  // the same judge, tolerance and T as `fastface replay` (the kernel-equals-replay tests pin it)
  const verdict = judgeStationary(ex.loss, parseJudgeSpec(opts.judge).params, { points: finitePoints(curve) });
  const spans = verdict.spans;
  const scale = lossScale(ex.loss);
  const stepAt = opts.expand === "none" ? Float64Array.from(curve.columns.step) : null;
  const info: CurveInfo = {
    id,
    name: curve.meta.name,
    hash,
    source: curve.meta.source,
    format: curve.meta.format,
    points: curve.columns.step.length,
    firstStep: ex.firstStep,
    lastStep: ex.lastStep,
    steps: ex.steps,
    lossScale: scale,
    stationary: spans.map((s) => ({ start: ex.stepOf(s.start), end: ex.stepOf(s.end) })),
  };
  const prepared: PreparedCurve = {
    curveId: id,
    losses: ex.loss,
    spans,
    stepAt,
    firstStep: ex.firstStep,
    totalSteps: resolveTotalSteps(curve, ex, opts.totalSteps ?? undefined).value,
    tolerance: endToleranceIndices(curve, ex.mode),
    lossScale: scale,
    stepOffset: stepOffsetOf(curve, ex.mode, ex.firstStep),
  };
  return verdict.refused ? { info, prepared, refused: verdict.refused } : { info, prepared };
}
