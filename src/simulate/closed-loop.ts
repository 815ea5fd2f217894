/**
 * The closed loop: at every simulated step the scheduler sees the model's loss for the LR history so far times
 * resampled noise, and chooses the LR of the next step. O(1) per step for the state models (O(LR changes) for
 * multipower); no allocation per step besides the optional per-step observed sequence for the judge.
 *
 * Step convention: simulated step tau (1-based) trains with the timed LR (`TimedLr.lr`), the model then gives
 * the loss after it; the scheduler consumes that (noisy) loss as its index tau-1 and a decay it decides there is
 * reported at step tau. With `timing` immediate it trains step tau+1; with official (fastface's default, the
 * MHLR code) step tau+2 (src/schedulers/timing.ts). The noise is one bootstrap draw per `stride` steps (the
 * logged resolution), held over the stride.
 */
import { findStationary, type JudgeParams } from "../judge/stationary.ts";
import type { SchedulerSpec } from "../schedulers/registry.ts";
import { createTimed } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { SchedulerContext } from "../schedulers/types.ts";
import { makeStepper } from "./epoch.ts";
import type { LossModel, ParamValues } from "./model.ts";
import { BlockBootstrap, type NoiseModel } from "./noise.ts";

export interface ClosedLoopOptions {
  model: LossModel;
  params: ParamValues;
  scheduler: SchedulerSpec;
  ctx: SchedulerContext;
  /** Simulated steps. */
  steps: number;
  /** Steps per noise draw (the log's stride). */
  stride: number;
  noise?: Pick<NoiseModel, "values" | "blockLength">;
  seed: number;
  /** Loss to reach (noise-free model loss); the first step at or below it is `reachStep`. */
  target: number;
  /** Ascending steps (1..steps) at which to sample the traces. */
  grid: ArrayLike<number>;
  /** Judge parameters (absolute) for the stationary subsequences of the simulated noisy curve. */
  judge?: JudgeParams;
  /** multipower: merge LR changes closer than this (see StepperOptions.minGap). */
  minGap?: number;
  /** When a decision reaches the model (default: the scheduler's own; official for fastface). */
  timing?: LrTiming;
}

export interface ClosedLoopRun {
  seed: number;
  decays: Array<{ step: number; lr: number }>;
  /** Noise-free model loss after the last step. */
  finalLoss: number;
  /** First step whose noise-free loss is <= target, or null. */
  reachStep: number | null;
  /** Stationary subsequences of the simulated noisy per-step curve (steps, inclusive). */
  stationary: Array<{ start: number; end: number }>;
  /** Sampled at `grid`: noise-free loss, noisy loss the scheduler saw, LR in force. */
  loss: Float64Array;
  observed: Float64Array;
  lr: Float64Array;
  nsPerStep: number;
  /** The first loss difference the scheduler saw (observed L_0 - L_1; NaN for runs shorter than 2 steps). */
  firstDiff: number;
}

/**
 * One closed-loop run.
 *
 * @example
 * const run = runClosedLoop({ model: floor, params, scheduler: parseSchedulerSpec("fastface"),
 *   ctx: { totalSteps: 100000, lr0: 0.1 }, steps: 100000, stride: 10, noise, seed: 1, target: 1.6, grid });
 */
export function runClosedLoop(o: ClosedLoopOptions): ClosedLoopRun {
  const stepper = makeStepper(o.model, o.params, o.minGap === undefined ? {} : { minGap: o.minGap });
  const timed = createTimed(o.scheduler, o.ctx, o.timing);
  const sched = timed.scheduler;
  const boot = o.noise ? new BlockBootstrap(o.noise, o.seed) : undefined;
  const stride = Math.max(1, Math.round(o.stride));
  const steps = Math.max(0, Math.floor(o.steps));
  const m = o.grid.length;
  const loss = new Float64Array(m);
  const observed = new Float64Array(m);
  const lrTrace = new Float64Array(m);
  const perStep = o.judge ? new Float64Array(steps) : undefined;
  const decays: Array<{ step: number; lr: number }> = [];
  let reachStep: number | null = null;
  let factor = 1;
  let g = 0;
  let nextGrid = m > 0 ? Math.round(o.grid[0]!) : Number.POSITIVE_INFINITY;
  let last = stepper.loss;
  let firstObs = Number.NaN;
  let firstDiff = Number.NaN;
  const t0 = process.hrtime.bigint();
  for (let tau = 1; tau <= steps; tau++) {
    const lr = timed.lr;
    last = stepper.next(lr);
    if (boot && (tau - 1) % stride === 0) factor = Math.exp(boot.next());
    const obs = last * factor;
    if (perStep) perStep[tau - 1] = obs;
    if (tau === 1) firstObs = obs;
    else if (tau === 2) firstDiff = firstObs - obs;
    if (reachStep === null && last <= o.target) reachStep = tau;
    if (timed.step(obs)) decays.push({ step: tau, lr: sched.lr });
    while (tau === nextGrid) {
      loss[g] = last;
      observed[g] = obs;
      lrTrace[g] = lr;
      g++;
      nextGrid = g < m ? Math.round(o.grid[g]!) : Number.POSITIVE_INFINITY;
    }
  }
  const ns = steps > 0 ? Number(process.hrtime.bigint() - t0) / steps : 0;
  const stationary = perStep
    ? findStationary(perStep, o.judge).map((s) => ({ start: s.start + 1, end: s.end + 1 }))
    : [];
  return {
    seed: o.seed,
    decays,
    finalLoss: last,
    reachStep,
    stationary,
    loss,
    observed,
    lr: lrTrace,
    nsPerStep: ns,
    firstDiff,
  };
}
