/**
 * poly: arcface_torch's PolynomialLRWarmup (insightface recognition/arcface_torch/lr_scheduler.py).
 * With w = warmup steps and T = total steps, the LR during step t is
 *   t = 0:        lr0            (torch quirk: the scheduler's initial step returns the optimizer's LR)
 *   1 <= t <= w:  lr0 * t / w
 *   t > w:        lr0 * (1 - (min(t, T) - w) / (T - w))^power      (0 from t = T on)
 * Decay events: each time the LR falls through lr0 / ratio^k (see fixed.ts), default ratio 2 (halvings), none
 * during the warmup (the quirk's drop after step 0 is not a decay).
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { defineScheduler } from "./factory.ts";
import { FixedSchedule, stepsOrFraction } from "./fixed.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const POLY_PARAMS = {
  power: { type: "number", default: 2, min: 0, doc: "polynomial power (arcface_torch uses 2)" },
  warmup: { type: "number", default: 0, min: 0, doc: "warmup steps (values in (0,1): fraction of T)" },
  ratio: { type: "number", default: 2, min: 1.000001, doc: "a decay event each time LR falls by this factor" },
  maxDecays: { type: "integer", default: 8, min: 0, doc: "events reported at most (like fastface's maxDecays)" },
} as const satisfies Record<string, ParamSpec>;

function build(params: ParamsOf<typeof POLY_PARAMS>, ctx: SchedulerContext): FixedSchedule {
  const T = ctx.totalSteps;
  const w = stepsOrFraction(params.warmup, T);
  if (w >= T) {
    throw new ConfigError(badParamValue("poly", "warmup", params.warmup, `fewer than T = ${T} steps`), E_SCHED_PARAM);
  }
  const p = params.power;
  const lr0 = ctx.lr0;
  const lrAt = (t: number): number => {
    if (t === 0) return lr0;
    if (t <= w) return (lr0 * t) / w;
    return lr0 * (1 - (Math.min(t, T) - w) / (T - w)) ** p;
  };
  return new FixedSchedule("poly", params, ctx, lrAt, {
    mode: "levels",
    ratio: params.ratio,
    maxEvents: params.maxDecays,
    quietUntil: w,
  });
}

/**
 * @example const s = poly.create({ power: 2 }, { totalSteps: 1000, lr0: 0.1 });
 */
export const poly: SchedulerFactory = defineScheduler({
  name: "poly",
  summary: "arcface_torch PolynomialLRWarmup (power, warmup steps); events at each LR halving",
  paramSpecs: POLY_PARAMS,
  adaptive: false,
  make: build,
});
