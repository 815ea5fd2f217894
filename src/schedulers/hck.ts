/**
 * hck: FastFace's EMA + Haar convolutional kernel (HCK) detector, as described in the paper.
 *
 *   LE_0 = L_0,  LE_t = alpha L_t + (1 - alpha) LE_{t-1}
 *   for t >= m-1:  x_t = (S_old - S_new) / (m/2)^2
 *   S_old = LE_{t-m+1} + ... + LE_{t-m/2},  S_new = LE_{t-m/2+1} + ... + LE_t
 *
 * x_t is the per-step decrease rate of the smoothed loss (old half mean minus new half mean, divided by the
 * m/2 steps between the half centres), comparable with fastface's lambda. No decisions before the window is
 * full; then the shared rule of decide.ts.
 *
 * `impl=naive` re-sums both halves every step (O(m), the cost the paper complains about); `impl=running`
 * (default) keeps Neumaier-compensated running sums in O(1) and re-sums exactly once per m steps (O(1)
 * amortised), so it agrees with naive to ~1e-15 relative.
 *
 * `warmup=N` (our addition, off by default): no decision during the first N steps (N in (0, 1): a fraction of
 * T), counted from the first loss, the window's fill included; the statistic runs as usual.
 *
 * Non-finite losses are skipped (no information), as in fastface.
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { DecayRule, tolerance } from "./decide.ts";
import { defineScheduler, typedAccess } from "./factory.ts";
import { stepsOrFraction } from "./fixed.ts";
import { floatFields } from "./float-fields.ts";
import { dec, enc, num, numArray } from "./params.ts";
import type {
  DecaySink,
  ParamSpec,
  ParamsOf,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SchedulerState,
} from "./types.ts";

export const HCK_PARAMS = {
  alpha: { type: "number", default: 0.001, min: 1e-12, max: 1, doc: "EMA factor of the loss" },
  m: { type: "integer", default: 4000, min: 2, max: 50_000_000, doc: "Haar kernel length (even)" },
  lambda: { type: "number", default: 5e-5, doc: "threshold: x_t < lambda counts as stationary" },
  tau: { type: "number", default: 0.05, min: 0, max: 1, doc: "tolerance as a fraction of T: toler = floor(T * tau)" },
  delta: { type: "number", default: 2, above: 1, doc: "LR divisor per decay (> 1: each decay lowers the LR)" },
  maxDecays: { type: "integer", default: 8, min: 0, doc: "decays after which the rule stops firing" },
  impl: { type: "string", default: "running", choices: ["running", "naive"], doc: "running O(1) or naive O(m)" },
  warmup: {
    type: "number",
    default: 0,
    min: 0,
    doc: "no decision during the first N steps (ours; values in (0,1): fraction of T; 0: off)",
  },
} as const satisfies Record<string, ParamSpec>;

/** Steps per call of the running fast path. */
const CHUNK = 2048;

/** Sum ring[(from) .. (to)] (inclusive, chronological indices j, stored at j % m), in chronological order. */
function sumRange(ring: Float64Array, m: number, from: number, to: number): number {
  let s = 0;
  let i = from % m;
  for (let j = from; j <= to; j++) {
    s += ring[i]!;
    i += 1;
    if (i === m) i = 0;
  }
  return s;
}

/** The JSON state of a hck scheduler (`getState()`), typed for the batch kernel (src/schedulers/batch/). */
export interface HckState extends SchedulerState {
  params: ParamsOf<typeof HCK_PARAMS>;
  k: number;
  le: number;
  sOld: number;
  cOld: number;
  sNew: number;
  cNew: number;
  count: number;
  events: number;
  /** `enc`-coded (non-finite values as strings). */
  statistic: number | string;
  /** The live part of the ring, oldest first (at most m values). */
  ring: number[];
}

/** The float state of the scheduler, one `Float64Array` slot each (float-fields.ts). */
const FLOAT_FIELDS = ["le", "sOld", "cOld", "sNew", "cNew", "lr", "statistic"] as const;

class HckScheduler implements Scheduler {
  readonly name = "hck";
  readonly params: ParamsOf<typeof HCK_PARAMS>;
  readonly ctx: SchedulerContext;
  t = 0;
  private readonly alpha: number;
  private readonly m: number;
  private readonly h: number;
  private readonly inv: number;
  private readonly delta: number;
  private readonly naive: boolean;
  /** Steps without a decision (warmup param, resolved against T). */
  private readonly warmup: number;
  private readonly rule: DecayRule;
  private readonly ring: Float64Array;
  /** Finite losses consumed (index j of the next LE). */
  private k = 0;
  /** k % m. */
  private slot = 0;

  /**
   * Float state in a Float64Array (LE, the Neumaier running sums s + c of both halves, lr, statistic): fields that
   * start as small integers and later hold doubles change V8's hidden class and deoptimise the hot path.
   */
  /** The slots of FLOAT_FIELDS (read and written by the accessors float-fields.ts installs). */
  readonly f = new Float64Array(FLOAT_FIELDS.length);
  declare private le: number;
  declare private sOld: number;
  declare private cOld: number;
  declare private sNew: number;
  declare private cNew: number;
  /** LR in force for the next step. */
  declare lr: number;
  /** x_t of the last step (NaN when none). */
  declare statistic: number;

