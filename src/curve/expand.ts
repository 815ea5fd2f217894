/**
 * Logged points -> the per-step loss sequence a scheduler consumes.
 *
 * `hold` (default): the sequence runs from the first logged step to the last; the first point is one step and
 * every later point i fills the steps (step[i-1], step[i]] with its value (an arcface_torch point is the mean
 * of its interval, so holding it over the interval keeps the interval mean). Index t is step firstStep + t.
 * `none`: the logged points as they are; index t is point t.
 */
import type { Curve } from "./curve.ts";

export type ExpandMode = "hold" | "none";

export interface Expanded {
  mode: ExpandMode;
  /** Per-step losses. */
  loss: Float64Array;
  /** Curve step of per-step index i. */
  stepOf: (i: number) => number;
  /** Per-step index of a curve step (the index whose step is the largest <= step). */
  indexOf: (step: number) => number;
  firstStep: number;
  lastStep: number;
  /** Number of per-step values (n). */
  steps: number;
}

/**
 * Expand with `hold`.
 * @example expandHold(curve).loss // steps 10, 20 with losses 5, 4 -> [5, 4 x 10] (11 values)
 */
export function expandHold(curve: Curve): Expanded {
  const step = curve.columns.step;
  const src = curve.columns.loss;
  const n = step.length;
  if (n === 0) return emptyExpansion("hold");
  const first = step[0]!;
  const last = step[n - 1]!;
  const total = last - first + 1;
  let loss: Float64Array;
  if (total === n) {
    // stride 1 (every step logged): the losses are the per-step sequence, one copy and no per-point loop
    loss = src.slice();
  } else {
    loss = new Float64Array(total);
    loss[0] = src[0]!;
    for (let i = 1; i < n; i++) loss.fill(src[i]!, step[i - 1]! - first + 1, step[i]! - first + 1);
  }
  return {
    mode: "hold",
    loss,
    stepOf: (i) => first + i,
    indexOf: (s) => Math.min(total - 1, Math.max(0, Math.floor(s - first))),
    firstStep: first,
    lastStep: last,
    steps: total,
  };
}

/**
 * Expand with `none`: the logged points as they are.
 * @example expandNone(curve).steps // -> number of points
 */
export function expandNone(curve: Curve): Expanded {
  const step = curve.columns.step;
  const n = step.length;
  if (n === 0) return emptyExpansion("none");
  return {
    mode: "none",
    loss: Float64Array.from(curve.columns.loss),
    stepOf: (i) => step[i]!,
    indexOf: (s) => {
      let lo = 0;
      let hi = n - 1;
      if (s <= step[0]!) return 0;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (step[mid]! <= s) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
    firstStep: step[0]!,
    lastStep: step[n - 1]!,
    steps: n,
  };
}

/** Expand with the given mode. @example expandCurve(curve, "hold").steps */
export function expandCurve(curve: Curve, mode: ExpandMode): Expanded {
  return mode === "hold" ? expandHold(curve) : expandNone(curve);
}

function emptyExpansion(mode: ExpandMode): Expanded {
  return {
    mode,
    loss: new Float64Array(0),
    stepOf: (i) => i,
    indexOf: () => 0,
    firstStep: 0,
    lastStep: 0,
    steps: 0,
  };
}
