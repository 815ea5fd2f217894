/**
 * Low-level text helpers for the line-based parsers: an incremental line splitter fed by chunks (so a big
 * log streams in bounded memory) and allocation-free number scanning at an index.
 */

/**
 * Called per line with the buffer and the [start, end) range of the line (no newline, no trailing CR);
 * `textId` changes whenever `text` is another string than in the previous call (see `NextIndex`).
 */
export type LineSink = (text: string, start: number, end: number, lineNo: number, textId: number) => void;

/**
 * Splits chunks of text into lines. Only the unfinished tail of a chunk is carried to the next one.
 *
 * @example
 * const s = new LineSplitter((t, a, b, n) => console.log(n, t.slice(a, b)));
 * s.push("a\nb"); s.push("c\n"); s.end(); // 1 a, 2 bc
 */
export class LineSplitter {
  private rest = "";
  private lineNo = 0;
  private textId = 0;
  /** True when the last line delivered by `end()` had no terminating newline. */
  unterminated = false;
  constructor(private readonly sink: LineSink) {}

  push(chunk: string): void {
    let start = 0;
    // a UTF-8 byte order mark is not part of the first line
    if (this.lineNo === 0 && this.rest.length === 0 && chunk.charCodeAt(0) === 0xfeff) start = 1;
    if (this.rest.length > 0) {
      // finish the carried line with the head of this chunk; never concatenate whole chunks
      const nl = chunk.indexOf("\n");
      if (nl < 0) {
        this.rest += chunk;
        return;
      }
      const line = this.rest + chunk.slice(0, nl);
      this.rest = "";
      const end = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
      this.sink(line, 0, end, ++this.lineNo, ++this.textId);
      start = nl + 1;
    }
    const id = ++this.textId;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && chunk.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.sink(chunk, start, end, ++this.lineNo, id);
      start = nl + 1;
    }
    if (start < chunk.length) this.rest = start === 0 ? chunk : chunk.slice(start);
  }

  end(): void {
    if (this.rest.length > 0) {
      const t = this.rest;
      this.rest = "";
      this.unterminated = true;
      const end = t.charCodeAt(t.length - 1) === 13 ? t.length - 1 : t.length;
      this.sink(t, 0, end, ++this.lineNo, ++this.textId);
    }
  }

  get lines(): number {
    return this.lineNo;
  }
}

/**
 * Finds a fixed string in successive lines of one text without rescanning it: the next occurrence found is
 * remembered, so a field absent from every line costs one scan of the text, not one per line, and no line is
 * cut out as a string of its own.
 *
 * @example
 * const f = new NextIndex("Loss ");
 * f.find(text, lineStart, lineEnd, textId) // index in [lineStart, lineEnd), or -1
 */
export class NextIndex {
  private id = -1;
  private at = -1;
  private from = 0;
  constructor(private readonly needle: string) {}

  find(text: string, start: number, end: number, textId: number): number {
    if (textId !== this.id || start < this.from || (this.at >= 0 && this.at < start)) {
      this.id = textId;
      this.from = start;
      this.at = text.indexOf(this.needle, start);
    }
    return this.at >= 0 && this.at + this.needle.length <= end ? this.at : -1;
  }
}

/** End index of the last `scanNumber` call (module state to avoid allocating a result object). */
export let scanEnd = 0;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/**
 * Scan a decimal number (`-12.5`, `1e-4`, `nan`, `inf`, `-inf`) at `i`, stopping at `end`. Returns the value
 * (NaN when nothing numeric is there: check `scanEnd > i`) and sets `scanEnd` to the index after it.
 * Short plain decimals are computed directly; anything else goes through `Number()` for exact rounding.
 *
 * @example
 * scanNumber("Loss 46.5333 ", 5, 13) // 46.5333, scanEnd = 12
 */
export function scanNumber(text: string, i: number, end: number): number {
  const begin = i;
  let neg = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
    c = text.charCodeAt(i);
  }
  if (c > 57) return scanWord(text, i, end, begin, neg);
  // all digits (before and after the point) in one integer m; value = m / 10^(digits after the point)
  let m = 0;
  const d0 = i;
  while (i < end && c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    c = text.charCodeAt(++i);
  }
  let digits = i - d0;
  let fracDigits = 0;
  if (c === 46 && i < end) {
    const f0 = ++i;
    c = text.charCodeAt(i);
    while (i < end && c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
    fracDigits = i - f0;
    digits += fracDigits;
  }
  if (digits === 0) {
    scanEnd = begin;
    return Number.NaN;
  }
  if (i < end && (c === 101 || c === 69)) {
    // exponent: let Number() do the exact conversion
    let j = i + 1;
    let d = text.charCodeAt(j);
    if (d === 45 || d === 43) d = text.charCodeAt(++j);
    const expStart = j;
    while (j < end && d >= 48 && d <= 57) d = text.charCodeAt(++j);
    if (j > expStart) {
      scanEnd = j;
      return Number(text.slice(begin, j));
    }
  }
  scanEnd = i;
  if (digits > 15) return Number(text.slice(begin, i));
  // m and 10^k are exact doubles (<= 15 digits), and IEEE division rounds correctly: the exact decimal
  const v = fracDigits === 0 ? m : m / (POW10[fracDigits] as number);
  return neg ? -v : v;
}

/** `nan`, `inf`, `infinity` (any case) at `i`; NaN with `scanEnd = begin` for anything else. */
function scanWord(text: string, i: number, end: number, begin: number, neg: boolean): number {
  const c = text.charCodeAt(i);
  if (c === 110 || c === 78 || c === 105 || c === 73) {
    const word = text.slice(i, Math.min(end, i + 8)).toLowerCase();
    if (word.startsWith("nan")) {
      scanEnd = i + 3;
      return Number.NaN;
    }
    if (word.startsWith("infinity")) {
      scanEnd = i + 8;
      return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (word.startsWith("inf")) {
      scanEnd = i + 3;
      return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
  }
  scanEnd = begin;
  return Number.NaN;
}
