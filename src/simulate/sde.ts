/**
 * `sde` (fastface's own, physical by construction where it can be): the loss is the learning progress plus the
 * excess that SGD noise keeps above it,
 *   L_t = F(S1_t) + n_t,   F(S1) = a + c (S1 + SW)^(-alpha)                         (progress: LR area only)
 *   n_t = n_{t-1} - min(1, k e_t^p) (n_{t-1} - b e_t^q),   n_0 = 0                  (noise excess, none at init)
 *   u_t = u_{t-1} - min(1, 2 kappa eta_t) (u_{t-1} - eta_t),   e_t = eta_t / sqrt(u_{t-1})
 * (eta normalised by lrRef). Progress depends only on the LR area S1, so a run whose LR is tiny or cut early
 * makes little of it; the noise excess follows the current *effective* LR `e` of a scale-invariant net under
 * weight decay (u: squared weight norm proxy, relaxing to its equilibrium u* = eta on a time scale
 * 1 / (2 kappa eta) steps): right after a decay the norm is still the old one, so the excess falls by the full
 * factor; as the norm shrinks the effective LR creeps back up and the loss rises again (the rise after each
 * decay in arcface_torch step-decay logs). The excess relaxes at rate k e^p (fast at a high LR: the fall within
 * ~100 steps of a decay; slow at a low LR: the long fall of the last phase). O(1) per step; seedable (the seed
 * sets the excess).
 */
import { RATE_MAX } from "./floor.ts";
import { ETA_MIN, type FitBlocks, type LossModel, type ParamValues, type Stepper } from "./model.ts";
import { normDefs } from "./param-defs.ts";

/** Per-step progress + noise-excess model. */
export class SdeStepper implements Stepper {
  private readonly a: number;
  private readonly c: number;
  private readonly SW: number;
  private readonly alpha: number;
  private readonly b: number;
  private readonly q: number;
  private readonly k: number;
  private readonly p: number;
  private readonly kappa2: number;
  private readonly lrRef: number;
  private u: number;
  private n = 0;
  private s1 = 0;
  loss: number;
  constructor(params: ParamValues, initialLoss?: number) {
    this.a = params.a ?? 0;
    this.c = params.c ?? 0;
    this.SW = params.SW ?? 1;
    this.alpha = params.alpha ?? 1;
    this.b = params.b ?? 0;
    this.q = params.q ?? 1;
    this.k = params.k ?? 0;
    this.p = params.p ?? 1;
    this.kappa2 = 2 * (params.kappa ?? 0);
    this.lrRef = params.lrRef ?? 1;
    this.u = params.u0 ?? 1;
    this.loss = this.a + this.c * this.SW ** -this.alpha;
    if (initialLoss !== undefined) this.seed(initialLoss);
  }
  /** Current squared-norm proxy (diagnostic). */
  get norm(): number {
    return this.u;
  }
  /** Current noise excess (diagnostic). */
  get excess(): number {
    return this.n;
  }
  seed(loss: number): void {
    this.n = loss - (this.a + this.c * (this.s1 + this.SW) ** -this.alpha);
    this.loss = loss;
  }
  next(lr: number): number {
    const eta = Math.max(lr / this.lrRef, ETA_MIN);
    const e = eta / Math.sqrt(Math.max(this.u, 1e-12));
    const target = this.b * e ** this.q;
    this.u -= Math.min(1, this.kappa2 * eta) * (this.u - eta);
    this.n -= Math.min(1, this.k * e ** this.p) * (this.n - target);
    this.s1 += eta;
    this.loss = this.a + this.c * (this.s1 + this.SW) ** -this.alpha + this.n;
    return this.loss;
  }
}

/**
 * On blocks with forward-mode derivatives: the excess and the norm are recurrences over blocks (e from the norm
 * at the block's middle, a second-order rule), the progress is closed form at each evaluation point.
 * Parameter order: a, c, SW, alpha, b, q, k, p, u0, kappa.
 */
