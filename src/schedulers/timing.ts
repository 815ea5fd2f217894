/**
 * When a scheduler's decision reaches the optimizer: the one timing option of fastface, shared by the closed
 * loops that train with a scheduler's LR (src/simulate's closed loop, src/train's trainer). Replay is open
 * loop (the logged losses do not depend on the LR) and reports decisions where they are made.
 *
 * - `official`: amoonfana/FastFace `lr_scheduler.py`, class MHLR. `train.py` calls `opt.step()`, then
 *   `lr_scheduler.my_step(loss.item())`, then logs `get_last_lr()`. `my_step` first calls
 *   `_LRScheduler.step()`, which sets every group's LR to `lr * self.weight` with the weight decided at the
 *   previous call, and only then decides a new weight from this loss. So the decision made from the loss of
 *   step k (0-based) is applied by the next call: the log line of step k+1 shows it, and the optimizer first
 *   trains with it at step k+2.
 * - `immediate`: the decision from step k's loss trains step k+1 (torch's MultiStepLR / ReduceLROnPlateau
 *   stepped after `opt.step()`, Keras callbacks, dlib): the convention of `Scheduler.lr`.
 *
 * Defaults come from each scheduler's registry entry (`lrTiming`): `official` for fastface (the MHLR code),
 * `immediate` for the rest.
 */
import { LR_TIMINGS, type LrTiming, type Scheduler } from "./types.ts";

export { LR_TIMINGS, type LrTiming };

/**
 * A scheduler as an optimizer sees it: train each step with `lr`, then feed that step's loss to `step`.
 * @example
 * const t = new TimedLr(createScheduler("fastface", ctx), "official");
 * for (...) { train(t.lr); t.step(loss); }
 */
export class TimedLr {
  readonly scheduler: Scheduler;
  readonly timing: LrTiming;
  private applied: number;

  constructor(scheduler: Scheduler, timing: LrTiming) {
    this.scheduler = scheduler;
    this.timing = timing;
    this.applied = scheduler.lr;
  }

  /**
   * The LR to train the next step with. It is also what the log line of the step just fed shows: MHLR's
   * `get_last_lr()` after `my_step`, torch's after `scheduler.step()`.
   */
  get lr(): number {
    return this.applied;
  }

  /** Feed the loss of the step just trained; true when the scheduler decided a decay from it. */
  step(loss: number): boolean {
    const before = this.scheduler.lr;
    const fired = this.scheduler.step(loss);
    this.applied = this.timing === "official" ? before : this.scheduler.lr;
    return fired;
  }

  /** Steps between the step whose loss made a decision and the first step trained with it (2 or 1). */
  get lag(): number {
    return this.timing === "official" ? 2 : 1;
  }
}

/**
 * Parse a timing name (CLI / config); undefined when it is not one.
 * @example parseTiming("official") // "official"
 */
export function parseTiming(text: string): LrTiming | undefined {
  const t = text.trim().toLowerCase();
  return (LR_TIMINGS as readonly string[]).includes(t) ? (t as LrTiming) : undefined;
}
