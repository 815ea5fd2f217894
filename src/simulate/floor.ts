/**
 * Noise-floor relaxation model: at a fixed LR the loss relaxes toward a floor that falls with the LR,
 *   L_t = L_{t-1} - k * eta_t^p * (L_{t-1} - F(eta_t)),  F(eta) = a + b * eta^q
 * (eta normalised by lrRef). A staircase schedule gives a staircase loss. O(1) per step; the state (the loss)
 * can be seeded with an observed loss.
 */
import type * as tfType from "@tensorflow/tfjs";
import { ETA_MIN, type LossModel, type ParamValues, type Stepper, type Tf, type TfBlocks } from "./model.ts";

/**
 * Closed form of `L_j = A_j L_{j-1} + c_j` over blocks, evaluated at the evaluation blocks:
 * `L_n = exp(lp[J_n]) L_init + sum_{j<=J_n} c_j exp(lp[J_n] - lp[j])` with `lp = cumsum(logA)`, `logA <= 0`.
 */
export function linearRecurrenceTf(
  tf: Tf,
  logA: tfType.Tensor1D,
  c: tfType.Tensor1D,
  init: tfType.Scalar,
  b: TfBlocks,
): tfType.Tensor1D {
  const lp = tf.cumsum(logA);
  const lpEval = b.select.mul(lp).sum(1);
  const diff = tf.sub(lpEval.expandDims(1), lp.expandDims(0));
  const w = tf.exp(tf.minimum(diff, 0)).mul(b.mask);
  return tf.exp(lpEval).mul(init).add(w.mul(c).sum(1)) as tfType.Tensor1D;
}

/**
 * The same recurrence evaluated at the end of every block (K values), via the K x K lower triangle.
 */
export function linearRecurrenceAllTf(
  tf: Tf,
  logA: tfType.Tensor1D,
  c: tfType.Tensor1D,
  init: tfType.Scalar,
  b: TfBlocks,
): tfType.Tensor1D {
  const lp = tf.cumsum(logA);
  const diff = tf.sub(lp.expandDims(1), lp.expandDims(0));
  const w = tf.exp(tf.minimum(diff, 0)).mul(b.tri);
  return tf.exp(lp).mul(init).add(w.mul(c).sum(1)) as tfType.Tensor1D;
}

/** Per-step floor relaxation. */
export class FloorStepper implements Stepper {
  private readonly k: number;
  private readonly p: number;
  private readonly a: number;
  private readonly b: number;
  private readonly q: number;
  private readonly lrRef: number;
  loss: number;
  constructor(params: ParamValues, initialLoss?: number) {
    this.k = params.k ?? 0;
    this.p = params.p ?? 1;
    this.a = params.a ?? 0;
    this.b = params.b ?? 0;
    this.q = params.q ?? 1;
    this.lrRef = params.lrRef ?? 1;
    this.loss = initialLoss ?? params.Linit ?? 0;
  }
  seed(loss: number): void {
    this.loss = loss;
  }
  next(lr: number): number {
    const eta = Math.max(lr / this.lrRef, ETA_MIN);
    const rate = Math.min(1, this.k * eta ** this.p);
    const floor = this.a + this.b * eta ** this.q;
    this.loss -= rate * (this.loss - floor);
    return this.loss;
  }
}

export const floor: LossModel = {
  name: "floor",
  summary: "noise-floor relaxation: the loss relaxes at rate k*eta^p toward a floor a + b*eta^q",
  seedable: true,
  paramDefs(scale) {
    const rate = 3 / Math.max(scale.steps, 1);
    return [
      {
        name: "Linit",
        lo: scale.lossMin,
        hi: scale.lossMax * 2,
        log: true,
        init: scale.lossFirst,
        doc: "loss at step 0",
      },
      { name: "k", lo: 1e-9, hi: 0.5, log: true, init: rate * 10, doc: "relaxation rate at eta = lrRef" },
      { name: "p", lo: 0.01, hi: 4, log: true, init: 1, doc: "LR exponent of the rate" },
      { name: "a", lo: 1e-3, hi: scale.lossMax, log: true, init: scale.lossMin * 0.8, doc: "floor at eta = 0" },
      { name: "b", lo: 1e-3, hi: scale.lossMax * 2, log: true, init: scale.lossMax / 3, doc: "floor slope" },
      { name: "q", lo: 0.05, hi: 4, log: true, init: 1, doc: "LR exponent of the floor" },
    ];
  },
  predictTf(tf, p, b) {
    const rate = tf.minimum(tf.pow(b.lr, p.p!).mul(p.k!), 0.999999);
    const logA = tf.log(tf.sub(1, rate)).mul(b.len) as tfType.Tensor1D;
    const fl = tf.add(p.a!, tf.pow(b.lr, p.q!).mul(p.b!));
    const c = tf.sub(1, tf.exp(logA)).mul(fl) as tfType.Tensor1D;
    return linearRecurrenceTf(tf, logA, c, p.Linit!, b);
  },
  stepper(params, opts) {
    return new FloorStepper(params, opts?.initialLoss);
  },
};
