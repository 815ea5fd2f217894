/**
 * hck-proto: the HCK prototype the official FastFace repository keeps as commented-out code
 * (amoonfana/FastFace `lr_scheduler.py`, inside `MHLR.my_step` and `__init__`; the same loop in `MHLR_temp.py`).
 * It is not the paper's EMA + HCK (`hck`) and not the released O(1) rule (`fastface`):
 *
 *   smoothing   a box-car mean of the last m raw losses, a_j = (L_{j-m+1} + ... + L_j) / m   (from j = m on)
 *   kernel      Haar of length m over the m means *before* the current one, a_{j-m} .. a_{j-1}:
 *               +1 on the older floor(m/2), -1 on the newer rest                          (from j = 2m on)
 *   normalised  x_j = (sum of the older half - sum of the newer half) / m     (not (m/2)^2 as in `hck`)
 *   threshold   x_j < threshold (0.06, absolute loss units) counts as stationary
 *   firing      count += 1 on a stationary step; when count > patience (2m): count = 0, a *fire*;
 *               any non-stationary step resets count and the consecutive-fire counter
 *   LR          a fire multiplies the LR by 1/delta (0.5), except that once more than `increaseAfter` (2)
 *               consecutive fires happened (the counter includes this one) the fire multiplies it by
 *               `increase` (4) instead and the consecutive-fire counter restarts at 0.
 *
 * So with the prototype's constants the LR goes x0.5, x0.5, x4 on three fires in a row that no non-stationary
 * step separates. `countCheck=before` compares the count before it is incremented (`if count > patience: fire
 * else count += 1`), which puts fires patience + 2 steps apart instead of patience + 1. Every constant is a
 * parameter; m given in (0, 1) is a fraction of T (floor(m * T)).
 *
 * The prototype applies its weight through `get_lr` (group lr x weight) at the start of the next `my_step`,
 * like the released MHLR: a fire decided at step k shows in a log printed after `my_step` at step k + 1 (see
 * docs/explain.md, "timing"). Here, as for every scheduler, `lr` after `step()` is the LR in force for the next
 * step. `step()` returns true on every LR change (decreases and the increases); `decays` counts the decreases,
 * `increases` the increases. Non-finite losses are skipped (no information), as in fastface and hck.
 *
 * O(1) per step: running sums of the loss window and of both halves of the mean window (Neumaier-compensated,
 * re-summed exactly once per m steps); test/schedulers/hck-proto.test.ts pins it to a line-by-line port of the
 * prototype.
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { defineScheduler } from "./factory.ts";
import { stepsOrFraction } from "./fixed.ts";
import { dec, enc, num, numArray } from "./params.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import type { DecaySink, ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";

export const HCK_PROTO_PARAMS = {
  m: {
    type: "number",
    default: 4000,
    min: 0,
    doc: "window: box-car length and Haar kernel length (steps >= 2, or a fraction of T in (0,1))",
  },
  threshold: { type: "number", default: 0.06, doc: "x_j < threshold counts as stationary (loss units)" },
  patience: {
    type: "integer",
    default: undefined,
    min: 0,
    doc: "fire when the stationary count exceeds this (default 2m, as in the prototype)",
  },
  countCheck: {
    type: "string",
    default: "after",
    choices: ["after", "before"],
    doc: "compare the count after (prototype) or before it is incremented",
  },
  delta: { type: "number", default: 2, min: 1, doc: "LR divisor per decay (the prototype's weight 0.5)" },
  increase: {
    type: "number",
    default: 4,
    min: 1,
    doc: "LR multiplier of the fire that follows the consecutive decays",
  },
  increaseAfter: {
    type: "integer",
    default: 2,
    min: 1,
    doc: "consecutive fires after which the next fire increases the LR instead (prototype: w_count > 2)",
  },
} as const satisfies Record<string, ParamSpec>;

/** Neumaier step: returns the new sum and adds the lost low-order part to comp[k]. */
function nsum(s: number, v: number, comp: Float64Array, k: number): number {
  const t = s + v;
  comp[k]! += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
  return t;
}

