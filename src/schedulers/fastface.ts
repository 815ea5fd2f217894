/**
 * fastface: the official O(1) FastFace scheduler (amoonfana/FastFace `lr_scheduler.py`, class MHLR).
 *
 * Statistic: a double exponential smoothing of the per-step loss decrease, as a second-order recurrence:
 *   t = 0: remember L_0 (no statistic, no decision)
 *   t = 1: x_1 = alpha (L_0 - L_1)                                   (official cold start)
 *   t >= 2: x_t = w1 x_{t-1} - w2 x_{t-2} + w3 (L_{t-1} - L_t),  x_0 = 0
 *   w1 = (1-alpha) + (1-beta), w2 = (1-alpha)(1-beta), w3 = alpha beta
 * Decisions from t = 1 on with the shared rule (decide.ts). Once the cold start has decayed, x_t equals the
 * two-EMA form D_t = (1-alpha) D_{t-1} + alpha (L_{t-1} - L_t), E_t = beta D_t + (1-beta) E_{t-1}.
 *
 * The official cold start injects x_1 = alpha g_1 into a filter whose double pole sits at ~1 - alpha: the
 * homogeneous response is the ramp alpha g_1 t (1 - alpha)^(t-1) (exact for alpha = beta), largest, g_1 / e, near
 * t = 1/alpha, so one large first difference (e.g. a loss that rises during warm-up) dominates x_t for thousands
 * of steps. We reproduce it exactly (it is what the official code does).
 *
 * `debias=true` (our addition, off by default): start from the zero state instead (x_0 = x_{-1} = 0, so
 * x_1 = alpha beta g_1, the two-EMA form from D_0 = E_0 = 0) and divide by the same filter's response c_t to a
 * constant unit decrease (c_t -> 1), like Adam's bias correction: x_t / c_t is an unbiased weighted mean of the
 * per-step decreases from t = 1 on, with no cold-start ramp.
 *
 * `warmup=N` (our addition, off by default): no decision during the first N steps (N in (0, 1): a fraction of
 * T). The statistic runs as usual; the tolerance counter starts at the first step after the warm-up. Useful on
 * strided logs, where the cold start above is built from interval means, and on runs whose loss rises at first.
 *
 * Non-finite losses are "no information": the step is skipped (statistic NaN, counter unchanged, no decision);
 * the next finite loss is differenced against the last finite one. The official MHLR is different: a NaN loss
 * makes D_EMA NaN, and NaN stays NaN in the recurrence, so `D_EMA < lambd` is false at every later step: the
 * counter is reset each step and the official rule never decays again (an infinite loss does the same one step
 * later). See docs/replay.md.
 */
import { DecayRule, tolerance } from "./decide.ts";
import { defineScheduler, typedAccess } from "./factory.ts";
import { stepsOrFraction } from "./fixed.ts";
import { floatFields } from "./float-fields.ts";
import { dec, enc, num } from "./params.ts";
import type {
  DecaySink,
  ParamSpec,
  ParamsOf,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SchedulerState,
} from "./types.ts";

/** Steps per chunk of the stepRange fast path (the unit of a rollback). */
const CHUNK = 2048;

export const FASTFACE_PARAMS = {
  alpha: { type: "number", default: 0.001, min: 1e-12, max: 1, doc: "EMA factor of the loss decrease D_t" },
  beta: { type: "number", default: 0.001, min: 1e-12, max: 1, doc: "EMA factor of D_t (second smoothing)" },
  lambda: { type: "number", default: 5e-5, doc: "threshold: x_t < lambda counts as stationary" },
  tau: { type: "number", default: 0.05, min: 0, max: 1, doc: "tolerance as a fraction of T: toler = floor(T * tau)" },
  delta: { type: "number", default: 2, above: 1, doc: "LR divisor per decay (> 1: each decay lowers the LR)" },
  maxDecays: { type: "integer", default: 8, min: 0, doc: "decays after which the rule stops firing" },
  debias: { type: "boolean", default: false, doc: "bias-corrected cold start (ours; the official code has none)" },
  warmup: {
    type: "number",
    default: 0,
    min: 0,
    doc: "no decision during the first N steps (ours; values in (0,1): fraction of T; 0: off, as the official code)",
  },
} as const satisfies Record<string, ParamSpec>;

/** The JSON state of a fastface scheduler (`getState()`), typed for the batch kernel (src/schedulers/batch/). */
export interface FastFaceState extends SchedulerState {
  params: ParamsOf<typeof FASTFACE_PARAMS>;
  k: number;
  prevL: number;
  x1: number;
  x2: number;
  c1: number;
  c2: number;
  count: number;
  events: number;
  /** `enc`-coded (non-finite values as strings). */
  statistic: number | string;
}

/** The float state of the scheduler, one `Float64Array` slot each (float-fields.ts). */
const FLOAT_FIELDS = ["prevL", "x1", "x2", "c1", "c2", "lr", "statistic"] as const;