  constructor(params: ParamsOf<typeof HCK_PARAMS>, ctx: SchedulerContext) {
    const m = params.m;
    if (m % 2 !== 0) throw new ConfigError(badParamValue("hck", "m", m, "an even integer >= 2"), E_SCHED_PARAM);
    this.params = params;
    this.ctx = ctx;
    this.lr = ctx.lr0;
    this.statistic = Number.NaN;
    this.alpha = params.alpha;
    this.m = m;
    this.h = m / 2;
    this.inv = 1 / (this.h * this.h);
    this.delta = params.delta;
    this.naive = params.impl === "naive";
    this.warmup = stepsOrFraction(params.warmup, ctx.totalSteps);
    this.ring = new Float64Array(m);
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

  get toler(): number {
    return this.rule.toler;
  }

  /** The EMA LE of the last finite loss. */
  get ema(): number {
    return this.k === 0 ? Number.NaN : this.le;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) {
      this.statistic = Number.NaN;
      return false;
    }
    const j = this.k;
    this.k = j + 1;
    const le = j === 0 ? loss : this.alpha * loss + (1 - this.alpha) * this.le;
    this.le = le;
    const m = this.m;
    const h = this.h;
    const ring = this.ring;
    const slot = this.slot; // j % m, kept incrementally (an integer modulo per step is slow)
    this.slot = slot + 1 === m ? 0 : slot + 1;
    if (this.naive) {
      ring[slot] = le;
      if (j < m - 1) return false;
      const x = (sumRange(ring, m, j - m + 1, j - h) - sumRange(ring, m, j - h + 1, j)) * this.inv;
      return this.decide(x);
    }
    const leOut = ring[slot]!; // LE_{j-m} when j >= m
    ring[slot] = le;
    this.addNew(le);
    if (j >= h) {
      const mid = ring[slot >= h ? slot - h : slot + h]!; // LE_{j-h} leaves the new half, enters the old half
      this.addNew(-mid);
      this.addOld(mid);
    }
    if (j >= m) this.addOld(-leOut);
    if (j < m - 1) return false;
    if (slot === m - 1) {
      // once per m steps: exact re-sum, so compensated drift never accumulates
      this.sOld = sumRange(ring, m, j - m + 1, j - h);
      this.cOld = 0;
      this.sNew = sumRange(ring, m, j - h + 1, j);
      this.cNew = 0;
    }
    return this.decide((this.sOld + this.cOld - (this.sNew + this.cNew)) * this.inv);
  }

  private addNew(v: number): void {
    const s = this.sNew;
    const t = s + v;
    this.cNew += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.sNew = t;
  }

  private addOld(v: number): void {
    const s = this.sOld;
    const t = s + v;
    this.cOld += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.sOld = t;
  }

  private decide(x: number): boolean {
    this.statistic = x;
    if (this.t <= this.warmup) return false;
    if (this.rule.decide(x)) {
      this.lr /= this.delta;
      return true;
    }
    return false;
  }

  /**
   * `step` over losses[from..to) with the state in locals (same arithmetic, same order). The warm-up (window
   * not yet full) and `impl=naive` go through step(); the running steady state (j >= m) goes through
   * `chunkRunning`, one call per CHUNK steps (a short, often-called function is optimised after a few calls;
   * one long loop waits for on-stack replacement and drops to the interpreter on every deoptimisation).
   */
  stepRange(losses: Float64Array, from: number, to: number, sink: DecaySink): void {
    let i = from;
    while (i < to && (this.naive || this.k < this.m)) {
      if (this.step(losses[i]!)) {
        sink.index.push(i);
        sink.lr.push(this.lr);
      }
      i++;
    }
    while (i < to) {
      // chunks do not cross the end of the warm-up; a warm-up chunk never decides (lambda = -Infinity)
      const quiet = this.warmup - this.t;
      const span = quiet > 0 && quiet < CHUNK ? quiet : CHUNK;
      const end = to - i > span ? i + span : to;
      this.chunkRunning(losses, i, end, sink, quiet > 0 ? Number.NEGATIVE_INFINITY : this.rule.lambda);
      i = end;
    }
  }

