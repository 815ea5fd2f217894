/**
 * The statistics of a retrain experiment: paired differences over seeds, Student-t intervals, ranges.
 *
 * A retrain design trains every arm with the same seeds; seed i of two arms shares the data order and the
 * initial weights, so the difference of their accuracies at seed i cancels what the seed does to both. With n
 * seeds the paired differences d_1..d_n (in accuracy points) give
 *   mean = sum(d) / n,  sd = sqrt(sum((d - mean)^2) / (n - 1)),  se = sd / sqrt(n),
 *   one-sided 95 % lower bound = mean - t(0.95; n - 1) * se   (upper bound: mean + t * se),
 * where t(p; df) is the p-quantile of Student's t distribution with df degrees of freedom. One seed gives no
 * interval (null bounds).
 *
 * The t quantile is computed from the regularised incomplete beta function (Lentz's continued fraction) and
 * inverted by bisection: exact to ~1e-10 for any df >= 1, no tables.
 */

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; |error| < 1e-13 on the range used here). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/**
 * The regularised incomplete beta function I_x(a, b).
 *
 * @example
 * incompleteBeta(0.5, 2, 2); // 0.5
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/**
 * P(T <= t) for Student's t with `df` degrees of freedom.
 *
 * @example
 * studentCdf(0, 5); // 0.5
 */
export function studentCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t distribution with `df` degrees of freedom (bisection on the CDF).
 *
 * @example
 * studentQuantile(0.95, 2); // 2.919986 (the one-sided 95 % factor for 3 paired seeds)
 */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A sample summarised: mean, its interval, the range. Bounds are null with fewer than 2 values. */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); null for n < 2. */
  sd: number | null;
  /** One-sided 95 % lower bound of the mean (t with n - 1 df). */
  lower95: number | null;
  /** One-sided 95 % upper bound of the mean. */
  upper95: number | null;
  min: number;
  max: number;
}

/**
 * Mean, one-sided 95 % bounds (Student t, n - 1 df) and range of a sample.
 *
 * @example
 * summarize([-1, 0, -2]); // { n: 3, mean: -1, sd: 1, lower95: -2.6859, upper95: 0.6859, min: -2, max: 0 }
 */
export function summarize(values: readonly number[], confidence = 0.95): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: Number.NaN, sd: null, lower95: null, upper95: null, min: Number.NaN, max: Number.NaN };
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: null, lower95: null, upper95: null, min, max };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const sd = Math.sqrt(ss / (n - 1));
  const half = studentQuantile(confidence, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, lower95: mean - half, upper95: mean + half, min, max };
}

/**
 * Paired differences a_i - b_i (same seed i), summarised. Throws when the lengths differ.
 *
 * @example
 * pairedDifference([81, 82, 81], [82, 82, 83]).lower95; // -2.6859 (mean -1, sd 1, n 3)
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): Summary {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return summarize(
    a.map((x, i) => x - b[i]!),
    confidence,
  );
}
