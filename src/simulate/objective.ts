/**
 * The fit's objective and its exact gradient over Float64Arrays. The optimiser works on unconstrained variables
 * `u`, each mapped into its parameter's bounds through a sigmoid (linear or log space, or log of `1 - value`).
 * A problem is a sum of terms, one per fitted run: a term evaluates the model on its run's blocks (analytic
 * forward-mode derivatives, `LossModel.predict`), multiplies by the epoch sawtooth when the run has one, and scores
 * the weighted soft-L1 of the log residuals
 *   obj = mean_i w_i (sqrt(1 + (r_i / delta)^2) - 1),  r_i = log y_i - log max(pred_i, 1e-4).
 * Each term reads its parameters from the variable vector through an index map, so runs can share parameters
 * (a joint fit) or hold their own.
 */
import { EPOCH_DEFS } from "./epoch.ts";
import type { FitData } from "./fit-data.ts";
import type { LossModel, ModelParamDef } from "./model.ts";

/** Smallest prediction the log residual sees (a non-positive prediction scores as this). */
const PRED_FLOOR = 1e-4;

/**
 * Parameter value of an unconstrained variable.
 *
 * @example
 * toBounded({ name: "k", lo: 1e-3, hi: 1, log: true, init: 0.03, doc: "" }, 0); // sqrt(1e-3) ~ 0.0316
 */
export function toBounded(def: ModelParamDef, u: number): number {
  const s = 1 / (1 + Math.exp(-u));
  if (!def.log) return def.lo + (def.hi - def.lo) * s;
  if (def.complement) {
    const lo = Math.log(1 - def.hi);
    const hi = Math.log(1 - def.lo);
    return 1 - Math.exp(lo + (hi - lo) * s);
  }
  return Math.exp(Math.log(def.lo) + (Math.log(def.hi) - Math.log(def.lo)) * s);
}

/** d toBounded(def, u) / du, given the value `v = toBounded(def, u)`. */
function boundedSlope(def: ModelParamDef, u: number, v: number): number {
  const s = 1 / (1 + Math.exp(-u));
  const ds = s * (1 - s);
  if (!def.log) return (def.hi - def.lo) * ds;
  if (def.complement) return -(1 - v) * (Math.log(1 - def.lo) - Math.log(1 - def.hi)) * ds;
  return v * (Math.log(def.hi) - Math.log(def.lo)) * ds;
}

/**
 * Unconstrained variable of a parameter value (clamped just inside the bounds).
 *
 * @example
 * toFree(def, toBounded(def, 1.5)); // 1.5
 */
export function toFree(def: ModelParamDef, v: number): number {
  let t: number;
  if (!def.log) t = (v - def.lo) / (def.hi - def.lo);
  else if (def.complement) {
    const lo = Math.log(1 - def.hi);
    const hi = Math.log(1 - def.lo);
    t = (Math.log(1 - v) - lo) / (hi - lo);
  } else t = (Math.log(v) - Math.log(def.lo)) / (Math.log(def.hi) - Math.log(def.lo));
  const c = Math.min(1 - 1e-6, Math.max(1e-6, t));
  return Math.log(c / (1 - c));
}

/**
 * One fitted run: its data, and where its model (and sawtooth) parameters sit in the variable vector. An index
 * `i >= 0` reads variable i; `i < 0` reads the constant `fixed[-i - 1]` (a parameter held fixed, e.g. the
 * shared parameters when only a run's own are calibrated).
 */
export interface FitTerm {
  model: LossModel;
  data: FitData;
  /** Where each of the model's parameters (paramDefs order) comes from. */
  modelIndex: Int32Array;
  /** Where epA, epTau, epA2, epTau2 come from (when the run has an epoch length). */
  epochIndex?: Int32Array;
  /** Values of the fixed parameters (negative indices). */
  fixed?: Float64Array;
  /** Weight of the term in the sum (default 1). */
  weight?: number;
}

/** A fit problem: the variables' definitions and the terms that read them. */
export interface FitProblem {
  defs: ModelParamDef[];
  terms: FitTerm[];
  /** Soft-L1 scale on log residuals (default 0.1). */
  delta?: number;
}

/**
 * The problem of fitting one model to one run: the model's parameters, then the sawtooth's when the run has one.
 *
 * @example
 * const problem = singleRunProblem(floor, fitData(points, eta));
 */
export function singleRunProblem(model: LossModel, data: FitData, delta = 0.1): FitProblem {
  const defs = [...model.paramDefs(data.scale), ...(data.phase ? EPOCH_DEFS : [])];
  const m = model.paramDefs(data.scale).length;
  const term: FitTerm = {
    model,
    data,
    modelIndex: Int32Array.from({ length: m }, (_, i) => i),
    ...(data.phase ? { epochIndex: Int32Array.from({ length: 4 }, (_, i) => m + i) } : {}),
  };
  return { defs, terms: [term], delta };
}

