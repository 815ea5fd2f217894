/**
 * insightface / arcface_torch / FastFace `training.log` parser (incremental: feed chunks, then `finish`).
 *
 * Metric lines: `Training: <asctime>-Speed %.2f samples/sec   Loss %.4f   [LearningRate %.6f]   Epoch: %d
 * Global Step: %d   [Fp16 Grad Scale: %2.f]   Required: %1.f hours` (LearningRate absent in 2021 logs).
 * Header lines `: key   value` and `Total Step is: N` fill `meta.config`; `[lfw][6666]Accuracy-Flip: 0.998+-0.002`
 * lines and IJB tables fill `meta.evaluations`. `Loss` is the mean of the last `frequent` steps, so
 * `aggregation` is `"mean-of-interval"`. Metric-looking lines that cannot be read are skipped and counted.
 */

import { makeCurve } from "../curve/clean.ts";
import { Growable } from "../curve/columns.ts";
import type { Curve, Evaluation } from "../curve/curve.ts";
import { ParseError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { LineSplitter, NextIndex, scanEnd, scanNumber } from "./text.ts";

const PREFIX = "Training: ";
/** `Training: 2023-12-28 00:21:37,121-` is 34 characters. */
const PREFIX_LEN = 34;

/**
 * Incremental parser: `push` chunks of text in order, then `finish()` returns the curve.
 *
 * @example
 * const p = new ArcfaceLogParser("run/training.log");
 * p.push(text.slice(0, 1000)); p.push(text.slice(1000));
 * const curve = p.finish();
 */
export class ArcfaceLogParser {
  private readonly step = new Growable();
  private readonly loss = new Growable();
  /** lr, epoch, wall time: created when a line first has the field (absent columns cost nothing). */
  private readonly opt: Array<Growable | undefined> = [undefined, undefined, undefined];
  private reserved = 0;
  private readonly find = {
    loss: new NextIndex("Loss "),
    step: new NextIndex("Global Step: "),
    anyStep: new NextIndex("Global Step:"),
    lr: new NextIndex("LearningRate "),
    epoch: new NextIndex("Epoch: "),
  };
  private malformed = 0;
  private readonly malformedAt: number[] = [];
  private readonly config: Record<string, string | number | boolean> = {};
  private readonly evaluations: Evaluation[] = [];
  private tableHeader: string[] | undefined;
  private readonly splitter: LineSplitter;
  /** Line number of the last metric line, and whether its text ended right after the step number. */
  private lastMetricLine = 0;
  private lastEndsAtStep = false;

  constructor(
    private readonly source: string,
    private readonly name = runName(source),
  ) {
    this.splitter = new LineSplitter((t, a, b, n, id) => this.line(t, a, b, n, id));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  /** Number of lines seen so far. */
  get lines(): number {
    return this.splitter.lines;
  }

  /** Points read so far. */
  get points(): number {
    return this.step.length;
  }

  /** Expect about `n` points in all (a streaming caller's estimate): columns get one block of that size. */
  reserve(n: number): void {
    this.reserved = n;
    for (const g of [this.step, this.loss, ...this.opt]) g?.reserve(n);
  }

  finish(warnings: Warnings = new Warnings()): Curve {
    this.splitter.end();
    // A final line without newline whose step number runs to the end may have been cut mid-number.
    if (this.splitter.unterminated && this.lastEndsAtStep && this.lastMetricLine === this.splitter.lines) {
      for (const g of [this.step, this.loss, ...this.opt]) g?.pop();
      this.markMalformed(this.lastMetricLine);
    }
    const where = { file: this.source };
    if (this.malformed > 0)
      warnings.add(M.W_MALFORMED_LINES, M.malformedLines(this.malformed, this.malformedAt), where);
    if (this.step.length === 0) {
      throw new ParseError(M.noPoints, where, "metric lines like 'Loss <x> ... Global Step: <n>'");
    }
    return makeCurve(
      {
        step: this.step.take(),
        loss: this.loss.take(),
        lr: this.opt[0]?.take(),
        epoch: this.opt[1]?.take(),
        wallTime: this.opt[2]?.take(),
      },
      {
        name: this.name,
        source: this.source,
        format: "arcface-log",
        aggregation: "mean-of-interval",
        // "Global Step: N" is logged after N optimizer steps
        stepCounts: true,
        config: this.config,
        evaluations: this.evaluations,
      },
      warnings,
    );
  }

  private markMalformed(lineNo: number): void {
    this.malformed++;
    if (this.malformedAt.length < 5) this.malformedAt.push(lineNo);
  }

  private line(t: string, start: number, end: number, lineNo: number, textId: number): void {
    // fields are found in the whole text with remembered next occurrences (no string per line)
    let m = start;
    let wall = Number.NaN;
    if (end - start >= PREFIX_LEN && t.startsWith(PREFIX, start) && t.charCodeAt(start + PREFIX_LEN - 1) === 45) {
      wall = parseAsctime(t, start + PREFIX.length);
      m = start + PREFIX_LEN;
    }
    const c = t.charCodeAt(m);
    if (c === 83 /* S */ && t.startsWith("Speed", m)) {
      this.metric(t, m, end, lineNo, wall, textId);
      return;
    }
    if (m >= end) return;
    if (c === 58 /* : */ && t.charCodeAt(m + 1) === 32) {
      this.configLine(t.slice(m + 2, end));
      return;
    }
    if (c === 91 /* [ */) {
      this.evalLine(t.slice(m, end));
      return;
    }
    if (c === 124 /* | */) {
      this.tableLine(t.slice(m, end));
      return;
    }
    if (c === 84 /* T */ && t.startsWith("Total Step is:", m)) {
      const v = Number(t.slice(m + 14, end).trim());
      if (Number.isFinite(v)) this.config.total_step = v;
      return;
    }
    if (this.find.anyStep.find(t, m, end, textId) >= 0) this.metric(t, m, end, lineNo, wall, textId);
  }

  private metric(t: string, m: number, end: number, lineNo: number, wall: number, textId: number): void {
    this.lastMetricLine = lineNo;
    this.lastEndsAtStep = false;
    const f = this.find;
    const li = f.loss.find(t, m, end, textId);
    const gi = f.step.find(t, m, end, textId);
    if (li < 0 || gi < 0) {
      this.markMalformed(lineNo);
      return;
    }
    const loss = scanNumber(t, li + 5, end);
    if (scanEnd === li + 5 || !endsField(t, scanEnd, end)) {
      this.markMalformed(lineNo);
      return;
    }
    const step = scanNumber(t, gi + 13, end);
    if (scanEnd === gi + 13 || !endsField(t, scanEnd, end) || !Number.isInteger(step) || step < 0) {
      this.markMalformed(lineNo);
      return;
    }
    const endsAtStep = scanEnd === end;
    let lr = Number.NaN;
    const ri = f.lr.find(t, m, end, textId);
    if (ri >= 0) {
      lr = scanNumber(t, ri + 13, end);
      if (scanEnd === ri + 13 || !endsField(t, scanEnd, end)) {
        this.markMalformed(lineNo);
        return;
      }
    }
    let epoch = Number.NaN;
    const ei = f.epoch.find(t, m, end, textId);
    const hasEpoch = ei >= 0;
    if (hasEpoch) {
      epoch = scanNumber(t, ei + 7, end);
      if (scanEnd === ei + 7) epoch = Number.NaN;
    }
    this.lastEndsAtStep = endsAtStep;
    const k = this.step.length;
    this.step.push(step);
    this.loss.push(loss);
    this.put(0, lr, ri >= 0, k);
    this.put(1, epoch, hasEpoch, k);
    this.put(2, wall, !Number.isNaN(wall), k);
  }

  /** Store an optional field of point `k`; the column is created (earlier points NaN) when first present. */
  private put(i: number, v: number, present: boolean, k: number): void {
    let g = this.opt[i];
    if (g === undefined) {
      if (!present) return;
      g = new Growable();
      g.reserve(this.reserved);
      g.fill(Number.NaN, k);
      this.opt[i] = g;
    }
    g.push(v);
  }

  private configLine(body: string): void {
    const sp = body.search(/\s/);
    let key: string;
    let raw: string;
    if (sp > 0) {
      key = body.slice(0, sp);
      raw = body.slice(sp).trim();
    } else {
      // the key filled its 25-character column: `interclass_filtering_threshold0`
      const j = filledKeyEnd(body);
      if (j < 0) return;
      key = body.slice(0, j);
      raw = body.slice(j);
    }
    if (key.length === 0) return;
    this.config[key] = typedValue(raw);
  }

  private evalLine(body: string): void {
    const ev = parseEvalLine(body);
    if (ev !== undefined) this.evaluations.push(ev);
  }

  private tableLine(body: string): void {
    const cells = body
      .split("|")
      .slice(1, -1)
      .map((s) => s.trim());
    if (cells.length < 2) return;
    if (cells[0] === "Methods") {
      this.tableHeader = cells.slice(1);
      return;
    }
    const header = this.tableHeader;
    if (header === undefined) return;
    const label = cells[0] as string;
    const name = label.includes("-") ? label.slice(label.lastIndexOf("-") + 1) : label;
    for (let i = 1; i < cells.length && i - 1 < header.length; i++) {
      const value = Number(cells[i]);
      if (cells[i] === "" || !Number.isFinite(value)) continue;
      this.evaluations.push({ name, metric: `TAR@FAR=${header[i - 1]} (%)`, value });
    }
  }
}

/**
 * A number field must end at a space / tab / end of line (so `12.5x` is malformed, not 12.5). A comma ends it
 * only when no digit follows: `Loss 46,6333` and `Global Step: 32,000` are malformed lines, not 46 and 32.
 */
function endsField(t: string, i: number, end: number): boolean {
  if (i >= end) return true;
  const c = t.charCodeAt(i);
  if (c === 32 || c === 9) return true;
  if (c !== 44) return false;
  const d = i + 1 < end ? t.charCodeAt(i + 1) : 32;
  return d < 48 || d > 57;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWord = (c: number) => isWordStart(c) || isDigit(c);
const isNumChar = (c: number) => isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;

/**
 * A decimal literal `-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?` checked in one pass (the regular expression of that
 * shape backtracks quadratically: 18 s on a header value of 80,000 nines and an `x`).
 *
 * @example
 * isDecimalLiteral("-1.5e-4") // true
 * isDecimalLiteral("1.2.3")   // false
 */
export function isDecimalLiteral(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  let whole = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    i++;
    whole++;
  }
  let frac = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      frac++;
    }
  }
  if (whole + frac === 0) return false;
  if (i < n && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69)) {
    i++;
    if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
    const e0 = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === e0) return false;
  }
  return i === n;
}

