/**
 * dlib: the learning-rate shrinking of dlib's dnn_trainer (dlib/dnn/trainer.h), fed the per-step loss.
 *
 * The trainer keeps the last `thresh` losses (iter_without_progress_thresh, default 2000). Every step adds 200
 * to a budget; when budget > thresh it is reset and the window is tested:
 *   count_steps_without_decrease(window, p) >= thresh   and then
 *   count_steps_without_decrease_robust(window, p, quantileDiscard) >= thresh
 * both true -> LR *= shrink (a decay) and the oldest (dumpAmount + floor(thresh / 10)) losses are dropped.
 * count_steps_without_decrease walks the window from the newest value backwards, feeding a recursive-least-
 * squares line fit (dlib's running_gradient: OLS with a 1e6 x I prior) and returns the largest j such that the
 * probability that the slope over the newest j values shows a decrease is below p (normal approximation with
 * the OLS standard error). The robust variant ignores values above the (1 - quantileDiscard) quantile.
 * dlib stops training when the LR falls below min_learning_rate; here the LR just stops shrinking (min_lr,
 * absolute, default lr0 * 1e-3 = dlib's default ratio 1e-5 / 1e-2). Non-finite losses are skipped.
 */
import { defineScheduler } from "./factory.ts";
import { num, numArray } from "./params.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";

export const DLIB_PARAMS = {
  thresh: { type: "integer", default: 2000, min: 3, doc: "iterations without progress before shrinking" },
  shrink: { type: "number", default: 0.1, min: 1e-12, max: 1, doc: "LR multiplier per shrink" },
  probability: { type: "number", default: 0.51, min: 0.500001, max: 0.999999, doc: "probability_of_decrease" },
  quantileDiscard: { type: "number", default: 0.1, min: 0, max: 1, doc: "robust test discards this top quantile" },
  dumpAmount: { type: "integer", default: 400, min: 0, doc: "previous_loss_values_dump_amount" },
  min_lr: {
    type: "number",
    default: undefined,
    min: 0,
    doc: "no shrinking once LR < min_lr (absolute; default lr0 * 1e-3, dlib's 1e-5 / 1e-2)",
  },
} as const satisfies Record<string, ParamSpec>;

/** erfc(x) to ~1e-13: Taylor series of erf for |x| < 3, Lentz continued fraction beyond. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * sum;
    return x >= 0 ? 1 - erf : 1 + erf;
  }
  // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))), modified Lentz
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = ax + a * D;
    D = D === 0 ? tiny : D;
    C = ax + a / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const v = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x >= 0 ? v : 2 - v;
}

/** dlib's running_gradient (recursive least squares of y against n = 0, 1, 2, ...), in plain fields. */
class RunningGradient {
  n = 0;
  r00 = 1e6;
  r01 = 0;
  r10 = 0;
  r11 = 1e6;
  w0 = 0;
  w1 = 0;
  res = 0;

  clear(): void {
    this.n = 0;
    this.r00 = 1e6;
    this.r01 = 0;
    this.r10 = 0;
    this.r11 = 1e6;
    this.w0 = 0;
    this.w1 = 0;
    this.res = 0;
  }

  add(y: number): void {
    const n = this.n;
    // tmp = R x, x = (n, 1)
    const t0 = this.r00 * n + this.r01;
    const t1 = this.r10 * n + this.r11;
    const temp = 1 + (n * t0 + t1);
    let a = this.r00 - (t0 * t0) / temp;
    let b = this.r01 - (t0 * t1) / temp;
    let c = this.r10 - (t1 * t0) / temp;
    const d = this.r11 - (t1 * t1) / temp;
    const sym = 0.5 * (b + c);
    a = 0.5 * (a + a);
    b = sym;
    c = sym;
    this.r00 = a;
    this.r01 = b;
    this.r10 = c;
    this.r11 = d;
    const e = y - (n * this.w0 + this.w1);
    this.w0 += (a * n + b) * e;
    this.w1 += (c * n + d) * e;
    const r = y - (n * this.w0 + this.w1);
    this.res += r * r * temp;
    this.n = n + 1;
  }

  /**
   * dlib's test `probability_gradient_greater_than(0) < p`, i.e. Phi(w0 / se) < p, evaluated as w0 / se < zp with
   * zp = Phi^-1(p) precomputed (the same decision without an erfc per value; se = 0 handled as dlib does).
   */
  notDecreasing(zp: number): boolean {
    const n = this.n;
    const se = Math.sqrt((this.res / (n - 2)) * (12 / (n ** 3 - n)));
    if (se === 0) return this.w0 <= 0;
    return this.w0 / se < zp;
  }
}

