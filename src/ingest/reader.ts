/**
 * The bounded line reader every streamed text format goes through (plain files and decompressed streams
 * alike): bytes arrive in chunks, whole lines leave in blocks, and only the unfinished last line is carried
 * from one chunk to the next. That carried line is capped (`maxLineBytes`), so a file with a 600 MB line is a
 * ParseError naming the line, not a 600 MB string. A leading UTF-8 byte order mark is dropped.
 */
import { ParseError } from "../errors.ts";
import * as M from "../messages/ingest.ts";

/** Default cap on one line (or one CSV record): 16 MiB. */
export const MAX_LINE_BYTES = 16 << 20;

/** Receives bytes `[start, end)` that end right after a line break, or at the end of the input when `last`. */
export type BlockSink = (bytes: Buffer, start: number, end: number, last: boolean) => void;

export interface ReadLinesOptions {
  /** The file named in errors. */
  source: string;
  /** Longest line accepted, in bytes (default `MAX_LINE_BYTES`). */
  maxLineBytes?: number | undefined;
  /** 1-based number of the line being read when the cap is hit (the parser knows how many it has seen). */
  lineNumber: () => number;
  /** Called after each block with the bytes delivered so far (for capacity estimates). */
  onBlock?: ((bytesSoFar: number) => void) | undefined;
}

/**
 * The error for a line over the cap.
 *
 * @example
 * throw lineTooLong("a.log", 12, 16 << 20);
 */
export function lineTooLong(source: string, line: number, max: number): ParseError {
  return new ParseError(M.lineTooLong(max), { file: source, line }, `lines of at most ${max} bytes`);
}

/**
 * Feed `chunks` to `sink` in blocks of whole lines.
 *
 * @example
 * await readLines(createReadStream("training.log"), (b, s, e) => parser.push(b.toString("utf8", s, e)),
 *   { source: "training.log", lineNumber: () => parser.lines + 1 });
 */
export async function readLines(
  chunks: AsyncIterable<Uint8Array>,
  sink: BlockSink,
  opts: ReadLinesOptions,
): Promise<number> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let carry = Buffer.alloc(0);
  let carried = 0;
  let total = 0;
  let delivered = 0;
  for await (const raw of chunks) {
    let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (chunk.byteLength === 0) continue;
    if (total === 0 && chunk.byteLength >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf)
      chunk = chunk.subarray(3);
    total += chunk.byteLength;
    let buf: Buffer;
    let len: number;
    if (carried === 0) {
      buf = chunk;
      len = chunk.byteLength;
    } else {
      if (carry.byteLength < carried + chunk.byteLength) {
        const bigger = Buffer.allocUnsafe(Math.max(carried + chunk.byteLength, carry.byteLength * 2));
        carry.copy(bigger, 0, 0, carried);
        carry = bigger;
      }
      chunk.copy(carry, carried);
      buf = carry;
      len = carried + chunk.byteLength;
    }
    const nl = buf.lastIndexOf(10, len - 1);
    const cut = nl < 0 || nl >= len ? 0 : nl + 1;
    if (cut > 0) {
      sink(buf, 0, cut, false);
      delivered += cut;
      opts.onBlock?.(delivered);
    }
    const rest = len - cut;
    if (rest > max) throw lineTooLong(opts.source, opts.lineNumber(), max);
    if (rest > 0) {
      if (buf === carry) carry.copyWithin(0, cut, len);
      else {
        if (carry.byteLength < rest) carry = Buffer.allocUnsafe(Math.max(rest, 1 << 16));
        buf.copy(carry, 0, cut, len);
      }
    }
    carried = rest;
  }
  sink(carry, 0, carried, true);
  return total;
}