  private chunkRunning(losses: Float64Array, from: number, to: number, sink: DecaySink, lambda: number): void {
    let i = from;
    const { alpha, m, h, inv, delta, rule, ring } = this;
    const { toler, maxDecays } = rule;
    let le = this.le;
    let sOld = this.sOld;
    let cOld = this.cOld;
    let sNew = this.sNew;
    let cNew = this.cNew;
    let lr = this.lr;
    let statistic = this.statistic;
    let count = rule.count;
    let events = rule.events;
    let k = this.k;
    let slot = this.slot;
    const start = i;
    // The inner loop leaves on a counter overflow and before a step that re-sums the window; both are finished
    // outside it (a call or a store in the hot loop makes V8 spill its registers, and code never run before
    // optimisation deoptimises it).
    let resum = false;
    while (i < to) {
      for (; i < to; i++) {
        const loss = losses[i]!;
        if (loss - loss !== 0) {
          statistic = Number.NaN;
          continue;
        }
        k += 1;
        le = alpha * loss + (1 - alpha) * le;
        const sl = slot;
        slot = sl + 1 === m ? 0 : sl + 1;
        const leOut = ring[sl]!; // LE_{j-m}
        ring[sl] = le;
        // addNew(le), addNew(-mid), addOld(mid), addOld(-leOut): Neumaier steps written out
        let t = sNew + le;
        cNew += Math.abs(sNew) >= Math.abs(le) ? sNew - t + le : le - t + sNew;
        sNew = t;
        const mid = ring[sl >= h ? sl - h : sl + h]!; // LE_{j-h} leaves the new half, enters the old half
        t = sNew - mid;
        cNew += Math.abs(sNew) >= Math.abs(mid) ? sNew - t - mid : -mid - t + sNew;
        sNew = t;
        t = sOld + mid;
        cOld += Math.abs(sOld) >= Math.abs(mid) ? sOld - t + mid : mid - t + sOld;
        sOld = t;
        t = sOld - leOut;
        cOld += Math.abs(sOld) >= Math.abs(leOut) ? sOld - t - leOut : -leOut - t + sOld;
        sOld = t;
        if (sl === m - 1) {
          resum = true;
          break;
        }
        const x = (sOld + cOld - (sNew + cNew)) * inv;
        statistic = x;
        // the rule of decide.ts (DecayRule.decide) written out; an overflow leaves the loop
        if (x < lambda) {
          if (count < toler) count += 1;
          else break;
        } else count = 0;
      }
      if (i >= to) break;
      if (resum) {
        // once per m steps: exact re-sum, so compensated drift never accumulates
        resum = false;
        const j = k - 1;
        sOld = sumRange(ring, m, j - m + 1, j - h);
        cOld = 0;
        sNew = sumRange(ring, m, j - h + 1, j);
        cNew = 0;
        const x = (sOld + cOld - (sNew + cNew)) * inv;
        statistic = x;
        if (x < lambda) {
          if (count < toler) {
            count += 1;
            i++;
            continue;
          }
        } else {
          count = 0;
          i++;
          continue;
        }
      }
      count = 0;
      events += 1;
      if (events <= maxDecays) {
        lr /= delta;
        sink.index.push(i);
        sink.lr.push(lr);
      }
      i++;
    }
    this.t += to - start;
    this.k = k;
    this.slot = slot;
    this.le = le;
    this.sOld = sOld;
    this.cOld = cOld;
    this.sNew = sNew;
    this.cNew = cNew;
    this.lr = lr;
    this.statistic = statistic;
    rule.count = count;
    rule.events = events;
  }

  getState(): HckState {
    // the live part of the ring in chronological order (at most m values)
    const live = Math.min(this.k, this.m);
    const ring: number[] = new Array(live);
    for (let q = 0; q < live; q++) ring[q] = this.ring[(this.k - live + q) % this.m]!;
    return {
      name: this.name,
      params: structuredClone(this.params),
      ctx: { ...this.ctx },
      t: this.t,
      lr: this.lr,
      decays: this.decays,
      k: this.k,
      le: this.le,
      sOld: this.sOld,
      cOld: this.cOld,
      sNew: this.sNew,
      cNew: this.cNew,
      count: this.rule.count,
      events: this.rule.events,
      statistic: enc(this.statistic),
      ring,
    };
  }

  /** @internal */
  load(s: SchedulerState): this {
    this.t = s.t;
    this.lr = s.lr;
    this.k = num(s, "k");
    this.slot = this.k % this.m;
    this.le = num(s, "le");
    this.sOld = num(s, "sOld");
    this.cOld = num(s, "cOld");
    this.sNew = num(s, "sNew");
    this.cNew = num(s, "cNew");
    this.rule.count = num(s, "count");
    this.rule.events = num(s, "events");
    this.statistic = dec(s, "statistic");
    const ring = numArray(s, "ring");
    const live = Math.min(this.k, this.m);
    if (ring.length !== live)
      throw new ConfigError(`cannot restore hck state: ring has ${ring.length} values, expected ${live}`);
    for (let q = 0; q < live; q++) this.ring[(this.k - live + q) % this.m] = ring[q]!;
    return this;
  }
}

floatFields(HckScheduler.prototype, FLOAT_FIELDS);

/** Typed params and state of a hck scheduler (the batch kernels read them); an Error for another scheduler. */
export const { params: hckParams, state: hckState } = typedAccess(HckScheduler, "hck");

/**
 * The hck factory.
 * @example const s = hck.create({ m: 2000 }, { totalSteps: 100000, lr0: 1 }); s.step(12.5);
 */
export const hck: SchedulerFactory = defineScheduler({
  name: "hck",
  summary: "FastFace paper's EMA + Haar convolutional kernel of length m (running O(1) or naive O(m)), LR / delta",
  paramSpecs: HCK_PARAMS,
  adaptive: true,
  make: (params, ctx) => new HckScheduler(params, ctx),
});
