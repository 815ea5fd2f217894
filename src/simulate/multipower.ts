/**
 * The multi-power law (Luo et al., ICLR 2025, "A Multi-Power Law for Loss Curve Prediction Across Learning Rate
 * Schedules"):
 *   L(t) = L0 + A * (S1(t) + SW)^(-alpha) - LD(t)
 *   LD(t) = B * sum_{k=1..t} (eta_{k-1} - eta_k) * G(eta_k^(-gamma) * S_k(t)),  S_k(t) = sum_{tau=k..t} eta_tau
 *   G(x) = 1 - (C*x + 1)^(-beta)
 * with eta normalised by lrRef and eta_0 = eta_1 (no drop before the first step). Only steps where the LR changes
 * contribute to LD, so the stepper keeps one record per change: O(changes) per step.
 */
import {
  ETA_MIN,
  type FitBlocks,
  type FitScale,
  type LossModel,
  type ModelParamDef,
  type ParamValues,
  type Stepper,
} from "./model.ts";

/**
 * G(x) = 1 - (C x + 1)^(-beta).
 *
 * @example
 * multipowerG(1, 1, 1); // 0.5
 */
export function multipowerG(x: number, c: number, beta: number): number {
  return 1 - (c * x + 1) ** -beta;
}

interface MpParams {
  L0: number;
  A: number;
  alpha: number;
  SW: number;
  B: number;
  C: number;
  beta: number;
  gamma: number;
  lrRef: number;
}

function read(p: ParamValues): MpParams {
  return {
    L0: p.L0 ?? 0,
    A: p.A ?? 0,
    alpha: p.alpha ?? 0,
    SW: p.SW ?? 0,
    B: p.B ?? 0,
    C: p.C ?? 0,
    beta: p.beta ?? 0,
    gamma: p.gamma ?? 0,
    lrRef: p.lrRef ?? 1,
  };
}

/**
 * Direct O(t^2) evaluation of the law after `t` steps (reference for tests): sums LD over every step.
 *
 * @example
 * multipowerDirect({ L0: 1, A: 1, alpha: 0.5, SW: 1, B: 1, C: 1, beta: 1, gamma: 0, lrRef: 1 }, [1, 1], 2);
 */
export function multipowerDirect(params: ParamValues, eta: ArrayLike<number>, t: number): number {
  const p = read(params);
  let s1 = 0;
  for (let i = 0; i < t; i++) s1 += eta[i]! / p.lrRef;
  let ld = 0;
  for (let k = 1; k <= t; k++) {
    const etaK = eta[k - 1]! / p.lrRef;
    const etaPrev = k >= 2 ? eta[k - 2]! / p.lrRef : etaK;
    let sk = 0;
    for (let tau = k; tau <= t; tau++) sk += eta[tau - 1]! / p.lrRef;
    ld += (etaPrev - etaK) * multipowerG(Math.max(etaK, ETA_MIN) ** -p.gamma * sk, p.C, p.beta);
  }
  return p.L0 + p.A * (s1 + p.SW) ** -p.alpha - p.B * ld;
}

/** Incremental multi-power law: one record per LR change (merged when closer than `minGap` steps). */
export class MultipowerStepper implements Stepper {
  private readonly p: MpParams;
  private readonly minGap: number;
  private s1 = 0;
  private t = 0;
  private prevEta = Number.NaN;
  private n = 0;
  private kStep = new Float64Array(16);
  private kS1 = new Float64Array(16);
  private kScale = new Float64Array(16);
  private kDrop = new Float64Array(16);
  loss: number;
  constructor(params: ParamValues, minGap = 1) {
    this.p = read(params);
    this.minGap = Math.max(1, Math.floor(minGap));
    this.loss = this.p.L0 + this.p.A * this.p.SW ** -this.p.alpha;
  }
  /** Number of change records kept (diagnostic). */
  get changes(): number {
    return this.n;
  }
  next(lr: number): number {
    this.advance(lr);
    const p = this.p;
    let ld = 0;
    for (let k = 0; k < this.n; k++) {
      ld += this.kDrop[k]! * (1 - (p.C * this.kScale[k]! * (this.s1 - this.kS1[k]!) + 1) ** -p.beta);
    }
    this.loss = p.L0 + p.A * (this.s1 + p.SW) ** -p.alpha - p.B * ld;
    return this.loss;
  }
  /** The step's state update (S1, change records) without the O(changes) sum of the loss. */
  advance(lr: number): void {
    const p = this.p;
    const eta = lr / p.lrRef;
    this.t++;
    if (Number.isNaN(this.prevEta)) this.prevEta = eta;
    const drop = this.prevEta - eta;
    if (drop !== 0) {
      const last = this.n - 1;
      const scale = Math.max(eta, ETA_MIN) ** -p.gamma;
      if (last >= 0 && this.t - this.kStep[last]! < this.minGap) {
        this.kDrop[last]! += drop;
        this.kScale[last] = scale;
      } else {
        if (this.n === this.kStep.length) this.grow();
        this.kStep[this.n] = this.t;
        this.kS1[this.n] = this.s1;
        this.kScale[this.n] = scale;
        this.kDrop[this.n] = drop;
        this.n++;
      }
    }
    this.prevEta = eta;
    this.s1 += eta;
  }
  private grow(): void {
    const size = this.kStep.length * 2;
    const copy = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.kStep = copy(this.kStep);
    this.kS1 = copy(this.kS1);
    this.kScale = copy(this.kScale);
    this.kDrop = copy(this.kDrop);
  }
}

