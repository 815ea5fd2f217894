/**
 * TensorBoard's scalar smoothing: a debiased exponential moving average over the logged points. With weight
 * w in [0, 1): `last = w * last + (1 - w) * v; smoothed = last / (1 - w^k)` where k counts the finite values
 * seen so far (tracked as w^k), so the first points are not pulled towards 0 (TensorBoard's `resetSmoothing` behaviour, with
 * the same handling of non-finite values: they are passed through and do not enter the average). Applied on
 * full-resolution data, before any downsampling for display.
 */

/** Smoothing weights a report offers (0 = off; 0.6 is TensorBoard's default). */
export const SMOOTHING_WEIGHTS = [0, 0.6, 0.9, 0.99, 0.999] as const;

/**
 * The debiased EMA of `values` with weight `w` (0 returns a copy). Non-finite inputs stay as they are.
 *
 * @example
 * Array.from(debiasedEma([1, 3, 3], 0.5)); // [1, 2.333…, 2.714…]
 */
export function debiasedEma(values: ArrayLike<number>, w: number): Float64Array {
  if (!(w >= 0 && w < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${w}`);
  const out = new Float64Array(values.length);
  let last = 0;
  let wk = 1; // w^k
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = w * last + (1 - w) * v;
    wk *= w;
    out[i] = w === 0 ? v : last / (1 - wk);
  }
  return out;
}
