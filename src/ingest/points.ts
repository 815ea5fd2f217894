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
  private readonly opt: Record<Opt, Growable> = { lr: new Growable(), epoch: new Growable(), wallTime: new Growable() };
  /** Per optional column: present on every loss row? seen at all? */
  private readonly missing: Record<Opt, boolean> = { lr: false, epoch: false, wallTime: false };
  private readonly seen: Record<Opt, boolean> = { lr: false, epoch: false, wallTime: false };
  /** Values of optional columns on any row (for the join), with their steps. */
  private readonly side: Record<Opt, { step: Growable; value: Growable }> = {
    lr: { step: new Growable(), value: new Growable() },
    epoch: { step: new Growable(), value: new Growable() },
    wallTime: { step: new Growable(), value: new Growable() },
  };
  private malformed = 0;
  private readonly malformedAt: number[] = [];

  get points(): number {
    return this.step.length;
  }

  row(
    step: number | undefined,
    loss: number | undefined,
    lr: number | undefined,
    epoch: number | undefined,
    wallTime: number | undefined,
  ): void {
    const vals: Record<Opt, number | undefined> = { lr, epoch, wallTime };
    for (const k of OPT) {
      const v = vals[k];
      if (v !== undefined) {
        this.seen[k] = true;
        if (step !== undefined) {
          this.side[k].step.push(step);
          this.side[k].value.push(v);
        }
      }
    }
    if (loss === undefined) return;
    this.step.push(step ?? Number.NaN);
    this.loss.push(loss);
    for (const k of OPT) {
      const v = vals[k];
      if (v === undefined) this.missing[k] = true;
      this.opt[k].push(v ?? Number.NaN);
    }
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
    const step = this.step.view();
    const cols: Partial<Record<Opt, Float64Array>> = {};
    for (const k of OPT) {
      if (!this.seen[k]) continue;
      cols[k] = this.missing[k]
        ? asOfJoin(step, this.side[k].step.view(), this.side[k].value.view())
        : this.opt[k].view();
    }
    return makeCurve({ step, loss: this.loss.view(), ...cols }, meta, warnings);
  }
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
  const s = cell.trim();
  if (s.length === 0) return undefined;
  const v = Number(s);
  if (!Number.isNaN(v)) return v;
  const l = s.toLowerCase();
  if (l === "nan" || l === "-nan") return Number.NaN;
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Number.POSITIVE_INFINITY;
  if (l === "-inf" || l === "-infinity") return Number.NEGATIVE_INFINITY;
  cellBad = true;
  return Number.NaN;
}

/** Set by `cellNumber` when the cell held text that is not a number. */
export let cellBad = false;
