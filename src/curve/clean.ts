/**
 * Cleaning: raw parsed columns -> a canonical `Curve` whose invariants hold.
 *
 * Rules (documented in docs/ingest.md):
 * - Points whose step is missing / non-finite are dropped (warning `W_BAD_STEP`); non-integer steps are rounded.
 * - Latest wins: points are taken in input order; when a step is <= the last kept step, every kept point with a
 *   step >= it is dropped first. A run resumed from a checkpoint therefore keeps its latest segment
 *   (`W_RESUMED_RUN`) and a repeated step keeps its latest value (`W_DUPLICATE_STEPS`).
 * - Non-finite losses (NaN, ±Inf) are kept and counted in `meta.nonFinite` (`W_NONFINITE_LOSS`).
 * - Float64Array columns are taken over (not copied) when nothing has to be dropped or rounded.
 * - `meta.stride` is the median gap between consecutive steps (the lower middle value; 1 when < 2 points).
 */

import { ParseError, Warnings } from "../errors.ts";
import { msg, W } from "../messages/ingest.ts";
import type { Curve, CurveColumns, CurveMeta } from "./curve.ts";

/** Parsed columns before cleaning: any array-like of numbers, all the same length as `step`. */
export interface RawColumns {
  step: ArrayLike<number>;
  loss: ArrayLike<number>;
  lr?: ArrayLike<number> | undefined;
  epoch?: ArrayLike<number> | undefined;
  wallTime?: ArrayLike<number> | undefined;
}

/** Metadata a parser knows; the rest gets defaults (`aggregation: "instant"`, empty config / evaluations). */
export type MetaInput = Pick<CurveMeta, "name" | "source" | "format"> &
  Partial<Omit<CurveMeta, "name" | "source" | "format" | "stride" | "nonFinite">>;

const OPTIONAL = ["lr", "epoch", "wallTime"] as const;

/**
 * Build a canonical curve: drop bad steps, resolve duplicate / decreasing steps (latest wins), count
 * non-finite losses, compute the stride. Warnings go to `warnings` and are copied into `meta.warnings`.
 *
 * @example
 * const w = new Warnings();
 * const c = makeCurve({ step: [10, 20, 10, 20, 30], loss: [5, 4, 4.5, 3.9, 3.8] },
 *   { name: "run", source: "mem", format: "csv" }, w);
 * // c.columns.step -> [10, 20, 30]; c.columns.loss -> [4.5, 3.9, 3.8]; w.has("W_RESUMED_RUN") -> true
 */
export function makeCurve(columns: RawColumns, meta: MetaInput, warnings: Warnings = new Warnings()): Curve {
  const n = columns.step.length;
  const where = { file: meta.source };
  if (columns.loss.length !== n) {
    throw new ParseError(msg.columnLengths("loss", columns.loss.length, n), where, "equal-length columns");
  }
  for (const name of OPTIONAL) {
    const col = columns[name];
    if (col !== undefined && col.length !== n) {
      throw new ParseError(msg.columnLengths(name, col.length, n), where, "equal-length columns");
    }
  }

  if (isClean(columns.step)) {
    // fast path (the common case): nothing to drop or round; Float64Array columns are taken over, not copied
    const own = (a: ArrayLike<number>) => (a instanceof Float64Array ? a : Float64Array.from(a));
    const out: CurveColumns = { step: own(columns.step), loss: own(columns.loss) };
    for (const name of OPTIONAL) {
      const col = columns[name];
      if (col !== undefined) out[name] = own(col);
    }
    return finish(out, meta, warnings);
  }

  const keep = new Int32Array(n);
  const rounded = new Float64Array(n);
  let top = 0;
  let badStep = 0;
  let nonInteger = 0;
  let duplicates = 0;
  let firstDuplicate = Number.NaN;
  let restarts = 0;
  let restartDropped = 0;
  let firstRestart = Number.NaN;
  for (let i = 0; i < n; i++) {
    const s = columns.step[i] as number;
    if (!Number.isFinite(s)) {
      badStep++;
      continue;
    }
    const r = Math.round(s);
    if (r !== s) nonInteger++;
    rounded[i] = r;
    if (top > 0) {
      const last = rounded[keep[top - 1] as number] as number;
      if (r === last) {
        duplicates++;
        if (Number.isNaN(firstDuplicate)) firstDuplicate = r;
        top--;
      } else if (r < last) {
        restarts++;
        if (Number.isNaN(firstRestart)) firstRestart = r;
        while (top > 0 && (rounded[keep[top - 1] as number] as number) >= r) {
          top--;
          restartDropped++;
        }
      }
    }
    keep[top++] = i;
  }

  if (badStep > 0) warnings.add(W.badStep, msg.badStep(badStep), where);
  if (nonInteger > 0) warnings.add(W.nonIntegerStep, msg.nonIntegerStep(nonInteger), where);
  if (restarts > 0) warnings.add(W.resumedRun, msg.resumedRun(restartDropped, restarts, firstRestart), where);
  if (duplicates > 0) warnings.add(W.duplicateSteps, msg.duplicateSteps(duplicates, firstDuplicate), where);

  const out: CurveColumns = { step: gather(rounded, keep, top), loss: gather(columns.loss, keep, top) };
  for (const name of OPTIONAL) {
    const col = columns[name];
    if (col !== undefined) out[name] = gather(col, keep, top);
  }

  return finish(out, meta, warnings);
}

