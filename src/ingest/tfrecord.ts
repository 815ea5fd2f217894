/**
 * TFRecord framing: `uint64 LE length | uint32 LE masked CRC32C(length) | data | uint32 LE masked CRC32C(data)`
 * with mask `((c >>> 15 | c << 17) + 0xA282EAD8) mod 2^32`. Both checksums are verified (CRC32C from
 * @node-rs/crc32, with a JS table for inputs under 64 bytes; see `crc32cRange`). The first bad record raises a ParseError naming its byte offset; in salvage mode the
 * records before it are returned instead and a warning says how much was dropped.
 */
import { createRequire } from "node:module";
import { ParseError, type Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";

/** Below this many bytes a table-driven CRC32C in JS beats the native call (whose fixed cost dominates). */
const NATIVE_MIN_BYTES = 64;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

let native: ((bytes: Uint8Array) => number) | undefined;
/** @node-rs/crc32's `crc32c`, loaded on first use (the native library costs ~10 MB of memory, and a text log never needs it). */
function crc32c(bytes: Uint8Array): number {
  native ??= (createRequire(import.meta.url)("@node-rs/crc32") as typeof import("@node-rs/crc32")).crc32c;
  return native(bytes);
}

/**
 * CRC32C (Castagnoli) of `bytes[start, end)`: @node-rs/crc32's native `crc32c` for inputs of 64 bytes and more,
 * a byte-wise table in JS for shorter ones (TFRecord length headers and small scalar events, where the native
 * call's fixed cost is 4x the work). Tests check both paths agree.
 *
 * @example
 * crc32cRange(new TextEncoder().encode("123456789"), 0, 9) // 0xe3069283
 */
export function crc32cRange(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_MIN_BYTES) return crc32c(bytes.subarray(start, end)) >>> 0;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The native CRC32C (exported for the equivalence test). */
export function crc32cNative(bytes: Uint8Array): number {
  return crc32c(bytes) >>> 0;
}

function mask(c: number): number {
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/**
 * Masked CRC32C as TensorFlow stores it.
 *
 * @example
 * maskedCrc32c(new Uint8Array([0x18, 0, 0, 0, 0, 0, 0, 0])) // 0x224b7fa3 for the length 24
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  return mask(crc32cRange(bytes, 0, bytes.byteLength));
}

function maskedRange(bytes: Uint8Array, start: number, end: number): number {
  return mask(crc32cRange(bytes, start, end));
}

export interface TfRecordOptions {
  salvage?: boolean;
  source?: string;
  warnings?: Warnings;
}

/** Result of reading framed records: views into the input (no copies) plus their byte offsets. */
export interface TfRecords {
  records: Uint8Array[];
  offsets: number[];
  /** Bytes dropped by salvage (0 when the file is intact). */
  droppedBytes: number;
}

/**
 * Visit each record's payload range `[start, end)` in order, verifying both masked CRC32Cs; no allocation
 * per record beyond the checksum views. Returns the number of good records and the bytes dropped by salvage.
 *
 * @example
 * forEachTfRecord(bytes, {}, (start, end) => console.log(end - start));
 */
export function forEachTfRecord(
  bytes: Uint8Array,
  opts: TfRecordOptions,
  visit: (start: number, end: number, recordOffset: number) => void,
): { count: number; droppedBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let count = 0;
  const n = bytes.byteLength;
  while (off < n) {
    const problem = checkRecord(bytes, view, off);
    if (typeof problem === "string") {
      if (opts.salvage) {
        opts.warnings?.add(M.W_SALVAGED, M.salvaged(count, n - off, off), {
          file: opts.source,
          byteOffset: off,
        });
        return { count, droppedBytes: n - off };
      }
      throw new ParseError(
        M.inRecord(problem, count + 1),
        { file: opts.source, byteOffset: off },
        "TFRecord framing: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data",
      );
    }
    try {
      visit(off + 12, off + 12 + problem, off);
    } catch (e) {
      // a record whose CRCs hold but whose payload does not decode: salvage skips it, the framing goes on
      if (!opts.salvage || !(e instanceof ParseError)) throw e;
      opts.warnings?.add(M.W_SALVAGED, M.skippedRecord(count + 1, off, e.message), {
        file: opts.source,
        byteOffset: off,
      });
    }
    count++;
    off += 16 + problem;
  }
  return { count, droppedBytes: 0 };
}

/**
 * Split TFRecord bytes into record payloads, verifying both masked CRC32Cs of every record.
 *
 * @example
 * const { records } = readTfRecords(bytes, { source: "events.out.tfevents.1" });
 */
export function readTfRecords(bytes: Uint8Array, opts: TfRecordOptions = {}): TfRecords {
  const records: Uint8Array[] = [];
  const offsets: number[] = [];
  const { droppedBytes } = forEachTfRecord(bytes, opts, (start, end, off) => {
    records.push(bytes.subarray(start, end));
    offsets.push(off);
  });
  return { records, offsets, droppedBytes };
}

/** Returns the data length of the record at `off`, or a reason why it is bad. */
function checkRecord(bytes: Uint8Array, view: DataView, off: number): number | string {
  const n = bytes.byteLength;
  if (off + 12 > n) return M.truncatedHeader;
  const lo = view.getUint32(off, true);
  const hi = view.getUint32(off + 4, true);
  if (maskedRange(bytes, off, off + 8) !== view.getUint32(off + 8, true)) return M.badHeaderCrc;
  const len = hi * 4294967296 + lo;
  if (hi !== 0 || off + 16 + len > n) {
    return off + 12 + len <= n && hi === 0 ? M.truncatedData : M.badLength(String(len));
  }
  if (maskedRange(bytes, off + 12, off + 12 + len) !== view.getUint32(off + 12 + len, true)) return M.badDataCrc;
  return len;
}

/**
 * Frame payloads as TFRecord bytes (used by tests and benchmarks to build event files).
 *
 * @example
 * const bytes = writeTfRecords([new Uint8Array([1, 2, 3])]); // 19 bytes
 */
export function writeTfRecords(payloads: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of payloads) total += 16 + p.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const p of payloads) {
    view.setUint32(off, p.byteLength, true);
    view.setUint32(off + 4, 0, true);
    view.setUint32(off + 8, maskedCrc32c(out.subarray(off, off + 8)), true);
    out.set(p, off + 12);
    view.setUint32(off + 12 + p.byteLength, maskedCrc32c(p), true);
    off += 16 + p.byteLength;
  }
  return out;
}

/**
 * True when `bytes` starts with a TFRecord header whose length checksum is valid (used by format sniffing).
 *
 * @example
 * looksLikeTfRecord(writeTfRecords([new Uint8Array(4)])) // true
 */
export function looksLikeTfRecord(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return maskedRange(bytes, 0, 8) === view.getUint32(8, true);
}
