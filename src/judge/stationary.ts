/**
 * The stationary-subsequence judge ("haar"): a scheduler-independent plateau finder that may look ahead.
 *
 * Coarse test: for each per-step index t, with h = W/2:
 *   r_t = (mean(L[t-h, t)) - mean(L[t, t+h))) / h / mean(L[t-h, t+h))
 * the relative per-step decrease rate of the loss around t. t is stationary when r_t < eps; coarse plateaus
 * are the maximal runs of at least M stationary steps. O(n) with prefix sums.
 * Refinement (refine.ts, on by default): the centred window ends a plateau up to h before the drop that ended
 * it; each edge is moved to the change point of the loss (a backward-looking end test, then a one-change-point
 * fit), so a plateau ends at the decay that ended it.
 * Refusal: with fewer than MIN_POINTS_PER_HALF_WINDOW logged points per half window (100 points for the
 * default W) the judge returns no plateaus and says why (`judgeStationary`).
 *
 * Edges: the first and last h indices have no full window; they take the verdict of the nearest index that
 * has one, so a plateau that runs into the end of training reaches the end. Non-finite losses are replaced
 * by the last finite value (the first finite value for a leading run) before the sums.
 *
 * Defaults are relative to the run length n, chosen by the validation study of docs/replay.md (known step
 * decays of data/logs and data/corpus; `npm run study:judge`).
 */
import { ConfigError } from "../errors.ts";
import { badJudgeParam, E_JUDGE_SPEC, unknownJudge, unknownJudgeParam } from "../messages/replay.ts";
import { parseBoolean, parseNumber } from "../schedulers/params.ts";
import { DEFAULT_BAND, REFINE_WINDOW_FRACTION, refineSpans, type StationaryIndexSpan } from "./refine.ts";

export interface JudgeParams {
  /** Full window W in steps; a value in (0, 1) is a fraction of the run length n. */
  window: number;
  /** Threshold on the relative per-step decrease rate r_t. A value is per step: the default is relative to n. */
  eps: number;
  /** Minimal run length in steps; a value in (0, 1) is a fraction of n. */
  minLength: number;
  /** Edge refinement band in noise units (refine.ts); default 4. */
  band?: number;
  /** 1: refine the plateau edges (default), 0: the coarse runs of the rate test only. */
  refine?: number;
}

/** Default window W: 6% of the run (12,000 steps of a 200k-step run; spans >= 1 epoch of the fixture runs). */
export const DEFAULT_WINDOW_FRACTION = 0.06;
/** Default eps = 1.5 / n: at the local rate the loss would fall by less than 1.5x its level over a whole run. */
export const DEFAULT_EPS_PER_RUN = 1.5;
/** Default minimal length M: 3% of the run (chosen by the validation study, docs/replay.md). */
export const DEFAULT_MIN_LENGTH_FRACTION = 0.03;
/** The judge refuses a curve with fewer logged points than this per half window W/2 (100 points by default). */
export const MIN_POINTS_PER_HALF_WINDOW = 3;

export type { StationaryIndexSpan };

/** Resolve relative parameters against n. @example resolveJudgeParams(200000).window // -> 12000 */
export function resolveJudgeParams(n: number, params: Partial<JudgeParams> = {}): Required<JudgeParams> {
  const rel = (v: number) => (v > 0 && v < 1 ? Math.round(v * n) : Math.round(v));
  const window = Math.max(2, rel(params.window ?? DEFAULT_WINDOW_FRACTION));
  const eps = params.eps ?? DEFAULT_EPS_PER_RUN / Math.max(n, 1);
  const minLength = Math.max(1, rel(params.minLength ?? DEFAULT_MIN_LENGTH_FRACTION));
  return { window, eps, minLength, band: params.band ?? DEFAULT_BAND, refine: params.refine === 0 ? 0 : 1 };
}

/**
 * Logged points the judge needs: MIN_POINTS_PER_HALF_WINDOW per half window W/2. For a window given as a
 * fraction f of the run (the default f = 0.06) that is ceil(3 / (f/2)) = 100 points, whatever n; for a window
 * of W steps, ceil(3 n / (W/2)).
 * @example minimumPoints(124451) // -> 100
 */