function isClean(step: ArrayLike<number>): boolean {
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < step.length; i++) {
    const s = step[i] as number;
    if (!(s > prev) || !Number.isInteger(s)) return false;
    prev = s;
  }
  return true;
}

function finish(out: CurveColumns, meta: MetaInput, warnings: Warnings): Curve {
  const nonFinite = countNonFinite(out.loss);
  if (nonFinite.nan + nonFinite.posInf + nonFinite.negInf > 0) {
    warnings.add(W.nonFinite, msg.nonFinite(nonFinite.nan, nonFinite.posInf, nonFinite.negInf), { file: meta.source });
  }
  return {
    columns: out,
    meta: {
      name: meta.name,
      source: meta.source,
      format: meta.format,
      ...(meta.tag !== undefined ? { tag: meta.tag } : {}),
      ...(meta.lossColumn !== undefined ? { lossColumn: meta.lossColumn } : {}),
      stride: medianGap(out.step),
      aggregation: meta.aggregation ?? "instant",
      config: meta.config ?? {},
      evaluations: meta.evaluations ?? [],
      nonFinite,
      warnings: [...(meta.warnings ?? []), ...warnings.list],
    },
  };
}

function gather(src: ArrayLike<number>, idx: Int32Array, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) out[k] = src[idx[k] as number] as number;
  return out;
}

/**
 * Count NaN, +Inf and -Inf values.
 *
 * @example
 * countNonFinite(new Float64Array([1, NaN, Infinity])) // { nan: 1, posInf: 1, negInf: 0 }
 */
export function countNonFinite(values: ArrayLike<number>): { nan: number; posInf: number; negInf: number } {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) nan++;
    else if (v === Number.POSITIVE_INFINITY) posInf++;
    else if (v === Number.NEGATIVE_INFINITY) negInf++;
  }
  return { nan, posInf, negInf };
}

/**
 * Median gap between consecutive steps (lower middle value for an even count; 1 with fewer than 2 points).
 *
 * @example
 * medianGap(new Float64Array([0, 10, 20, 50])) // 10
 */
export function medianGap(step: Float64Array): number {
  if (step.length < 2) return 1;
  const gaps = new Float64Array(step.length - 1);
  for (let i = 1; i < step.length; i++) gaps[i - 1] = (step[i] as number) - (step[i - 1] as number);
  gaps.sort();
  return gaps[(gaps.length - 1) >> 1] as number;
}

/**
 * The downstream rule for non-finite losses (docs/ingest.md): a NaN / ±Inf loss is a missing observation and
 * takes the last finite loss before it (leading ones take the first finite loss). Returns a new array and the
 * number of values replaced; with no finite value at all, every value stays non-finite (callers reject it).
 *
 * @example
 * holdNonFinite(new Float64Array([NaN, 3, Infinity, 2])).values // [3, 3, 3, 2]
 */
export function holdNonFinite(loss: ArrayLike<number>): { values: Float64Array; replaced: number } {
  const n = loss.length;
  const values = new Float64Array(n);
  let first = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = loss[i] as number;
    if (Number.isFinite(v)) {
      first = v;
      break;
    }
  }
  let last = first;
  let replaced = 0;
  for (let i = 0; i < n; i++) {
    const v = loss[i] as number;
    if (Number.isFinite(v)) {
      last = v;
      values[i] = v;
    } else {
      values[i] = last;
      if (Number.isFinite(last)) replaced++;
    }
  }
  return { values, replaced };
}