class FastFaceScheduler implements Scheduler {
  readonly name = "fastface";
  readonly params: ParamsOf<typeof FASTFACE_PARAMS>;
  readonly ctx: SchedulerContext;
  t = 0;
  private readonly alpha: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;
  private readonly delta: number;
  private readonly debias: boolean;
  /** Steps without a decision (warmup param, resolved against T). */
  private readonly warmup: number;
  private readonly rule: DecayRule;
  /** Finite losses consumed. */
  private k = 0;

  /**
   * Float state lives in a Float64Array (prevL, x1, x2, c1, c2, lr, statistic): object fields that start as
   * small integers and later hold doubles change V8's hidden class and deoptimise the hot loop per instance.
   */
  /** The slots of FLOAT_FIELDS (read and written by the accessors float-fields.ts installs). */
  readonly f = new Float64Array(FLOAT_FIELDS.length);
  declare private prevL: number;
  declare private x1: number;
  declare private x2: number;
  declare private c1: number;
  declare private c2: number;
  /** LR in force for the next step. */
  declare lr: number;
  /** x_t of the last step (NaN when none). */
  declare statistic: number;

  constructor(params: ParamsOf<typeof FASTFACE_PARAMS>, ctx: SchedulerContext) {
    this.params = params;
    this.ctx = ctx;
    this.lr = ctx.lr0;
    this.statistic = Number.NaN;
    const alpha = params.alpha;
    const beta = params.beta;
    this.alpha = alpha;
    this.w1 = 1 - alpha + (1 - beta);
    this.w2 = (1 - alpha) * (1 - beta);
    this.w3 = alpha * beta;
    this.delta = params.delta;
    this.debias = params.debias;
    this.warmup = stepsOrFraction(params.warmup, ctx.totalSteps);
    this.rule = new DecayRule({
      lambda: params.lambda,
      toler: tolerance(ctx.totalSteps, params.tau),
      maxDecays: params.maxDecays,
    });
  }

  get decays(): number {
    return this.rule.fired;
  }

  get counter(): number {
    return this.rule.count;
  }