/**
 * Where the value starts in a header key that filled its column (`interclass_filtering_threshold0`): the
 * shortest key `[A-Za-z_][A-Za-z0-9_]*[A-Za-z_]` followed by `-?\d[\d.eE+-]*`, `True`, `False` or `None` up to
 * the end; -1 when there is none. Linear time.
 */
function filledKeyEnd(body: string): number {
  const n = body.length;
  if (n < 3 || !isWordStart(body.charCodeAt(0))) return -1;
  let wordEnd = 0; // body[0, wordEnd) are key characters
  while (wordEnd < n && isWord(body.charCodeAt(wordEnd))) wordEnd++;
  let numFrom = n; // body[numFrom, n) are number characters
  while (numFrom > 0 && isNumChar(body.charCodeAt(numFrom - 1))) numFrom--;
  const words = ["True", "False", "None"].filter((w) => body.endsWith(w)).map((w) => n - w.length);
  for (let j = 2; j <= Math.min(wordEnd, n - 1); j++) {
    if (!isWordStart(body.charCodeAt(j - 1))) continue;
    const c = body.charCodeAt(j);
    const numeric = j >= numFrom && (isDigit(c) || (c === 45 && j + 1 < n && isDigit(body.charCodeAt(j + 1))));
    if (numeric || words.includes(j)) return j;
  }
  return -1;
}

