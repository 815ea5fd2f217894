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
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { cellBad, cellNumber, PointAccumulator } from "./points.ts";
import { lineTooLong, MAX_LINE_BYTES } from "./reader.ts";
import { LineSplitter, scanEnd, scanNumber } from "./text.ts";

/**
 * Split one CSV / TSV line into cells (RFC 4180 quotes within a line). Used for header lines; data rows are
 * scanned in place by `DelimitedParser`.
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
  /** Longest record accepted, in characters (default `MAX_LINE_BYTES`). */
  maxLineBytes?: number | undefined;
}

/** What a data cell held. */
const EMPTY = 0;
const NUMBER = 1;
const TEXT = 2;
/** `record()`'s answer when the text ends inside the record (wait for more input). */
const INCOMPLETE = -1;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Incremental CSV / TSV parser. The delimiter is a tab when the header has one and no comma, else a comma
 * (`format: "tsv"` forces tabs).
 *
 * Data rows are scanned in place: numbers are read straight from the text (no string per cell, no split per
 * line); only the step, loss, lr, epoch and wall-time columns are read, every other cell is skipped. Quoted
 * fields follow RFC 4180 (a quote opens a field only at its start, `""` is a quote, delimiters and line breaks
 * inside quotes are data; spaces before the opening quote are allowed), so a record may span lines; `push`
 * may cut the text anywhere.
 *
 * @example
 * const p = new DelimitedParser("metrics.csv", "csv");
 * p.push("step,loss\n1,2.5\n2,2.4\n");
 * p.finish().columns.loss // Float64Array [2.5, 2.4]
 */
export class DelimitedParser {
  private readonly acc = new PointAccumulator();
  private header: string[] | undefined;
  private choice: ColumnChoice | undefined;
  private delim = ",";
  private delimCode = 44;
  /** Text after the last complete record. */
  private rest = "";
  private lineNo = 0;
  /** Per column: read it (1) or skip it (0); the value and kind of each read cell of the current record. */
  private wanted = new Uint8Array(0);
  private vals = new Float64Array(0);
  private kinds = new Uint8Array(0);
  /** Columns of lr, epoch, wall time (-1: none). */
  private optRoles = new Int32Array([-1, -1, -1]);
  private readonly maxLine: number;

