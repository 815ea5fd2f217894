/**
 * Shared machinery of the fixed (loss-independent) schedules: multistep, poly, cosine, constant.
 * A schedule is a closed form `lrAt(u)`: the LR in force during training step u (0-based), the value torch's
 * scheduler holds after u calls of `step()`. Index t of the fed sequence is training step u = stepOffset + t
 * (ctx.stepOffset, default 0); the scheduler's `lr` after consuming t losses is `lrAt(stepOffset + t)`.
 *
 * What counts as a "decay" (the discrete events replay scores):
 * - `mode: "drop"`: every step where the LR decreases (multistep milestones);
 * - `mode: "levels"`: each time the LR falls through another level lr0 / ratio^k (k = 1, 2, ...), at most one
 *   event per step, at most `maxEvents`; continuous schedules (poly, cosine) thus report "halvings"
 *   comparable with fastface (8 at most by default, like fastface's maxDecays).
 */
import { checkState, num } from "./params.ts";
import { StepwiseScheduler } from "./stepwise.ts";
import type { Params, SchedulerContext, SchedulerState } from "./types.ts";

export type EventMode =
  | { mode: "drop" }
  | {
      mode: "levels";
      ratio: number;
      maxEvents: number;
      /** No events while the training step u <= quietUntil (poly's warmup, where the LR rises). */
      quietUntil?: number;
    };

export class FixedSchedule extends StepwiseScheduler<Params> {
  readonly name: string;
  /** Levels lr0 / ratio^k crossed so far (levels mode). */
  private level = 0;
  private readonly lrAt: (t: number) => number;
  private readonly events: EventMode;

  constructor(name: string, params: Params, ctx: SchedulerContext, lrAt: (t: number) => number, events: EventMode) {
    super(params, ctx);
    this.name = name;
    const off = ctx.stepOffset ?? 0;
    this.lrAt = off === 0 ? lrAt : (t: number) => lrAt(off + t);
    this.events = events;
    this.lr = this.lrAt(0);
  }

  private levelOf(lr: number): number {
    if (this.events.mode !== "levels") return 0;
    if (!(lr > 0)) return Number.POSITIVE_INFINITY;
    return Math.floor(Math.log(this.ctx.lr0 / lr) / Math.log(this.events.ratio) + 1e-9);
  }

  step(_loss: number): boolean {
    const before = this.lr;
    this.t += 1;
    const after = this.lrAt(this.t);
    this.lr = after;
    if (!(after < before)) return false;
    if (this.events.mode === "drop") {
      this.decays += 1;
      return true;
    }
    if (this.t + (this.ctx.stepOffset ?? 0) <= (this.events.quietUntil ?? -1)) return false;
    const lv = this.levelOf(after);
    if (lv > this.level && this.decays < this.events.maxEvents) {
      this.level = lv;
      this.decays += 1;
      return true;
    }
    return false;
  }

  protected ownState(): Record<string, unknown> {
    return {
      level: Number.isFinite(this.level) ? this.level : "Infinity",
    };
  }

  /** The LR is the closed form at the restored step (the saved `lr` is only the header's copy). */
  protected loadOwn(s: SchedulerState): void {
    checkState(s, this.name);
    this.lr = this.lrAt(s.t);
    this.level = s.level === "Infinity" ? Number.POSITIVE_INFINITY : num(s, "level");
  }
}

/** A step count given either as steps (>= 1) or as a fraction of T (values in (0, 1)). */
export function stepsOrFraction(v: number, totalSteps: number): number {
  return v > 0 && v < 1 ? Math.floor(v * totalSteps) : Math.round(v);
}
