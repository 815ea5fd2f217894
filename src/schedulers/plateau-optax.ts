/**
 * plateau-optax: Optax's `contrib.reduce_on_plateau` (optax/contrib/_reduce_on_plateau.py) fed the per-step
 * loss as its `value`. The state is (scale, best_value, plateau_count, cooldown_count, count, avg_value):
 *
 *   every step      count += 1; avg = (count_before * avg + value) / count      (a running mean)
 *   when count reaches accumulation_size, the update of the scale:
 *     improved      avg < (1 - rtol) * best - atol           (rtol and atol together, not either-or)
 *     best          avg if improved, else unchanged (also during the cooldown)
 *     plateau       0 if improved, else plateau + 1
 *     cooldown > 0  plateau = 0, scale unchanged, cooldown -= 1
 *     otherwise     if plateau == patience: scale = max(scale * factor, min_scale), plateau = 0,
 *                   cooldown = cooldown param; else cooldown = 0
 *     then          count = 0, avg = 0
 * The LR is lr0 * scale. A reduction therefore needs `patience` non-improving accumulations (torch needs
 * patience + 1), and the first accumulation always improves (best starts at +inf). Optax raises for factor
 * outside (0, 1), negative tolerances, rtol = atol = 0 or rtol > 1; so does this scheduler. Optax keeps the
 * state in the parameters' dtype: `precision=float32` (default, float32 parameters) rounds every state
 * operation to float32 as JAX would; `float64` keeps doubles. Optax multiplies the update of the same step by
 * the new scale; here, as for every scheduler, the new LR is in force from the next step (docs/explain.md,
 * "timing"). Non-finite losses are skipped (optax would poison the running mean with NaN).
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { defineScheduler } from "./factory.ts";
import { dec, enc, num } from "./params.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";

export const PLATEAU_OPTAX_PARAMS = {
  factor: { type: "number", default: 0.1, min: 0, max: 1, doc: "scale multiplier per reduction, in (0, 1)" },
  patience: { type: "integer", default: 10, min: 0, doc: "non-improving accumulations before a reduction" },
  rtol: { type: "number", default: 1e-4, min: 0, max: 1, doc: "relative tolerance of an improvement" },
  atol: { type: "number", default: 0, min: 0, doc: "absolute tolerance of an improvement (loss units)" },
  cooldown: { type: "integer", default: 0, min: 0, doc: "accumulations to wait after a reduction" },
  accumulation_size: { type: "integer", default: 1, min: 1, doc: "values averaged per update of the scale" },
  min_scale: { type: "number", default: 0, min: 0, doc: "the scale does not go below this" },
  precision: { type: "string", default: "float32", choices: ["float32", "float64"], doc: "dtype of the state" },
} as const satisfies Record<string, ParamSpec>;

const identity = (v: number): number => v;

class PlateauOptax extends StepwiseScheduler<ParamsOf<typeof PLATEAU_OPTAX_PARAMS>> {
  readonly name = "plateau-optax";
  statistic = Number.NaN;
  private scale: number;
  private best = Number.POSITIVE_INFINITY;
  private plateau = 0;
  private cooldownCount = 0;
  private count = 0;
  private avg = 0;
  private readonly r: (v: number) => number;
  private readonly factor: number;
  private readonly keep: number;
  private readonly atol: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly size: number;
  private readonly minScale: number;

  constructor(params: ParamsOf<typeof PLATEAU_OPTAX_PARAMS>, ctx: SchedulerContext) {
    const factor = params.factor;
    const rtol = params.rtol;
    const atol = params.atol;
    if (!(factor > 0 && factor < 1)) {
      throw new ConfigError(badParamValue("plateau-optax", "factor", factor, "a number in (0, 1)"), E_SCHED_PARAM);
    }
    if (rtol === 0 && atol === 0) {
      throw new ConfigError(badParamValue("plateau-optax", "rtol", rtol, "rtol > 0 or atol > 0"), E_SCHED_PARAM);
    }
    super(params, ctx);
    this.r = params.precision === "float32" ? Math.fround : identity;
    const r = this.r;
    this.scale = r(1);
    this.factor = r(factor);
    this.keep = r(1 - rtol);
    this.atol = r(atol);
    this.patience = params.patience;
    this.cooldown = params.cooldown;
    this.size = params.accumulation_size;
    this.minScale = r(params.min_scale);
  }

  get counter(): number {
    return this.plateau;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) return false;
    const r = this.r;
    const before = this.count;
    this.count = before + 1;
    this.avg = r(r(r(before * this.avg) + r(loss)) / this.count);
    this.statistic = this.avg;
    if (this.count !== this.size) return false;
    const improved = this.avg < r(r(this.keep * this.best) - this.atol);
    if (improved) this.best = this.avg;
    const plateau = improved ? 0 : this.plateau + 1;
    const old = this.scale;
    if (this.cooldownCount > 0) {
      this.plateau = 0;
      this.cooldownCount -= 1;
    } else if (plateau === this.patience) {
      this.plateau = 0;
      this.scale = Math.max(r(old * this.factor), this.minScale);
      this.cooldownCount = this.cooldown;
    } else {
      this.plateau = plateau;
      this.cooldownCount = 0;
    }
    this.count = 0;
    this.avg = 0;
    if (this.scale === old) return false;
    this.lr = this.ctx.lr0 * this.scale;
    this.decays += 1;
    return true;
  }

  protected ownState(): Record<string, unknown> {
    return {
      scale: this.scale,
      best: enc(this.best),
      plateau: this.plateau,
      cooldownCount: this.cooldownCount,
      count: this.count,
      avg: this.avg,
      statistic: enc(this.statistic),
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.scale = num(s, "scale");
    this.best = dec(s, "best");
    this.plateau = num(s, "plateau");
    this.cooldownCount = num(s, "cooldownCount");
    this.count = num(s, "count");
    this.avg = num(s, "avg");
    this.statistic = dec(s, "statistic");
  }
}

/**
 * @example const s = plateauOptax.create({ patience: 5000, accumulation_size: 100 }, { totalSteps: 100000, lr0: 1e-3 });
 */
export const plateauOptax: SchedulerFactory = defineScheduler({
  name: "plateau-optax",
  summary: "Optax contrib.reduce_on_plateau: running mean over accumulation_size values, rtol and atol, float32",
  paramSpecs: PLATEAU_OPTAX_PARAMS,
  adaptive: true,
  make: (params, ctx) => new PlateauOptax(params, ctx),
});
