/**
 * The epoch sawtooth: in face-recognition logs the loss falls abruptly at every epoch start (by ~8% mid-run in
 * the poly fixture) and creeps back within a fraction of the epoch. Any model can carry it as a factor
 *   L_obs(s) = L(s) * (1 - epA * exp(-phase(s) / epTau) - epA2 * exp(-phase(s) / epTau2)),
 *   phase(s) = ((s - 1) mod E) / E
 * with E = steps per epoch (`epochSteps`, detected from the log and stored with the parameters). The first term
 * is the slow creep back over the epoch, the second (epTau2 <= 0.1 epoch) the sharp dip of the first few hundred
 * steps of an epoch. Without `epochSteps` (or with epA = 0, which switches the whole sawtooth off) models are
 * unchanged; model files without epA2 have only the first term.
 */
import type { Curve } from "../curve/curve.ts";
import type { LossModel, ModelParamDef, ParamValues, Stepper, StepperOptions } from "./model.ts";

/**
 * Steps per epoch of a logged run: the header's total_step / num_epoch, else total_step / (last epoch + 1), else
 * the median gap between the first logged steps of consecutive epochs (epoch column); undefined otherwise.
 *
 * @example
 * epochLengthOf(curve); // 5058 for insightface_ms1mv3_r50_poly.log
 */
export function epochLengthOf(curve: Curve): number | undefined {
  const total = Number(curve.meta.config.total_step);
  const epochs = Number(curve.meta.config.num_epoch);
  if (total > 0 && epochs > 0) return Math.round(total / epochs);
  const ep = curve.columns.epoch;
  const step = curve.columns.step;
  if (ep && ep.length > 1 && total > 0) {
    const lastEpoch = ep[ep.length - 1]!;
    if (Number.isInteger(lastEpoch) && lastEpoch >= 1) return Math.round(total / (lastEpoch + 1));
  }
  if (ep && ep.length > 1) {
    const starts: number[] = [];
    for (let i = 1; i < ep.length; i++) if (ep[i]! > ep[i - 1]!) starts.push(step[i - 1]!);
    if (starts.length >= 2) {
      const gaps = starts
        .slice(1)
        .map((s, i) => s - starts[i]!)
        .sort((a, b) => a - b);
      const median = gaps[Math.floor(gaps.length / 2)]!;
      if (median > 0) return Math.round(median);
    }
  }
  return undefined;
}

/** Parameters of the sawtooth, added to a model's own when the epoch length is known. */
export const EPOCH_DEFS: ModelParamDef[] = [
  { name: "epA", lo: 1e-4, hi: 0.3, log: true, init: 0.03, doc: "relative drop of the loss at an epoch start" },
  { name: "epTau", lo: 0.005, hi: 1, log: true, init: 0.15, doc: "recovery time of the drop, in epochs" },
  { name: "epA2", lo: 1e-4, hi: 0.3, log: true, init: 0.02, doc: "relative depth of the sharp dip at an epoch start" },
  { name: "epTau2", lo: 0.001, hi: 0.1, log: true, init: 0.02, doc: "recovery time of the sharp dip, in epochs" },
];

/**
 * Phase in [0, 1) of step s within its epoch.
 *
 * @example
 * epochPhase(5059, 5058); // 0 (first step of the second epoch)
 */
export function epochPhase(step: number, epochSteps: number): number {
  return ((((step - 1) % epochSteps) + epochSteps) % epochSteps) / epochSteps;
}

/** A stepper with the sawtooth factor applied. */
export class EpochStepper implements Stepper {
  private readonly inner: Stepper;
  private readonly e: number;
  private readonly a: number;
  private readonly tau: number;
  private readonly a2: number;
  private readonly tau2: number;
  private t = 0;
  private factor = 1;
  loss: number;
  constructor(inner: Stepper, p: ParamValues) {
    this.inner = inner;
    this.e = p.epochSteps ?? 0;
    this.a = p.epA ?? 0;
    this.tau = p.epTau ?? 1;
    this.a2 = p.epA2 ?? 0;
    this.tau2 = p.epTau2 ?? 1;
    this.loss = inner.loss;
  }
  seed(loss: number): void {
    this.inner.seed?.(loss / this.factor);
    this.loss = loss;
  }
  advance(lr: number): void {
    this.t++;
    if (this.inner.advance) this.inner.advance(lr);
    else this.inner.next(lr);
  }
  next(lr: number): number {
    this.t++;
    const phase = ((this.t - 1) % this.e) / this.e;
    this.factor = 1 - this.a * Math.exp(-phase / this.tau) - this.a2 * Math.exp(-phase / this.tau2);
    this.loss = this.inner.next(lr) * this.factor;
    return this.loss;
  }
}

/**
 * A model's stepper, wrapped with the epoch sawtooth when its parameters carry one. Use this instead of
 * `model.stepper` everywhere a fitted model is run.
 *
 * @example
 * const s = makeStepper(effective, fitted.params, { minGap: 50 });
 */
export function makeStepper(model: LossModel, params: ParamValues, opts?: StepperOptions): Stepper {
  const inner = model.stepper(params, opts);
  if (!((params.epochSteps ?? 0) > 0 && (params.epA ?? 0) > 0)) return inner;
  const wrapped = new EpochStepper(inner, params);
  if (!inner.seed) (wrapped as { seed?: unknown }).seed = undefined;
  if (!inner.advance) (wrapped as { advance?: unknown }).advance = undefined;
  return wrapped;
}
