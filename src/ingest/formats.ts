/**
 * The format table: one entry per file format fastface reads. Detection (the order of `FORMATS` is the
 * order of the content checks), the CLI's `--format` choices and help, the options each format takes (an
 * option given for a format it does not apply to is an error), the loader's dispatch and the fuzz test's
 * parser list all derive from it. A new format is a parser file plus one entry here (see CONTRIBUTING.md).
 */
import type { ColumnOverrides } from "../curve/columns.ts";
import type { Curve, FormatName } from "../curve/curve.ts";
import { InputError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { ArcfaceLogParser, parseArcfaceLog } from "./arcface-log.ts";
import { parseTrainerState } from "./hf-state.ts";
import { Detectron2Parser, MmcvLogParser, MmengineScalarsParser, parseJsonLog } from "./json-logs.ts";
import { mlflowCurve, parseMlflowMetric } from "./mlflow.ts";
import { runName } from "./name.ts";
import {
  type Sniff,
  sniffArcfaceLog,
  sniffArrow,
  sniffDelimited,
  sniffDetectron2,
  sniffJsonl,
  sniffMlflow,
  sniffMmcv,
  sniffMmengine,
  sniffParquet,
  sniffTfEvents,
  sniffTrainerState,
} from "./sniff.ts";
import { DelimitedParser, JsonlParser, parseTable } from "./table.ts";
import { eventCurves, readEventScalars, type ScalarTable } from "./tfevents.ts";

/** Options of `loadFile` / `loadCurves` (the `--format`, `--tag`, `--*-col`, `--salvage` flags). */
export interface LoadOptions extends ColumnOverrides {
  /** Skip sniffing: read every file as this format. */
  format?: FormatName | undefined;
  /** Scalar tag to keep (TensorBoard, MLflow). */
  tag?: string | undefined;
  /** Keep the records before a corrupt / truncated one in event files (with a warning). */
  salvage?: boolean | undefined;
  /** Chunk size for streaming text files (bytes). */
  chunkBytes?: number | undefined;
  /** Longest line (or CSV record) accepted in a text file, in bytes (default 16 MiB). */
  maxLineBytes?: number | undefined;
}

/**
 * An incremental text parser fed by the loader's line reader. `lines` (consumed so far) names the line in a
 * line-too-long error; `points` and `reserve` let the loader size the columns from the file size.
 */
export interface TextParser {
  push(chunk: string): void;
  readonly lines?: number;
  readonly points?: number;
  reserve?(n: number): void;
}

/** Load options a format may take, with their command-line flags. */
export const OPTION_FLAGS = {
  tag: "--tag",
  stepCol: "--step-col",
  lossCol: "--loss-col",
  lrCol: "--lr-col",
  salvage: "--salvage",
} as const;
export type FormatOption = keyof typeof OPTION_FLAGS;

/** What an entry's `open` gets: the file, the options, and its content (gunzipped when it is gzip). */
export interface OpenInput {
  path: string;
  opts: LoadOptions;
  warnings: Warnings;
  /** True when the file is gzip-compressed (`stream` / `bytes` decompress it). */
  gzip: boolean;
  /** Stream the text through a parser in chunks of whole lines (bounded memory). */
  stream: (parser: TextParser) => Promise<void>;
  /** The whole content. */
  bytes: () => Promise<Uint8Array>;
}

export interface FormatEntry {
  name: FormatName;
  /** One line for `--help` and docs/ingest.md. */
  describe: string;
  /** Load options that apply to this format (others given with it are an error). */
  options: readonly FormatOption[];
  /** Content check on the first bytes: undefined when the file fits, else the reason it does not. */
  sniff: Sniff;
  /** Read a file (the only part that touches I/O, through `OpenInput`). */
  open: (input: OpenInput) => Promise<Curve[]>;
  /** Parse bytes held in memory (pure; for tests and the fuzz campaign). Absent for Parquet (DuckDB reads files). */
  parse?: (bytes: Uint8Array, source: string) => Curve[];
}

const decoder = new TextDecoder("utf-8", { fatal: false });
const text = (bytes: Uint8Array) => decoder.decode(bytes);
const COLUMNS: readonly FormatOption[] = ["stepCol", "lossCol", "lrCol"];
const JSON_LOG: readonly FormatOption[] = ["lossCol", "lrCol"];

/** A streamed text format: a parser object fed chunk by chunk. */
function streamed<P extends { push(c: string): void; finish(w: Warnings): Curve }>(
  make: (input: OpenInput) => P,
): FormatEntry["open"] {
  return async (input) => {
    const p = make(input);
    await input.stream(p);
    return [p.finish(input.warnings)];
  };
}

/**
 * Event files of one run -> curves, merged by wall time (files in name order).
 *
 * @example
 * eventRunCurves([{ source: "run/events.out.tfevents.1", bytes }], { name: "run", source: "run" })
 */
export function eventRunCurves(
  files: ReadonlyArray<{ source: string; bytes: Uint8Array }>,
  where: { name: string; source: string; tag?: string | undefined; salvage?: boolean | undefined },
  warnings: Warnings = new Warnings(),
): Curve[] {
  const table: ScalarTable = { tags: new Map(), plugins: new Map() };
  const sorted = [...files].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  for (const [rank, f] of sorted.entries()) {
    readEventScalars(f.bytes, { source: f.source, salvage: where.salvage ?? false, warnings, fileRank: rank }, table);
  }
  if (table.tags.size === 0) throw new InputError(where.source, M.noScalars, M.E_NO_SCALARS);
  return eventCurves(table, { name: where.name, source: where.source, tag: where.tag, warnings });
}

/** Every file format, in detection order (binary magics first, then JSON shapes, then text). */
export const FORMATS: readonly FormatEntry[] = [
  {
    name: "arrow",
    describe: "Arrow IPC / Feather table (a fastface curve file, or any table with step and loss columns)",
    options: COLUMNS,
    sniff: sniffArrow,
    // columnar.ts pulls in apache-arrow (~0.5 s to load): only when a file needs it
    open: async ({ path, opts, warnings, bytes }) => {
      const { parseArrowInput } = await import("./columnar.ts");
      return [parseArrowInput(await bytes(), path, opts, warnings)];
    },
  },
  {
    name: "parquet",
    describe: "Parquet table (a fastface curve file, or any table with step and loss columns)",
    options: COLUMNS,
    sniff: sniffParquet,
    open: async ({ path, opts, warnings, gzip }) => {
      if (gzip) throw new InputError(path, M.gzipUnsupported("Parquet"), M.E_GZIP);
      const { parseParquetInput } = await import("./columnar.ts");
      return parseParquetInput(path, opts, warnings);
    },
  },
  {
    name: "tfevents",
    describe: "TensorBoard event file (events.out.tfevents.*); one curve per scalar tag",
    options: ["tag", "salvage"],
    sniff: sniffTfEvents,
    open: async ({ path, opts, warnings, bytes }) =>
      eventRunCurves(
        [{ source: path, bytes: await bytes() }],
        { ...opts, name: runName(path), source: path },
        warnings,
      ),
    parse: (bytes, source) => {
      const table = readEventScalars(bytes, { source, salvage: false, warnings: new Warnings() });
      return table.tags.size === 0 ? [] : eventCurves(table, { name: runName(source), source });
    },
  },
  {
    name: "hf-trainer-state",
    describe: "HuggingFace Trainer trainer_state.json (log_history; eval_* entries kept as evaluations)",
    options: [],
    sniff: sniffTrainerState,
    open: async ({ path, warnings, bytes }) => [parseTrainerState(text(await bytes()), path, warnings)],
    parse: (bytes, source) => [parseTrainerState(text(bytes), source)],
  },
  {
    name: "detectron2",
    describe: "detectron2 metrics.json: iteration, total_loss (window median), lr; bbox/segm metrics as evaluations",
    options: JSON_LOG,
    sniff: sniffDetectron2,
    open: streamed(({ path, opts }) => new Detectron2Parser(path, opts)),
    parse: (bytes, source) => [parseJsonLog(text(bytes), source, "detectron2")],
  },
  {
    name: "mmcv-log-json",
    describe: "mmcv / mmdet 2.x <timestamp>.log.json: mode train/val lines; epoch-based iter made global",
    options: JSON_LOG,
    sniff: sniffMmcv,
    open: streamed(({ path, opts }) => new MmcvLogParser(path, opts)),
    parse: (bytes, source) => [parseJsonLog(text(bytes), source, "mmcv-log-json")],
  },
  {
    name: "mmengine-scalars",
    describe: "mmengine vis_data/scalars.json: step, loss, lr; metric lines kept as evaluations",
    options: JSON_LOG,
    sniff: sniffMmengine,
    open: streamed(({ path, opts }) => new MmengineScalarsParser(path, opts)),
    parse: (bytes, source) => [parseJsonLog(text(bytes), source, "mmengine-scalars")],
  },
  {
    name: "jsonl",
    describe: "JSON Lines: one object per line with step and loss keys (found by name like table columns)",
    options: COLUMNS,
    sniff: sniffJsonl,
    open: streamed(({ path, opts }) => new JsonlParser(path, opts)),
    parse: (bytes, source) => [parseTable(text(bytes), source, "jsonl")],
  },
  {
    name: "arcface-log",
    describe: "insightface arcface_torch / FastFace training.log (Loss ... Global Step lines, config header)",
    options: [],
    sniff: sniffArcfaceLog,
    open: streamed(({ path }) => new ArcfaceLogParser(path)),
    parse: (bytes, source) => [parseArcfaceLog(text(bytes), source)],
  },
  {
    name: "mlflow",
    describe: "MLflow file store: one metric file (<ms> <value> <step> lines), or a run folder with metrics/",
    options: ["tag"],
    sniff: sniffMlflow,
    open: async ({ path, warnings, bytes }) => {
      const key = runName(path.replace(/\.gz$/i, "").split(/[\\/]/).pop() ?? "metric");
      const series = parseMlflowMetric(text(await bytes()), path, warnings);
      return [mlflowCurve(series, { run: runName(path), key, source: path, lossKey: key }, warnings)];
    },
    parse: (bytes, source) => {
      const series = parseMlflowMetric(text(bytes), source);
      return [mlflowCurve(series, { run: "fuzz", key: "metric", source, lossKey: "metric" })];
    },
  },
  {
    name: "csv",
    describe:
      "CSV with a header (Lightning metrics.csv, Keras CSVLogger, ...), or headerless with --step-col N --loss-col M",
    options: COLUMNS,
    sniff: sniffDelimited(","),
    open: streamed(({ path, opts }) => new DelimitedParser(path, "csv", opts)),
    parse: (bytes, source) => [parseTable(text(bytes), source, "csv")],
  },
  {
    name: "tsv",
    describe: "TSV (tab-separated), like csv",
    options: COLUMNS,
    sniff: sniffDelimited("\t"),
    open: streamed(({ path, opts }) => new DelimitedParser(path, "tsv", opts)),
    parse: (bytes, source) => [parseTable(text(bytes), source, "tsv")],
  },
];

/** Format names in detection order (the `--format` choices). */
export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

/**
 * The entry of a format name, or undefined.
 *
 * @example
 * formatEntry("csv")?.options // ["stepCol", "lossCol", "lrCol"]
 */
export function formatEntry(name: string): FormatEntry | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** The load options set in `opts` (a flag given on the command line). */
export function givenOptions(opts: LoadOptions): FormatOption[] {
  return (Object.keys(OPTION_FLAGS) as FormatOption[]).filter((k) =>
    k === "salvage" ? opts.salvage === true : opts[k] !== undefined,
  );
}

/**
 * The flags among `given` that none of `formats` takes (empty when every flag applies to one of them).
 *
 * @example
 * inapplicable(["tag"], ["arcface-log"]) // ["--tag"]
 */
export function inapplicable(given: readonly FormatOption[], formats: readonly string[]): string[] {
  const entries = formats.map(formatEntry);
  return given.filter((o) => !entries.some((e) => e?.options.includes(o))).map((o) => OPTION_FLAGS[o]);
}

/** Flags a format takes, for messages. */
export function optionFlags(format: string): string[] {
  return (formatEntry(format)?.options ?? []).map((o) => OPTION_FLAGS[o]);
}
