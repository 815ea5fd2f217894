/**
 * The frame of the schedulers that step one loss at a time and keep their own state in a few plain fields
 * (plateau-torch, plateau-keras, plateau-optax, plateau-timm, mhlr-7279bad, dlib, hck-proto, the fixed schedules): the common
 * fields (params, ctx, lr, t, decays), the generic `stepRange` (`stepEach`; a class with a fast path overrides
 * it), and the JSON state as the common header (`stateHeader`) plus the class's own fields. A subclass writes
 * its rule (`step`), `ownState()` (its fields, plain JSON) and `loadOwn(state)` (the same fields back), so
 * restore-then-continue equals an uninterrupted run by construction of the pair.
 *
 * `PlateauFrame` below adds the state torch's and Keras' ReduceLROnPlateau share.
 *
 * fastface and hck do not use it: they are the documented hot loops (CONTRIBUTING.md, "Hot loops") and keep
 * their float state in a Float64Array (float-fields.ts).
 */
import { dec, enc, num, stateHeader } from "./params.ts";
import { stepEach } from "./step-range.ts";
import type { DecaySink, Params, Scheduler, SchedulerContext, SchedulerState } from "./types.ts";

export abstract class StepwiseScheduler<P extends Params> implements Scheduler {
  abstract readonly name: string;
  readonly params: P;
  readonly ctx: SchedulerContext;
  /** LR in force for the next step; ctx.lr0 at the start unless the subclass sets it. */
  lr: number;
  t = 0;
  decays = 0;

  constructor(params: P, ctx: SchedulerContext) {
    this.params = params;
    this.ctx = ctx;
    this.lr = ctx.lr0;
  }

  abstract step(loss: number): boolean;

  /** The class's own state fields (plain JSON), written after the common header. */
  protected abstract ownState(): Record<string, unknown>;

  /** Take the class's own fields back from a state written by `ownState` (after t, lr and decays). */
  protected abstract loadOwn(s: SchedulerState): void;

  stepRange(losses: Float64Array, from: number, to: number, sink: DecaySink): void {
    stepEach(this, losses, from, to, sink);
  }

  /**
   * The whole state: the common header, then `ownState()`.
   * @example const saved = JSON.stringify(s.getState()); restoreScheduler(JSON.parse(saved)) // continues as s
   */
  getState(): SchedulerState {
    return { ...stateHeader(this), ...this.ownState() };
  }

  /** @internal */
  load(s: SchedulerState): this {
    this.t = s.t;
    this.lr = s.lr;
    this.decays = s.decays;
    this.loadOwn(s);
    return this;
  }
}

/** The parameters torch's and Keras' ReduceLROnPlateau share (each adds its own improvement test). */
export type PlateauParams = Params & {
  readonly mode: string;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly min_lr: number;
};

/**
 * The state both ReduceLROnPlateau ports keep: the best value so far (by `mode`), the bad-step counter, the
 * cooldown counter and the last finite loss as the statistic. The subclass writes the rule (`step`: torch and
 * Keras order the cooldown and the counter differently) and names the counter's state field (`counterKey`:
 * torch `numBad`, Keras `wait`). State: best, the counter, cooldownCounter, statistic (null when none).
 */
export abstract class PlateauFrame<P extends PlateauParams> extends StepwiseScheduler<P> {
  statistic = Number.NaN;
  protected best: number;
  /** Bad steps since the last improvement or reduction. */
  protected bad = 0;
  protected cooldownCounter = 0;
  protected readonly minMode: boolean;
  protected readonly factor: number;
  protected readonly patience: number;
  protected readonly cooldown: number;
  protected readonly minLr: number;
  /** The state field that holds the bad-step counter. */
  protected abstract readonly counterKey: string;

  constructor(params: P, ctx: SchedulerContext) {
    super(params, ctx);
    this.minMode = params.mode === "min";
    this.factor = params.factor;
    this.patience = params.patience;
    this.cooldown = params.cooldown;
    this.minLr = params.min_lr;
    this.best = this.minMode ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Bad-step counter after the last step. */
  get counter(): number {
    return this.bad;
  }

  protected ownState(): Record<string, unknown> {
    return {
      best: enc(this.best),
      [this.counterKey]: this.bad,
      cooldownCounter: this.cooldownCounter,
      statistic: Number.isFinite(this.statistic) ? this.statistic : null,
    };
  }

  protected loadOwn(s: SchedulerState): void {
    this.best = dec(s, "best");
    this.bad = num(s, this.counterKey);
    this.cooldownCounter = num(s, "cooldownCounter");
    this.statistic = num(s, "statistic");
  }
}
