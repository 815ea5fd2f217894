/**
 * plateau-torch: torch.optim.lr_scheduler.ReduceLROnPlateau fed the per-step loss (one "epoch" per step).
 *
 *   better(a, best): rel/min a < best (1 - threshold); abs/min a < best - threshold;
 *                    rel/max a > best (1 + threshold); abs/max a > best + threshold
 *   if better: best = a, numBad = 0 else numBad += 1
 *   if cooldownCounter > 0: cooldownCounter -= 1, numBad = 0
 *   if numBad > patience: new = max(lr * factor, min_lr); if lr - new > eps then lr = new (a decay);
 *                         cooldownCounter = cooldown; numBad = 0
 * Defaults are torch's (patience 10 counts per-step values: use thousands for per-step replay).
 * min_lr and eps are absolute (same unit as lr0). Non-finite losses are skipped (torch would count them bad).
 */
import { defineScheduler } from "./factory.ts";
import { PlateauFrame } from "./stepwise.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const PLATEAU_TORCH_PARAMS = {
  mode: { type: "string", default: "min", choices: ["min", "max"], doc: "minimise or maximise the metric" },
  factor: { type: "number", default: 0.1, min: 0, max: 0.999999, doc: "LR multiplier per reduction" },
  patience: { type: "integer", default: 10, min: 0, doc: "bad steps tolerated; reduce when numBad > patience" },
  threshold: { type: "number", default: 1e-4, min: 0, doc: "minimal significant improvement" },
  threshold_mode: { type: "string", default: "rel", choices: ["rel", "abs"], doc: "relative or absolute threshold" },
  cooldown: { type: "integer", default: 0, min: 0, doc: "steps to wait after a reduction" },
  min_lr: { type: "number", default: 0, min: 0, doc: "LR floor (absolute)" },
  eps: { type: "number", default: 1e-8, min: 0, doc: "skip reductions smaller than eps" },
} as const satisfies Record<string, ParamSpec>;

class PlateauTorch extends PlateauFrame<ParamsOf<typeof PLATEAU_TORCH_PARAMS>> {
  readonly name = "plateau-torch";
  protected readonly counterKey = "numBad";
  private readonly rel: boolean;
  private readonly threshold: number;
  private readonly eps: number;

  constructor(params: ParamsOf<typeof PLATEAU_TORCH_PARAMS>, ctx: SchedulerContext) {
    super(params, ctx);
    this.rel = params.threshold_mode === "rel";
    this.threshold = params.threshold;
    this.eps = params.eps;
  }

  private isBetter(a: number): boolean {
    const best = this.best;
    if (this.minMode) return this.rel ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.rel ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) return false;
    this.statistic = loss;
    if (this.isBetter(loss)) {
      this.best = loss;
      this.bad = 0;
    } else {
      this.bad += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.bad = 0;
    }
    if (this.bad > this.patience) {
      this.cooldownCounter = this.cooldown;
      this.bad = 0;
      const old = this.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) {
        this.lr = next;
        this.decays += 1;
        return true;
      }
    }
    return false;
  }
}

/**
 * @example const s = plateauTorch.create({ patience: 5000 }, { totalSteps: 202320, lr0: 0.1 });
 */
export const plateauTorch: SchedulerFactory = defineScheduler({
  name: "plateau-torch",
  summary: "torch ReduceLROnPlateau on the per-step loss (reduce when bad steps > patience)",
  paramSpecs: PLATEAU_TORCH_PARAMS,
  adaptive: true,
  make: (params, ctx) => new PlateauTorch(params, ctx),
});
