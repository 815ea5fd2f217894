/**
 * Format sniffing by content (the first 64 KiB of a file). Every format is tried in a fixed order; when none
 * accepts, the FormatError lists each attempt and why it failed.
 */

import { discoverColumns } from "../curve/columns.ts";
import type { FormatName } from "../curve/curve.ts";
import { FormatError } from "../errors.ts";
import { parsePythonJson, splitDelimited } from "./table.ts";
import { looksLikeTfRecord } from "./tfrecord.ts";

/** Bytes read from the start of a file for sniffing. */
export const SNIFF_BYTES = 64 * 1024;

/** Formats a file (not a folder) can be read as; `mlflow` here is one metric file. */
export const FILE_FORMATS: readonly FormatName[] = [
  "arrow",
  "parquet",
  "tfevents",
  "hf-trainer-state",
  "jsonl",
  "arcface-log",
  "mlflow",
  "csv",
  "tsv",
];

type Check = (head: Uint8Array, text: () => string) => string | undefined;

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

function firstLines(text: string, n: number): string[] {
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

/** Each check returns undefined when the content fits, or the reason it does not. */
const CHECKS: ReadonlyArray<[FormatName, Check]> = [
  [
    "arrow",
    (h) =>
      ascii(h, 0, "ARROW1") || (h[0] === 0xff && h[1] === 0xff && h[2] === 0xff && h[3] === 0xff)
        ? undefined
        : "no ARROW1 magic or IPC stream marker at byte 0",
  ],
  ["parquet", (h) => (ascii(h, 0, "PAR1") ? undefined : "no PAR1 magic at byte 0")],
  [
    "tfevents",
    (h) => (looksLikeTfRecord(h) ? undefined : "first 12 bytes are not a TFRecord length with a valid masked CRC32C"),
  ],
  [
    "hf-trainer-state",
    (h, text) => {
      if (isBinary(h)) return "binary data";
      const t = text().trimStart();
      if (!t.startsWith("{")) return "does not start with a JSON object";
      return /"log_history"\s*:/.test(t) ? undefined : 'JSON without a "log_history" key';
    },
  ],
  [
    "jsonl",
    (h, text) => {
      if (isBinary(h)) return "binary data";
      const lines = firstLines(text(), 3);
      if (lines.length === 0) return "no text lines";
      for (const [i, line] of lines.entries()) {
        if (i === lines.length - 1 && lines.length > 1 && h.byteLength >= SNIFF_BYTES) break; // may be cut
        let v: unknown;
        try {
          v = parsePythonJson(line);
        } catch {
          return `line ${i + 1} is not a JSON object`;
        }
        if (typeof v !== "object" || v === null || Array.isArray(v)) return `line ${i + 1} is not a JSON object`;
      }
      return undefined;
    },
  ],
  [
    "arcface-log",
    (h, text) => {
      if (isBinary(h)) return "binary data";
      const t = text();
      return /Loss\s+\S+.*Global Step:\s*\d/.test(t)
        ? undefined
        : "no metric line like 'Speed ... Loss <x> ... Global Step: <n>' in the first 64 KiB";
    },
  ],
  [
    "mlflow",
    (h, text) => {
      if (isBinary(h)) return "binary data";
      const lines = firstLines(text(), 3);
      if (lines.length === 0) return "no text lines";
      const ok = lines.every((l) => /^\d{9,}\s+\S+(\s+-?\d+)?$/.test(l.trim()));
      return ok ? undefined : "lines are not '<timestamp ms> <value> <step>'";
    },
  ],
  ["csv", (h, text) => delimitedReason(h, text, ",")],
  ["tsv", (h, text) => delimitedReason(h, text, "\t")],
];

function delimitedReason(h: Uint8Array, text: () => string, delim: string): string | undefined {
  if (isBinary(h)) return "binary data";
  const lines = firstLines(text(), 2);
  const header = lines[0]?.replace(/^\uFEFF/, "");
  if (header === undefined) return "no header line";
  const name = delim === "," ? "comma" : "tab";
  if (!header.includes(delim)) return `header line has no ${name}`;
  const cols = splitDelimited(header, delim).map((c) => c.trim());
  const c = discoverColumns(cols, {}, false);
  if (c.loss === undefined) return `header (${cols.slice(0, 6).join(", ")}) names no loss column`;
  if (c.step === undefined) return `header (${cols.slice(0, 6).join(", ")}) names no step / epoch column`;
  return undefined;
}

/**
 * Detect the format of a file from its first bytes. Throws FormatError listing every attempt.
 *
 * @example
 * detectFormat(new TextEncoder().encode("step,loss\n1,2\n"), "m.csv") // "csv"
 */
export function detectFormat(head: Uint8Array, file: string): FormatName {
  let decoded: string | undefined;
  const text = () => {
    decoded ??= new TextDecoder("utf-8", { fatal: false }).decode(head);
    return decoded;
  };
  const attempts: { format: string; reason: string }[] = [];
  for (const [format, check] of CHECKS) {
    const reason = check(head, text);
    if (reason === undefined) return format;
    attempts.push({ format, reason });
  }
  throw new FormatError(file, attempts);
}
