/**
 * Tables: CSV / TSV with a header line and JSON Lines, parsed incrementally (push chunks, then finish).
 *
 * Columns are found by name (step / global_step / iteration, loss / train_loss, lr / learning_rate, epoch,
 * wall_time; see `COLUMN_NAMES`) unless `--step-col / --loss-col / --lr-col` name them. Lightning's
 * `metrics.csv` (rows with empty cells, lr on its own rows) and Keras `CSVLogger` (`epoch` as the step, loss
 * averaged over the epoch) are handled. Rows whose step or loss cell is not a number are skipped and counted.
 */

import {
  type ColumnChoice,
  type ColumnOverrides,
  columnIndex,
  discoverColumns,
  lossColumnMeta,
  tableAggregation,
} from "../curve/columns.ts";
import type { Curve, FormatName } from "../curve/curve.ts";
import { ParseError, Warnings } from "../errors.ts";
import { msg } from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { cellBad, cellNumber, PointAccumulator } from "./points.ts";
import { LineSplitter } from "./text.ts";

/**
 * Split one CSV / TSV line into cells (RFC 4180 quotes within a line; quoted newlines are not supported).
 *
 * @example
 * splitDelimited('a,"b,c",d', ",") // ["a", "b,c", "d"]
 */
export function splitDelimited(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delim) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface TableOptions extends ColumnOverrides {
  name?: string;
  warnings?: Warnings;
}

/**
 * Incremental CSV / TSV parser. The delimiter is a tab when the header has one and no comma, else a comma
 * (`format: "tsv"` forces tabs).
 *
 * @example
 * const p = new DelimitedParser("metrics.csv", "csv");
 * p.push("step,loss\n1,2.5\n2,2.4\n");
 * p.finish().columns.loss // Float64Array [2.5, 2.4]
 */
export class DelimitedParser {
  private readonly acc = new PointAccumulator();
  private readonly splitter: LineSplitter;
  private header: string[] | undefined;
  private choice: ColumnChoice | undefined;
  private delim = ",";

