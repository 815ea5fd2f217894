/**
 * Plateau-edge refinement: moves each coarse plateau edge of the rate test to the change point of the loss.
 *
 * The rate test (stationary.ts) is centred: near a sharp drop at d its window sees the drop from t = d - W/2
 * on, so a coarse plateau ends up to W/2 before the decay that ended it, and the next one starts up to W/2
 * after the drop. Each edge is refined with a backward-looking end test and a one-change-point fit:
 *
 * End of a plateau [s, e] (mirrored for the start of the next one):
 * 1. Reference: the last h = W/2 steps of the plateau, [max(s, e-h+1), e], with level l = their mean. Noise
 *    sq = the spread of q-step block means over the plateau's last 4h steps (median |difference of consecutive
 *    block means| / (0.6745 sqrt 2): robust to the slow within-epoch rise and to an epoch-boundary step),
 *    with q = W/16.
 * 2. Trigger: among t in (e, e + h + q] (before the next plateau) where the means of the next q steps and of
 *    the q steps after them both lie band * sqrt(2) * sq below the mean of the previous q steps (a lasting step
 *    down beyond the noise: a slow sag or a one-block dip does not qualify), the one with the largest step (so
 *    an epoch-boundary dip just before a decay does not take the decay's place). None: the coarse end stays.
 * 3. Change point: in [t - q, t + 2q) around the trigger t, the split c minimising the squared error of "level l before c, a free
 *    constant from c on". The plateau ends at c - 1.
 * A start is moved only earlier and an end never past the next plateau's (refined) start, so plateaus stay
 * ordered and disjoint. Cost: O(n) prefix sums once, then O(h + q) per edge.
 *
 * Validated on the known step decays of data/logs and data/corpus (docs/replay.md, `npm run study:judge`).
 */

/** A run of indices the judge found stationary (stationary.ts finds them, this file moves their edges). */
export interface StationaryIndexSpan {
  /** First index of the run (inclusive). */
  start: number;
  /** Last index of the run (inclusive). */
  end: number;
}

/** Refinement window q as a fraction of the judge window W. */
export const REFINE_WINDOW_FRACTION = 1 / 16;
/** Default band: a plateau is left when the loss steps `band` noise units below its recent level. */
export const DEFAULT_BAND = 4;
/** The noise of an edge is measured over the last (first) NOISE_SPAN half windows of its plateau. */
const NOISE_SPAN = 4;

export interface RefineParams {
  /** Half window h = W/2 (steps): how far an edge can move. */
  half: number;
  /** Block / trigger window q (steps). */
  q: number;
  /** Band width in noise units. */
  band: number;
}

/** Prefix sums of x and x^2 (x finite). */
interface Sums {
  s1: Float64Array;
  s2: Float64Array;
}

function sums(x: Float64Array, s1?: Float64Array): Sums {
  const n = x.length;
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) s2[i + 1] = s2[i]! + x[i]! * x[i]!;
  if (s1) return { s1, s2 };
  const own = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) own[i + 1] = own[i]! + x[i]!;
  return { s1: own, s2 };
}

function meanOf(P: Float64Array, a: number, b: number): number {
  return (P[b]! - P[a]!) / (b - a);
}

/** Robust noise of q-step block means over [a, b): NaN when fewer than two differences. */
function blockNoise(P: Float64Array, a: number, b: number, q: number): number {
  const diffs: number[] = [];
  let prev = Number.NaN;
  for (let t = a; t + q <= b; t += q) {
    const m = meanOf(P, t, t + q);
    if (!Number.isNaN(prev)) diffs.push(Math.abs(m - prev));
    prev = m;
  }
  if (diffs.length < 2) return Number.NaN;
  diffs.sort((u, v) => u - v);
  const mid = diffs.length >> 1;
  const med = diffs.length % 2 === 1 ? diffs[mid]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
  return med / 0.6745 / Math.SQRT2;
}

/** Squared error of x over [a, b) around the known level l. */
function sseAt(S: Sums, a: number, b: number, level: number): number {
  return S.s2[b]! - S.s2[a]! - 2 * level * (S.s1[b]! - S.s1[a]!) + level * level * (b - a);
}

/** Squared error of x over [a, b) around its own mean. */
function sseFree(S: Sums, a: number, b: number): number {
  const s = S.s1[b]! - S.s1[a]!;
  return S.s2[b]! - S.s2[a]! - (s * s) / (b - a);
}

