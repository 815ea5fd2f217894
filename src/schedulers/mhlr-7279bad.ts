/**
 * mhlr-7279bad: the MHLR of the FastFace repository's initial commit (amoonfana/FastFace 7279bad, "Init",
 * `lr_scheduler.py`), so that a log written by that version can be recognised. It differs from the released
 * rule (`fastface`, the O(1) recurrence of the later commits):
 *
 *   statistic   the two-EMA form with its own cold start: at the first loss only L is remembered; then
 *               D_1 = alpha (L_0 - L_1), E_1 = D_1; for t >= 2
 *               D_t = (1 - alpha) D_{t-1} + alpha (L_{t-1} - L_t),  E_t = beta D_t + (1 - beta) E_{t-1}
 *               (not equal to the released recurrence's cold start, which seeds E_1 = alpha g_1 into x_t)
 *   rule        if E_t < lambda:  count < toler -> weight = 1, count += 1;  else weight = 1/delta, count = 0
 *               otherwise: nothing. There is no `else: weight = 1; count = 0` branch, so
 *                 - count is never reset by a non-stationary step (it counts stationary steps in total), and
 *                 - after a fire the weight stays 1/delta for as long as E_t >= lambda, and `get_lr` multiplies
 *                   the LR by it at every step: the LR halves step after step until a stationary step sets the
 *                   weight back to 1;
 *               and there is no cap on the number of decays (the released rule stops after 8).
 * toler = floor(T * tau). `lr` after `step()` is the LR in force for the next step (the official code applies the
 * weight at the start of the next `my_step`: see docs/explain.md, "timing"). `step()` returns true when the LR
 * changes; once the LR has underflowed to 0 nothing changes any more. Non-finite losses are skipped (no
 * information; the weight in force stays in force), as in fastface.
 */
import { tolerance } from "./decide.ts";
import { defineScheduler } from "./factory.ts";
import { dec, enc, num } from "./params.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";

export const MHLR_7279BAD_PARAMS = {
  alpha: { type: "number", default: 0.001, min: 1e-12, max: 1, doc: "EMA factor of the loss decrease D_t" },
  beta: { type: "number", default: 0.001, min: 1e-12, max: 1, doc: "EMA factor of D_t" },
  lambda: { type: "number", default: 5e-5, doc: "threshold: E_t < lambda counts as stationary" },
  tau: { type: "number", default: 0.05, min: 0, max: 1, doc: "tolerance as a fraction of T: toler = floor(T * tau)" },
  delta: { type: "number", default: 2, min: 1, doc: "LR divisor while the weight is 1/delta" },
} as const satisfies Record<string, ParamSpec>;

class Mhlr7279bad extends StepwiseScheduler<ParamsOf<typeof MHLR_7279BAD_PARAMS>> {
  readonly name = "mhlr-7279bad";
  statistic = Number.NaN;
  /** Stationary steps counted since the last fire (never reset otherwise). */
  counter = 0;
  readonly toler: number;
  private weight = 1;
  private k = 0;
  private prevL = 0;
  private d = 0;
  private e = 0;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly lambda: number;
  private readonly down: number;

  constructor(params: ParamsOf<typeof MHLR_7279BAD_PARAMS>, ctx: SchedulerContext) {
    super(params, ctx);
    this.alpha = params.alpha;
    this.beta = params.beta;
    this.lambda = params.lambda;
    this.down = 1 / params.delta;
    this.toler = tolerance(ctx.totalSteps, params.tau);
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss === 0) {
      const k = this.k;
      this.k = k + 1;
      if (k === 0) {
        this.prevL = loss;
        return false;
      }
      const g = this.prevL - loss;
      if (k === 1) {
        this.d = this.alpha * g;
        this.e = this.d;
      } else {
        this.d = (1 - this.alpha) * this.d + this.alpha * g;
        this.e = this.beta * this.d + (1 - this.beta) * this.e;
      }
      this.prevL = loss;
      this.statistic = this.e;
      if (this.e < this.lambda) {
        if (this.counter < this.toler) {
          this.weight = 1;
          this.counter += 1;
        } else {
          this.weight = this.down;
          this.counter = 0;
        }
      }
    } else this.statistic = Number.NaN;
    if (this.weight === 1) return false;
    const before = this.lr;
    this.lr = before * this.weight;
    if (this.lr === before) return false;
    this.decays += 1;
    return true;
  }

  protected ownState(): Record<string, unknown> {
    return {
      k: this.k,
      weight: this.weight,
      count: this.counter,
      prevL: this.prevL,
      d: this.d,
      e: this.e,
      statistic: enc(this.statistic),
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.k = num(s, "k");
    this.weight = num(s, "weight");
    this.counter = num(s, "count");
    this.prevL = num(s, "prevL");
    this.d = num(s, "d");
    this.e = num(s, "e");
    this.statistic = dec(s, "statistic");
  }
}

/**
 * The mhlr-7279bad factory.
 * @example const s = mhlr7279bad.create({}, { totalSteps: 202320, lr0: 0.02 }); s.step(46.5);
 */
export const mhlr7279bad: SchedulerFactory = defineScheduler({
  name: "mhlr-7279bad",
  summary: "FastFace's initial-commit MHLR (7279bad): two-EMA cold start, no reset branch, sticky weight, no cap",
  paramSpecs: MHLR_7279BAD_PARAMS,
  adaptive: true,
  // the MHLR code path: a weight decided at my_step k is applied by my_step k + 1 (timing.ts)
  lrTiming: "official",
  make: (params, ctx) => new Mhlr7279bad(params, ctx),
});