  constructor(
    private readonly source: string,
    private format: "csv" | "tsv",
    private readonly opts: TableOptions = {},
  ) {
    this.splitter = new LineSplitter((t, a, b, n) => this.line(t.slice(a, b), n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private line(line: string, lineNo: number): void {
    if (this.header === undefined) {
      const clean = line.replace(/^\uFEFF/, "");
      if (clean.trim().length === 0) return;
      if (this.format === "tsv" || (clean.includes("\t") && !clean.includes(","))) {
        this.delim = "\t";
        this.format = "tsv";
      }
      const cells = splitDelimited(clean, this.delim).map((h) => h.trim());
      const headerless = isNumericRow(cells);
      if (
        headerless &&
        (columnIndex(this.opts.stepCol) === undefined || columnIndex(this.opts.lossCol) === undefined)
      ) {
        throw new ParseError(msg.headerless(cells.length), { file: this.source, line: lineNo }, "a header line");
      }
      this.header = headerless ? cells.map((_, i) => String(i)) : cells;
      const choice = discoverColumns(this.header, this.opts);
      if (choice.loss === undefined) {
        throw new ParseError(msg.noColumn("loss", this.header), { file: this.source, line: lineNo }, "a loss column");
      }
      if (choice.step === undefined) {
        throw new ParseError(msg.noColumn("step", this.header), { file: this.source, line: lineNo }, "a step column");
      }
      this.choice = choice;
      if (!headerless) return;
    }
    if (line.trim().length === 0) return;
    const cells = splitDelimited(line, this.delim);
    const c = this.choice as ColumnChoice;
    if (cells.length !== this.header.length) {
      this.acc.bad(lineNo);
      return;
    }
    const step = cellNumber(cells[c.step as number]);
    if (cellBad || (step !== undefined && !Number.isFinite(step))) {
      this.acc.bad(lineNo);
      return;
    }
    const loss = cellNumber(cells[c.loss as number]);
    if (cellBad) {
      this.acc.bad(lineNo);
      return;
    }
    this.acc.row(step, loss, optionalCell(cells, c.lr), optionalCell(cells, c.epoch), optionalCell(cells, c.wallTime));
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    this.splitter.end();
    const where = { file: this.source };
    if (this.header === undefined) throw new ParseError(msg.noPoints, where, "a header line naming the columns");
    const c = this.choice as ColumnChoice;
    const lossName = this.header[c.loss as number] as string;
    return this.acc.finish(
      {
        name: this.opts.name ?? runName(this.source),
        source: this.source,
        format: this.format,
        tag: lossName,
        lossColumn: lossColumnMeta(lossName, c),
        aggregation: tableAggregation(lossName),
        config: c.epochAsStep ? { step_column: "epoch" } : {},
      },
      warnings,
      "rows with a numeric step and loss",
    );
  }
}

/** True when every cell of a first line is a number: a table without a header line. */
function isNumericRow(cells: readonly string[]): boolean {
  if (cells.length < 2) return false;
  for (const cell of cells) {
    if (cellNumber(cell) === undefined || cellBad) return false;
  }
  return true;
}

/** An optional column's cell: a number, or undefined when empty, absent or not numeric. */
function optionalCell(cells: readonly string[], i: number | undefined): number | undefined {
  if (i === undefined) return undefined;
  const v = cellNumber(cells[i]);
  return cellBad ? undefined : v;
}

/** Make Python's `json.dumps` output (bare NaN / Infinity) parseable by JSON.parse. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const fixed = text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"');
    if (fixed === text) throw first;
    return JSON.parse(fixed);
  }
}

/**
 * One line of a JSON-lines file as an object, or null when it is not valid JSON or not an object.
 *
 * @example
 * parseJsonObject('{"step": 1, "loss": NaN}') // { step: 1, loss: "NaN" }
 * parseJsonObject("[1, 2]")                    // null
 */
export function parseJsonObject(line: string): Record<string, unknown> | null {
  let obj: unknown;
  try {
    obj = parsePythonJson(line);
  } catch {
    return null;
  }
  return typeof obj === "object" && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>) : null;
}

/**
 * Incremental JSON Lines parser: one object per line; keys found like table columns (per distinct key set).
 *
 * @example
 * const p = new JsonlParser("log.jsonl");
 * p.push('{"step": 1, "loss": 2.5}\n{"step": 2, "loss": NaN}\n');
 * p.finish().meta.nonFinite.nan // 1
 */
export class JsonlParser {
  private readonly acc = new PointAccumulator();
  private readonly splitter: LineSplitter;
  private readonly choices = new Map<string, ColumnChoice & { keys: string[] }>();
  private lossName: string | undefined;
  private lossChoice: ColumnChoice | undefined;

  constructor(
    private readonly source: string,
    private readonly opts: TableOptions = {},
  ) {
    this.splitter = new LineSplitter((t, a, b, n) => this.line(t.slice(a, b), n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private line(line: string, lineNo: number): void {
    if (line.trim().length === 0) return;
    const rec = parseJsonObject(line);
    if (rec === null) {
      this.acc.bad(lineNo);
      return;
    }
    const keys = Object.keys(rec);
    const sig = keys.join("\u0000");
    let c = this.choices.get(sig);
    if (c === undefined) {
      c = { ...discoverColumns(keys, this.opts, false), keys };
      this.choices.set(sig, c);
    }
    const cell = (i: number | undefined): number | undefined => {
      if (i === undefined) return undefined;
      const v = rec[c.keys[i] as string];
      if (typeof v !== "number" && typeof v !== "string") return undefined;
      const n = cellNumber(v);
      return cellBad ? undefined : n;
    };
    let loss: number | undefined;
    if (c.loss !== undefined) {
      const v = rec[c.keys[c.loss] as string];
      loss = typeof v === "number" || typeof v === "string" ? cellNumber(v) : undefined;
      if (cellBad) {
        this.acc.bad(lineNo);
        return;
      }
      if (loss !== undefined && this.lossName === undefined) {
        this.lossName = c.keys[c.loss];
        this.lossChoice = c;
      }
    }
    const step = cell(c.step);
    if (loss !== undefined && (step === undefined || !Number.isFinite(step))) {
      this.acc.bad(lineNo);
      return;
    }
    this.acc.row(step, loss, cell(c.lr), cell(c.epoch), cell(c.wallTime));
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    this.splitter.end();
    return this.acc.finish(
      {
        name: this.opts.name ?? runName(this.source),
        source: this.source,
        format: "jsonl",
        ...(this.lossName !== undefined
          ? { tag: this.lossName, lossColumn: lossColumnMeta(this.lossName, this.lossChoice as ColumnChoice) }
          : {}),
        aggregation: this.lossName !== undefined ? tableAggregation(this.lossName) : "unknown",
      },
      warnings,
      "JSON objects with a step and a loss key",
    );
  }
}

/**
 * Parse a whole CSV / TSV / JSONL text held in memory.
 *
 * @example
 * parseTable("step,loss\n0,1.5\n", "m.csv", "csv").columns.step // Float64Array [0]
 */
export function parseTable(text: string, source: string, format: FormatName, opts: TableOptions = {}): Curve {
  if (format === "jsonl") {
    const p = new JsonlParser(source, opts);
    p.push(text);
    return p.finish();
  }
  const p = new DelimitedParser(source, format === "tsv" ? "tsv" : "csv", opts);
  p.push(text);
  return p.finish();
}
