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
import { msg, W } from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { LineSplitter, scanEnd, scanNumber } from "./text.ts";

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
  private readonly lr = new Growable();
  private readonly epoch = new Growable();
  private readonly wall = new Growable();
  private hasLr = false;
  private hasWall = false;
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
    this.splitter = new LineSplitter((t, a, b, n) => this.line(t, a, b, n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  /** Number of lines seen so far. */
  get lines(): number {
    return this.splitter.lines;
  }

  finish(warnings: Warnings = new Warnings()): Curve {
    this.splitter.end();
    // A final line without newline whose step number runs to the end may have been cut mid-number.
    if (this.splitter.unterminated && this.lastEndsAtStep && this.lastMetricLine === this.splitter.lines) {
      for (const g of [this.step, this.loss, this.lr, this.epoch, this.wall]) g.pop();
      this.markMalformed(this.lastMetricLine);
    }
    const where = { file: this.source };
    if (this.malformed > 0) warnings.add(W.malformedLines, msg.malformedLines(this.malformed, this.malformedAt), where);
    if (this.step.length === 0) {
      throw new ParseError(msg.noPoints, where, "metric lines like 'Loss <x> ... Global Step: <n>'");
    }
    return makeCurve(
      {
        step: this.step.take(),
        loss: this.loss.take(),
        epoch: this.epoch.take(),
        lr: this.hasLr ? this.lr.take() : undefined,
        wallTime: this.hasWall ? this.wall.take() : undefined,
      },
      {
        name: this.name,
        source: this.source,
        format: "arcface-log",
        aggregation: "mean-of-interval",
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

  private line(buf: string, a: number, b: number, lineNo: number): void {
    // work on the line alone (a cheap sliced string) so that indexOf of an absent field stops at its end
    const t = buf.slice(a, b);
    const start = 0;
    const end = t.length;
    let m = start;
    let wall = Number.NaN;
    if (t.startsWith(PREFIX, start) && end - start >= PREFIX_LEN && t.charCodeAt(start + PREFIX_LEN - 1) === 45) {
      wall = parseAsctime(t, start + PREFIX.length);
      m = start + PREFIX_LEN;
    }
    const c = t.charCodeAt(m);
    if (c === 83 /* S */ && t.startsWith("Speed", m)) {
      this.metric(t, m, end, lineNo, wall);
      return;
    }
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
    const g = t.indexOf("Global Step:", m);
    if (g >= 0 && g < end) this.metric(t, m, end, lineNo, wall);
  }

  private metric(t: string, m: number, end: number, lineNo: number, wall: number): void {
    this.lastMetricLine = lineNo;
    this.lastEndsAtStep = false;
    const li = t.indexOf("Loss ", m);
    const gi = t.indexOf("Global Step: ", m);
    if (li < 0 || li >= end || gi < 0 || gi >= end) {
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
    const ri = t.indexOf("LearningRate ", m);
    if (ri >= 0 && ri < end) {
      lr = scanNumber(t, ri + 13, end);
      if (scanEnd === ri + 13 || !endsField(t, scanEnd, end)) {
        this.markMalformed(lineNo);
        return;
      }
      this.hasLr = true;
    }
    let epoch = Number.NaN;
    const ei = t.indexOf("Epoch: ", m);
    if (ei >= 0 && ei < end) {
      epoch = scanNumber(t, ei + 7, end);
      if (scanEnd === ei + 7) epoch = Number.NaN;
    }
    if (!Number.isNaN(wall)) this.hasWall = true;
    this.lastEndsAtStep = endsAtStep;
    this.step.push(step);
    this.loss.push(loss);
    this.lr.push(lr);
    this.epoch.push(epoch);
    this.wall.push(wall);
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
      const m = /^([A-Za-z_][A-Za-z0-9_]*?[A-Za-z_])(-?\d[\d.eE+-]*|True|False|None)$/.exec(body);
      if (m === null) return;
      key = m[1] as string;
      raw = m[2] as string;
    }
    if (key.length === 0) return;
    this.config[key] = typedValue(raw);
  }

  private evalLine(body: string): void {
    const m = /^\[([^\]]+)\]\[(-?\d+)\]([^:]+):\s*(\S+?)(?:\+-(\S+))?\s*$/.exec(body);
    if (m === null) return;
    const value = Number(m[4]);
    if (m[4] === undefined || Number.isNaN(value)) return;
    const ev: Evaluation = { name: m[1] as string, metric: (m[3] as string).trim(), value, step: Number(m[2]) };
    if (m[5] !== undefined && Number.isFinite(Number(m[5]))) ev.std = Number(m[5]);
    this.evaluations.push(ev);
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

/** A number field must end at a space / tab / end of line (so `12.5x` is malformed, not 12.5). */
function endsField(t: string, i: number, end: number): boolean {
  if (i >= end) return true;
  const c = t.charCodeAt(i);
  return c === 32 || c === 9 || c === 44;
}

function typedValue(raw: string): string | number | boolean {
  if (raw === "True") return true;
  if (raw === "False") return false;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return Number(raw);
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

/**
 * `2023-12-28 00:21:37,121` at `i` -> seconds since the epoch, reading the log's local time as UTC
 * (Python's logging does not record the zone). NaN when the text is not a timestamp.
 */
function parseAsctime(t: string, i: number): number {
  const y = digits(t, i, 4);
  const mo = digits(t, i + 5, 2);
  const d = digits(t, i + 8, 2);
  const h = digits(t, i + 11, 2);
  const mi = digits(t, i + 14, 2);
  const s = digits(t, i + 17, 2);
  const ms = digits(t, i + 20, 3);
  const v = Date.UTC(y, mo - 1, d, h, mi, s, ms) / 1000;
  return Number.isFinite(v) ? v : Number.NaN;
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
