/**
 * `effective` (fastface's own model): a noise-floor relaxation driven by the *effective* LR of a scale-invariant
 * network trained with SGD and weight decay, `e = eta / |w|^2`, instead of the raw LR.
 *   u_t = u_{t-1} - 2*kappa*eta_t * (u_{t-1} - eta_t)          (u = normalised |w|^2 squared-norm proxy)
 *   e_t = eta_t / sqrt(u_{t-1})
 *   x_t = x_{t-1} - k * e_t^p * (x_{t-1} - F_t),   F_t = a + b * e_t^q + c * (S1_{t-1} + SW)^(-alpha)
 *   L_t = x_t + d * e_t^r
 * (eta normalised by lrRef). Under weight decay the squared weight norm relaxes toward an equilibrium that scales
 * with the LR (u* = eta here) on a time scale 1/(2*kappa*eta) steps, kappa ~ weight_decay * lrRef. Right after a
 * decay the norm is still the old one, so the effective LR falls by the full factor and the loss drops to a low
 * floor; the norm then shrinks slowly, the effective LR creeps back up and the loss drifts up again (the rise
 * after each decay in arcface_torch step-decay logs). Under a poly schedule the norm lags behind the LR, so the
 * loss at a given LR depends on the path, which the raw-LR floor cannot express. The last floor term is the
 * learning progress (a power law in the LR area S1, as in the LLM laws). `d * e^r` is the part of the loss that
 * follows the LR at once (the fast fall within ~100 steps of a decay, before the slow relaxation). O(1) per step;
 * seedable.
 */
import type * as tfType from "@tensorflow/tfjs";
import { linearRecurrenceAllTf, linearRecurrenceTf } from "./floor.ts";
import { ETA_MIN, type LossModel, type ParamValues, type Stepper } from "./model.ts";

/** Per-step effective-LR relaxation. */
export class EffectiveStepper implements Stepper {
  private readonly kappa2: number;
  private readonly k: number;
  private readonly p: number;
  private readonly a: number;
  private readonly b: number;
  private readonly q: number;
  private readonly c: number;
  private readonly SW: number;
  private readonly alpha: number;
  private readonly lrRef: number;
  private readonly d: number;
  private readonly r: number;
  private u: number;
  private s1 = 0;
  private x: number;
  private instant = 0;
  loss: number;
  constructor(params: ParamValues, initialLoss?: number) {
    this.kappa2 = 2 * (params.kappa ?? 0);
    this.k = params.k ?? 0;
    this.p = params.p ?? 1;
    this.a = params.a ?? 0;
    this.b = params.b ?? 0;
    this.q = params.q ?? 1;
    this.c = params.c ?? 0;
    this.SW = params.SW ?? 1;
    this.alpha = params.alpha ?? 1;
    this.lrRef = params.lrRef ?? 1;
    this.d = params.d ?? 0;
    this.r = params.r ?? 1;
    this.u = params.u0 ?? 1;
    this.x = initialLoss ?? params.Linit ?? 0;
    this.loss = this.x;
  }
  /** Current squared-norm proxy (diagnostic). */
  get norm(): number {
    return this.u;
  }
  seed(loss: number): void {
    this.x = loss - this.instant;
    this.loss = loss;
  }
  next(lr: number): number {
    const eta = Math.max(lr / this.lrRef, ETA_MIN);
    const e = eta / Math.sqrt(Math.max(this.u, 1e-12));
    this.u -= Math.min(1, this.kappa2 * eta) * (this.u - eta);
    const rate = Math.min(1, this.k * e ** this.p);
    const fl = this.a + this.b * e ** this.q + this.c * (this.s1 + this.SW) ** -this.alpha;
    this.s1 += eta;
    this.x -= rate * (this.x - fl);
    this.instant = this.d * e ** this.r;
    this.loss = this.x + this.instant;
    return this.loss;
  }
}