/** Standard normal CDF via erfc. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Phi^-1(p) by bisection to machine precision. @example probit(0.5) // -> 0 */
export function probit(p: number): number {
  let lo = -40;
  let hi = 40;
  for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const G = new RunningGradient();

/**
 * dlib count_steps_without_decrease over values[0..size) read from a ring (oldest first).
 * @example countStepsWithoutDecrease(Float64Array.from([3, 3, 3, 3]), 0, 4, 4, 0.51) // -> 4
 */
export function countStepsWithoutDecrease(
  ring: Float64Array,
  head: number,
  size: number,
  cap: number,
  p: number,
  upper = Number.POSITIVE_INFINITY,
): number {
  const zp = probit(p);
  return countWithZ(ring, head, size, cap, zp, upper);
}

function countWithZ(ring: Float64Array, head: number, size: number, cap: number, zp: number, upper: number): number {
  G.clear();
  let count = 0;
  for (let j = 1; j <= size; j++) {
    const v = ring[(head + size - j) % cap]!;
    if (v <= upper) G.add(v);
    if (G.n > 2 && G.notDecreasing(zp)) count = j;
  }
  return count;
}

/** dlib find_upper_quantile: the element at round((size - 1) * (1 - q)) in ascending order. */
function upperQuantile(ring: Float64Array, head: number, size: number, cap: number, q: number, scratch: Float64Array) {
  for (let j = 0; j < size; j++) scratch[j] = ring[(head + j) % cap]!;
  const part = scratch.subarray(0, size);
  part.sort();
  return part[Math.round((size - 1) * (1 - q))]!;
}

class DlibScheduler extends StepwiseScheduler<ParamsOf<typeof DLIB_PARAMS>> {
  readonly name = "dlib";
  /** steps_without_progress of the last check. */
  counter = 0;
  private budget = 0;
  private readonly thresh: number;
  private readonly shrink: number;
  private readonly zp: number;
  private readonly q: number;
  private readonly dump: number;
  private readonly minLr: number;
  private readonly ring: Float64Array;
  private readonly scratch: Float64Array;
  private head = 0;
  private size = 0;

  constructor(params: ParamsOf<typeof DLIB_PARAMS>, ctx: SchedulerContext) {
    super(params, ctx);
    this.thresh = params.thresh;
    this.shrink = params.shrink;
    this.zp = probit(params.probability);
    this.q = params.quantileDiscard;
    this.dump = params.dumpAmount;
    this.minLr = params.min_lr ?? ctx.lr0 * 1e-3;
    this.ring = new Float64Array(this.thresh);
    this.scratch = new Float64Array(this.thresh);
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) return false;
    const cap = this.thresh;
    this.budget += 200;
    if (this.size < cap) {
      this.ring[(this.head + this.size) % cap] = loss;
      this.size += 1;
    } else {
      this.ring[this.head] = loss;
      this.head = (this.head + 1) % cap;
    }
    if (!(this.budget > cap) || this.shrink === 1 || this.lr < this.minLr) return false;
    this.budget = 0;
    this.counter = countWithZ(this.ring, this.head, this.size, cap, this.zp, Number.POSITIVE_INFINITY);
    if (this.counter < cap) return false;
    const upper = upperQuantile(this.ring, this.head, this.size, cap, this.q, this.scratch);
    this.counter = countWithZ(this.ring, this.head, this.size, cap, this.zp, upper);
    if (this.counter < cap) return false;
    this.lr *= this.shrink;
    this.counter = 0;
    this.decays += 1;
    const drop = Math.min(this.size, this.dump + Math.floor(cap / 10));
    this.head = (this.head + drop) % cap;
    this.size -= drop;
    return true;
  }

  protected ownState(): Record<string, unknown> {
    const window: number[] = new Array(this.size);
    for (let j = 0; j < this.size; j++) window[j] = this.ring[(this.head + j) % this.thresh]!;
    return {
      budget: this.budget,
      counter: this.counter,
      window,
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.budget = num(s, "budget");
    this.counter = num(s, "counter");
    const w = numArray(s, "window").slice(-this.thresh);
    this.head = 0;
    this.size = w.length;
    this.ring.set(w);
  }
}

/**
 * @example const s = dlib.create({ thresh: 2000 }, { totalSteps: 100000, lr0: 0.1 });
 */
export const dlib: SchedulerFactory = defineScheduler({
  name: "dlib",
  summary: "dlib dnn_trainer: shrink LR when count_steps_without_decrease and its robust variant reach thresh",
  paramSpecs: DLIB_PARAMS,
  adaptive: true,
  make: (params, ctx) => new DlibScheduler(params, ctx),
});