  constructor(
    private readonly source: string,
    private format: "csv" | "tsv",
    private readonly opts: TableOptions = {},
  ) {
    this.maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** Lines consumed so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Points read so far. */
  get points(): number {
    return this.acc.points;
  }

  /** Expect about `n` points in all (a streaming caller's estimate from the file size). */
  reserve(n: number): void {
    this.acc.reserve(n);
  }

  push(chunk: string): void {
    const text = this.rest.length > 0 ? this.rest + chunk : chunk;
    this.rest = "";
    const done = this.scan(text, false);
    if (done < text.length) {
      this.rest = done === 0 ? text : text.slice(done);
      if (this.rest.length > this.maxLine) throw lineTooLong(this.source, this.lineNo + 1, this.maxLine);
    }
  }

  /** Parse complete records of `t`; returns where the unfinished rest starts. */
  private scan(t: string, final: boolean): number {
    let i = 0;
    const n = t.length;
    while (i < n) {
      if (this.header === undefined) {
        let eol = t.indexOf("\n", i);
        if (eol < 0) {
          if (!final) return i;
          eol = n;
        }
        this.lineNo++;
        const headerless = this.headerLine(t.slice(i, eol > i && t.charCodeAt(eol - 1) === CR ? eol - 1 : eol));
        // a headerless table's first line is its first row: read it again as a record
        if (headerless) this.lineNo--;
        else i = eol + 1;
        continue;
      }
      const next = this.record(t, i, final);
      if (next === INCOMPLETE) return i;
      i = next;
    }
    return n;
  }

  /** Read the header line; true when the line is already data (a headerless table, columns by position). */
  private headerLine(line: string): boolean {
    const clean = line.replace(/^\uFEFF/, "");
    if (clean.trim().length === 0) return false;
    if (this.format === "tsv" || (clean.includes("\t") && !clean.includes(","))) {
      this.delim = "\t";
      this.delimCode = 9;
      this.format = "tsv";
    }
    const cells = splitDelimited(clean, this.delim).map((h) => h.trim());
    const headerless = isNumericRow(cells);
    const where = { file: this.source, line: this.lineNo };
    if (headerless && (columnIndex(this.opts.stepCol) === undefined || columnIndex(this.opts.lossCol) === undefined)) {
      throw new ParseError(M.headerless(cells.length), where, "a header line");
    }
    const header = headerless ? cells.map((_, i) => String(i)) : cells;
    const choice = discoverColumns(header, this.opts);
    if (choice.loss === undefined) throw new ParseError(M.noColumn("loss", header), where, "a loss column");
    if (choice.step === undefined) throw new ParseError(M.noColumn("step", header), where, "a step column");
    this.header = header;
    this.choice = choice;
    this.wanted = new Uint8Array(header.length);
    for (const k of [choice.step, choice.loss, choice.lr, choice.epoch, choice.wallTime])
      if (k !== undefined) this.wanted[k] = 1;
    this.vals = new Float64Array(header.length);
    this.kinds = new Uint8Array(header.length);
    this.optRoles = Int32Array.from([choice.lr ?? -1, choice.epoch ?? -1, choice.wallTime ?? -1]);
    return headerless;
  }

  /**
   * Read one record starting at `i`: returns the index after its line break, or INCOMPLETE when the text ends
   * inside it (and more may follow).
   */
  private record(t: string, i: number, final: boolean): number {
    const n = t.length;
    const d = this.delimCode;
    const wanted = this.wanted;
    const kinds = this.kinds;
    const vals = this.vals;
    const ncols = wanted.length;
    const start = i;
    let lines = 1;
    let col = 0;
    let c = 0;
    for (;;) {
      c = t.charCodeAt(i);
      if (c === 32 || (c === 9 && d !== 9)) {
        i = skipSpaces(t, i, d);
        c = t.charCodeAt(i);
      }
      const read = col < ncols && wanted[col] === 1;
      if (c === QUOTE) {
        // quoted field: find the closing quote (`""` is an escaped quote)
        let j = i + 1;
        let q: number;
        for (;;) {
          q = t.indexOf('"', j);
          if (q < 0 || (q + 1 === n && !final)) {
            if (!final) return INCOMPLETE;
            throw new ParseError(M.unclosedQuote, { file: this.source, line: this.lineNo + 1 }, "a closing quote");
          }
          if (t.charCodeAt(q + 1) !== QUOTE) break;
          j = q + 2;
        }
        for (let k = t.indexOf("\n", i + 1); k >= 0 && k < q; k = t.indexOf("\n", k + 1)) lines++;
        if (read) {
          const v = cellNumber(t.slice(i + 1, q).replaceAll('""', '"'));
          kinds[col] = v === undefined ? EMPTY : cellBad ? TEXT : NUMBER;
          vals[col] = v ?? 0;
        }
        i = skipSpaces(t, q + 1, d);
        c = t.charCodeAt(i);
        if (i < n && c !== d && c !== LF && c !== CR) {
          if (read) kinds[col] = TEXT;
          i = skipCell(t, i, d);
          c = t.charCodeAt(i);
        }
      } else if (read) {
        if (i >= n || c === d || c === LF || c === CR) kinds[col] = EMPTY;
        else {
          const v = scanNumber(t, i, n);
          let e = scanEnd;
          if (e === i) {
            kinds[col] = TEXT;
            i = skipCell(t, i, d);
          } else {
            c = t.charCodeAt(e);
            if (c === 32 || (c === 9 && d !== 9)) {
              e = skipSpaces(t, e, d);
              c = t.charCodeAt(e);
            }
            if (e < n && c !== d && c !== LF && c !== CR) {
              kinds[col] = TEXT;
              i = skipCell(t, e, d);
            } else {
              kinds[col] = NUMBER;
              vals[col] = v;
              i = e;
            }
          }
          c = t.charCodeAt(i);
        }
      } else {
        i = skipCell(t, i, d);
        c = t.charCodeAt(i);
      }
      if (c === d && i < n) {
        col++;
        i++;
        continue;
      }
      break;
    }
    // at a line break or the end of the text
    let next: number;
    if (i >= n) {
      if (!final) return INCOMPLETE;
      next = n;
    } else if (t.charCodeAt(i) === CR) {
      if (i + 1 >= n && !final) return INCOMPLETE;
      next = t.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
    } else next = i + 1;
    const lineNo = this.lineNo + 1;
    this.lineNo += lines;
    if (col === 0 && isBlank(t, start, i)) return next;
    if (col + 1 !== ncols) {
      this.acc.bad(lineNo);
      return next;
    }
    this.emit(lineNo);
    return next;
  }

  private emit(lineNo: number): void {
    const c = this.choice as ColumnChoice;
    const kinds = this.kinds;
    const vals = this.vals;
    const s = c.step as number;
    const l = c.loss as number;
    const ks = kinds[s];
    const kl = kinds[l];
    if (ks === TEXT || kl === TEXT || (ks === NUMBER && !Number.isFinite(vals[s] as number))) {
      this.acc.bad(lineNo);
      return;
    }
    // fill the accumulator's row in place (no closures here: tsx wraps each one it creates in a naming helper)
    const cell = this.acc.cell;
    const has = this.acc.has;
    has[0] = ks === NUMBER ? 1 : 0;
    cell[0] = vals[s] as number;
    has[1] = kl === NUMBER ? 1 : 0;
    cell[1] = vals[l] as number;
    const roles = this.optRoles;
    for (let r = 0; r < 3; r++) {
      const k = roles[r] as number;
      const ok = k >= 0 && kinds[k] === NUMBER;
      has[r + 2] = ok ? 1 : 0;
      if (ok) cell[r + 2] = vals[k] as number;
    }
    this.acc.commit();
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    if (this.rest.length > 0) {
      const t = this.rest;
      this.rest = "";
      this.scan(t, true);
    }
    const where = { file: this.source };
    if (this.header === undefined) throw new ParseError(M.noPoints, where, "a header line naming the columns");
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

/** Skip spaces (and tabs unless the tab is the delimiter). */
function skipSpaces(t: string, i: number, d: number): number {
  let c = t.charCodeAt(i);
  while (c === 32 || (c === 9 && d !== 9)) c = t.charCodeAt(++i);
  return i;
}

/** The end of an unquoted cell: the next delimiter or line break (or the end of the text). */
function skipCell(t: string, i: number, d: number): number {
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === d || c === LF || c === CR) return i;
    i++;
  }
  return n;
}

function isBlank(t: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** True when every cell of a first line is a number: a table without a header line. */
function isNumericRow(cells: readonly string[]): boolean {
  if (cells.length < 2) return false;
  for (const cell of cells) {
    if (cellNumber(cell) === undefined || cellBad) return false;
  }
  return true;
}

/** Make Python's `json.dumps` output (bare NaN / Infinity) parseable by JSON.parse. */
export function parsePythonJson(raw: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw; // a UTF-8 byte order mark
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

  /** Lines consumed so far. */
  get lines(): number {
    return this.splitter.lines;
  }

  /** Points read so far. */
  get points(): number {
    return this.acc.points;
  }

  /** Expect about `n` points in all. */
  reserve(n: number): void {
    this.acc.reserve(n);
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
