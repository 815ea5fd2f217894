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
import { RATE_MAX } from "./floor.ts";
import { ETA_MIN, type FitBlocks, type LossModel, type ParamValues, type Stepper } from "./model.ts";
import { linitDef, normDefs } from "./param-defs.ts";

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

/**
 * The model on blocks with forward-mode derivatives. Per block: the norm proxy at the block's start sets
 * `e = eta / sqrt(u)`; then `u <- Au u + (1 - Au) eta`, `Au = (1 - 2 kappa eta)^len`, and
 * `x <- A x + (1 - A) F`, `A = (1 - k e^p)^len`, `F = a + b e^q + c (S1mid + SW)^-alpha` (S1 at the block's
 * middle); the loss at an evaluation point is `x + d e^r` of its block.
 * Parameter order: Linit, u0, kappa, k, p, a, b, q, c, SW, alpha, d, r.
 */
function effectivePredict(th: Float64Array, b: FitBlocks, pred: Float64Array, jac?: Float64Array): void {
  const P = 13;
  const kappa = th[2]!;
  const k = th[3]!;
  const p = th[4]!;
  const a = th[5]!;
  const bb = th[6]!;
  const q = th[7]!;
  const c = th[8]!;
  const SW = th[9]!;
  const alpha = th[10]!;
  const d = th[11]!;
  const r = th[12]!;
  const dx = new Float64Array(P);
  dx[0] = 1;
  let x = th[0]!;
  let u = th[1]!;
  // d u / d u0 and d u / d kappa (the only parameters the norm depends on)
  let du0 = 1;
  let duk = 0;
  let n = 0;
  const N = b.evalBlock.length;
  for (let j = 0; j < b.lr.length && n < N; j++) {
    const eta = b.lr[j]!;
    const le = b.logLr[j]!;
    const len = b.len[j]!;
    const small = u < 1e-12;
    const uc = small ? 1e-12 : u;
    const lnE = le - 0.5 * Math.log(uc);
    const e = Math.exp(lnE);
    // d e / d u0 and d e / d kappa
    const dedu = small ? 0 : (-0.5 * e) / uc;
    const de0 = dedu * du0;
    const dek = dedu * duk;
    // the norm relaxes toward eta over the block
    let ru = 2 * kappa * eta;
    const uClamped = ru > RATE_MAX;
    if (uClamped) ru = RATE_MAX;
    const Au = Math.exp(len * Math.log1p(-ru));
    const dAuk = uClamped ? 0 : ((-len * Au) / (1 - ru)) * 2 * eta;
    // relaxation of the loss toward the floor
    const ep = Math.exp(p * lnE);
    let rate = k * ep;
    const clamped = rate > RATE_MAX;
    if (clamped) rate = RATE_MAX;
    const A = Math.exp(len * Math.log1p(-rate));
    const base = b.s1Start[j]! + eta * len * 0.5 + SW;
    const lnBase = Math.log(base);
    const prog = c * Math.exp(-alpha * lnBase);
    const eq = Math.exp(q * lnE);
    const F = a + bb * eq + prog;
    if (jac) {
      const dAdr = clamped ? 0 : (-len * A) / (1 - rate);
      const dAde = dAdr * ((p * rate) / e);
      const dFde = (bb * q * eq) / e;
      const xf = x - F;
      const oa = 1 - A;
      for (let i = 0; i < P; i++) dx[i]! *= A;
      dx[1]! += xf * dAde * de0 + oa * dFde * de0;
      dx[2]! += xf * dAde * dek + oa * dFde * dek;
      dx[3]! += xf * dAdr * ep;
      dx[4]! += xf * dAdr * rate * lnE;
      dx[5]! += oa;
      dx[6]! += oa * eq;
      dx[7]! += oa * bb * eq * lnE;
      dx[8]! += oa * (c > 0 ? prog / c : Math.exp(-alpha * lnBase));
      dx[9]! += oa * ((-alpha * prog) / base);
      dx[10]! += oa * (-prog * lnBase);
    }
    x = A * x + (1 - A) * F;
    if (n < N && b.evalBlock[n] === j) {
      const er = Math.exp(r * lnE);
      const out = x + d * er;
      for (; n < N && b.evalBlock[n] === j; n++) {
        pred[n] = out;
        if (jac) {
          const o = n * P;
          jac.set(dx, o);
          const dInst = (d * r * er) / e;
          jac[o + 1]! += dInst * de0;
          jac[o + 2]! += dInst * dek;
          jac[o + 11] = er;
          jac[o + 12] = d * er * lnE;
        }
      }
    }
    // the norm after the block (the next block's e sees it)
    duk = Au * duk + (u - eta) * dAuk;
    du0 = Au * du0;
    u = Au * u + (1 - Au) * eta;
  }
}

export const effective: LossModel = {
  name: "effective",
  summary: "fastface's effective-LR floor: relaxation toward a floor set by eta/|w|^2 under weight decay",
  seedable: true,
  perRun: ["b"],
  paramDefs(scale) {
    const rate = 3 / Math.max(scale.steps, 1);
    const s1 = Math.max(scale.s1Max, 1);
    return [
      linitDef(scale),
      ...normDefs(rate),
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
  predict: effectivePredict,
  stepper(params, opts) {
    return new EffectiveStepper(params, opts?.initialLoss);
  },
};