export function minimumPoints(n: number, params: Partial<JudgeParams> = {}): number {
  const w = params.window ?? DEFAULT_WINDOW_FRACTION;
  if (w > 0 && w < 1) return Math.ceil((MIN_POINTS_PER_HALF_WINDOW * 2) / w - 1e-9);
  const h = Math.max(1, Math.min(Math.floor(Math.round(w) / 2), Math.floor(n / 2)));
  return Math.ceil((MIN_POINTS_PER_HALF_WINDOW * Math.max(n, 1)) / h);
}

/** Fill non-finite values with the last finite one (leading: the first finite one). */
function finiteCopy(loss: Float64Array): Float64Array | undefined {
  const n = loss.length;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(loss[i]!)) {
      first = i;
      break;
    }
  }
  if (first < 0) return undefined;
  const out = new Float64Array(n);
  let last = loss[first]!;
  for (let i = 0; i < n; i++) {
    const v = loss[i]!;
    if (Number.isFinite(v)) last = v;
    out[i] = last;
  }
  return out;
}

/** Prefix sums P[i] = x[0] + ... + x[i-1] of a finite sequence. */
function prefixSums(x: Float64Array): Float64Array {
  const P = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) P[i + 1] = P[i]! + x[i]!;
  return P;
}

/** r_t from the prefix sums of the finite sequence (n values). */
function ratesFromPrefix(P: Float64Array, n: number, window: number): Float64Array {
  const r = new Float64Array(n);
  if (n < 2) return r;
  const h = Math.max(1, Math.min(Math.floor(window / 2), Math.floor(n / 2)));
  for (let t = h; t <= n - h; t++) {
    const a = P[t]! - P[t - h]!;
    const b = P[t + h]! - P[t]!;
    const mean = Math.abs(a + b) / (2 * h);
    const diff = (a - b) / h / h;
    r[t] = mean > 0 ? diff / mean : diff === 0 ? 0 : diff * Number.POSITIVE_INFINITY;
  }
  const lo = h;
  const hi = Math.min(n - h, n - 1);
  for (let t = 0; t < lo; t++) r[t] = r[lo]!;
  for (let t = hi + 1; t < n; t++) r[t] = r[hi]!;
  return r;
}

/**
 * The rate r_t for every index (NaN-free; edges copy the nearest full-window value). Exposed for charts/tests.
 * @example relativeRates(Float64Array.from([4, 3, 2, 1]), 2) // -> Float64Array [0.4, 0.4, ~0.667, 0.667]
 */
export function relativeRates(loss: Float64Array, window: number): Float64Array {
  const x = finiteCopy(loss);
  if (!x || loss.length < 2) return new Float64Array(loss.length);
  return ratesFromPrefix(prefixSums(x), x.length, window);
}

/** Maximal runs of >= minLength indices with r_t < eps. */
function runsBelow(r: Float64Array, p: JudgeParams): StationaryIndexSpan[] {
  const n = r.length;
  const out: StationaryIndexSpan[] = [];
  let start = -1;
  for (let t = 0; t <= n; t++) {
    const stat = t < n && r[t]! < p.eps;
    if (stat) {
      if (start < 0) start = t;
    } else if (start >= 0) {
      if (t - start >= p.minLength) out.push({ start, end: t - 1 });
      start = -1;
    }
  }
  return out;
}

/**
 * The coarse runs of the rate test (no refinement, no refusal): maximal runs of >= M indices with r_t < eps.
 * @example coarseStationary(loss, resolveJudgeParams(loss.length))
 */
export function coarseStationary(loss: Float64Array, p: JudgeParams): StationaryIndexSpan[] {
  if (loss.length < 2 || !loss.some(Number.isFinite)) return [];
  return runsBelow(relativeRates(loss, p.window), p);
}

/** What the judge says about one per-step sequence. */
export interface JudgeVerdict {
  spans: StationaryIndexSpan[];
  /** The parameters used (absolute). */
  params: Required<JudgeParams>;
  /** Logged points the judge needs (minimumPoints). */
  minPoints: number;
  /** Set when the judge refused: the curve has `points` logged points, `needed` are required. */
  refused?: { points: number; needed: number };
}

