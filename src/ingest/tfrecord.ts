/**
 * TFRecord framing: `uint64 LE length | uint32 LE masked CRC32C(length) | data | uint32 LE masked CRC32C(data)`
 * with mask `((c >>> 15 | c << 17) + 0xA282EAD8) mod 2^32`. Both checksums are verified (CRC32C from
 * @node-rs/crc32). The first bad record raises a ParseError naming its byte offset; in salvage mode the
 * records before it are returned instead and a warning says how much was dropped.
 */
import { crc32c } from "@node-rs/crc32";
import { ParseError, type Warnings } from "../errors.ts";
import { msg, W } from "../messages/ingest.ts";

/**
 * Masked CRC32C as TensorFlow stores it.
 *
 * @example
 * maskedCrc32c(new Uint8Array([0x18, 0, 0, 0, 0, 0, 0, 0])) // 0x224b7fa3 for the length 24
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes) >>> 0;
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
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
        opts.warnings?.add(W.salvaged, msg.salvaged(count, n - off, off), {
          file: opts.source,
          byteOffset: off,
        });
        return { count, droppedBytes: n - off };
      }
      throw new ParseError(
        `${problem} (record ${count + 1})`,
        { file: opts.source, byteOffset: off },
        "TFRecord framing: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data",
      );
    }
    visit(off + 12, off + 12 + problem, off);
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
  if (off + 12 > n) return msg.truncatedHeader;
  const lo = view.getUint32(off, true);
  const hi = view.getUint32(off + 4, true);
  if (maskedCrc32c(bytes.subarray(off, off + 8)) !== view.getUint32(off + 8, true)) return msg.badHeaderCrc;
  const len = hi * 4294967296 + lo;
  if (hi !== 0 || off + 16 + len > n) {
    return off + 12 + len <= n && hi === 0 ? msg.truncatedData : msg.badLength(String(len));
  }
  const data = bytes.subarray(off + 12, off + 12 + len);
  if (maskedCrc32c(data) !== view.getUint32(off + 12 + len, true)) return msg.badDataCrc;
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
  return maskedCrc32c(bytes.subarray(0, 8)) === view.getUint32(8, true);
}
