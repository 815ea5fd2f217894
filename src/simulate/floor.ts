/**
 * Noise-floor relaxation model: at a fixed LR the loss relaxes toward a floor that falls with the LR,
 *   L_t = L_{t-1} - k * eta_t^p * (L_{t-1} - F(eta_t)),  F(eta) = a + b * eta^q
 * (eta normalised by lrRef). A staircase schedule gives a staircase loss. O(1) per step; the state (the loss)
 * can be seeded with an observed loss.
 */
import { ETA_MIN, type FitBlocks, type LossModel, type ParamValues, type Stepper } from "./model.ts";
import { linitDef } from "./param-defs.ts";

/** Largest per-step relaxation rate on blocks (a rate of 1 would make the block's decay factor exactly 0). */
export const RATE_MAX = 0.999999;

/**
 * Floor relaxation on blocks with forward-mode derivatives: per block `x <- A x + (1 - A) F`,
 * `A = (1 - k eta^p)^len`, `F = a + b eta^q`; the loss at an evaluation point is `x` after its block.
 * Parameter order: Linit, k, p, a, b, q.
 */
function floorPredict(th: Float64Array, b: FitBlocks, pred: Float64Array, jac?: Float64Array): void {
  const P = 6;
  const k = th[1]!;
  const p = th[2]!;
  const a = th[3]!;
  const bb = th[4]!;
  const q = th[5]!;
  const dx = new Float64Array(P);
  dx[0] = 1;
  let x = th[0]!;
  let n = 0;
  const N = b.evalBlock.length;
  for (let j = 0; j < b.lr.length && n < N; j++) {
    const le = b.logLr[j]!;
    const len = b.len[j]!;
    const ep = Math.exp(p * le);
    let rate = k * ep;
    const clamped = rate > RATE_MAX;
    if (clamped) rate = RATE_MAX;
    const A = Math.exp(len * Math.log1p(-rate));
    const eq = Math.exp(q * le);
    const F = a + bb * eq;
    if (jac) {
      const dAdr = clamped ? 0 : (-len * A) / (1 - rate);
      const xf = x - F;
      const oa = 1 - A;
      for (let i = 0; i < P; i++) dx[i]! *= A;
      dx[1]! += xf * dAdr * ep;
      dx[2]! += xf * dAdr * rate * le;
      dx[3]! += oa;
      dx[4]! += oa * eq;
      dx[5]! += oa * bb * eq * le;
    }
    x = A * x + (1 - A) * F;
    for (; n < N && b.evalBlock[n] === j; n++) {
      pred[n] = x;
      if (jac) jac.set(dx, n * P);
    }
  }
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
  perRun: ["b"],
  paramDefs(scale) {
    const rate = 3 / Math.max(scale.steps, 1);
    return [
      linitDef(scale),
      { name: "k", lo: 1e-9, hi: 0.5, log: true, init: rate * 10, doc: "relaxation rate at eta = lrRef" },
      { name: "p", lo: 0.01, hi: 4, log: true, init: 1, doc: "LR exponent of the rate" },
      { name: "a", lo: 1e-3, hi: scale.lossMax, log: true, init: scale.lossMin * 0.8, doc: "floor at eta = 0" },
      { name: "b", lo: 1e-3, hi: scale.lossMax * 2, log: true, init: scale.lossMax / 3, doc: "floor slope" },
      { name: "q", lo: 0.05, hi: 4, log: true, init: 1, doc: "LR exponent of the floor" },
    ];
  },
  predict: floorPredict,
  stepper(params, opts) {
    return new FloorStepper(params, opts?.initialLoss);
  },
};