/**
 * The split c in (a, b) with the flat part (level l) on one side and a free constant on the other:
 * `flatFirst` = level on [a, c), free on [c, b) (a plateau's end); otherwise free on [a, c), level on [c, b).
 */
function splitAt(S: Sums, a: number, b: number, level: number, flatFirst: boolean): number {
  let best = Number.POSITIVE_INFINITY;
  let bestC = flatFirst ? b : a;
  for (let c = a + 1; c < b; c++) {
    const e = flatFirst ? sseAt(S, a, c, level) + sseFree(S, c, b) : sseFree(S, a, c) + sseAt(S, c, b, level);
    if (e < best) {
      best = e;
      bestC = c;
    }
  }
  return bestC;
}

/**
 * Refine the coarse spans of a finite per-step sequence `x` (see the file comment). Returns new spans.
 * `prefix` (optional): x's prefix sums (P[i] = x[0] + ... + x[i-1]) when the caller has them.
 * @example refineSpans(x, [{ start: 1040, end: 2950 }], { half: 50, q: 6, band: 4 }) // -> [{ start: 1040, end: 2999 }] on a drop at 3000
 */
export function refineSpans(
  x: Float64Array,
  spans: readonly StationaryIndexSpan[],
  p: RefineParams,
  prefix?: Float64Array,
): StationaryIndexSpan[] {
  const n = x.length;
  const h = Math.max(1, Math.floor(p.half));
  const q = Math.max(1, Math.floor(p.q));
  const out = spans.map((s) => ({ start: s.start, end: s.end }));
  if (out.length === 0 || n < 4 * q) return out;
  const S = sums(x, prefix);
  for (let i = 0; i < out.length; i++) {
    const sp = out[i]!;
    const prevEnd = i > 0 ? out[i - 1]!.end : -1;
    // start (the previous plateau's end is already refined)
    if (sp.start > 0) {
      const s = sp.start;
      const refHi = Math.min(sp.end + 1, s + h);
      const level = meanOf(S.s1, s, refHi);
      const noise = blockNoise(S.s1, s, Math.min(sp.end + 1, s + NOISE_SPAN * h), q);
      const tMin = Math.max(prevEnd + 1 + 2 * q, s - h - q, 2 * q);
      if (!Number.isNaN(noise)) {
        const step = p.band * noise * Math.SQRT2;
        let best = 0;
        let at = -1;
        for (let t = Math.min(s, refHi - 2 * q); t >= tMin; t--) {
          const post = meanOf(S.s1, t, t + q);
          // the step from the falling loss before t to the plateau, less the drift of the q steps after t
          const rise = meanOf(S.s1, t - q, t) - post - (post - meanOf(S.s1, t + q, t + 2 * q));
          if (rise > step && rise > best && meanOf(S.s1, t - 2 * q, t - q) > post + step) {
            best = rise;
            at = t;
          }
        }
        if (at >= 0) {
          const c = splitAt(S, Math.max(prevEnd + 1, at - 2 * q), Math.min(refHi, at + q), level, false);
          sp.start = Math.max(prevEnd + 1, Math.min(s, c));
        }
      }
    }
    // end (bounded by the next plateau's coarse start)
    if (sp.end < n - 1) {
      const e = sp.end;
      const nextStart = i + 1 < out.length ? out[i + 1]!.start : n;
      const refLo = Math.max(sp.start, e + 1 - h);
      const level = meanOf(S.s1, refLo, e + 1);
      const noise = blockNoise(S.s1, Math.max(sp.start, e + 1 - NOISE_SPAN * h), e + 1, q);
      const tMax = Math.min(e + h + q, nextStart - 1, n - 2 * q);
      if (!Number.isNaN(noise)) {
        const step = p.band * noise * Math.SQRT2;
        let best = 0;
        let at = -1;
        for (let t = Math.max(e + 1, refLo + 2 * q); t <= tMax; t++) {
          const pre = meanOf(S.s1, t - q, t);
          // the step down at t, less the drift of the q steps before it (a steady decline is no step)
          const drop = pre - meanOf(S.s1, t, t + q) - (meanOf(S.s1, t - 2 * q, t - q) - pre);
          if (drop > step && drop > best && meanOf(S.s1, t + q, t + 2 * q) < pre - step) {
            best = drop;
            at = t;
          }
        }
        if (at >= 0) {
          const c = splitAt(S, Math.max(refLo, at - q), Math.min(nextStart, at + 2 * q), level, true);
          sp.end = Math.min(nextStart - 1, Math.max(sp.start, c - 1));
        }
      }
    }
  }
  return out;
}
