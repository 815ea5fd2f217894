/**
 * multistep: torch.optim.lr_scheduler.MultiStepLR. LR during step t = lr0 * gamma^(number of milestones <= t)
 * (bisect_right; a repeated milestone applies gamma twice, like torch's Counter), t counted in training steps
 * (index + ctx.stepOffset). A milestone M fires a decay at training step M-1 (the new LR applies from step M on);
 * in replay of an arcface log (1-based global steps, stepOffset = firstStep - 1) that is the logged step M.
 * Values in (0, 1) are fractions of T (floor(v * T)), e.g. `multistep:milestones=0.5,0.75`.
 * Default milestones 0.4,0.64,0.88 (epochs 10,16,22 of 25). Not the 2021 arcface_torch runs' schedule: they
 * decayed at 0.4,0.64,0.84 (epochs 10,16,21; data/known-decays.json).
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { defineScheduler } from "./factory.ts";
import { FixedSchedule, stepsOrFraction } from "./fixed.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const MULTISTEP_PARAMS = {
  milestones: {
    type: "number[]",
    default: [0.4, 0.64, 0.88],
    min: 0,
    doc: "steps where LR is multiplied by gamma; values in (0,1) are fractions of T",
  },
  gamma: { type: "number", default: 0.1, min: 0, max: 1, doc: "multiplicative factor per milestone" },
} as const satisfies Record<string, ParamSpec>;

function build(params: ParamsOf<typeof MULTISTEP_PARAMS>, ctx: SchedulerContext): FixedSchedule {
  const raw = params.milestones;
  for (const v of raw) {
    if (v >= 1 && !Number.isInteger(v)) {
      throw new ConfigError(
        badParamValue("multistep", "milestones", raw, "integers (steps) or fractions in (0,1)"),
        E_SCHED_PARAM,
      );
    }
  }
  const ms = raw.map((v) => stepsOrFraction(v, ctx.totalSteps)).sort((a, b) => a - b);
  const gamma = params.gamma;
  const lr0 = ctx.lr0;
  const lrAt = (t: number): number => {
    let n = 0;
    while (n < ms.length && ms[n]! <= t) n++;
    return lr0 * gamma ** n;
  };
  return new FixedSchedule("multistep", params, ctx, lrAt, { mode: "drop" });
}

/**
 * @example const s = multistep.create({ milestones: [3, 5], gamma: 0.1 }, { totalSteps: 10, lr0: 1 });
 */
export const multistep: SchedulerFactory = defineScheduler({
  name: "multistep",
  summary: "torch MultiStepLR: LR x gamma at each milestone (steps, or fractions of T)",
  paramSpecs: MULTISTEP_PARAMS,
  adaptive: false,
  make: build,
});