/**
 * The judge on a per-step sequence that holds `points` logged points (default: one per value). Below
 * `minimumPoints` it refuses (no plateaus, `refused` set); otherwise coarse runs, then refined edges.
 * @example judgeStationary(ex.loss, {}, { points: curve.columns.step.length }).spans
 */
export function judgeStationary(
  loss: Float64Array,
  params: Partial<JudgeParams> = {},
  ctx: { points?: number } = {},
): JudgeVerdict {
  const n = loss.length;
  const p = resolveJudgeParams(n, params);
  const minPoints = minimumPoints(n, params);
  let points = ctx.points ?? n;
  if (ctx.points === undefined) {
    points = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(loss[i]!)) points++;
  }
  if (points < minPoints) return { spans: [], params: p, minPoints, refused: { points, needed: minPoints } };
  const x = n < 2 ? undefined : finiteCopy(loss);
  if (!x) return { spans: [], params: p, minPoints };
  // one finite copy and one prefix sum, shared by the rate test and the refinement
  const P = prefixSums(x);
  const coarse = runsBelow(ratesFromPrefix(P, n, p.window), p);
  if (p.refine === 0 || coarse.length === 0) return { spans: coarse, params: p, minPoints };
  const half = Math.max(1, Math.min(Math.floor(p.window / 2), Math.floor(n / 2)));
  const q = Math.max(1, Math.round(p.window * REFINE_WINDOW_FRACTION));
  return { spans: refineSpans(x, coarse, { half, q, band: p.band }, P), params: p, minPoints };
}

/**
 * Stationary subsequences of a per-step loss sequence, as inclusive index runs (`judgeStationary(...).spans`:
 * refined edges; none when the sequence is too short to judge).
 * @example findStationary(loss, { window: 2000, eps: 1e-6, minLength: 5000 })
 */
export function findStationary(
  loss: Float64Array,
  params: Partial<JudgeParams> = {},
  ctx: { points?: number } = {},
): StationaryIndexSpan[] {
  return judgeStationary(loss, params, ctx).spans;
}

export const JUDGE_PARAM_NAMES = ["window", "eps", "minLength", "band", "refine"] as const;

/**
 * Parse `haar:window=W,eps=E,minLength=M,band=B,refine=0|1` (any subset; bare `haar` = defaults).
 * @example parseJudgeSpec("haar:eps=1e-6") // -> { name: "haar", params: { eps: 1e-6 } }
 */
export function parseJudgeSpec(spec: string): { name: "haar"; params: Partial<JudgeParams> } {
  const text = spec.trim();
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon).trim();
  if (name !== "haar") throw new ConfigError(unknownJudge(name, ["haar"]), E_JUDGE_SPEC);
  const params: Partial<JudgeParams> = {};
  if (colon < 0) return { name, params };
  for (const token of text.slice(colon + 1).split(",")) {
    if (token.trim() === "") continue;
    const eq = token.indexOf("=");
    const key = (eq < 0 ? token : token.slice(0, eq)).trim();
    if (!(JUDGE_PARAM_NAMES as readonly string[]).includes(key)) {
      throw new ConfigError(unknownJudgeParam(key, JUDGE_PARAM_NAMES), E_JUDGE_SPEC);
    }
    const raw = eq < 0 ? "" : token.slice(eq + 1);
    if (key === "refine") {
      // the shared boolean grammar of schedulers/params.ts (1/0, true/false, yes/no, on/off)
      const b = parseBoolean(raw);
      if (b === undefined) throw new ConfigError(badJudgeParam(key, raw, "a boolean (1/0, true/false)"), E_JUDGE_SPEC);
      params.refine = b ? 1 : 0;
      continue;
    }
    const v = parseNumber(raw);
    const positive = v !== undefined && v > 0;
    const real = key === "eps" || key === "band";
    if (!positive || (!real && v >= 1 && !Number.isInteger(v))) {
      throw new ConfigError(
        badJudgeParam(key, raw, real ? "a number > 0" : "a positive integer or a fraction in (0,1)"),
        E_JUDGE_SPEC,
      );
    }
    params[key as "window" | "eps" | "minLength" | "band"] = v;
  }
  return { name, params };
}
