/**
 * The logged LR trace that `explain` tries to reproduce: the points of the curve that carry a finite LR, the
 * precision the log printed them with, their changes (step, ratio and the ratio interval the rounding allows),
 * and whether the trace is piecewise constant (step decays, plateau rules) or continuous (poly, cosine, warmup).
 *
 * The printed precision is read off the values: the fewest decimals (at most 12) that every logged LR has
 * (arcface_torch prints `%.4f` or `%.6f`). A value printed with d decimals is known to +-q/2, q = 10^-d; an LR
 * column with more digits (TensorBoard, JSON) counts as exact.
 */
import type { Curve } from "../curve/curve.ts";
import { ConfigError } from "../errors.ts";
import { E_EXPLAIN_NO_LR, E_EXPLAIN_NO_POINTS, noFiniteLr, noLrColumn } from "../messages/explain.ts";

/** Largest number of decimals treated as "printed"; beyond it the LR counts as exact. */
export const MAX_DECIMALS = 12;

/** A change of the logged LR between two consecutive logged points. */
export interface LoggedChange {
  /** Index of the logged point (in `LoggedTrace.step`) that first shows the new LR. */
  point: number;
  /** Its curve step. */
  step: number;
  /** Printed new / printed old. */
  ratio: number;
  /** The ratios the rounding allows: [(new - q/2) / (old + q/2), (new + q/2) / (old - q/2)]. */
  ratioLo: number;
  ratioHi: number;
}

export interface LoggedTrace {
  /** Curve steps of the points with a finite LR (ascending). */
  step: Float64Array;
  lr: Float64Array;
  /** Printed decimals (null: the values are not rounded to a few decimals). */
  decimals: number | null;
  /** Half of the last printed digit (0 when exact). */
  halfUlp: number;
  changes: LoggedChange[];
  kind: "piecewise" | "continuous" | "constant";
  /** Median gap between the points, in steps (the logged stride). */
  stride: number;
  /** Points dropped because their LR was NaN or infinite. */
  dropped: number;
}

/**
 * The fewest decimals (<= MAX_DECIMALS) that every value has, or null.
 * @example printedDecimals(Float64Array.of(0.02, 0.01, 0.000313)) // -> 6
 */
export function printedDecimals(values: ArrayLike<number>): number | null {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const f = 10 ** d;
    let ok = true;
    for (let i = 0; i < values.length && ok; i++) {
      const x = values[i]! * f;
      // a value parsed from d printed decimals is within float error of an integer once scaled by 10^d
      if (Math.abs(x - Math.round(x)) > 1e-6 + 4e-16 * Math.abs(x)) ok = false;
    }
    if (ok) return d;
  }
  return null;
}

/**
 * Round to `decimals` places as a log printing `%.{d}f` would (half away from zero on the scaled double; printf
 * rounds the exact binary value, which differs only for values within an ulp of a half), or keep the value when
 * decimals is null.
 * @example roundTo(0.0003125, 6) // -> 0.000313
 */
export function roundTo(v: number, decimals: number | null): number {
  if (decimals === null) return v;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** The ratio interval of a change from `a` to `b`, each known to +-half. */
export function ratioBounds(a: number, b: number, half: number): [number, number] {
  const lo = a + half > 0 ? (b - half) / (a + half) : 0;
  const hi = a - half > 0 ? (b + half) / (a - half) : Number.POSITIVE_INFINITY;
  return [Math.max(0, lo), hi];
}

/**
 * Changes of a sequence of printed values: point i where v[i] != v[i-1]. `ratio` is taken from `exact` (the
 * unrounded values, default the printed ones), the interval from the printed values +-half.
 * @example detectChanges(Float64Array.of(10, 20, 30), Float64Array.of(1, 1, 0.5), 0).map((c) => c.step) // -> [30]
 */
export function detectChanges(
  step: Float64Array,
  lr: Float64Array,
  half: number,
  exact: Float64Array = lr,
): LoggedChange[] {
  const out: LoggedChange[] = [];
  for (let i = 1; i < lr.length; i++) {
    const a = lr[i - 1]!;
    const b = lr[i]!;
    if (a === b) continue;
    const [lo, hi] = ratioBounds(a, b, half);
    const x = exact[i - 1]!;
    out.push({
      point: i,
      step: step[i]!,
      ratio: x === 0 ? Number.POSITIVE_INFINITY : exact[i]! / x,
      ratioLo: lo,
      ratioHi: hi,
    });
  }
  return out;
}

function medianGap(step: Float64Array): number {
  if (step.length < 2) return 1;
  const gaps = new Float64Array(step.length - 1);
  for (let i = 1; i < step.length; i++) gaps[i - 1] = step[i]! - step[i - 1]!;
  gaps.sort();
  return gaps[gaps.length >> 1]!;
}

/**
 * Piecewise constant when the LR changes at few points (at most 2% of them, or at most 50 changes, and never
 * more than a quarter of them: a 15-point warm-up is continuous); continuous otherwise; constant when it never
 * changes.
 */
export function traceKind(points: number, changes: number): LoggedTrace["kind"] {
  if (changes === 0) return "constant";
  return changes <= Math.max(50, 0.02 * points) && changes <= 0.25 * points ? "piecewise" : "continuous";
}

/**
 * The logged LR trace of a curve. A curve without an LR column, or whose LR is never finite, is a ConfigError
 * (exit 2): explain needs an LR trace.
 * @example const tr = loggedTrace(curve); tr.changes.length // 12 on the FastFace fixture
 */
export function loggedTrace(curve: Curve): LoggedTrace {
  const lrCol = curve.columns.lr;
  const source = curve.meta.source || curve.meta.name;
  if (!lrCol || lrCol.length === 0) throw new ConfigError(noLrColumn(source), E_EXPLAIN_NO_LR);
  const steps = curve.columns.step;
  let kept = 0;
  for (let i = 0; i < lrCol.length; i++) if (Number.isFinite(lrCol[i]!) && lrCol[i]! >= 0) kept++;
  if (kept === 0) throw new ConfigError(noFiniteLr(source, lrCol.length), E_EXPLAIN_NO_POINTS);
  const step = new Float64Array(kept);
  const lr = new Float64Array(kept);
  let k = 0;
  for (let i = 0; i < lrCol.length; i++) {
    const v = lrCol[i]!;
    if (!(Number.isFinite(v) && v >= 0)) continue;
    step[k] = steps[i]!;
    lr[k] = v;
    k++;
  }
  const decimals = printedDecimals(lr);
  const halfUlp = decimals === null ? 0 : 0.5 * 10 ** -decimals;
  const changes = detectChanges(step, lr, halfUlp);
  return {
    step,
    lr,
    decimals,
    halfUlp,
    changes,
    kind: traceKind(kept, changes.length),
    stride: medianGap(step),
    dropped: lrCol.length - kept,
  };
}
