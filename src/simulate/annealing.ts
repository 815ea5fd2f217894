/**
 * The annealing scaling law with momentum (Tissue et al. 2024, "Scaling Law with Learning Rate Annealing"):
 *   L = L0 + A * (S1 + SW)^(-alpha) - C * S2,  S2 = sum_{i<=t} m_i,  m_i = lambda * m_{i-1} + (eta_{i-1} - eta_i)
 * with eta normalised by lrRef and eta_0 = eta_1. O(1) per step.
 */
import type { LossModel, ParamValues, Stepper } from "./model.ts";
import { powerLawDefs } from "./multipower.ts";

/** Per-step annealing law: S1, momentum m and S2 updated in O(1). */
export class AnnealingStepper implements Stepper {
  private readonly L0: number;
  private readonly A: number;
  private readonly alpha: number;
  private readonly SW: number;
  private readonly C: number;
  private readonly lambda: number;
  private readonly lrRef: number;
  private s1 = 0;
  private m = 0;
  private s2 = 0;
  private prevEta = Number.NaN;
  loss: number;
  constructor(p: ParamValues) {
    this.L0 = p.L0 ?? 0;
    this.A = p.A ?? 0;
    this.alpha = p.alpha ?? 0;
    this.SW = p.SW ?? 1;
    this.C = p.C ?? 0;
    this.lambda = p.lambda ?? 0.999;
    this.lrRef = p.lrRef ?? 1;
    this.loss = this.L0 + this.A * this.SW ** -this.alpha;
  }
  /** Current S2 (diagnostic and tests). */
  get S2(): number {
    return this.s2;
  }
  next(lr: number): number {
    const eta = lr / this.lrRef;
    if (Number.isNaN(this.prevEta)) this.prevEta = eta;
    this.m = this.lambda * this.m + (this.prevEta - eta);
    this.s2 += this.m;
    this.prevEta = eta;
    this.s1 += eta;
    this.loss = this.L0 + this.A * (this.s1 + this.SW) ** -this.alpha - this.C * this.s2;
    return this.loss;
  }
}

export const annealing: LossModel = {
  name: "annealing",
  summary: "annealing law with momentum (Tissue et al. 2024): power law in S1 minus C times the annealing area S2",
  seedable: false,
  paramDefs(scale) {
    return [
      ...powerLawDefs(scale),
      { name: "C", lo: 1e-6, hi: scale.lossMax, log: true, init: 0.01, doc: "annealing-area coefficient" },
      {
        name: "lambda",
        lo: 0.5,
        hi: 1 - 1e-6,
        log: true,
        complement: true,
        init: 0.999,
        doc: "momentum decay of the annealing area",
      },
    ];
  },
  predictTf(tf, p, b) {
    const pow = tf.pow(b.s1Eval.add(p.SW!), tf.neg(p.alpha!));
    const lam = p.lambda!;
    const geo = tf.sub(1, tf.exp(b.dFrom.mul(tf.log(lam)))).div(tf.sub(1, lam)); // N x K
    const s2 = geo.mul(b.drop).sum(1);
    return tf.add(p.L0!, pow.mul(p.A!)).sub(s2.mul(p.C!)) as typeof b.s1Eval;
  },
  stepper(params) {
    return new AnnealingStepper(params);
  },
};
