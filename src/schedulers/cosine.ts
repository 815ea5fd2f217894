/**
 * cosine: torch.optim.lr_scheduler.CosineAnnealingLR, closed form
 *   LR during step t = eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
 * T_max defaults to T; eta_min is absolute (same unit as lr0). Like torch, past T_max the cosine rises again
 * (period 2 T_max). Decay events: each time the LR falls through lr0 / ratio^k (default halvings).
 */
import { defineScheduler } from "./factory.ts";
import { FixedSchedule } from "./fixed.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const COSINE_PARAMS = {
  T_max: { type: "integer", default: undefined, min: 1, doc: "half period in steps (default: T)" },
  eta_min: { type: "number", default: 0, min: 0, doc: "minimum LR (absolute)" },
  ratio: { type: "number", default: 2, min: 1.000001, doc: "a decay event each time LR falls by this factor" },
  maxDecays: { type: "integer", default: 8, min: 0, doc: "events reported at most (like fastface's maxDecays)" },
} as const satisfies Record<string, ParamSpec>;

function build(params: ParamsOf<typeof COSINE_PARAMS>, ctx: SchedulerContext): FixedSchedule {
  const tMax = params.T_max ?? ctx.totalSteps;
  const etaMin = params.eta_min;
  const lr0 = ctx.lr0;
  const lrAt = (t: number): number => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
  return new FixedSchedule("cosine", params, ctx, lrAt, {
    mode: "levels",
    ratio: params.ratio,
    maxEvents: params.maxDecays,
  });
}

/**
 * @example const s = cosine.create({}, { totalSteps: 1000, lr0: 0.1 });
 */
export const cosine: SchedulerFactory = defineScheduler({
  name: "cosine",
  summary: "torch CosineAnnealingLR (T_max default T, eta_min); events at each LR halving",
  paramSpecs: COSINE_PARAMS,
  adaptive: false,
  make: build,
});