class HckProtoScheduler extends StepwiseScheduler<ParamsOf<typeof HCK_PROTO_PARAMS>> {
  readonly name = "hck-proto";
  increases = 0;
  statistic = Number.NaN;
  /** Consecutive stationary steps (the prototype's `count`). */
  counter = 0;
  /** Consecutive fires (the prototype's `w_count`). */
  private fires = 0;
  /** Finite losses consumed (the prototype's step index i). */
  private k = 0;
  private readonly m: number;
  private readonly h: number;
  private readonly patience: number;
  private readonly before: boolean;
  private readonly down: number;
  private readonly up: number;
  private readonly increaseAfter: number;
  private readonly threshold: number;
  /** The last m losses (index j at j % m). */
  private readonly losses: Float64Array;
  /** The last m + 1 box-car means (index j at j % (m + 1)). */
  private readonly means: Float64Array;
  /** Running sums: [loss window, older half, newer half] and their compensations. */
  private readonly sum = new Float64Array(3);
  private readonly comp = new Float64Array(3);

  constructor(params: ParamsOf<typeof HCK_PROTO_PARAMS>, ctx: SchedulerContext) {
    const raw = params.m;
    const m = stepsOrFraction(raw, ctx.totalSteps);
    if (!(m >= 2) || (raw >= 1 && !Number.isInteger(raw))) {
      throw new ConfigError(
        badParamValue("hck-proto", "m", raw, `an integer >= 2 or a fraction of T = ${ctx.totalSteps} giving >= 2`),
        E_SCHED_PARAM,
      );
    }
    super(params, ctx);
    this.m = m;
    this.h = Math.floor(m / 2);
    this.patience = params.patience ?? 2 * m;
    this.before = params.countCheck === "before";
    this.down = 1 / params.delta;
    this.up = params.increase;
    this.increaseAfter = params.increaseAfter;
    this.threshold = params.threshold;
    this.losses = new Float64Array(m);
    this.means = new Float64Array(m + 1);
  }

  /** The window m in steps (after resolving a fraction of T). */
  get window(): number {
    return this.m;
  }

  private mean(j: number): number {
    return this.means[j % (this.m + 1)]!;
  }

  /** Exact sum of the loss window L_{j-m+1} .. L_j (in time order). */
  private resumLosses(j: number): void {
    let s = 0;
    for (let q = j - this.m + 1; q <= j; q++) s += this.losses[q % this.m]!;
    this.sum[0] = s;
    this.comp[0] = 0;
  }