function sdePredict(th: Float64Array, bl: FitBlocks, pred: Float64Array, jac?: Float64Array): void {
  const P = 10;
  const a = th[0]!;
  const c = th[1]!;
  const SW = th[2]!;
  const alpha = th[3]!;
  const b = th[4]!;
  const q = th[5]!;
  const k = th[6]!;
  const p = th[7]!;
  const kappa = th[9]!;
  let u = th[8]!;
  let du0 = 1;
  let duk = 0;
  let x = 0;
  // d n / d (b, q, k, p, u0, kappa) -> indices 4..9
  const dn = new Float64Array(P);
  let n = 0;
  const N = bl.evalBlock.length;
  for (let j = 0; j < bl.lr.length && n < N; j++) {
    const eta = bl.lr[j]!;
    const le = bl.logLr[j]!;
    const len = bl.len[j]!;
    // the norm relaxes toward eta over the block; the block's effective LR uses the norm at its middle
    let ru = 2 * kappa * eta;
    const uClamped = ru > RATE_MAX;
    if (uClamped) ru = RATE_MAX;
    const l1r = Math.log1p(-ru);
    const Au = Math.exp(len * l1r);
    const dAuk = uClamped ? 0 : ((-len * Au) / (1 - ru)) * 2 * eta;
    const Ah = Math.exp(0.5 * len * l1r);
    const dAhk = uClamped ? 0 : ((-0.5 * len * Ah) / (1 - ru)) * 2 * eta;
    const um = Ah * u + (1 - Ah) * eta;
    const dum0 = Ah * du0;
    const dumk = Ah * duk + (u - eta) * dAhk;
    const small = um < 1e-12;
    const uc = small ? 1e-12 : um;
    const lnE = le - 0.5 * Math.log(uc);
    const e = Math.exp(lnE);
    const dedu = small ? 0 : (-0.5 * e) / uc;
    const de0 = dedu * dum0;
    const dek = dedu * dumk;
    const eq = Math.exp(q * lnE);
    const target = b * eq;
    const dTde = (target * q) / e;
    const ep = Math.exp(p * lnE);
    let rate = k * ep;
    const clamped = rate > RATE_MAX;
    if (clamped) rate = RATE_MAX;
    const A = Math.exp(len * Math.log1p(-rate));
    if (jac) {
      const dAdr = clamped ? 0 : (-len * A) / (1 - rate);
      const dAde = (dAdr * p * rate) / e;
      const xt = x - target;
      const oa = 1 - A;
      for (let i = 4; i < P; i++) dn[i]! *= A;
      dn[4]! += oa * eq;
      dn[5]! += oa * target * lnE;
      dn[6]! += xt * dAdr * ep;
      dn[7]! += xt * dAdr * rate * lnE;
      dn[8]! += (xt * dAde + oa * dTde) * de0;
      dn[9]! += (xt * dAde + oa * dTde) * dek;
    }
    x = A * x + (1 - A) * target;
    for (; n < N && bl.evalBlock[n] === j; n++) {
      const base = bl.s1Eval[n]! + SW;
      const lnBase = Math.log(base);
      const pw = Math.exp(-alpha * lnBase);
      pred[n] = a + c * pw + x;
      if (jac) {
        const o = n * P;
        jac.set(dn, o);
        jac[o] = 1;
        jac[o + 1] = pw;
        jac[o + 2] = (-alpha * c * pw) / base;
        jac[o + 3] = -c * pw * lnBase;
      }
    }
    duk = Au * duk + (u - eta) * dAuk;
    du0 = Au * du0;
    u = Au * u + (1 - Au) * eta;
  }
}

export const sde: LossModel = {
  name: "sde",
  summary: "fastface's progress + SGD-noise model: a power law in the LR area plus a noise excess at the effective LR",
  seedable: true,
  perRun: ["b"],
  paramDefs(scale) {
    const rate = 3 / Math.max(scale.steps, 1);
    const s1 = Math.max(scale.s1Max, 1);
    const sw = 1e-2 * s1;
    return [
      {
        name: "a",
        lo: 1e-3,
        hi: scale.lossMax,
        log: true,
        init: scale.lossMin * 0.5,
        doc: "progress: asymptotic loss",
      },
      {
        name: "c",
        lo: 1e-3,
        hi: 1e7,
        log: true,
        init: Math.max(1e-3, scale.lossFirst * 0.8 * Math.sqrt(sw)),
        doc: "progress: amplitude",
      },
      { name: "SW", lo: 1e-4 * s1, hi: s1, log: true, init: sw, doc: "progress: LR-area offset (warm-up)" },
      { name: "alpha", lo: 0.01, hi: 3, log: true, init: 0.5, doc: "progress: exponent" },
      { name: "b", lo: 1e-3, hi: scale.lossMax * 2, log: true, init: scale.lossMax / 4, doc: "noise excess at e = 1" },
      { name: "q", lo: 0.05, hi: 4, log: true, init: 0.7, doc: "effective-LR exponent of the noise excess" },
      { name: "k", lo: 1e-9, hi: 0.5, log: true, init: rate * 10, doc: "relaxation rate of the excess at e = 1" },
      { name: "p", lo: 0.05, hi: 4, log: true, init: 1, doc: "effective-LR exponent of that rate" },
      ...normDefs(rate),
    ];
  },
  predict: sdePredict,
  stepper(params, opts) {
    return new SdeStepper(params, opts?.initialLoss);
  },
};
