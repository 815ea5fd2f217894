/**
 * plateau-keras: keras.callbacks.ReduceLROnPlateau fed the per-step loss (one "epoch" per step).
 *
 *   if cooldownCounter > 0: cooldownCounter -= 1, wait = 0
 *   if better (min: a < best - min_delta; max: a > best + min_delta): best = a, wait = 0
 *   else if not in cooldown (re-checked after the decrement): wait += 1
 *        if wait >= patience and lr > min_lr: lr = max(lr * factor, min_lr) (a decay),
 *                                             cooldownCounter = cooldown, wait = 0
 * Keras stores the LR as float32 (we keep float64; only the `lr > float32(min_lr)` test is float32, as in Keras).
 * min_lr is absolute. Non-finite losses are skipped.
 */
import { defineScheduler } from "./factory.ts";
import { PlateauFrame } from "./stepwise.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const PLATEAU_KERAS_PARAMS = {
  mode: { type: "string", default: "min", choices: ["min", "max"], doc: "minimise or maximise the metric" },
  factor: { type: "number", default: 0.1, min: 0, max: 0.999999, doc: "LR multiplier per reduction" },
  patience: { type: "integer", default: 10, min: 0, doc: "reduce when wait >= patience" },
  min_delta: { type: "number", default: 1e-4, min: 0, doc: "minimal absolute improvement" },
  cooldown: { type: "integer", default: 0, min: 0, doc: "steps to wait after a reduction" },
  min_lr: { type: "number", default: 0, min: 0, doc: "LR floor (absolute)" },
} as const satisfies Record<string, ParamSpec>;

class PlateauKeras extends PlateauFrame<ParamsOf<typeof PLATEAU_KERAS_PARAMS>> {
  readonly name = "plateau-keras";
  protected readonly counterKey = "wait";
  private readonly minDelta: number;

  constructor(params: ParamsOf<typeof PLATEAU_KERAS_PARAMS>, ctx: SchedulerContext) {
    super(params, ctx);
    this.minDelta = params.min_delta;
  }

  step(loss: number): boolean {
    this.t += 1;
    if (loss - loss !== 0) return false;
    this.statistic = loss;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.bad = 0;
    }
    const better = this.minMode ? loss < this.best - this.minDelta : loss > this.best + this.minDelta;
    if (better) {
      this.best = loss;
      this.bad = 0;
    } else if (!(this.cooldownCounter > 0)) {
      this.bad += 1;
      if (this.bad >= this.patience) {
        const old = this.lr;
        if (old > Math.fround(this.minLr)) {
          this.lr = Math.max(old * this.factor, this.minLr);
          this.cooldownCounter = this.cooldown;
          this.bad = 0;
          this.decays += 1;
          return true;
        }
      }
    }
    return false;
  }
}

/**
 * @example const s = plateauKeras.create({ patience: 5000 }, { totalSteps: 202320, lr0: 0.1 });
 */
export const plateauKeras: SchedulerFactory = defineScheduler({
  name: "plateau-keras",
  summary: "Keras ReduceLROnPlateau on the per-step loss (reduce when wait >= patience)",
  paramSpecs: PLATEAU_KERAS_PARAMS,
  adaptive: true,
  make: (params, ctx) => new PlateauKeras(params, ctx),
});
