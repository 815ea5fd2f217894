/**
 * The loss-response model contract. A model maps an LR history to a loss. It has two faces:
 * - `predict`: the model evaluated at the ends of piecewise-constant blocks with its analytic derivatives with
 *   respect to every parameter (the fit);
 * - `stepper`: an exact per-step state machine (prediction, validation and the closed loop), O(1) or
 *   O(LR changes) per step, no allocation per step.
 * Models see the normalised LR `eta / lrRef` (lrRef is stored with the fitted parameters) so bounds and starts
 * are scale-free and a model fitted on run A applies to run B in the same LR units.
 */
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

/**
 * A block schedule in the form the fit evaluates (see schedule.ts `Blocks`): K piecewise-constant blocks and N
 * evaluation points, each the end of one block, LRs normalised by lrRef. Built once per fit (fit-data.ts).
 */
export interface FitBlocks {
  /** Normalised LR of each block, clamped to >= ETA_MIN (K). */
  lr: Float64Array;
  /** log(lr) (K). */
  logLr: Float64Array;
  /** Block lengths in steps (K). */
  len: Float64Array;
  /** S1 at block starts (K). */
  s1Start: Float64Array;
  /** LR drop entering each block: lr[k-1] - lr[k] (0 for k = 0) (K). */
  drop: Float64Array;
  /** First step of each block minus one (K): the block covers steps (bound[k], bound[k] + len[k]]. */
  bound: Float64Array;
  /** Block whose end is evaluation point n, ascending (N). */
  evalBlock: Int32Array;
  /** S1 at the evaluation points (N). */
  s1Eval: Float64Array;
  /** The evaluation steps (N). */
  tEval: Float64Array;
}

export interface Stepper {
  /** Loss after the steps consumed so far. */
  readonly loss: number;
  /** Train one step with (absolute) LR `lr`; returns the loss after it. */
  next(lr: number): number;
  /**
   * Optional: train one step without computing the loss (models whose loss costs more than their state update,
   * e.g. multipower's sum over LR changes); `loss` is stale until the next `next`.
   */
  advance?(lr: number): void;
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
  /**
   * Joint fits: the parameters each run holds for itself by default besides the epoch sawtooth (the run's loss
   * level, which differs between runs of one setup by more than their schedules explain).
   */
  readonly perRun?: readonly string[];
  paramDefs(scale: FitScale): ModelParamDef[];
  /**
   * The model on blocks, for the fit: `theta` holds the parameter values in `paramDefs` order (P of them); writes
   * the prediction at every evaluation point into `pred` (N) and, when `jac` is given, d pred / d theta into it
   * (N x P, row-major). Forward-mode derivatives in closed form over Float64Arrays, no allocation per call.
   */
  predict(theta: Float64Array, b: FitBlocks, pred: Float64Array, jac?: Float64Array): void;
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
  const last = eta.length - 1;
  for (let n = 0; n < steps.length; n++) {
    const target = Math.round(steps[n]!);
    if (stepper.advance && s < target - 1) {
      for (; s < target - 1; s++) stepper.advance(eta[Math.min(s, last)] ?? 0);
    }
    while (s < target) {
      loss = stepper.next(eta[Math.min(s, last)] ?? 0);
      s++;
    }
    out[n] = loss;
  }
  return out;
}
