/**
 * The loss-response model contract. A model maps an LR history to a loss. It has two faces:
 * - `predictTf`: a differentiable tfjs expression evaluated at the ends of piecewise-constant blocks (the fit);
 * - `stepper`: an exact per-step state machine (prediction, validation and the closed loop), O(1) or
 *   O(LR changes) per step, no allocation per step.
 * Models see the normalised LR `eta / lrRef` (lrRef is stored with the fitted parameters) so bounds and starts
 * are scale-free and a model fitted on run A applies to run B in the same LR units.
 */
import type * as tfType from "@tensorflow/tfjs";

export type Tf = typeof tfType;
export type ParamValues = Record<string, number>;

export interface ModelParamDef {
  name: string;
  /** Inclusive bounds; the optimiser works on an unconstrained variable mapped into them. */
  lo: number;
  hi: number;
  /** Map through log space (positive, spans decades). */
  log: boolean;
  /** With `log`: map `1 - value` through log space (values just below 1, such as a momentum lambda). */
  complement?: boolean;
  /** Typical starting value (the first start uses it; later starts jitter around it). */
  init: number;
  doc: string;
}

/** What the fit knows about the data when it sets bounds and starts. */
export interface FitScale {
  /** Sum of normalised LRs over the fitted steps (S1 at the end). */
  s1Max: number;
  /** Number of steps spanned. */
  steps: number;
  lossFirst: number;
  lossLast: number;
  lossMin: number;
  lossMax: number;
}

/** Constant tensors of a block schedule (see schedule.ts `Blocks`), built once per fit. */
export interface TfBlocks {
  /** Normalised LR of each block, clamped to >= 1e-8 (K). */
  lr: tfType.Tensor1D;
  /** Block lengths in steps (K). */
  len: tfType.Tensor1D;
  /** S1 at block ends (K) and at block starts (K). */
  s1End: tfType.Tensor1D;
  s1Start: tfType.Tensor1D;
  /** LR drop entering each block: lr[k-1] - lr[k] (0 for k = 0) (K). */
  drop: tfType.Tensor1D;
  /** N x K: 1 where block k starts at or before evaluation point n's block, else 0. */
  mask: tfType.Tensor2D;
  /** N x K: S1(t_n) - S1(start of block k), masked. */
  sFrom: tfType.Tensor2D;
  /** N x K: t_n - bound[k] (steps since the start of block k), masked. */
  dFrom: tfType.Tensor2D;
  /** N: S1 at the evaluation points. */
  s1Eval: tfType.Tensor1D;
  /** K x K: 1 where j <= i (lower triangle): recurrences evaluated at every block. */
  tri: tfType.Tensor2D;
  /** N x K one-hot: 1 at (n, J_n), the block ending at evaluation point n (a gather without UnsortedSegmentSum). */
  select: tfType.Tensor2D;
}

export interface Stepper {
  /** Loss after the steps consumed so far. */
  readonly loss: number;
  /** Train one step with (absolute) LR `lr`; returns the loss after it. */
  next(lr: number): number;
  /** State models: set the current loss to an observed one (cross protocol), keeping the state's shape. */
  seed?(loss: number): void;
}

export interface StepperOptions {
  /** Start from this loss (state models: the relaxation state; closed-form models ignore it). */
  initialLoss?: number;
  /**
   * multipower: LR changes closer than this many steps to the previous change point are merged into it
   * (1 = exact). Bounds the per-step cost for schedules that change every step.
   */
  minGap?: number;
}

export interface LossModel {
  readonly name: string;
  readonly summary: string;
  /** True when the state (the current loss) can be seeded with an observed loss (cross protocol). */
  readonly seedable: boolean;
  paramDefs(scale: FitScale): ModelParamDef[];
  predictTf(tf: Tf, p: Record<string, tfType.Scalar>, b: TfBlocks): tfType.Tensor1D;
  /** `params` includes `lrRef`. */
  stepper(params: ParamValues, opts?: StepperOptions): Stepper;
}

/** Normalised LR clamped away from zero for powers. */
export const ETA_MIN = 1e-8;

/**
 * Run a stepper over a per-step LR sequence and read the loss at the given steps (ascending, >= 0).
 *
 * @example
 * const out = predictAt(model.stepper(params), eta, new Float64Array([10, 20]));
 */
export function predictAt(
  stepper: Stepper,
  eta: ArrayLike<number>,
  steps: ArrayLike<number>,
  fromStep = 0,
): Float64Array {
  const out = new Float64Array(steps.length);
  let s = fromStep;
  let loss = stepper.loss;
  for (let n = 0; n < steps.length; n++) {
    const target = Math.round(steps[n]!);
    while (s < target) {
      const lr = eta[Math.min(s, eta.length - 1)] ?? 0;
      loss = stepper.next(lr);
      s++;
    }
    out[n] = loss;
  }
  return out;
}
