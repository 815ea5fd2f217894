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
import * as M from "../messages/ingest.ts";
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
    throw new ParseError(M.columnLengths("loss", columns.loss.length, n), where, "equal-length columns");
  }
  for (const name of OPTIONAL) {
    const col = columns[name];
    if (col !== undefined && col.length !== n) {
      throw new ParseError(M.columnLengths(name, col.length, n), where, "equal-length columns");
    }
  }

  const interleaved = interleaving(columns.step);
  if (interleaved !== undefined) warnings.add(M.W_INTERLEAVED_RUNS, interleaved, where);

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

  if (top === 0) throw new ParseError(M.noUsableStep(n), where, "points with a numeric step");
  if (badStep > 0) warnings.add(M.W_BAD_STEP, M.badStep(badStep), where);
  if (nonInteger > 0) warnings.add(M.W_NONINTEGER_STEP, M.nonIntegerStep(nonInteger), where);
  if (restarts > 0) warnings.add(M.W_RESUMED_RUN, M.resumedRun(restartDropped, restarts, firstRestart), where);
  if (duplicates > 0) warnings.add(M.W_DUPLICATE_STEPS, M.duplicateSteps(duplicates, firstDuplicate), where);

  const out: CurveColumns = { step: gather(rounded, keep, top), loss: gather(columns.loss, keep, top) };
  for (const name of OPTIONAL) {
    const col = columns[name];
    if (col !== undefined) out[name] = gather(col, keep, top);
  }

  return finish(out, meta, warnings);
}

/**
 * Two runs written to one file at the same time: either the steps go back again and again (a zig-zag, not the
 * one or two restarts of a resumed run), or they rise by two alternating gaps (100, 105, 200, 205, ...: two
 * runs of one logging period with offset steps). Returns the warning text, or undefined.
 *
 * @example
 * interleaving([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75].map((s, i) => s + (i % 2) * 2))
 */
export function interleaving(step: ArrayLike<number>): string | undefined {
  const n = step.length;
  if (n < 8) return undefined;
  let back = 0;
  let alternating = 0;
  for (let i = 1; i < n; i++) {
    if ((step[i] as number) < (step[i - 1] as number)) back++;
    if (i >= 3) {
      const g = (step[i] as number) - (step[i - 1] as number);
      const g1 = (step[i - 1] as number) - (step[i - 2] as number);
      const g2 = (step[i - 2] as number) - (step[i - 3] as number);
      if (g === g2 && g !== g1 && g > 0 && g1 > 0) alternating++;
    }
  }
  if (back >= 3 && back * 5 >= n) return M.interleavedBack(back, n);
  if (n >= 16 && alternating * 10 >= (n - 3) * 9) return M.interleavedOffset(n);
  return undefined;
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
    warnings.add(M.W_NONFINITE_LOSS, M.nonFinite(nonFinite.nan, nonFinite.posInf, nonFinite.negInf), {
      file: meta.source,
    });
  }
  return {
    columns: out,
    meta: {
      name: meta.name,
      source: meta.source,
      format: meta.format,
      ...(meta.tag !== undefined ? { tag: meta.tag } : {}),
      ...(meta.lossColumn !== undefined ? { lossColumn: meta.lossColumn } : {}),
      ...(meta.stepCounts === true ? { stepCounts: true } : {}),
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
 * The consumers' rule (docs/ingest.md): a curve whose losses are all NaN / ±Inf carries no information and is
 * rejected, with a ParseError naming its source, before replay, sweep or simulate run on it.
 *
 * @example
 * requireFiniteLoss(curve); // throws for a curve of NaN losses
 */
export function requireFiniteLoss(curve: Curve): void {
  const loss = curve.columns.loss;
  for (let i = 0; i < loss.length; i++) if (Number.isFinite(loss[i] as number)) return;
  throw new ParseError(M.noFiniteLoss(curve.meta.name, loss.length), { file: curve.meta.source }, "a finite loss");
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
 * Median gap between consecutive steps (lower middle value for an even count; 1 with fewer than 2 points),
 * in O(n): a constant stride (the usual log) is one pass; otherwise the gaps are counted in a table when they
 * take few distinct values, else the middle one is selected in place (quickselect on a copy).
 *
 * @example
 * medianGap(new Float64Array([0, 10, 20, 50])) // 10
 */
export function medianGap(step: Float64Array): number {
  const n = step.length;
  if (n < 2) return 1;
  const first = (step[1] as number) - (step[0] as number);
  let i = 2;
  while (i < n && (step[i] as number) - (step[i - 1] as number) === first) i++;
  if (i === n) return first;
  const k = (n - 2) >> 1; // index of the lower middle of the n - 1 sorted gaps
  const counts = new Map<number, number>();
  for (let j = 1; j < n && counts.size <= 64; j++) {
    const g = (step[j] as number) - (step[j - 1] as number);
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  if (counts.size <= 64) {
    let seen = 0;
    for (const g of [...counts.keys()].sort((a, b) => a - b)) {
      seen += counts.get(g) as number;
      if (seen > k) return g;
    }
  }
  const gaps = new Float64Array(n - 1);
  for (let j = 1; j < n; j++) gaps[j - 1] = (step[j] as number) - (step[j - 1] as number);
  return selectKth(gaps, k);
}

/**
 * The k-th smallest value (0-based) of `a`, reordering `a` (Hoare's quickselect with a median-of-three pivot;
 * expected O(n)). NaN-free input.
 *
 * @example
 * selectKth(new Float64Array([5, 1, 4, 2, 3]), 1) // 2
 */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
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
