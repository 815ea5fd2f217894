/**
 * First-change inversion: the threshold (or patience) of a counting rule from the log's first LR decrease.
 *
 * A counting rule fires when a statistic x_j, which does not depend on the threshold, has been "stationary"
 * long enough. With every other parameter fixed, the index of its first fire is a monotone step function of the
 * threshold, so the threshold values that put the first fire inside the logged interval of the first logged
 * decrease form an interval, computed exactly from one run that records x_j (or the rule's own counter):
 *
 *   window      fire at the first j where the last W statistics are all < theta (fastface, hck: W = toler + 1;
 *               hck-proto: W = patience + 1, or + 2 when the count is checked before it is incremented):
 *               theta in (min over the interval of M_j, min before it of M_j], M_j the max of x over the W
 *               statistics ending at j
 *   cumulative  fire at the K-th stationary step since the last fire (mhlr-7279bad, whose count only a fire resets;
 *               K = toler + 1), so the k-th fire is the (k K)-th stationary step overall: theta in (the (k K)-th
 *               smallest x up to the k-th interval's end, the same before it], intersected over all logged decreases
 *   counter     fire when the rule's counter, recorded with the limit disabled, exceeds (torch: num_bad >
 *               patience) or reaches (Keras, Optax) the limit: integer limits from the counter's maxima
 *
 * The search turns each interval into a few candidates (its ends and middle); the kernel then scores them on
 * every change, so a wrong interval (e.g. the first decrease was not this rule's first fire) costs candidates,
 * not correctness. Runs in this thread, once per structural combination of a family's grid.
 */
import { createScheduler } from "../schedulers/registry.ts";
import type { Params, SchedulerContext } from "../schedulers/types.ts";
import type { ExplainInput } from "./kernel.ts";

/** Logged decreases the cumulative inversion intersects (the first few pin the threshold; each costs a selection). */
export const CUMULATIVE_CHANGES = 6;

export type InvertSpec =
  | { kind: "window"; param: string; disable: Params; window: (p: Params, totalSteps: number) => number }
  | { kind: "cumulative"; param: string; disable: Params; count: (p: Params, totalSteps: number) => number }
  | { kind: "counter"; param: string; disable: Params; exceeds: boolean; integer: true };

/** The per-step index ranges in which the logged decreases were decided (either timing), in order. */
function decreases(input: ExplainInput): Array<{ lo: number; hi: number }> {
  return input.changes
    .filter((ch) => ch.ratio < 1)
    .map((c) => {
      const hi = input.pointStep[c.point]! - input.firstStep;
      const lo = c.point > 0 ? input.pointStep[c.point - 1]! - input.firstStep : 0;
      return { lo: Math.max(0, lo), hi };
    });
}

/** Record the statistic (or counter) of a rule whose firing is disabled, one value per step. */
function record(input: ExplainInput, rule: string, params: Params, what: "statistic" | "counter", upto: number) {
  const ctx: SchedulerContext = { totalSteps: input.totalSteps, lr0: 1 };
  if (input.stepOffset > 0) ctx.stepOffset = input.stepOffset;
  const s = createScheduler({ name: rule, params }, ctx);
  const n = Math.min(input.losses.length, upto + 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s.step(input.losses[i]!);
    const v = what === "statistic" ? s.statistic : s.counter;
    out[i] = v === undefined || Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  }
  return out;
}

/** Sliding maximum of x over windows of w values ending at each index (+inf before the first full window). */
function slidingMax(x: Float64Array, w: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    while (tail > head && x[dq[tail - 1]!]! <= x[i]!) tail--;
    dq[tail++] = i;
    if (dq[head]! <= i - w) head++;
    if (i >= w - 1) out[i] = x[dq[head]!]!;
  }
  return out;
}

