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
import { msg, W } from "../messages/ingest.ts";
import { asOfJoin } from "./tfevents.ts";

const OPT = ["lr", "epoch", "wallTime"] as const;
type Opt = (typeof OPT)[number];

/**
 * Collects points row by row. Pass `undefined` for a cell that is empty or absent; NaN for a cell that
 * says `nan`.
 *
 * @example
 * const acc = new PointAccumulator();
 * acc.row(10, 2.5, 0.1, undefined, undefined);
 * const curve = acc.finish({ name: "run", source: "m.csv", format: "csv" }, warnings);
 */
export class PointAccumulator {
  private readonly step = new Growable();
  private readonly loss = new Growable();
  /** Optional columns in OPT order: values on loss rows, and (step, value) on any row for the join. */
  private readonly opt = [new Growable(), new Growable(), new Growable()];
  private readonly sideStep = [new Growable(), new Growable(), new Growable()];
  private readonly sideValue = [new Growable(), new Growable(), new Growable()];
  /** Per optional column: missing on some loss row / seen on any row. */
  private readonly missing = new Uint8Array(3);
  private readonly seen = new Uint8Array(3);
  private malformed = 0;
  private readonly malformedAt: number[] = [];

  get points(): number {
    return this.step.length;
  }

  private side(k: number, step: number | undefined, v: number | undefined): void {
    if (v === undefined) return;
    this.seen[k] = 1;
    if (step !== undefined) {
      (this.sideStep[k] as Growable).push(step);
      (this.sideValue[k] as Growable).push(v);
    }
  }

  private onLossRow(k: number, v: number | undefined): void {
    if (v === undefined) this.missing[k] = 1;
    (this.opt[k] as Growable).push(v ?? Number.NaN);
  }

  row(
    step: number | undefined,
    loss: number | undefined,
    lr: number | undefined,
    epoch: number | undefined,
    wallTime: number | undefined,
  ): void {
    this.side(0, step, lr);
    this.side(1, step, epoch);
    this.side(2, step, wallTime);
    if (loss === undefined) return;
    this.step.push(step ?? Number.NaN);
    this.loss.push(loss);
    this.onLossRow(0, lr);
    this.onLossRow(1, epoch);
    this.onLossRow(2, wallTime);
  }

  /** Count a line that could not be read. */
  bad(lineNo: number): void {
    this.malformed++;
    if (this.malformedAt.length < 5) this.malformedAt.push(lineNo);
  }

  finish(meta: MetaInput, warnings: Warnings, expected: string): Curve {
    const where = { file: meta.source };
    if (this.malformed > 0) warnings.add(W.malformedLines, msg.malformedLines(this.malformed, this.malformedAt), where);
    if (this.step.length === 0) throw new ParseError(msg.noPoints, where, expected);
    const step = this.step.take();
    const cols: Partial<Record<Opt, Float64Array>> = {};
    OPT.forEach((name, k) => {
      if (this.seen[k] !== 1) return;
      cols[name] =
        this.missing[k] === 1
          ? asOfJoin(step, (this.sideStep[k] as Growable).take(), (this.sideValue[k] as Growable).take())
          : (this.opt[k] as Growable).take();
    });
    const wall = cols.wallTime;
    if (wall !== undefined && !looksLikeClock(wall)) {
      // a `time` column of seconds per iteration (detectron2, mmengine) is not a clock
      delete cols.wallTime;
      warnings.add(W.notWallTime, msg.notWallTime(wall.find(Number.isFinite) ?? Number.NaN), where);
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
