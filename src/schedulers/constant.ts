/**
 * constant: the LR never changes (the no-schedule baseline; never decays).
 */
import { defineScheduler } from "./factory.ts";
import { FixedSchedule } from "./fixed.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

export const CONSTANT_PARAMS = {} as const satisfies Record<string, ParamSpec>;

function build(params: ParamsOf<typeof CONSTANT_PARAMS>, ctx: SchedulerContext): FixedSchedule {
  const lr0 = ctx.lr0;
  return new FixedSchedule("constant", params, ctx, () => lr0, { mode: "drop" });
}

/**
 * @example const s = constant.create({}, { totalSteps: 10, lr0: 0.1 }); s.step(1); s.lr // -> 0.1
 */
export const constant: SchedulerFactory = defineScheduler({
  name: "constant",
  summary: "constant LR (baseline, never decays)",
  paramSpecs: CONSTANT_PARAMS,
  adaptive: false,
  make: build,
});
