/**
 * Row accumulator shared by the table-like parsers (CSV / TSV / JSONL / MLflow / trainer_state): rows carry
 * optional step, loss, lr, epoch and wall-time values; rows with a loss become points, and lr / epoch /
 * wall time logged on other rows (Lightning's interleaved metrics.csv) are joined by step (last value at
 * or before each step).
 */

import { type MetaInput, makeCurve } from "../curve/clean.ts";
import { Growable } from "../curve/columns.ts";
import type { Curve } from "../curve/curve.ts";
import { ParseError, type Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { asOfJoin } from "./tfevents.ts";

/**
 * Collects points row by row. Pass `undefined` for a cell that is empty or absent; NaN for a cell that
 * says `nan`. An optional column costs nothing until a row has it; values on rows without a loss (Lightning's
 * lr rows) are kept aside with their position and joined by step at the end.
 *
 * @example
 * const acc = new PointAccumulator();
 * acc.row(10, 2.5, 0.1, undefined, undefined);
 * const curve = acc.finish({ name: "run", source: "m.csv", format: "csv" }, warnings);
 */
export class PointAccumulator {
  private readonly step = new Growable();
  private readonly loss = new Growable();
  /** lr, epoch, wall time on loss rows (NaN where a row lacks it); created when first present. */
  private readonly opt: Array<Growable | undefined> = [undefined, undefined, undefined];
  /** Per optional column: some loss row lacks it (so the column is joined by step). */
  private readonly missing = new Uint8Array(3);
  /** Per optional column, values on rows without a loss: loss rows before it, step, value. */
  private readonly side: Array<{ at: Growable; step: Growable; value: Growable } | undefined> = [
    undefined,
    undefined,
    undefined,
  ];
  /** Per optional column: seen on a row without a step (the column exists but cannot be joined there). */
  private readonly seenBare = new Uint8Array(3);
  private reserved = 0;
  private malformed = 0;
  private readonly malformedAt: number[] = [];

  get points(): number {
    return this.step.length;
  }

  /** Expect about `n` points in all (a streaming caller's estimate from the file size). */
  reserve(n: number): void {
    this.reserved = n;
    for (const g of [this.step, this.loss, ...this.opt]) g?.reserve(n);
  }

  /** The row being built for `commit()`: values of step, loss, lr, epoch, wall time, and which are present. */
  readonly cell = new Float64Array(5);
  readonly has = new Uint8Array(5);

  row(
    step: number | undefined,
    loss: number | undefined,
    lr: number | undefined,
    epoch: number | undefined,
    wallTime: number | undefined,
  ): void {
    const cell = this.cell;
    const has = this.has;
    has[0] = step === undefined ? 0 : 1;
    cell[0] = step ?? 0;
    has[1] = loss === undefined ? 0 : 1;
    cell[1] = loss ?? 0;
    has[2] = lr === undefined ? 0 : 1;
    cell[2] = lr ?? 0;
    has[3] = epoch === undefined ? 0 : 1;
    cell[3] = epoch ?? 0;
    has[4] = wallTime === undefined ? 0 : 1;
    cell[4] = wallTime ?? 0;
    this.commit();
  }

  /**
   * Add the row held in `cell` / `has` (a hot loop fills them in place: no number crosses a call boxed).
   * @example acc.cell[0] = 10; acc.has[0] = 1; acc.cell[1] = 2.5; acc.has[1] = 1; acc.has.fill(0, 2); acc.commit();
   */
  commit(): void {
    const cell = this.cell;
    const has = this.has;
    if (has[1] !== 1) {
      for (let i = 0; i < 3; i++)
        if (has[i + 2] === 1) this.aside(i, has[0] === 1 ? cell[0] : undefined, cell[i + 2] as number);
      return;
    }
    const k = this.step.length;
    this.step.push(has[0] === 1 ? (cell[0] as number) : Number.NaN);
    this.loss.push(cell[1] as number);
    for (let i = 0; i < 3; i++) {
      const g = this.opt[i];
      if (has[i + 2] === 1 && g !== undefined) g.push(cell[i + 2] as number);
      else if (has[i + 2] === 1 || g !== undefined) this.put(i, has[i + 2] === 1 ? cell[i + 2] : undefined, k);
    }
  }

  private put(i: number, v: number | undefined, k: number): void {
    let g = this.opt[i];
    if (v === undefined) {
      if (g !== undefined) {
        g.push(Number.NaN);
        this.missing[i] = 1;
      }
      return;
    }
    if (g === undefined) {
      g = new Growable();
      g.reserve(this.reserved);
      g.fill(Number.NaN, k);
      if (k > 0) this.missing[i] = 1;
      this.opt[i] = g;
    }
    g.push(v);
  }

  private aside(i: number, step: number | undefined, v: number): void {
    if (step === undefined) {
      this.seenBare[i] = 1;
      return;
    }
    let s = this.side[i];
    if (s === undefined) {
      s = { at: new Growable(), step: new Growable(), value: new Growable() };
      this.side[i] = s;
    }
    s.at.push(this.step.length);
    s.step.push(step);
    s.value.push(v);
  }

  /** Count a line that could not be read. */
  bad(lineNo: number): void {
    this.malformed++;
    if (this.malformedAt.length < 5) this.malformedAt.push(lineNo);
  }

  finish(meta: MetaInput, warnings: Warnings, expected: string): Curve {
    const where = { file: meta.source };
    if (this.malformed > 0)
      warnings.add(M.W_MALFORMED_LINES, M.malformedLines(this.malformed, this.malformedAt), where);
    if (this.step.length === 0) throw new ParseError(M.noPoints, where, expected);
    const n = this.step.length;
    const step = this.step.take();
    const cols: { lr?: Float64Array; epoch?: Float64Array; wallTime?: Float64Array } = {};
    const names = ["lr", "epoch", "wallTime"] as const;
    for (let i = 0; i < 3; i++) {
      const g = this.opt[i];
      const s = this.side[i];
      if (g === undefined && s === undefined && this.seenBare[i] !== 1) continue;
      const own = g?.take() ?? new Float64Array(n).fill(Number.NaN);
      cols[names[i] as (typeof names)[number]] =
        g !== undefined && this.missing[i] !== 1 ? own : joinByStep(step, own, s);
    }
    const wall = cols.wallTime;
    if (wall !== undefined && !looksLikeClock(wall)) {
      // a `time` column of seconds per iteration (detectron2, mmengine) is not a clock
      delete cols.wallTime;
      warnings.add(M.W_NOT_WALL_TIME, M.notWallTime(wall.find(Number.isFinite) ?? Number.NaN), where);
    }
    return makeCurve({ step, loss: this.loss.take(), ...cols }, meta, warnings);
  }
}

/** Seconds since the Unix epoch look like ≥ 1e8 (after March 1973); durations per step are far smaller. */
function looksLikeClock(col: Float64Array): boolean {
  const first = col.find(Number.isFinite);
  return first === undefined || first >= 1e8;
}

/**
 * An optional column joined by step: the last value at or before each loss row's step, over the values on
 * loss rows and on the rows without a loss, in input order.
 */
function joinByStep(
  step: Float64Array,
  own: Float64Array,
  side: { at: Growable; step: Growable; value: Growable } | undefined,
): Float64Array {
  const at = side?.at.take() ?? new Float64Array(0);
  const sStep = side?.step.take() ?? new Float64Array(0);
  const sValue = side?.value.take() ?? new Float64Array(0);
  const srcStep = new Growable();
  const srcValue = new Growable();
  let j = 0;
  for (let k = 0; k <= step.length; k++) {
    while (j < at.length && (at[j] as number) <= k) {
      srcStep.push(sStep[j] as number);
      srcValue.push(sValue[j] as number);
      j++;
    }
    if (k < step.length && !Number.isNaN(own[k] as number) && !Number.isNaN(step[k] as number)) {
      srcStep.push(step[k] as number);
      srcValue.push(own[k] as number);
    }
  }
  return asOfJoin(step, srcStep.take(), srcValue.take());
}

/**
 * A table cell as a number: `undefined` for an empty cell, NaN / ±Infinity for `nan`, `inf`, `-inf`,
 * `Infinity`; NaN with `cellBad = true` for text that is not a number.
 *
 * @example
 * cellNumber(" 0.5 ") // 0.5
 * cellNumber("")      // undefined
 */
export function cellNumber(cell: string | number | boolean | null | undefined): number | undefined {
  cellBad = false;
  if (cell === undefined || cell === null) return undefined;
  if (typeof cell === "number") return cell;
  if (typeof cell === "boolean") {
    cellBad = true;
    return Number.NaN;
  }
  if (cell.length === 0) return undefined;
  const v = Number(cell); // tolerates surrounding whitespace; "" and "  " give 0
  if (!Number.isNaN(v)) return v === 0 && cell.trim().length === 0 ? undefined : v;
  const l = cell.trim().toLowerCase();
  if (l.length === 0) return undefined;
  if (l === "nan" || l === "-nan") return Number.NaN;
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Number.POSITIVE_INFINITY;
  if (l === "-inf" || l === "-infinity") return Number.NEGATIVE_INFINITY;
  cellBad = true;
  return Number.NaN;
}

/** Set by `cellNumber` when the cell held text that is not a number. */
export let cellBad = false;
