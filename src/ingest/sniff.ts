/**
 * Content checks used by the format table (formats.ts): each takes the first bytes of a file (decompressed
 * when it is gzip) and returns undefined when the content fits the format, or the reason it does not.
 */

import type { ColumnOverrides } from "../curve/columns.ts";
import { columnIndex, discoverColumns } from "../curve/columns.ts";
import { hasMetricLine } from "./arcface-log.ts";
import { cellBad, cellNumber } from "./points.ts";
import { parsePythonJson, splitDelimited } from "./table.ts";
import { looksLikeTfRecord } from "./tfrecord.ts";

/** Bytes read from the start of a file for sniffing. */
export const SNIFF_BYTES = 64 * 1024;

/** What a check sees: the head bytes, its text (decoded once, lazily) and the user's column options. */
export interface SniffInput {
  head: Uint8Array;
  text: () => string;
  /** True when the head was cut at SNIFF_BYTES (its last line may be incomplete). */
  cut: boolean;
  opts: ColumnOverrides;
}

export type Sniff = (input: SniffInput) => string | undefined;

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** Non-empty lines at the start of a text (CR stripped). */
export function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const l = line.replace(/\r$/, "");
    if (l.trim().length === 0) continue;
    out.push(l);
    if (out.length >= n) break;
  }
  return out;
}

const isBinary = (head: Uint8Array): boolean => head.subarray(0, 4096).includes(0);

/** True for gzip data (magic 1f 8b). */
export const isGzip = (head: Uint8Array): boolean => head[0] === 0x1f && head[1] === 0x8b;

/**
 * A Git LFS pointer file (`version https://git-lfs.github.com/spec/v1`, `oid sha256:...`, `size N`): its
 * oid and size, else undefined.
 *
 * @example
 * lfsPointer(new TextEncoder().encode("version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 12\n"))
 * // { oid: "sha256:ab", size: "12" }
 */
export function lfsPointer(head: Uint8Array): { oid: string; size: string } | undefined {
  if (head.byteLength > 1024 || !ascii(head, 0, "version https://git-lfs")) return undefined;
  const text = new TextDecoder().decode(head);
  return { oid: /^oid (\S+)/m.exec(text)?.[1] ?? "?", size: /^size (\d+)/m.exec(text)?.[1] ?? "?" };
}

export const sniffArrow: Sniff = ({ head: h }) =>
  ascii(h, 0, "ARROW1") || (h[0] === 0xff && h[1] === 0xff && h[2] === 0xff && h[3] === 0xff)
    ? undefined
    : "no ARROW1 magic or IPC stream marker at byte 0";

export const sniffParquet: Sniff = ({ head }) => (ascii(head, 0, "PAR1") ? undefined : "no PAR1 magic at byte 0");

export const sniffTfEvents: Sniff = ({ head }) =>
  looksLikeTfRecord(head) ? undefined : "first 12 bytes are not a TFRecord length with a valid masked CRC32C";

export const sniffTrainerState: Sniff = ({ head, text }) => {
  if (isBinary(head)) return "binary data";
  const t = text().trimStart();
  if (!t.startsWith("{")) return "does not start with a JSON object";
  return /"log_history"\s*:/.test(t) ? undefined : 'JSON without a "log_history" key';
};

/** The JSON objects on the first `n` lines, or the reason they are not all objects. */
function jsonObjects(input: SniffInput, n: number): Array<Record<string, unknown>> | string {
  if (isBinary(input.head)) return "binary data";
  const lines = firstLines(input.text(), n);
  if (lines.length === 0) return "no text lines";
  const out: Array<Record<string, unknown>> = [];
  for (const [i, line] of lines.entries()) {
    if (i === lines.length - 1 && lines.length > 1 && input.cut) break; // may be cut
    let v: unknown;
    try {
      v = parsePythonJson(line);
    } catch {
      return `line ${i + 1} is not a JSON object`;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) return `line ${i + 1} is not a JSON object`;
    out.push(v as Record<string, unknown>);
  }
  return out;
}

export const sniffJsonl: Sniff = (input) => {
  const objs = jsonObjects(input, 3);
  return typeof objs === "string" ? objs : undefined;
};

/** A JSON-lines check that some object of the first lines satisfies `fits`. */
function jsonLog(fits: (o: Record<string, unknown>) => boolean, expected: string): Sniff {
  return (input) => {
    const objs = jsonObjects(input, 5);
    if (typeof objs === "string") return objs;
    return objs.some(fits) ? undefined : `no JSON line with ${expected}`;
  };
}

export const sniffDetectron2 = jsonLog(
  (o) => typeof o.iteration === "number" && ("total_loss" in o || "eta_seconds" in o),
  '"iteration" and "total_loss" / "eta_seconds" (detectron2 JSONWriter)',
);

export const sniffMmcv = jsonLog(
  (o) => (o.mode === "train" || o.mode === "val") && "epoch" in o && "iter" in o,
  '"mode": "train" | "val" with "epoch" and "iter" (mmcv TextLoggerHook)',
);

export const sniffMmengine = jsonLog(
  (o) => typeof o.step === "number" && "data_time" in o && ("iter" in o || "epoch" in o) && !("mode" in o),
  '"step", "data_time" and "iter" / "epoch" (mmengine LocalVisBackend)',
);

export const sniffArcfaceLog: Sniff = ({ head, text }) => {
  if (isBinary(head)) return "binary data";
  return hasMetricLine(text()) // linear time: the regular expression took seconds on 'Loss ' + 65,000 x
    ? undefined
    : "no metric line like 'Speed ... Loss <x> ... Global Step: <n>' in the first 64 KiB";
};

export const sniffMlflow: Sniff = ({ head, text }) => {
  if (isBinary(head)) return "binary data";
  const lines = firstLines(text(), 3);
  if (lines.length === 0) return "no text lines";
  const ok = lines.every((l) => /^\d{9,}\s+\S+(\s+-?\d+)?$/.test(l.trim()));
  return ok ? undefined : "lines are not '<timestamp ms> <value> <step>'";
};

/** A CSV (`,`) or TSV (tab) check: a header naming a loss and a step column, or numbers with index options. */
export function sniffDelimited(delim: "," | "\t"): Sniff {
  return ({ head, text, opts }) => {
    if (isBinary(head)) return "binary data";
    const lines = firstLines(text(), 2);
    const header = lines[0]?.replace(/^\uFEFF/, "");
    if (header === undefined) return "no header line";
    const name = delim === "," ? "comma" : "tab";
    if (!header.includes(delim)) return `header line has no ${name}`;
    const cols = splitDelimited(header, delim).map((c) => c.trim());
    if (cols.every((c) => cellNumber(c) !== undefined && !cellBad)) {
      return columnIndex(opts.stepCol) !== undefined && columnIndex(opts.lossCol) !== undefined
        ? undefined
        : "the first line is numbers (a headerless table? name the columns by position: --step-col 0 --loss-col 1)";
    }
    const c = discoverColumns(cols, {}, false);
    if (c.loss === undefined) return `header (${cols.slice(0, 6).join(", ")}) names no loss column`;
    if (c.step === undefined) return `header (${cols.slice(0, 6).join(", ")}) names no step / epoch column`;
    return undefined;
  };
}
