/**
 * The noise model of the closed loop: log residuals of the fit (observed / predicted), high-passed so the
 * model's slow misfit is not replayed as noise, resampled with a moving-block bootstrap whose block length is
 * the residuals' integrated autocorrelation time. Seeded.
 */
import { Prng } from "../random.ts";

export interface NoiseModel {
  /** High-passed log residuals, one per logged point. */
  values: Float64Array;
  blockLength: number;
  /** Standard deviation of `values`. */
  sigma: number;
  /** Moving-average window (points) removed from the raw residuals. */
  window: number;
}

/**
 * Centred moving average of width `w` (odd), shrinking at the edges.
 *
 * @example
 * movingAverage(Float64Array.from([1, 2, 3]), 3); // [1.5, 2, 2.5]
 */
export function movingAverage(x: Float64Array, w: number): Float64Array {
  const n = x.length;
  const h = Math.floor(w / 2);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - h);
    const hi = Math.min(n, i + h + 1);
    out[i] = (prefix[hi]! - prefix[lo]!) / (hi - lo);
  }
  return out;
}

/**
 * Block length from the autocorrelation: 1 + 2 * sum of the autocorrelations up to the first lag where they
 * fall below 0.05, rounded up, within [1, n/4].
 *
 * @example
 * blockLengthOf(whiteNoise); // 1 or 2
 */
export function blockLengthOf(x: Float64Array): number {
  const n = x.length;
  if (n < 8) return 1;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let c0 = 0;
  for (const v of x) c0 += (v - mean) ** 2;
  if (c0 === 0) return 1;
  let sum = 0;
  const maxLag = Math.floor(n / 4);
  for (let k = 1; k <= maxLag; k++) {
    let ck = 0;
    for (let i = k; i < n; i++) ck += (x[i]! - mean) * (x[i - k]! - mean);
    const rho = ck / c0;
    if (rho < 0.05) break;
    sum += rho;
  }
  return Math.max(1, Math.min(maxLag, Math.ceil(1 + 2 * sum)));
}

/**
 * Noise model from observed and predicted losses at the logged points.
 *
 * @example
 * const noise = noiseFromResiduals(observed, predicted);
 */
export function noiseFromResiduals(observed: ArrayLike<number>, predicted: ArrayLike<number>): NoiseModel {
  const r: number[] = [];
  for (let i = 0; i < observed.length; i++) {
    const y = observed[i]!;
    const p = predicted[i]!;
    if (Number.isFinite(y) && y > 0 && Number.isFinite(p) && p > 0) r.push(Math.log(y / p));
  }
  const raw = Float64Array.from(r);
  const window = Math.max(5, Math.round(raw.length / 50)) | 1;
  const trend = movingAverage(raw, window);
  const values = raw.map((v, i) => v - trend[i]!);
  let ss = 0;
  for (const v of values) ss += v * v;
  return {
    values,
    blockLength: blockLengthOf(values),
    sigma: values.length > 0 ? Math.sqrt(ss / values.length) : 0,
    window,
  };
}

/** Moving-block bootstrap stream over the noise values. */
export class BlockBootstrap {
  private readonly values: Float64Array;
  private readonly block: number;
  private readonly rng: Prng;
  private pos = 0;
  private left = 0;
  constructor(noise: Pick<NoiseModel, "values" | "blockLength">, seed: number) {
    this.values = noise.values;
    this.block = Math.max(1, noise.blockLength);
    this.rng = new Prng(seed);
  }
  /**
   * The next resampled value (0 when there are no residuals).
   *
   * @example
   * new BlockBootstrap(noise, 1).next();
   */
  next(): number {
    const n = this.values.length;
    if (n === 0) return 0;
    if (this.left === 0) {
      const maxStart = Math.max(1, n - this.block + 1);
      this.pos = this.rng.int(maxStart);
      this.left = Math.min(this.block, n - this.pos);
    }
    this.left--;
    return this.values[this.pos++]!;
  }
}