/**
 * `[lfw][6666]Accuracy-Flip: 0.99800+-0.00277` -> an evaluation (undefined when the line is not one), parsed
 * by hand in linear time.
 *
 * @example
 * parseEvalLine("[lfw][2000]XNorm: 22.5") // { name: "lfw", metric: "XNorm", value: 22.5, step: 2000 }
 */
export function parseEvalLine(body: string): Evaluation | undefined {
  if (body.charCodeAt(0) !== 91) return undefined;
  const c1 = body.indexOf("]", 1);
  if (c1 <= 1 || body.charCodeAt(c1 + 1) !== 91) return undefined;
  const c2 = body.indexOf("]", c1 + 2);
  if (c2 < 0) return undefined;
  const stepText = body.slice(c1 + 2, c2);
  if (!/^-?\d+$/.test(stepText)) return undefined;
  const colon = body.indexOf(":", c2 + 1);
  if (colon <= c2 + 1) return undefined;
  const rest = body.slice(colon + 1).trim();
  if (rest.length === 0 || /\s/.test(rest)) return undefined;
  const pm = rest.indexOf("+-", 1);
  const valueText = pm > 0 && pm + 2 < rest.length ? rest.slice(0, pm) : rest;
  const value = Number(valueText);
  if (Number.isNaN(value)) return undefined;
  const ev: Evaluation = {
    name: body.slice(1, c1),
    metric: body.slice(c2 + 1, colon).trim(),
    value,
    step: Number(stepText),
  };
  if (pm > 0 && pm + 2 < rest.length && Number.isFinite(Number(rest.slice(pm + 2))))
    ev.std = Number(rest.slice(pm + 2));
  return ev;
}

