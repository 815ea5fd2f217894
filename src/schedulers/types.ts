/**
 * The scheduler contract. Every learning-rate scheduler (fastface, hck and the peers) is one file exporting a
 * `SchedulerFactory`, registered by name in `registry.ts`. A scheduler is a state machine fed one loss per
 * training step; its whole state is plain JSON (`getState()`), and `factory.restore(state)` continues
 * exactly where it left off: restore-then-continue equals an uninterrupted run.
 *
 * The same objects serve replay (logged losses), simulate (model losses), sweep (many configs) and retrain
 * (live losses), so a rule is written once.
 */

/** When an LR decided at a step reaches the optimizer (see timing.ts, which wraps a scheduler accordingly). */
export const LR_TIMINGS = ["official", "immediate"] as const;
export type LrTiming = (typeof LR_TIMINGS)[number];

export type ParamValue = number | string | boolean | number[];
export type Params = Record<string, ParamValue>;

export interface ParamSpec {
  type: "number" | "integer" | "boolean" | "string" | "number[]";
  default: ParamValue | undefined;
  doc: string;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Exclusive lower bound for numbers (`delta` must divide the LR by more than 1). */
  above?: number;
  /** Allowed values for strings. */
  choices?: readonly string[];
}

/**
 * The value type a ParamSpec declares: `number` for number/integer, `boolean`, the union of the choices for a
 * string with choices, `number[]`.
 */
export type ParamValueOf<S extends ParamSpec> = S["type"] extends "number" | "integer"
  ? number
  : S["type"] extends "boolean"
    ? boolean
    : S["type"] extends "string"
      ? S extends { readonly choices: readonly (infer C extends string)[] }
        ? C
        : string
      : number[];

type Flat<T> = { readonly [K in keyof T]: T[K] };

/**
 * The resolved parameters of a scheduler, derived from its `as const` spec table: every parameter with a default
 * is present with its declared type; one whose default is `undefined` (derived from T or the LR when absent) is
 * optional. `resolveParams` returns this type (it has checked every value), so scheduler files read
 * `params.alpha` as a number without a cast.
 * @example type P = ParamsOf<typeof FASTFACE_PARAMS>; // { alpha: number; ...; debias: boolean; ... }
 */
export type ParamsOf<Specs extends Readonly<Record<string, ParamSpec>>> = Flat<
  { [K in keyof Specs as Specs[K] extends { readonly default: undefined } ? never : K]: ParamValueOf<Specs[K]> } & {
    [K in keyof Specs as Specs[K] extends { readonly default: undefined } ? K : never]?: ParamValueOf<Specs[K]>;
  }
>;

export interface SchedulerContext {
  /** T: the run length in steps (tolerances such as floor(T * tau) and fractional milestones use it). */
  totalSteps: number;
  /** Initial LR; 1.0 means LRs are reported relative to the initial LR. */
  lr0: number;
  /**
   * Training steps completed before index 0 (default 0). Fixed schedules (multistep, poly, cosine) evaluate
   * their torch step counter at stepOffset + t, so milestones given as steps line up with a replayed log that
   * starts mid-run; loss-driven schedulers ignore it.
   */
  stepOffset?: number;
}

/** JSON-serialisable state; `name` and `params` identify the scheduler, the rest is its own. */
export interface SchedulerState {
  name: string;
  params: Params;
  ctx: SchedulerContext;
  /** Losses consumed so far. */
  t: number;
  /** LR in force for the next step. */
  lr: number;
  /** Decays fired so far. */
  decays: number;
  [key: string]: unknown;
}

export interface Scheduler {
  readonly name: string;
  /** Fully resolved parameters (defaults merged in). */
  readonly params: Params;
  /** LR in force for the next step (absolute: lr0 x multipliers). */
  readonly lr: number;
  /** Losses consumed so far. */
  readonly t: number;
  /** Decays (discrete LR reductions) fired so far. */
  readonly decays: number;
  /**
   * Feed the loss observed at step index `t` (0-based). Returns true when a decay fires at this step
   * (the new LR applies from step t+1 on). Must not allocate on the hot path.
   */
  step(loss: number): boolean;
  /** Optional diagnostic of the last step: the statistic compared with the threshold (x_t), NaN when none. */
  readonly statistic?: number;
  /** Optional diagnostic: the tolerance counter after the last step. */
  readonly counter?: number;
  /** Deep copy of the state, plain JSON. */
  getState(): SchedulerState;
  /**
   * Optional fast path: feed `losses[from..to)` in order, exactly as calling `step()` on each, and append every
   * decay to `sink` (index, LR after). Saves the per-call dispatch in replay/sweep hot loops.
   */
  stepRange?(losses: Float64Array, from: number, to: number, sink: DecaySink): void;
}

/** Where `stepRange` records decays: parallel arrays (no callback, so hot loops stay monomorphic). */
export interface DecaySink {
  index: number[];
  lr: number[];
}

export interface SchedulerFactory {
  readonly name: string;
  /** One line: what it is and whose semantics it follows. */
  readonly summary: string;
  readonly paramSpecs: Readonly<Record<string, ParamSpec>>;
  /** True for loss-driven schedulers (fastface, hck, plateau-*, dlib); false for fixed schedules. */
  readonly adaptive: boolean;
  /** When its decisions reach the optimizer in a closed loop by default (timing.ts); absent: `immediate`. */
  readonly lrTiming?: LrTiming;
  create(params: Params, ctx: SchedulerContext): Scheduler;
  restore(state: SchedulerState): Scheduler;
}