interface TermBuffers {
  theta: Float64Array;
  base: Float64Array;
  jac: Float64Array;
  gTheta: Float64Array;
}

/**
 * Objective and gradient of a problem; buffers are allocated once.
 *
 * @example
 * const f = new Objective(problem);
 * const g = new Float64Array(problem.defs.length);
 * const value = f.evaluate(u, g); // g = d value / d u
 */
export class Objective {
  readonly problem: FitProblem;
  private readonly buffers: TermBuffers[];
  private readonly values: Float64Array;
  private readonly delta: number;
  /** Evaluations so far (value only or with gradient). */
  calls = 0;
  constructor(problem: FitProblem) {
    this.problem = problem;
    this.delta = problem.delta ?? 0.1;
    this.values = new Float64Array(problem.defs.length);
    this.buffers = problem.terms.map((t) => {
      const p = t.modelIndex.length;
      const n = t.data.logY.length;
      return {
        theta: new Float64Array(p),
        base: new Float64Array(n),
        jac: new Float64Array(n * p),
        gTheta: new Float64Array(p),
      };
    });
  }

  /** Parameter values of the variables `u`. */
  paramValues(u: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.problem.defs.length);
    this.problem.defs.forEach((d, i) => {
      out[i] = toBounded(d, u[i]!);
    });
    return out;
  }

  /** The objective at `u`; with `grad`, its gradient with respect to `u` is written there. */
  evaluate(u: ArrayLike<number>, grad?: Float64Array): number {
    this.calls++;
    const defs = this.problem.defs;
    const v = this.values;
    for (let i = 0; i < defs.length; i++) v[i] = toBounded(defs[i]!, u[i]!);
    if (grad) grad.fill(0);
    let total = 0;
    this.problem.terms.forEach((term, ti) => {
      const w = term.weight ?? 1;
      total += w * this.term(term, this.buffers[ti]!, v, grad, w);
    });
    if (grad) for (let i = 0; i < defs.length; i++) grad[i]! *= boundedSlope(defs[i]!, u[i]!, v[i]!);
    return total;
  }

  /** One term's objective; adds w * d obj / d value into `grad` (by value; the caller maps to u). */
  private term(t: FitTerm, buf: TermBuffers, v: Float64Array, grad: Float64Array | undefined, w: number): number {
    const { theta, base, jac, gTheta } = buf;
    const P = theta.length;
    const read = (i: number) => (i >= 0 ? v[i]! : t.fixed![-i - 1]!);
    for (let i = 0; i < P; i++) theta[i] = read(t.modelIndex[i]!);
    t.model.predict(theta, t.data.blocks, base, grad ? jac : undefined);
    const { logY, weight, phase } = t.data;
    const N = logY.length;
    const ei = t.epochIndex;
    const epA = ei && phase ? read(ei[0]!) : 0;
    const epTau = ei && phase ? read(ei[1]!) : 1;
    const epA2 = ei && phase ? read(ei[2]!) : 0;
    const epTau2 = ei && phase ? read(ei[3]!) : 1;
    const delta = this.delta;
    let obj = 0;
    let gA = 0;
    let gTau = 0;
    let gA2 = 0;
    let gTau2 = 0;
    if (grad) gTheta.fill(0);
    for (let n = 0; n < N; n++) {
      let fac = 1;
      let e1 = 0;
      let e2 = 0;
      let ph = 0;
      if (phase && ei) {
        ph = phase[n]!;
        e1 = Math.exp(-ph / epTau);
        e2 = Math.exp(-ph / epTau2);
        fac = 1 - epA * e1 - epA2 * e2;
      }
      const pred = base[n]! * fac;
      const clamped = !(pred > PRED_FLOOR);
      const r = (logY[n]! - Math.log(clamped ? PRED_FLOOR : pred)) / delta;
      const sq = Math.sqrt(r * r + 1);
      obj += weight[n]! * (sq - 1);
      if (!grad || clamped) continue;
      // d obj / d pred (the mean's 1/N applied below)
      const g = (weight[n]! * (r / sq) * -1) / (delta * pred);
      const gb = g * fac;
      const row = n * P;
      for (let i = 0; i < P; i++) gTheta[i]! += gb * jac[row + i]!;
      if (phase && ei) {
        const b0 = base[n]!;
        gA += g * b0 * -e1;
        gTau += g * b0 * ((-epA * e1 * ph) / (epTau * epTau));
        gA2 += g * b0 * -e2;
        gTau2 += g * b0 * ((-epA2 * e2 * ph) / (epTau2 * epTau2));
      }
    }
    if (grad) {
      const s = w / N;
      const add = (i: number, g: number) => {
        if (i >= 0) grad[i]! += s * g;
      };
      for (let i = 0; i < P; i++) add(t.modelIndex[i]!, gTheta[i]!);
      if (phase && ei) {
        add(ei[0]!, gA);
        add(ei[1]!, gTau);
        add(ei[2]!, gA2);
        add(ei[3]!, gTau2);
      }
    }
    return obj / N;
  }
}
