/**
 * Format sniffing by content (the first 64 KiB of a file, decompressed when it is gzip). The entries of the
 * format table (formats.ts) are tried in its order; when none accepts, the FormatError lists each attempt
 * and why it failed. A Git LFS pointer is named as such, not listed as an unknown format.
 */
import type { ColumnOverrides } from "../curve/columns.ts";
import type { FormatName } from "../curve/curve.ts";
import { FormatError, InputError } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { FORMATS } from "./formats.ts";
import { lfsPointer, SNIFF_BYTES } from "./sniff.ts";

export { SNIFF_BYTES };

/** Throw the LFS-pointer error when the head is a Git LFS pointer. */
export function checkLfsPointer(head: Uint8Array, file: string): void {
  const lfs = lfsPointer(head);
  if (lfs !== undefined) throw new InputError(file, M.lfsPointer(lfs.oid, lfs.size), M.E_LFS_POINTER);
}

/**
 * Detect the format of a file from its first bytes. Throws FormatError listing every attempt.
 *
 * @example
 * detectFormat(new TextEncoder().encode("step,loss\n1,2\n"), "m.csv") // "csv"
 */
export function detectFormat(
  head: Uint8Array,
  file: string,
  opts: ColumnOverrides = {},
  cut = head.byteLength >= SNIFF_BYTES,
): FormatName {
  checkLfsPointer(head, file);
  let decoded: string | undefined;
  const text = () => {
    decoded ??= new TextDecoder("utf-8", { fatal: false }).decode(head);
    return decoded;
  };
  const attempts: { format: string; reason: string }[] = [];
  for (const f of FORMATS) {
    const reason = f.sniff({ head, text, cut, opts });
    if (reason === undefined) return f.name;
    attempts.push({ format: f.name, reason });
  }
  throw new FormatError(file, attempts);
}
