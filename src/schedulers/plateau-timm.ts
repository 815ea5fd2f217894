/**
 * plateau-timm: timm's PlateauLRScheduler (`timm/scheduler/plateau_lr.py` on `timm/scheduler/scheduler.py`) fed
 * the per-step loss, one timm "epoch" per step: after the loss of index i the training loop calls
 * `step(epoch = i + 1, metric = loss)`, as timm's train.py does after each epoch (`step(epoch + 1, metric)`).
 *
 *   warmup     with warmup_t > 0 the LR starts at warmup_lr_init, and while epoch <= warmup_t it is
 *              warmup_lr_init + epoch * (lr0 - warmup_lr_init) / warmup_t; the metric is ignored then (the base
 *              scheduler is not stepped, so it does not count those epochs)
 *   plateau    afterwards: the LR before the last noise is restored, then torch's ReduceLROnPlateau steps on the
 *              metric with patience_t, decay_rate, threshold (relative), cooldown_t, lr_min: exactly
 *              `plateau-torch`, which this scheduler runs inside (one rule, one copy), starting from the LR the
 *              warmup left
 *   noise      when the epoch is in the noise range ([start, end) for two values, >= start for one), the LR is
 *              multiplied by (1 + noise) until the next step; noise from a torch generator seeded
 *              noise_seed + epoch: `normal` redraws torch.randn until |noise| < noise_pct, `uniform` is
 *              2 (rand - 1/2) noise_pct (torch-generator.ts reproduces torch's stream). timm's noise_std is not
 *              used by timm and is not a parameter here.
 * timm's default mode is "max" (it monitors an accuracy); ours is "min" because replay feeds a loss. Non-finite
 * losses are skipped (the epoch still advances, as the training loop would still call step). Decays are the base
 * scheduler's reductions; noise is not a decay.
 */
import { defineScheduler } from "./factory.ts";
import { num } from "./params.ts";
import { plateauTorch } from "./plateau-torch.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import { TorchGenerator } from "./torch-generator.ts";
import type { ParamSpec, ParamsOf, Scheduler, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";

export const PLATEAU_TIMM_PARAMS = {
  mode: { type: "string", default: "min", choices: ["min", "max"], doc: "minimise (ours) or maximise (timm)" },
  decay_rate: { type: "number", default: 0.1, min: 0, max: 0.999999, doc: "LR multiplier per reduction" },
  patience_t: { type: "integer", default: 10, min: 0, doc: "bad steps tolerated (reduce when more)" },
  threshold: { type: "number", default: 1e-4, min: 0, doc: "relative improvement threshold" },
  cooldown_t: { type: "integer", default: 0, min: 0, doc: "steps to wait after a reduction" },
  warmup_t: { type: "integer", default: 0, min: 0, doc: "linear warmup steps (metric ignored meanwhile)" },
  warmup_lr_init: { type: "number", default: 0, min: 0, doc: "LR at the start of the warmup (absolute)" },
  lr_min: { type: "number", default: 0, min: 0, doc: "LR floor (absolute)" },
  noise_range: {
    type: "number[]",
    default: [],
    min: 0,
    doc: "noise epochs: [start] (>= start) or [start, end) (empty: no noise)",
  },
  noise_type: { type: "string", default: "normal", choices: ["normal", "uniform"], doc: "noise distribution" },
  noise_pct: { type: "number", default: 0.67, min: 0, doc: "noise limit (normal: redraw beyond it)" },
  noise_seed: { type: "integer", default: 42, doc: "base seed; epoch t uses noise_seed + t" },
} as const satisfies Record<string, ParamSpec>;

class PlateauTimm extends StepwiseScheduler<ParamsOf<typeof PLATEAU_TIMM_PARAMS>> {
  readonly name = "plateau-timm";
  statistic = Number.NaN;
  /** The base ReduceLROnPlateau (created at the first step after the warmup). */
  private base: Scheduler | null = null;
  private readonly warmupT: number;
  private readonly warmupInit: number;
  private readonly warmupStep: number;
  private readonly noise: number[];

  constructor(params: ParamsOf<typeof PLATEAU_TIMM_PARAMS>, ctx: SchedulerContext) {
    super(params, ctx);
    this.warmupT = params.warmup_t;
    this.warmupInit = params.warmup_lr_init;
    this.warmupStep = this.warmupT > 0 ? (ctx.lr0 - this.warmupInit) / this.warmupT : 1;
    this.lr = this.warmupT > 0 ? this.warmupInit : ctx.lr0;
    this.noise = params.noise_range;
  }

  get counter(): number {
    return this.base?.counter ?? 0;
  }

  private makeBase(lr0: number): Scheduler {
    const p = this.params;
    return plateauTorch.create(
      {
        mode: p.mode,
        factor: p.decay_rate,
        patience: p.patience_t,
        threshold: p.threshold,
        cooldown: p.cooldown_t,
        min_lr: p.lr_min,
      },
      { totalSteps: this.ctx.totalSteps, lr0 },
    );
  }

  private inNoise(epoch: number): boolean {
    const r = this.noise;
    if (r.length === 0) return false;
    return r.length >= 2 ? r[0]! <= epoch && epoch < r[1]! : epoch >= r[0]!;
  }

  /** timm's `_calculate_noise(epoch)`. */
  private noiseAt(epoch: number): number {
    const g = new TorchGenerator(this.params.noise_seed + epoch);
    const pct = this.params.noise_pct;
    if (this.params.noise_type === "uniform") return 2 * (g.randFloat32() - 0.5) * pct;
    for (;;) {
      const v = g.randnFloat32();
      if (Math.abs(v) < pct) return v;
    }
  }

  step(loss: number): boolean {
    this.t += 1;
    const epoch = this.t;
    if (epoch <= this.warmupT) {
      this.lr = this.warmupInit + epoch * this.warmupStep;
      this.statistic = Number.NaN;
      return false;
    }
    this.base ??= this.makeBase(this.lr);
    const fired = loss - loss === 0 ? this.base.step(loss) : false;
    this.decays = this.base.decays;
    this.statistic = loss - loss === 0 ? loss : Number.NaN;
    const lr = this.base.lr;
    this.lr = this.inNoise(epoch) ? lr + lr * this.noiseAt(epoch) : lr;
    return fired;
  }

  protected ownState(): Record<string, unknown> {
    return {
      statistic: Number.isFinite(this.statistic) ? this.statistic : null,
      base: this.base ? this.base.getState() : null,
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.statistic = num(s, "statistic");
    const base = s.base as SchedulerState | null;
    this.base = base === null ? null : plateauTorch.restore(base);
  }
}

/**
 * @example const s = plateauTimm.create({ patience_t: 5000, warmup_t: 1000 }, { totalSteps: 100000, lr0: 0.1 });
 */
export const plateauTimm: SchedulerFactory = defineScheduler({
  name: "plateau-timm",
  summary: "timm PlateauLRScheduler on the per-step loss: linear warmup, torch ReduceLROnPlateau, seeded LR noise",
  paramSpecs: PLATEAU_TIMM_PARAMS,
  adaptive: true,
  make: (params, ctx) => new PlateauTimm(params, ctx),
});