/** The k-th smallest (0-based) of a[0..n) by quickselect (reorders a). */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as the pivot
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Values inside (lo, hi]: just above lo, the middle, hi; or a spread above lo when hi is +inf. */
function inside(lo: number, hi: number, integer: boolean): number[] {
  if (!(hi > lo) || Number.isNaN(hi) || !Number.isFinite(lo)) return [];
  if (!Number.isFinite(hi)) {
    // no upper bound (the rule could not have fired earlier for any value): values above lo
    const span = Math.abs(lo) || 1e-12;
    const vals = [1e-6, 0.3, 1, 2.5, 8].map((k) => lo + span * k);
    return [...new Set(integer ? vals.map((v) => Math.floor(v) + 1) : vals.map((v) => Number(v.toPrecision(12))))];
  }
  if (integer) {
    const a = Math.floor(lo) + 1;
    const b = Math.floor(hi);
    if (b < a) return [];
    return [...new Set([a, Math.round((a + b) / 2), b])];
  }
  const span = hi - lo;
  const out = [1e-6, 0.5, 1].map((k) => Number((lo + span * k).toPrecision(12)));
  return [...new Set(out)];
}

/**
 * Values of the inverted parameter that make `params`' first fire fall in the first logged decrease's interval.
 * @example invertFirstChange(input, "hck-proto", { m: 4000 }, spec) // -> [0.05994, 0.05997, 0.06]
 */
export function invertFirstChange(input: ExplainInput, rule: string, params: Params, spec: InvertSpec): number[] {
  const all = decreases(input);
  const range = all[0];
  if (!range) return [];
  const p = { ...params, ...spec.disable };
  if (spec.kind === "counter") {
    const c = record(input, rule, p, "counter", range.hi);
    let before = 0;
    for (let i = 0; i < range.lo && i < c.length; i++) if (Number.isFinite(c[i]!)) before = Math.max(before, c[i]!);
    let within = Number.NEGATIVE_INFINITY;
    for (let i = range.lo; i <= range.hi && i < c.length; i++)
      if (Number.isFinite(c[i]!)) within = Math.max(within, c[i]!);
    // exceeds (torch): fire when counter > P -> P in [before, within - 1]; reaches: counter >= P -> P in [before + 1, within]
    return spec.exceeds ? inside(before - 1, within - 1, true) : inside(before, within, true);
  }
  if (spec.kind === "window") {
    const x = record(input, rule, p, "statistic", range.hi);
    const w = spec.window(params, input.totalSteps);
    if (!(w >= 1) || w > x.length) return [];
    const M = slidingMax(x, w);
    let minBefore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < range.lo && i < M.length; i++) minBefore = Math.min(minBefore, M[i]!);
    let minWithin = Number.POSITIVE_INFINITY;
    for (let i = range.lo; i <= range.hi && i < M.length; i++) minWithin = Math.min(minWithin, M[i]!);
    return inside(minWithin, minBefore, false);
  }
  // the count restarts at 0 after each fire and a fire is the K-th stationary step since the last one, so the
  // k-th fire is the (k K)-th stationary step overall: a monotone function of theta for every k. Intersect the
  // intervals of all logged decreases (each assumed to be one fire); fall back to the first one alone.
  const K = spec.count(params, input.totalSteps);
  const full = record(input, rule, p, "statistic", all[all.length - 1]!.hi);
  const scratch = new Float64Array(full.length);
  // the r-th smallest statistic among indices <= upto (+inf when fewer than r)
  const rank = (r: number, upto: number): number => {
    const n = Math.min(upto + 1, full.length);
    if (r > n || n <= 0) return Number.POSITIVE_INFINITY;
    scratch.set(full.subarray(0, n));
    return select(scratch, n, r - 1);
  };
  const interval = (k: number, r: { lo: number; hi: number }): [number, number] => [
    rank(k * K, r.hi),
    rank(k * K, r.lo - 1),
  ];
  const [lo1, hi1] = interval(1, range);
  let lo = lo1;
  let hi = hi1;
  for (let k = 2; k <= Math.min(all.length, CUMULATIVE_CHANGES); k++) {
    const [a, b] = interval(k, all[k - 1]!);
    lo = Math.max(lo, a);
    hi = Math.min(hi, b);
  }
  return hi > lo ? inside(lo, hi, false) : inside(lo1, hi1, false);
}