  /** Exact sums of both halves of the mean window a_{j-m} .. a_{j-1}. */
  private resumHalves(j: number): void {
    let older = 0;
    for (let q = j - this.m; q < j - this.m + this.h; q++) older += this.mean(q);
    let newer = 0;
    for (let q = j - this.m + this.h; q < j; q++) newer += this.mean(q);
    this.sum[1] = older;
    this.comp[1] = 0;
    this.sum[2] = newer;
    this.comp[2] = 0;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) {
      this.statistic = Number.NaN;
      return false;
    }
    const j = this.k;
    this.k = j + 1;
    const m = this.m;
    const sum = this.sum;
    const comp = this.comp;
    const slot = j % m;
    if (j >= m) sum[0] = nsum(sum[0]!, -this.losses[slot]!, comp, 0);
    this.losses[slot] = loss;
    sum[0] = nsum(sum[0]!, loss, comp, 0);
    if (j < m) return false;
    // once per m steps: exact sums, so no drift accumulates
    if (slot === m - 1) this.resumLosses(j);
    // the halves of the Haar window a_{j-m} .. a_{j-1} move by one mean (means exist from index m on)
    const ring = m + 1;
    const here = j % ring; // also the slot of a_{j-m-1}, which leaves the older half
    if (j >= m + 1) {
      const means = this.means;
      sum[2] = nsum(sum[2]!, means[here === 0 ? m : here - 1]!, comp, 2); // a_{j-1} enters the newer half
      if (j - m + this.h - 1 >= m) {
        const mid = means[(here + this.h) % ring]!; // a_{j-m+h-1} moves to the older half
        sum[2] = nsum(sum[2]!, -mid, comp, 2);
        sum[1] = nsum(sum[1]!, mid, comp, 1);
      }
      if (j - m - 1 >= m) sum[1] = nsum(sum[1]!, -means[here]!, comp, 1);
    }
    this.means[here] = (sum[0]! + comp[0]!) / m;
    if (j < 2 * m) return false;
    if (slot === 0) this.resumHalves(j);
    const x = (sum[1]! + comp[1]! - (sum[2]! + comp[2]!)) / m;
    this.statistic = x;
    return this.decide(x);
  }

  private decide(x: number): boolean {
    if (!(x < this.threshold)) {
      this.counter = 0;
      this.fires = 0;
      return false;
    }
    let fire: boolean;
    if (this.before) {
      fire = this.counter > this.patience;
      this.counter = fire ? 0 : this.counter + 1;
    } else {
      this.counter += 1;
      fire = this.counter > this.patience;
      if (fire) this.counter = 0;
    }
    if (!fire) return false;
    this.fires += 1;
    const before = this.lr;
    if (this.fires > this.increaseAfter) {
      this.fires = 0;
      this.lr = before * this.up;
      if (this.lr !== before) this.increases += 1;
    } else {
      this.lr = before * this.down;
      if (this.lr !== before) this.decays += 1;
    }
    return this.lr !== before;
  }

  /**
   * `step` over losses[from..to) with the steady state in locals (`steady`); the warm-up, non-finite losses and
   * the two re-summing steps per m go through step(). test/schedulers/step-range.test.ts pins it to step().
   */
  override stepRange(losses: Float64Array, from: number, to: number, sink: DecaySink): void {
    let i = from;
    while (i < to) {
      if (this.k > 2 * this.m) {
        i = this.steady(losses, i, to, sink);
        if (i >= to) break;
      }
      if (this.step(losses[i]!)) {
        sink.index.push(i);
        sink.lr.push(this.lr);
      }
      i++;
    }
  }

  /** The steady-state loop of `step` (same arithmetic, same order); returns the first index it did not take. */
  private steady(losses: Float64Array, from: number, to: number, sink: DecaySink): number {
    const { m, h, threshold, patience, before, down, up, increaseAfter, means } = this;
    const ring = this.losses;
    const sum = this.sum;
    const comp = this.comp;
    const mr = m + 1;
    let s0 = sum[0]!;
    let c0 = comp[0]!;
    let s1 = sum[1]!;
    let c1 = comp[1]!;
    let s2 = sum[2]!;
    let c2 = comp[2]!;
    let k = this.k;
    let slot = k % m;
    let here = k % mr;
    let count = this.counter;
    let fires = this.fires;
    let lr = this.lr;
    let statistic = this.statistic;
    let decays = this.decays;
    let increases = this.increases;
    let i = from;
    for (; i < to; i++) {
      const loss = losses[i]!;
      // the re-summing steps (slot m - 1 and 0) and non-finite losses leave for step()
      if (loss - loss !== 0 || slot === m - 1 || slot === 0) break;
      // nsum(s0, -L_{j-m}), nsum(s0, L_j), as in step()
      const out = -ring[slot]!;
      let t = s0 + out;
      c0 += Math.abs(s0) >= Math.abs(out) ? s0 - t + out : out - t + s0;
      s0 = t;
      ring[slot] = loss;
      t = s0 + loss;
      c0 += Math.abs(s0) >= Math.abs(loss) ? s0 - t + loss : loss - t + s0;
      s0 = t;
      const prev = means[here === 0 ? m : here - 1]!;
      t = s2 + prev;
      c2 += Math.abs(s2) >= Math.abs(prev) ? s2 - t + prev : prev - t + s2;
      s2 = t;
      const hm = here + h;
      const mid = means[hm >= mr ? hm - mr : hm]!;
      t = s2 - mid;
      c2 += Math.abs(s2) >= Math.abs(mid) ? s2 - t - mid : -mid - t + s2;
      s2 = t;
      t = s1 + mid;
      c1 += Math.abs(s1) >= Math.abs(mid) ? s1 - t + mid : mid - t + s1;
      s1 = t;
      const old = means[here]!;
      t = s1 - old;
      c1 += Math.abs(s1) >= Math.abs(old) ? s1 - t - old : -old - t + s1;
      s1 = t;
      means[here] = (s0 + c0) / m;
      k += 1;
      slot = slot + 1 === m ? 0 : slot + 1;
      here = here + 1 === mr ? 0 : here + 1;
      const x = (s1 + c1 - (s2 + c2)) / m;
      statistic = x;
      // decide() written out
      if (!(x < threshold)) {
        count = 0;
        fires = 0;
        continue;
      }
      let fire: boolean;
      if (before) {
        fire = count > patience;
        count = fire ? 0 : count + 1;
      } else {
        count += 1;
        fire = count > patience;
        if (fire) count = 0;
      }
      if (!fire) continue;
      fires += 1;
      const was = lr;
      if (fires > increaseAfter) {
        fires = 0;
        lr = was * up;
        if (lr !== was) increases += 1;
      } else {
        lr = was * down;
        if (lr !== was) decays += 1;
      }
      if (lr !== was) {
        sink.index.push(i);
        sink.lr.push(lr);
      }
    }
    this.t += i - from;
    this.k = k;
    sum[0] = s0;
    comp[0] = c0;
    sum[1] = s1;
    comp[1] = c1;
    sum[2] = s2;
    comp[2] = c2;
    this.counter = count;
    this.fires = fires;
    this.lr = lr;
    this.statistic = statistic;
    this.decays = decays;
    this.increases = increases;
    return i;
  }

  protected ownState(): Record<string, unknown> {
    const m = this.m;
    const liveLosses = Math.min(this.k, m);
    const liveMeans = Math.min(Math.max(this.k - m, 0), m + 1);
    const lossRing: number[] = [];
    for (let q = this.k - liveLosses; q < this.k; q++) lossRing.push(this.losses[q % m]!);
    const meanRing: number[] = [];
    for (let q = this.k - liveMeans; q < this.k; q++) meanRing.push(this.mean(q));
    return {
      increases: this.increases,
      k: this.k,
      count: this.counter,
      fires: this.fires,
      statistic: enc(this.statistic),
      sums: [...this.sum],
      comps: [...this.comp],
      losses: lossRing,
      means: meanRing,
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.increases = num(s, "increases");
    this.k = num(s, "k");
    this.counter = num(s, "count");
    this.fires = num(s, "fires");
    this.statistic = dec(s, "statistic");
    const sums = numArray(s, "sums");
    const comps = numArray(s, "comps");
    const losses = numArray(s, "losses");
    const means = numArray(s, "means");
    const m = this.m;
    const liveLosses = Math.min(this.k, m);
    const liveMeans = Math.min(Math.max(this.k - m, 0), m + 1);
    if (sums.length !== 3 || comps.length !== 3 || losses.length !== liveLosses || means.length !== liveMeans) {
      throw new ConfigError(
        `cannot restore hck-proto state: expected 3 sums, ${liveLosses} losses and ${liveMeans} means`,
        E_SCHED_PARAM,
      );
    }
    this.sum.set(sums);
    this.comp.set(comps);
    losses.forEach((v, q) => {
      this.losses[(this.k - liveLosses + q) % m] = v;
    });
    means.forEach((v, q) => {
      this.means[(this.k - liveMeans + q) % (m + 1)] = v;
    });
  }
}

/**
 * The hck-proto factory.
 * @example const s = hckProto.create({ increaseAfter: 3 }, { totalSteps: 202320, lr0: 0.02 }); s.step(46.5);
 */
export const hckProto: SchedulerFactory = defineScheduler({
  name: "hck-proto",
  summary:
    "FastFace repository's commented HCK prototype: box-car mean, Haar / m, threshold 0.06, fire after 2m, x0.5 x0.5 x4",
  paramSpecs: HCK_PROTO_PARAMS,
  adaptive: true,
  // the prototype sits inside MHLR and applies its weight through get_lr at the next my_step (timing.ts)
  lrTiming: "official",
  make: (params, ctx) => new HckProtoScheduler(params, ctx),
});