/**
 * True when `text` holds a metric line: `Loss`, white space, a value, and later on the same line
 * `Global Step:` and a digit. The same test as `/Loss\s+\S+.*Global Step:\s*\d/`, in linear time (the
 * regular expression takes seconds on `Loss ` and 65,000 `x`).
 *
 * @example
 * hasMetricLine("Speed 1 samples/sec   Loss 2.5   Global Step: 10") // true
 */
export function hasMetricLine(text: string): boolean {
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (metricLineAt(text, lineStart, lineEnd)) return true;
    lineStart = lineEnd + 1;
  }
  return false;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;

function metricLineAt(t: string, start: number, end: number): boolean {
  let from = -1;
  for (let l = t.indexOf("Loss", start); l >= 0 && l + 4 < end; l = t.indexOf("Loss", l + 4)) {
    let i = l + 4;
    while (i < end && isSpace(t.charCodeAt(i))) i++;
    if (i > l + 4 && i < end) {
      from = i + 1;
      break;
    }
  }
  if (from < 0) return false;
  for (let g = t.indexOf("Global Step:", from); g >= 0 && g < end; g = t.indexOf("Global Step:", g + 12)) {
    let i = g + 12;
    while (i < end && isSpace(t.charCodeAt(i))) i++;
    if (i < end && isDigit(t.charCodeAt(i))) return true;
  }
  return false;
}

function typedValue(raw: string): string | number | boolean {
  if (raw === "True") return true;
  if (raw === "False") return false;
  if (isDecimalLiteral(raw)) return Number(raw);
  return raw;
}

function digits(t: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = t.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

/** The last `YYYY-MM-DD HH:MM` read by `parseAsctime` and its milliseconds since the epoch (lines share it). */
let lastMinute = "";
let lastMinuteMs = Number.NaN;

/**
 * `2023-12-28 00:21:37,121` at `i` -> seconds since the epoch, reading the log's local time as UTC
 * (Python's logging does not record the zone). NaN when the text is not a timestamp.
 */
function parseAsctime(t: string, i: number): number {
  const s = digits(t, i + 17, 2);
  const ms = digits(t, i + 20, 3);
  if (Number.isNaN(s + ms)) return Number.NaN;
  if (lastMinute.length === 0 || !t.startsWith(lastMinute, i)) {
    const y = digits(t, i, 4);
    const mo = digits(t, i + 5, 2);
    const d = digits(t, i + 8, 2);
    const h = digits(t, i + 11, 2);
    const mi = digits(t, i + 14, 2);
    const v = Date.UTC(y, mo - 1, d, h, mi);
    if (!Number.isFinite(v)) return Number.NaN;
    lastMinute = t.slice(i, i + 16);
    lastMinuteMs = v;
  }
  // integer milliseconds, one division: the same double as Date.UTC(..., s, ms) / 1000
  return (lastMinuteMs + s * 1000 + ms) / 1000;
}

/**
 * Parse a whole `training.log` held in memory.
 *
 * @example
 * const curve = parseArcfaceLog(readFileSync("training.log", "utf8"), "training.log");
 * curve.meta.aggregation // "mean-of-interval"
 */
export function parseArcfaceLog(text: string, source: string, warnings?: Warnings): Curve {
  const p = new ArcfaceLogParser(source);
  p.push(text);
  return p.finish(warnings);
}