/**
 * Derivatives of the power-law part `L0 + A (S1 + SW)^-alpha` (parameters 0..3: L0, A, alpha, SW) into a Jacobian
 * row at `o`, given `pw = (S1 + SW)^-alpha`, `base = S1 + SW`.
 */
export function powerLawJac(jac: Float64Array, o: number, A: number, alpha: number, pw: number, base: number): void {
  jac[o] = 1;
  jac[o + 1] = pw;
  jac[o + 2] = -A * pw * Math.log(base);
  jac[o + 3] = (-alpha * A * pw) / base;
}

/** Bounds and starts shared by the two power-law models (L0 + A (S1 + SW)^-alpha). */
export function powerLawDefs(scale: FitScale): ModelParamDef[] {
  const s1 = Math.max(scale.s1Max, 1);
  return [
    { name: "L0", lo: 1e-3, hi: scale.lossMax * 2, log: true, init: scale.lossMin * 0.8, doc: "asymptotic loss" },
    { name: "A", lo: 1e-3, hi: 1e5, log: true, init: scale.lossFirst, doc: "power-law amplitude" },
    { name: "alpha", lo: 0.01, hi: 3, log: true, init: 0.3, doc: "power-law exponent" },
    { name: "SW", lo: 1e-4 * s1, hi: s1, log: true, init: 1e-2 * s1, doc: "warmup LR area (offset of S1)" },
  ];
}

/**
 * The law on blocks with its derivatives: `L0 + A (S1 + SW)^-alpha - B sum_k drop_k G(C eta_k^-gamma (S1 -
 * S1start_k))` over the blocks up to the evaluation point's (only blocks entered with an LR drop contribute).
 * Parameter order: L0, A, alpha, SW, B, C, beta, gamma.
 */
function multipowerPredict(th: Float64Array, b: FitBlocks, pred: Float64Array, jac?: Float64Array): void {
  const P = 8;
  const L0 = th[0]!;
  const A = th[1]!;
  const alpha = th[2]!;
  const SW = th[3]!;
  const B = th[4]!;
  const C = th[5]!;
  const beta = th[6]!;
  const gamma = th[7]!;
  for (let n = 0; n < b.evalBlock.length; n++) {
    const s1 = b.s1Eval[n]!;
    const J = b.evalBlock[n]!;
    const base = s1 + SW;
    const lnBase = Math.log(base);
    const pw = Math.exp(-alpha * lnBase);
    let ld = 0;
    let gC = 0;
    let gBeta = 0;
    let gGamma = 0;
    for (let k = 1; k <= J; k++) {
      const drop = b.drop[k]!;
      if (drop === 0) continue;
      const scale = Math.exp(-gamma * b.logLr[k]!);
      const sFrom = s1 - b.s1Start[k]!;
      const z = C * scale * sFrom + 1;
      const lnZ = Math.log(z);
      const zb = Math.exp(-beta * lnZ);
      ld += drop * (1 - zb);
      if (jac) {
        const dgdx = (beta * zb) / z;
        gC += drop * dgdx * scale * sFrom;
        gBeta += drop * zb * lnZ;
        gGamma += drop * dgdx * C * sFrom * scale * -b.logLr[k]!;
      }
    }
    pred[n] = L0 + A * pw - B * ld;
    if (jac) {
      const o = n * P;
      powerLawJac(jac, o, A, alpha, pw, base);
      jac[o + 4] = -ld;
      jac[o + 5] = -B * gC;
      jac[o + 6] = -B * gBeta;
      jac[o + 7] = -B * gGamma;
    }
  }
}

export const multipower: LossModel = {
  name: "multipower",
  summary: "multi-power law (Luo et al., ICLR 2025): power law in S1 minus a saturating loss-drop term per LR drop",
  seedable: false,
  paramDefs(scale) {
    return [
      ...powerLawDefs(scale),
      { name: "B", lo: 1e-3, hi: scale.lossMax * 10, log: true, init: scale.lossMax / 2, doc: "loss-drop scale" },
      { name: "C", lo: 1e-6, hi: 1e4, log: true, init: 1, doc: "G: rate" },
      { name: "beta", lo: 0.01, hi: 5, log: true, init: 0.6, doc: "G: exponent" },
      { name: "gamma", lo: 0.01, hi: 2, log: true, init: 0.6, doc: "LR exponent inside G" },
    ];
  },
  predict: multipowerPredict,
  stepper(params, opts) {
    return new MultipowerStepper(params, opts?.minGap ?? 1);
  },
};
