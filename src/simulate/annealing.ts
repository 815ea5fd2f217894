/**
 * The annealing scaling law with momentum (Tissue et al. 2024, "Scaling Law with Learning Rate Annealing"):
 *   L = L0 + A * (S1 + SW)^(-alpha) - C * S2,  S2 = sum_{i<=t} m_i,  m_i = lambda * m_{i-1} + (eta_{i-1} - eta_i)
 * with eta normalised by lrRef and eta_0 = eta_1. O(1) per step.
 */
import type { FitBlocks, LossModel, ParamValues, Stepper } from "./model.ts";
import { powerLawDefs, powerLawJac } from "./multipower.ts";

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

/**
 * The law on blocks with its derivatives: `S2` at step t is `sum_k drop_k (1 - lambda^(t - bound_k)) / (1 -
 * lambda)` over the blocks entered with an LR drop. Parameter order: L0, A, alpha, SW, C, lambda.
 */
function annealingPredict(th: Float64Array, b: FitBlocks, pred: Float64Array, jac?: Float64Array): void {
  const P = 6;
  const L0 = th[0]!;
  const A = th[1]!;
  const alpha = th[2]!;
  const SW = th[3]!;
  const C = th[4]!;
  const lam = th[5]!;
  const om = 1 - lam;
  const lnLam = Math.log(lam);
  for (let n = 0; n < b.evalBlock.length; n++) {
    const J = b.evalBlock[n]!;
    const t = b.tEval[n]!;
    const base = b.s1Eval[n]! + SW;
    const lnBase = Math.log(base);
    const pw = Math.exp(-alpha * lnBase);
    let s2 = 0;
    let dS2 = 0;
    for (let k = 1; k <= J; k++) {
      const drop = b.drop[k]!;
      if (drop === 0) continue;
      const d = t - b.bound[k]!;
      const ld = Math.exp(d * lnLam);
      const oneMinus = -Math.expm1(d * lnLam);
      s2 += (drop * oneMinus) / om;
      if (jac) dS2 += (drop * ((-d * ld * om) / lam + oneMinus)) / (om * om);
    }
    pred[n] = L0 + A * pw - C * s2;
    if (jac) {
      const o = n * P;
      powerLawJac(jac, o, A, alpha, pw, base);
      jac[o + 4] = -s2;
      jac[o + 5] = -C * dS2;
    }
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
  predict: annealingPredict,
  stepper(params) {
    return new AnnealingStepper(params);
  },
};
