/**
 * Downsampling for display only (the report never recomputes a metric). Two methods:
 * - `lttbIndices`: MinMaxLTTB. A linear min/max pre-selection keeps, per bucket, the lowest and the highest
 *   point (so spikes and plateau edges survive), then Largest-Triangle-Three-Buckets from the maintained
 *   `downsample` package picks the final points. On 1M points this costs ~10 ms instead of ~350 ms for plain
 *   LTTB, and gives the same picture (Van Der Donckt et al., "MinMaxLTTB", 2023).
 * - `changeIndices`: lossless for piecewise-constant series (an LR schedule): the points where the value changes.
 * Both return ascending indices into the input; non-finite values are skipped.
 */
import { createLTTB } from "downsample";

/** Points kept per series in the report's charts. */
export const DISPLAY_POINTS = 2000;
/** Min/max pre-selection keeps this many times the target before LTTB. */
const PRESELECT_RATIO = 4;

function finiteIndices(x: ArrayLike<number>, y: ArrayLike<number>): number[] {
  const n = Math.min(x.length, y.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(y[i] as number) && Number.isFinite(x[i] as number)) out.push(i);
  }
  return out;
}

/** Per bucket of candidates, the indices of the minimum and maximum of `y` (in index order), plus both ends. */
function minMaxPreselect(candidates: number[], y: ArrayLike<number>, buckets: number): number[] {
  const n = candidates.length;
  const out: number[] = [candidates[0] as number];
  const size = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = 1 + Math.floor((b + 1) * size);
    if (hi <= lo) continue;
    let iMin = candidates[lo] as number;
    let iMax = iMin;
    for (let k = lo + 1; k < hi; k++) {
      const i = candidates[k] as number;
      const v = y[i] as number;
      if (v < (y[iMin] as number)) iMin = i;
      if (v > (y[iMax] as number)) iMax = i;
    }
    if (iMin === iMax) out.push(iMin);
    else if (iMin < iMax) out.push(iMin, iMax);
    else out.push(iMax, iMin);
  }
  out.push(candidates[n - 1] as number);
  return out;
}

/**
 * Indices of at most `target` points of (x, y) chosen by MinMaxLTTB; all finite points when there are few.
 *
 * @example
 * lttbIndices([0, 1, 2, 3], [1, 5, 2, 2], 3); // [0, 1, 3]
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, target = DISPLAY_POINTS): number[] {
  const finite = finiteIndices(x, y);
  if (finite.length <= Math.max(target, 2)) return finite;
  const candidates =
    finite.length > target * PRESELECT_RATIO
      ? minMaxPreselect(finite, y, Math.floor((target * PRESELECT_RATIO) / 2))
      : finite;
  if (candidates.length <= target) return candidates;
  const lttb = createLTTB<number>({ x: (i: number) => x[i] as number, y: (i: number) => y[i] as number });
  return Array.from(lttb(candidates, Math.max(target, 3)));
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
  const finite = finiteIndices(x, y);
  if (finite.length <= 2) return finite;
  const out: number[] = [finite[0] as number];
  for (let k = 1; k < finite.length - 1; k++) {
    const i = finite[k] as number;
    const prev = finite[k - 1] as number;
    const next = finite[k + 1] as number;
    if (y[i] !== y[prev] || y[i] !== y[next]) {
      out.push(i);
      if (out.length > target) return lttbIndices(x, y, target);
    }
  }
  out.push(finite[finite.length - 1] as number);
  return out;
}
