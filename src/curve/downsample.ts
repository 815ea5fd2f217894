/**
 * Downsampling of a series for display (replay's traces and the report's charts); no metric is computed from
 * the reduced series. Three methods:
 * - `lttbIndices`: MinMaxLTTB. A linear min/max pre-selection keeps, per bucket, the lowest and the highest
 *   point (so spikes and plateau edges survive), then Largest-Triangle-Three-Buckets from the maintained
 *   `downsample` package picks the final points. On 1M points this costs ~10 ms instead of ~350 ms for plain
 *   LTTB, and gives the same picture (Van Der Donckt et al., "MinMaxLTTB", 2023).
 * - `changeIndices`: lossless for piecewise-constant series (an LR schedule): the points where the value changes.
 * - `vertexIndices`: lossless for piecewise-linear series (a tolerance counter): the points where the slope changes.
 * All return ascending indices into the input; non-finite values are skipped.
 */
import { createLTTB } from "downsample";

/** Points kept per series in the report's charts. */
export const DISPLAY_POINTS = 1000;
/** Points kept for smooth series (EMA, detector statistics): fewer rows, same picture, faster pages. */
export const SMOOTH_POINTS = 500;
/** Min/max pre-selection keeps this many times the target before LTTB. */
const PRESELECT_RATIO = 4;

const finiteAt = (x: ArrayLike<number>, y: ArrayLike<number>, i: number) =>
  Number.isFinite(y[i] as number) && Number.isFinite(x[i] as number);

/** Indices of the finite points, or `undefined` as soon as there are more than `limit` (no big allocation). */
function finiteIndicesUpTo(x: ArrayLike<number>, y: ArrayLike<number>, n: number, limit: number): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (finiteAt(x, y, i)) {
      if (out.length === limit) return undefined;
      out.push(i);
    }
  }
  return out;
}

/**
 * Min/max pre-selection over `[0, n)` in `buckets` equal index ranges: per bucket the indices of the lowest
 * and highest finite value (in index order), plus the first and last finite points. One pass, small output.
 */
function minMaxPreselect(x: ArrayLike<number>, y: ArrayLike<number>, n: number, buckets: number): number[] {
  const out: number[] = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (finiteAt(x, y, i)) {
      first = i;
      break;
    }
  }
  for (let i = n - 1; i > first; i--) {
    if (finiteAt(x, y, i)) {
      last = i;
      break;
    }
  }
  if (first < 0) return out;
  out.push(first);
  if (last < 0) return out;
  const lo0 = first + 1;
  const size = (last - lo0) / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = lo0 + Math.floor(b * size);
    const hi = b === buckets - 1 ? last : lo0 + Math.floor((b + 1) * size);
    let iMin = -1;
    let iMax = -1;
    let vMin = Number.POSITIVE_INFINITY;
    let vMax = Number.NEGATIVE_INFINITY;
    for (let i = lo; i < hi; i++) {
      if (!finiteAt(x, y, i)) continue;
      const v = y[i] as number;
      if (v < vMin) {
        vMin = v;
        iMin = i;
      }
      if (v > vMax) {
        vMax = v;
        iMax = i;
      }
    }
    if (iMin < 0) continue;
    if (iMin === iMax) out.push(iMin);
    else if (iMin < iMax) out.push(iMin, iMax);
    else out.push(iMax, iMin);
  }
  out.push(last);
  return out;
}

/**
 * Indices of at most `target` points of (x, y) chosen by MinMaxLTTB; all finite points when there are few.
 *
 * @example
 * lttbIndices([0, 1, 2, 3], [1, 5, 2, 2], 3); // [0, 1, 3]
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, target = DISPLAY_POINTS): number[] {
  const n = Math.min(x.length, y.length);
  const few = finiteIndicesUpTo(x, y, n, Math.max(target, 2));
  if (few) return few;
  const preselect = Math.max(target, 3) * PRESELECT_RATIO;
  const candidates =
    n > preselect ? minMaxPreselect(x, y, n, Math.floor(preselect / 2)) : (finiteIndicesUpTo(x, y, n, n) ?? []);
  if (candidates.length <= target) return candidates;
  const lttb = createLTTB<number>({ x: (i: number) => x[i] as number, y: (i: number) => y[i] as number });
  const out = Array.from(lttb(candidates, Math.max(target, 3)));
  // LTTB always keeps the last point, but downsample 1.4.0 computes its bucket bounds in floating point and
  // can drop the final point (it then returns the one before it): pin the true last point.
  out[out.length - 1] = candidates[candidates.length - 1] as number;
  return out;
}

/**
 * Indices where a piecewise-constant series changes value (the last point of the old value and the first of
 * the new), plus both ends: a lossless reduction of an LR schedule. Falls back to `lttbIndices` when the
 * series changes too often (cosine, poly) to stay under `target`.
 *
 * @example
 * changeIndices([0, 1, 2, 3, 4], [1, 1, 0.5, 0.5, 0.5]); // [0, 1, 2, 4]
 */
export function changeIndices(x: ArrayLike<number>, y: ArrayLike<number>, target = DISPLAY_POINTS): number[] {
  const n = Math.min(x.length, y.length);
  const out: number[] = [];
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (!finiteAt(x, y, i)) continue;
    if (prev < 0) out.push(i);
    else if (y[i] !== y[prev]) {
      if (out[out.length - 1] !== prev) out.push(prev);
      out.push(i);
      if (out.length > target) return lttbIndices(x, y, target);
    }
    prev = i;
  }
  if (prev >= 0 && out[out.length - 1] !== prev) out.push(prev);
  return out;
}

/**
 * Indices of the vertices of a piecewise-linear series (where the slope changes), plus both ends: a lossless
 * reduction of a tolerance counter (ramps and resets). Falls back to `lttbIndices` above `target` points.
 *
 * @example
 * vertexIndices([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 0, 0]); // [0, 3, 4, 5]
 */
export function vertexIndices(x: ArrayLike<number>, y: ArrayLike<number>, target = DISPLAY_POINTS): number[] {
  const n = Math.min(x.length, y.length);
  const out: number[] = [];
  let a = -1; // last kept point
  let b = -1; // previous finite point
  for (let i = 0; i < n; i++) {
    if (!finiteAt(x, y, i)) continue;
    if (a < 0) {
      out.push(i);
      a = i;
    } else if (b > a) {
      const s1 = ((y[b] as number) - (y[a] as number)) * ((x[i] as number) - (x[b] as number));
      const s2 = ((y[i] as number) - (y[b] as number)) * ((x[b] as number) - (x[a] as number));
      if (Math.abs(s1 - s2) > 1e-9 * (Math.abs(s1) + Math.abs(s2))) {
        out.push(b);
        a = b;
        if (out.length > target) return lttbIndices(x, y, target);
      }
    }
    b = i;
  }
  if (b > a) out.push(b);
  return out;
}
