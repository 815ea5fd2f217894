/**
 * Which parameters a run pins down. Two views, both reported:
 * - across fit seeds: each parameter's range over the fits whose objective is within 5% of the best (equal fit
 *   quality); a range wider than a factor of 10 means the data do not decide the value;
 * - at the best fit: the local (Gauss-Newton) standard error of log(parameter) from the weighted log residuals of
 *   the fit's buckets, `cov = s^2 (J^T W J)^-1`; above 1 (a factor e either way within one standard error) the
 *   parameter is not pinned down. The bucket residuals are autocorrelated, so these errors are optimistic: a
 *   parameter they flag is certainly loose, one they pass may still be.
 * Only the model's own parameters are assessed (not the epoch sawtooth's).
 */
import { epochPhase } from "./epoch.ts";
import { fitData } from "./fit-data.ts";
import type { FitInput } from "./fit-input.ts";
import type { LossModel, ParamValues } from "./model.ts";

export interface ParamSpread {
  name: string;
  /** Best fit's value. */
  value: number;
  /** Range over the fits of equal quality. */
  min: number;
  max: number;
  /** log10(max / min) (positive parameters). */
  decades: number;
  /** Local standard error of log(value) at the best fit (null when the curvature is singular). */
  logSE: number | null;
  pinned: boolean;
}

export interface Identifiability {
  model: string;
  /** Fits compared (seeds) and how many had an objective within 5% of the best. */
  fits: number;
  equalQuality: number;
  params: ParamSpread[];
  /** Names of the parameters the data do not pin down. */
  unpinned: string[];
}

const EQUAL_QUALITY = 1.05;
const MAX_DECADES = 1;
const MAX_LOG_SE = 1;

/** Solve for the diagonal of (H + ridge)^-1 by Gauss-Jordan with partial pivoting; null entries when singular. */
function inverseDiagonal(h: Float64Array, p: number): Array<number | null> {
  const a = new Float64Array(p * 2 * p);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += h[i * p + i]!;
  const ridge = 1e-12 * (trace / p || 1);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) a[i * 2 * p + j] = h[i * p + j]! + (i === j ? ridge : 0);
    a[i * 2 * p + p + i] = 1;
  }
  const w = 2 * p;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * w + c]!) > Math.abs(a[piv * w + c]!)) piv = r;
    if (!(Math.abs(a[piv * w + c]!) > 1e-300)) return Array.from({ length: p }, () => null);
    if (piv !== c) {
      for (let j = 0; j < w; j++) {
        const t = a[c * w + j]!;
        a[c * w + j] = a[piv * w + j]!;
        a[piv * w + j] = t;
      }
    }
    const d = a[c * w + c]!;
    for (let j = 0; j < w; j++) a[c * w + j]! /= d;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r * w + c]!;
      if (f === 0) continue;
      for (let j = 0; j < w; j++) a[r * w + j]! -= f * a[c * w + j]!;
    }
  }
  return Array.from({ length: p }, (_, i) => {
    const v = a[i * w + p + i]!;
    return Number.isFinite(v) && v >= 0 ? v : null;
  });
}

/** Local standard errors of log(parameter) at `params` (model parameters only). */
function localLogSE(model: LossModel, params: ParamValues, input: FitInput, maxPoints: number): Array<number | null> {
  const data = fitData(input.points, input.lr.eta, {
    maxPoints,
    lrRef: params.lrRef!,
    ...(params.epochSteps && params.epA ? { epochSteps: params.epochSteps } : {}),
  });
  const defs = model.paramDefs(data.scale);
  const P = defs.length;
  const N = data.logY.length;
  const theta = Float64Array.from(defs, (d) => params[d.name]!);
  const pred = new Float64Array(N);
  const jac = new Float64Array(N * P);
  model.predict(theta, data.blocks, pred, jac);
  const h = new Float64Array(P * P);
  let ss = 0;
  const row = new Float64Array(P);
  for (let n = 0; n < N; n++) {
    const ph = data.phase ? epochPhase(data.points.step[n]!, params.epochSteps!) : 0;
    const fac = data.phase
      ? 1 - params.epA! * Math.exp(-ph / params.epTau!) - (params.epA2 ?? 0) * Math.exp(-ph / (params.epTau2 ?? 1))
      : 1;
    const y = pred[n]! * fac;
    if (!(y > 0)) continue;
    const sw = Math.sqrt(data.weight[n]!);
    const r = sw * (data.logY[n]! - Math.log(y));
    ss += r * r;
    // d log(pred) / d log(theta_j), weighted
    for (let j = 0; j < P; j++) row[j] = (sw * jac[n * P + j]! * theta[j]!) / pred[n]!;
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) h[i * P + j]! += row[i]! * row[j]!;
  }
  const s2 = ss / Math.max(1, N - P);
  return inverseDiagonal(h, P).map((v) => (v === null ? null : Math.sqrt(s2 * v)));
}

/**
 * Identifiability of a model on a run from several fits (e.g. fit seeds).
 *
 * @example
 * const id = identifiability(sde, input, fits); // id.unpinned = ["u0", "kappa"]
 */
export function identifiability(
  model: LossModel,
  input: FitInput,
  fits: ReadonlyArray<{ params: ParamValues; objective: number }>,
  maxPoints = 200,
): Identifiability {
  const finite = fits.filter((f) => Number.isFinite(f.objective));
  const best = finite.reduce((a, b) => (b.objective < a.objective ? b : a), finite[0] ?? fits[0]!);
  const equal = finite.filter((f) => f.objective <= best.objective * EQUAL_QUALITY);
  const se = localLogSE(model, best.params, input, maxPoints);
  const defs = model.paramDefs({ s1Max: 1, steps: 1, lossFirst: 1, lossLast: 1, lossMin: 1, lossMax: 1 });
  const params: ParamSpread[] = defs.map((d, j) => {
    const values = equal.map((f) => f.params[d.name]!);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const decades = min > 0 ? Math.log10(max / min) : Number.POSITIVE_INFINITY;
    const logSE = se[j] ?? null;
    const pinned = decades <= MAX_DECADES && logSE !== null && logSE <= MAX_LOG_SE;
    return { name: d.name, value: best.params[d.name]!, min, max, decades, logSE, pinned };
  });
  return {
    model: model.name,
    fits: fits.length,
    equalQuality: equal.length,
    params,
    unpinned: params.filter((p) => !p.pinned).map((p) => p.name),
  };
}
