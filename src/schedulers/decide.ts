/**
 * The shared decision rule of FastFace (fastface and hck), evaluated on a statistic x_t:
 *
 *   if x_t < lambda:  if count < toler then count += 1
 *                     else count = 0; events += 1; a decay fires when events <= maxDecays
 *   else:             count = 0
 *
 * with toler = floor(T * tau). A decay fired at step t divides the LR by delta from step t+1 on. After
 * maxDecays decays the rule keeps cycling (the official code keeps counting `power`) but no longer fires.
 */

export interface DecayRuleParams {
  lambda: number;
  toler: number;
  maxDecays: number;
}

/** Mutable counters of the rule; plain fields so a scheduler can keep it inline and serialise it. */
export class DecayRule {
  readonly lambda: number;
  readonly toler: number;
  readonly maxDecays: number;
  /** Tolerance counter after the last decision. */
  count = 0;
  /** Times the counter overflowed (fired or not). */
  events = 0;

  constructor(p: DecayRuleParams) {
    this.lambda = p.lambda;
    this.toler = p.toler;
    this.maxDecays = p.maxDecays;
  }

  /**
   * Apply the rule to one statistic; true when a decay fires at this step.
   * @example const r = new DecayRule({ lambda: 1, toler: 1, maxDecays: 8 }); r.decide(0); r.decide(0) // -> true
   */
  decide(x: number): boolean {
    const c = nextCount(x, this.lambda, this.toler, this.count);
    if (c >= 0) {
      this.count = c;
      return false;
    }
    this.count = 0;
    this.events += 1;
    return this.events <= this.maxDecays;
  }

  /** Decays fired so far (events capped at maxDecays). */
  get fired(): number {
    return Math.min(this.events, this.maxDecays);
  }
}

/**
 * The counter step of the rule as a pure function (for hot loops that keep the counters in locals):
 * the next count, or -1 when the counter overflows (then: count = 0, events += 1, fire if events <= maxDecays).
 * @example nextCount(0, 1, 2, 2) // -> -1
 */
export function nextCount(x: number, lambda: number, toler: number, count: number): number {
  return x < lambda ? (count < toler ? count + 1 : -1) : 0;
}

/** toler = floor(T * tau), computed exactly as the official `int(total_steps * tau)`. */
export function tolerance(totalSteps: number, tau: number): number {
  return Math.floor(totalSteps * tau);
}
