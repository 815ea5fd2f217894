/**
 * How close to a plateau's end a decay must be to count as the decay that ended it: one logged stride plus one
 * `frequent` interval (the logger's print interval, from the log header; the stride when absent). A point of an
 * arcface_torch log is the mean of its interval, so a decay is located to within the interval that holds it,
 * and the first interval after it is the first to show the drop.
 */
import type { Curve } from "../curve/curve.ts";
import type { ExpandMode } from "../curve/expand.ts";

/**
 * The end tolerance in curve steps.
 * @example endToleranceSteps(curve) // 100 for a 2021 arcface_torch log (a line every 50 steps)
 */
export function endToleranceSteps(curve: Curve): number {
  const stride = Number.isFinite(curve.meta.stride) && curve.meta.stride > 0 ? curve.meta.stride : 1;
  const f = Number(curve.meta.config?.frequent);
  const frequent = Number.isFinite(f) && f > 0 ? f : stride;
  return Math.round(stride + frequent);
}

/**
 * The end tolerance in per-step indices of an expansion: steps for `hold`, points for `none`.
 * @example endToleranceIndices(curve, "none") // 2 for a log with frequent = stride
 */
export function endToleranceIndices(curve: Curve, mode: ExpandMode): number {
  const steps = endToleranceSteps(curve);
  if (mode === "hold") return steps;
  const stride = Number.isFinite(curve.meta.stride) && curve.meta.stride > 0 ? curve.meta.stride : 1;
  return Math.max(1, Math.ceil(steps / stride));
}