  /** The tolerance floor(T * tau). */
  get toler(): number {
    return this.rule.toler;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) {
      this.statistic = Number.NaN;
      return false;
    }
    const k = this.k;
    this.k = k + 1;
    if (k === 0) {
      this.prevL = loss;
      return false;
    }
    const g = this.prevL - loss;
    this.prevL = loss;
    let s: number;
    if (this.debias) {
      // zero-state start (x_0 = x_{-1} = 0, so x_1 = w3 g_1) and division by the same filter's response c_t
      // to a constant unit decrease: an unbiased estimate of the mean per-step decrease from t = 1 on
      const x = this.w1 * this.x1 - this.w2 * this.x2 + this.w3 * g;
      const c = this.w1 * this.c1 - this.w2 * this.c2 + this.w3;
      this.x2 = this.x1;
      this.x1 = x;
      this.c2 = this.c1;
      this.c1 = c;
      s = x / c;
    } else {
      const x = k === 1 ? this.alpha * g : this.w1 * this.x1 - this.w2 * this.x2 + this.w3 * g;
      this.x2 = this.x1;
      this.x1 = x;
      s = x;
    }
    this.statistic = s;
    if (this.t <= this.warmup) return false;
    if (this.rule.decide(s)) {
      this.lr /= this.delta;
      return true;
    }
    return false;
  }

  /**
   * The hot loop of `step` with the state in locals (same arithmetic, same order), one call per chunk of CHUNK
   * steps: a short, often-called function gets optimised after a few chunks, where one long loop waits for
   * on-stack replacement and falls back to the interpreter on every deoptimisation (slow on a cold start).
   * The inner loop has no non-finite check and no call: a decay leaves it, is recorded, and re-enters (a call
   * or a store per step inside the loop makes V8 spill the recurrence's registers, which doubles its cost).
   * A non-finite loss poisons x for good (NaN/Inf times a weight stays non-finite), so a chunk that ends with a
   * finite x held only finite losses; otherwise the chunk is rolled back and replayed through step().
   * Chunks do not cross the end of the warm-up; a warm-up chunk runs with lambda = -Infinity (x < lambda never
   * holds, so the counter stays 0 and nothing fires: the same state as step()'s "no decision").
   */
  stepRange(losses: Float64Array, from: number, to: number, sink: DecaySink): void {
    let i = from;
    // the cold start (first two finite losses) goes through step(); the chunks below are the steady state
    while (i < to && this.k < 2) {
      if (this.step(losses[i]!)) {
        sink.index.push(i);
        sink.lr.push(this.lr);
      }
      i++;
    }
    while (i < to) {
      const quiet = this.warmup - this.t;
      const span = quiet > 0 && quiet < CHUNK ? quiet : CHUNK;
      const end = to - i > span ? i + span : to;
      const lambda = quiet > 0 ? Number.NEGATIVE_INFINITY : this.rule.lambda;
      const decays0 = sink.index.length;
      const done = this.debias
        ? this.chunkDebias(losses, i, end, sink, lambda)
        : this.chunkOfficial(losses, i, end, sink, lambda);
      if (!done) {
        // a non-finite loss (or an overflowing x) in this chunk: drop its decays and take the exact path from
        // the chunk's start state, still in the fields
        sink.index.length = decays0;
        sink.lr.length = decays0;
        for (let q = i; q < end; q++) {
          if (this.step(losses[q]!)) {
            sink.index.push(q);
            sink.lr.push(this.lr);
          }
        }
      }
      i = end;
    }
  }

  /** One chunk of the official recurrence; false (fields untouched) when x ends non-finite. */
  private chunkOfficial(losses: Float64Array, from: number, to: number, sink: DecaySink, lambda: number): boolean {
    const { w1, w2, w3, delta, rule } = this;
    const { toler, maxDecays } = rule;
    let prevL = this.prevL;
    let x1 = this.x1;
    let x2 = this.x2;
    let lr = this.lr;
    let count = rule.count;
    let events = rule.events;
    let i = from;
    while (i < to) {
      for (; i < to; i++) {
        const loss = losses[i]!;
        const x = w1 * x1 - w2 * x2 + w3 * (prevL - loss);
        prevL = loss;
        x2 = x1;
        x1 = x;
        // the rule of decide.ts (DecayRule.decide) written out; an overflow leaves the loop
        if (x < lambda) {
          if (count < toler) count += 1;
          else break;
        } else count = 0;
      }
      if (i === to) break;
      count = 0;
      events += 1;
      if (events <= maxDecays) {
        lr /= delta;
        sink.index.push(i);
        sink.lr.push(lr);
      }
      i++;
    }
    if (x1 - x1 !== 0) return false;
    this.t += to - from;
    this.k += to - from;
    this.statistic = x1;
    this.prevL = prevL;
    this.x1 = x1;
    this.x2 = x2;
    this.lr = lr;
    rule.count = count;
    rule.events = events;
    return true;
  }

  /** As chunkOfficial, for debias=true (statistic x_t / c_t). */
  private chunkDebias(losses: Float64Array, from: number, to: number, sink: DecaySink, lambda: number): boolean {
    const { w1, w2, w3, delta, rule } = this;
    const { toler, maxDecays } = rule;
    let prevL = this.prevL;
    let x1 = this.x1;
    let x2 = this.x2;
    let c1 = this.c1;
    let c2 = this.c2;
    let lr = this.lr;
    let count = rule.count;
    let events = rule.events;
    let s = 0;
    let i = from;
    while (i < to) {
      for (; i < to; i++) {
        const loss = losses[i]!;
        const x = w1 * x1 - w2 * x2 + w3 * (prevL - loss);
        const c = w1 * c1 - w2 * c2 + w3;
        prevL = loss;
        x2 = x1;
        x1 = x;
        c2 = c1;
        c1 = c;
        s = x / c;
        if (s < lambda) {
          if (count < toler) count += 1;
          else break;
        } else count = 0;
      }
      if (i === to) break;
      count = 0;
      events += 1;
      if (events <= maxDecays) {
        lr /= delta;
        sink.index.push(i);
        sink.lr.push(lr);
      }
      i++;
    }
    if (x1 - x1 !== 0) return false;
    this.t += to - from;
    this.k += to - from;
    this.statistic = s;
    this.prevL = prevL;
    this.x1 = x1;
    this.x2 = x2;
    this.c1 = c1;
    this.c2 = c2;
    this.lr = lr;
    rule.count = count;
    rule.events = events;
    return true;
  }

  getState(): FastFaceState {
    return {
      name: this.name,
      params: structuredClone(this.params),
      ctx: { ...this.ctx },
      t: this.t,
      lr: this.lr,
      decays: this.decays,
      k: this.k,
      prevL: this.prevL,
      x1: this.x1,
      x2: this.x2,
      c1: this.c1,
      c2: this.c2,
      count: this.rule.count,
      events: this.rule.events,
      statistic: enc(this.statistic),
    };
  }

  /** @internal */
  load(s: SchedulerState): this {
    this.t = s.t;
    this.lr = s.lr;
    this.k = num(s, "k");
    this.prevL = num(s, "prevL");
    this.x1 = num(s, "x1");
    this.x2 = num(s, "x2");
    this.c1 = num(s, "c1");
    this.c2 = num(s, "c2");
    this.rule.count = num(s, "count");
    this.rule.events = num(s, "events");
    this.statistic = dec(s, "statistic");
    return this;
  }
}

floatFields(FastFaceScheduler.prototype, FLOAT_FIELDS);

/** Typed params and state of a fastface scheduler (the batch kernels read them); an Error for another scheduler. */
export const { params: fastfaceParams, state: fastfaceState } = typedAccess(FastFaceScheduler, "fastface");

/**
 * The fastface factory.
 * @example const s = fastface.create({ lambda: 2e-5 }, { totalSteps: 202320, lr0: 0.02 }); s.step(30.1);
 */
export const fastface: SchedulerFactory = defineScheduler({
  name: "fastface",
  summary: "FastFace O(1) recurrence (double EMA of the loss decrease, official cold start), LR / delta on plateaus",
  paramSpecs: FASTFACE_PARAMS,
  adaptive: true,
  // MHLR applies a decision at the next my_step call: the optimizer trains with it two steps later
  lrTiming: "official",
  make: (params, ctx) => new FastFaceScheduler(params, ctx),
});