export const effective: LossModel = {
  name: "effective",
  summary: "fastface's effective-LR floor: relaxation toward a floor set by eta/|w|^2 under weight decay",
  seedable: true,
  paramDefs(scale) {
    const rate = 3 / Math.max(scale.steps, 1);
    const s1 = Math.max(scale.s1Max, 1);
    return [
      {
        name: "Linit",
        lo: scale.lossMin,
        hi: scale.lossMax * 2,
        log: true,
        init: scale.lossFirst,
        doc: "loss at step 0",
      },
      {
        name: "u0",
        lo: 1e-3,
        hi: 1e3,
        log: true,
        init: 1,
        doc: "initial squared-norm proxy (1 = equilibrium at lrRef)",
      },
      { name: "kappa", lo: 1e-7, hi: 1e-2, log: true, init: 30 * rate, doc: "norm relaxation rate at eta = lrRef" },
      { name: "k", lo: 1e-9, hi: 0.5, log: true, init: rate * 10, doc: "loss relaxation rate at e = 1" },
      { name: "p", lo: 0.01, hi: 4, log: true, init: 0.5, doc: "effective-LR exponent of the rate" },
      { name: "a", lo: 1e-3, hi: scale.lossMax, log: true, init: scale.lossMin * 0.8, doc: "floor at e = 0" },
      { name: "b", lo: 1e-3, hi: scale.lossMax * 2, log: true, init: scale.lossMax / 3, doc: "floor slope" },
      { name: "q", lo: 0.05, hi: 4, log: true, init: 1, doc: "effective-LR exponent of the floor" },
      { name: "c", lo: 1e-3, hi: 1e4, log: true, init: scale.lossMax / 4, doc: "progress amplitude" },
      { name: "SW", lo: 1e-4 * s1, hi: s1, log: true, init: 1e-2 * s1, doc: "progress offset of S1" },
      { name: "alpha", lo: 0.01, hi: 3, log: true, init: 0.5, doc: "progress exponent" },
      { name: "d", lo: 1e-4, hi: scale.lossMax, log: true, init: scale.lossMax / 20, doc: "instant part at e = 1" },
      { name: "r", lo: 0.05, hi: 4, log: true, init: 1, doc: "effective-LR exponent of the instant part" },
    ];
  },
  predictTf(tf, p, b) {
    // Squared-norm proxy at every block end, then at block starts (the value the block's steps see first).
    const ru = tf.minimum(b.lr.mul(p.kappa!).mul(2), 0.999999);
    const logAu = tf.log(tf.sub(1, ru)).mul(b.len) as tfType.Tensor1D;
    const cu = tf.sub(1, tf.exp(logAu)).mul(b.lr) as tfType.Tensor1D;
    const uEnd = linearRecurrenceAllTf(tf, logAu, cu, p.u0!, b);
    const uStart = tf.concat([p.u0!.reshape([1]), uEnd.slice(0, uEnd.shape[0] - 1)]);
    const e = b.lr.div(tf.sqrt(tf.maximum(uStart, 1e-12)));
    const rate = tf.minimum(tf.pow(e, p.p!).mul(p.k!), 0.999999);
    const logA = tf.log(tf.sub(1, rate)).mul(b.len) as tfType.Tensor1D;
    const s1Mid = b.s1Start.add(b.lr.mul(b.len).mul(0.5));
    const progress = tf.pow(s1Mid.add(p.SW!), tf.neg(p.alpha!)).mul(p.c!);
    const fl = tf.add(p.a!, tf.pow(e, p.q!).mul(p.b!)).add(progress);
    const c = tf.sub(1, tf.exp(logA)).mul(fl) as tfType.Tensor1D;
    const x = linearRecurrenceTf(tf, logA, c, p.Linit!, b);
    const eEval = b.select.mul(e).sum(1);
    return x.add(tf.pow(eEval, p.r!).mul(p.d!)) as tfType.Tensor1D;
  },
  stepper(params, opts) {
    return new EffectiveStepper(params, opts?.initialLoss);
  },
};
