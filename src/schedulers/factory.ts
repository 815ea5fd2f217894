/**
 * `defineScheduler`: the one place that turns a scheduler constructor into a `SchedulerFactory`. `create`
 * resolves the parameters (defaults, coercion, bounds) and checks the context; `restore` checks the state's
 * shape and name first, then does the same and loads the state into a fresh scheduler.
 */
import { checkContext, checkState, resolveParams } from "./params.ts";
import type { LrTiming } from "./timing.ts";
import type {
  ParamSpec,
  Params,
  ParamsOf,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SchedulerState,
} from "./types.ts";

/** A scheduler that can take over a saved state (every scheduler class has `load`). */
export interface Loadable extends Scheduler {
  load(state: SchedulerState): Scheduler;
}

export interface SchedulerDefinition<Specs extends Readonly<Record<string, ParamSpec>>> {
  readonly name: string;
  readonly summary: string;
  /** The `as const` spec table; `make` receives parameters of the type derived from it (`ParamsOf`). */
  readonly paramSpecs: Specs;
  readonly adaptive: boolean;
  /** Default LR timing in closed loops (timing.ts); absent: `immediate`. */
  readonly lrTiming?: LrTiming;
  /** Build a fresh scheduler from resolved parameters and a checked context. */
  make(params: ParamsOf<Specs>, ctx: SchedulerContext): Loadable;
}

/**
 * Build a `SchedulerFactory` from a name, its parameter specs and a constructor.
 * @example
 * const f = defineScheduler({ name: "x", summary: "...", paramSpecs: {}, adaptive: false, make: (p, c) => new X(p, c) });
 * f.create({}, { totalSteps: 10, lr0: 1 });
 */
export function defineScheduler<const Specs extends Readonly<Record<string, ParamSpec>>>(
  def: SchedulerDefinition<Specs>,
): SchedulerFactory {
  const { name, paramSpecs, make } = def;
  return {
    name,
    summary: def.summary,
    paramSpecs,
    adaptive: def.adaptive,
    ...(def.lrTiming ? { lrTiming: def.lrTiming } : {}),
    create(params: Params, ctx: SchedulerContext): Scheduler {
      return make(resolveParams(name, paramSpecs, params), checkContext(ctx));
    },
    restore(state: SchedulerState): Scheduler {
      checkState(state, name);
      return make(resolveParams(name, paramSpecs, state.params), checkContext(state.ctx)).load(state);
    },
  };
}

/**
 * Checked typed views of one scheduler class, for code that reads its typed params or state (the batch kernels):
 * `params(s)` and `state(s)` of a `Scheduler` that is an instance of `cls`; an Error naming both otherwise.
 * @example export const { params: hckParams, state: hckState } = typedAccess(HckScheduler, "hck");
 */
export function typedAccess<C extends Scheduler>(
  cls: abstract new (...args: never[]) => C,
  name: string,
): { params(s: Scheduler): C["params"]; state(s: Scheduler): ReturnType<C["getState"]> } {
  const as = (s: Scheduler): C => {
    if (!(s instanceof cls)) throw new Error(`expected a ${name} scheduler, got '${s.name}'`);
    return s;
  };
  return { params: (s) => as(s).params, state: (s) => as(s).getState() as ReturnType<C["getState"]> };
}
