/**
 * The only file-system edge of ingest: a file or a folder -> curves. Text formats (training.log, CSV / TSV,
 * JSONL) are streamed in 1 MiB chunks through incremental parsers, so memory grows with the number of points,
 * not with the file size. Folders: event files in one folder are one run (merged by wall time); an MLflow
 * run folder (`<run>/metrics/<key>`) is one run; every other file is sniffed and read on its own.
 */
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { type ColumnOverrides, isLrName, pickLossTag } from "../curve/columns.ts";
import type { Curve, FormatName } from "../curve/curve.ts";
import { ConfigError, FastfaceError, InputError, Warnings } from "../errors.ts";
import { msg, W } from "../messages/ingest.ts";
import { ArcfaceLogParser } from "./arcface-log.ts";
import { detectFormat, FILE_FORMATS, SNIFF_BYTES } from "./detect.ts";
import { parseTrainerState } from "./hf-state.ts";
import { mlflowCurve, parseMlflowMetric } from "./mlflow.ts";
import { runName } from "./name.ts";
import { DelimitedParser, JsonlParser } from "./table.ts";
import { asOfJoin, eventCurves, readEventScalars, type ScalarTable } from "./tfevents.ts";

export interface LoadOptions extends ColumnOverrides {
  /** Skip sniffing: read every file as this format. */
  format?: FormatName | undefined;
  /** Scalar tag to keep (TensorBoard, MLflow). */
  tag?: string | undefined;
  /** Keep the records before a corrupt / truncated one in event files (with a warning). */
  salvage?: boolean | undefined;
  /** Chunk size for streaming text files (bytes). */
  chunkBytes?: number | undefined;
}

const ALL_FORMATS: readonly FormatName[] = [...FILE_FORMATS];

function checkFormat(f: FormatName | undefined): void {
  if (f !== undefined && !ALL_FORMATS.includes(f)) throw new ConfigError(msg.unknownFormat(f, ALL_FORMATS));
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, code === "ENOENT" ? msg.notFound : msg.unreadable(String(code ?? e)));
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Stream a text file through an incremental parser in bounded memory. */
async function streamText(path: string, push: (chunk: string) => void, chunkBytes: number): Promise<void> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: chunkBytes });
  for await (const chunk of stream) push(chunk as string);
}

const isEventFile = (name: string) => /(^|\.)tfevents\./.test(name) || name.startsWith("events.out.tfevents");

/**
 * Read one file as curves (one per scalar tag for event / metric files, otherwise one).
 *
 * @example
 * const [curve] = await loadFile("runs/ms1mv3_r50/training.log");
 */
export async function loadFile(path: string, opts: LoadOptions = {}): Promise<Curve[]> {
  checkFormat(opts.format);
  const st = await statOrThrow(path);
  if (st.size === 0) throw new InputError(path, msg.emptyFile, "E_EMPTY");
  let head: Uint8Array;
  try {
    head = await readHead(path);
  } catch (e) {
    throw new InputError(path, msg.unreadable(String((e as NodeJS.ErrnoException).code ?? e)));
  }
  const format = opts.format ?? detectFormat(head, path);
  const warnings = new Warnings();
  const chunk = opts.chunkBytes ?? 1 << 20;
  switch (format) {
    case "arcface-log": {
      const p = new ArcfaceLogParser(path);
      await streamText(path, (c) => p.push(c), chunk);
      return [p.finish(warnings)];
    }
    case "csv":
    case "tsv": {
      const p = new DelimitedParser(path, format, { ...opts, warnings });
      await streamText(path, (c) => p.push(c), chunk);
      return [p.finish(warnings)];
    }
    case "jsonl": {
      const p = new JsonlParser(path, { ...opts, warnings });
      await streamText(path, (c) => p.push(c), chunk);
      return [p.finish(warnings)];
    }
    case "hf-trainer-state":
      return [parseTrainerState(await readFile(path, "utf8"), path, warnings)];
    case "tfevents":
      return eventRun([path], path, runName(path), opts);
    case "mlflow": {
      const key = path.split(/[\\/]/).pop() ?? "metric";
      const series = parseMlflowMetric(await readFile(path, "utf8"), path, warnings);
      return [mlflowCurve(series, { run: runName(path), key, source: path, lossKey: key }, warnings)];
    }
    // columnar.ts pulls in apache-arrow (~0.5 s to load): only when a file needs it
    case "arrow": {
      const { parseArrowInput } = await import("./columnar.ts");
      return [parseArrowInput(await readFile(path), path, opts, warnings)];
    }
    case "parquet": {
      const { parseParquetInput } = await import("./columnar.ts");
      return [await parseParquetInput(path, opts, warnings)];
    }
    default:
      throw new ConfigError(msg.unknownFormat(String(format), ALL_FORMATS));
  }
}

/** Event files of one run (one folder) -> curves, merged by wall time. */
async function eventRun(files: string[], source: string, name: string, opts: LoadOptions): Promise<Curve[]> {
  const warnings = new Warnings();
  const table: ScalarTable = { tags: new Map(), plugins: new Map() };
  const sorted = [...files].sort();
  for (const [rank, file] of sorted.entries()) {
    const bytes = await readFile(file);
    readEventScalars(bytes, { source: file, salvage: opts.salvage ?? false, warnings, fileRank: rank }, table);
  }
  if (table.tags.size === 0) {
    throw new InputError(source, "event files hold no scalar summaries", "E_NO_SCALARS");
  }
  return eventCurves(table, { name, source, tag: opts.tag, warnings });
}

/** An MLflow run folder (`<run>/metrics/<key>` files, keys may contain `/`) -> curves. */
async function mlflowRun(runDir: string, opts: LoadOptions): Promise<Curve[]> {
  const metricsDir = join(runDir, "metrics");
  const files = await walkFiles(metricsDir);
  const keys = files.map((f) => relative(metricsDir, f).split(sep).join("/"));
  if (opts.tag !== undefined && !keys.includes(opts.tag)) throw new ConfigError(msg.noSuchTag(opts.tag, keys));
  let name = runName(runDir);
  try {
    const runNameTag = (await readFile(join(runDir, "tags", "mlflow.runName"), "utf8")).trim();
    if (runNameTag.length > 0) name = runNameTag;
  } catch {
    // no run name tag: keep the folder name
  }
  const lossKey = pickLossTag(keys);
  const lrKeys = keys.filter(isLrName);
  const series = new Map<string, ReturnType<typeof parseMlflowMetric>>();
  const warnings = new Warnings();
  for (const [i, f] of files.entries())
    series.set(keys[i] as string, parseMlflowMetric(await readFile(f, "utf8"), f, warnings));
  const curves: Curve[] = [];
  for (const key of opts.tag !== undefined ? [opts.tag] : [...keys].sort()) {
    const s = series.get(key);
    if (s === undefined) continue;
    let lr: Float64Array | undefined;
    if (key === lossKey && lrKeys.length === 1 && lrKeys[0] !== key) {
      const l = series.get(lrKeys[0] as string);
      if (l !== undefined) lr = asOfJoin(s.step, l.step, l.value);
    }
    const w = new Warnings();
    w.list.push(...warnings.list);
    curves.push(mlflowCurve(s, { run: name, key, source: runDir, lossKey }, w, lr));
  }
  return curves;
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function isMlflowRun(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, "metrics"))).isDirectory();
  } catch {
    return false;
  }
}

/** Walk a folder: event-file folders and MLflow runs become runs; other files are read one by one. */
async function loadFolder(dir: string, opts: LoadOptions, skipped: Warnings): Promise<Curve[]> {
  if (await isMlflowRun(dir)) return mlflowRun(dir, opts);
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const curves: Curve[] = [];
  const eventFiles: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      curves.push(...(await loadFolder(p, opts, skipped)));
    } else if (e.isFile()) {
      if (opts.format === undefined && isEventFile(e.name)) {
        eventFiles.push(p);
        continue;
      }
      if (/\.(ya?ml|md|png|jpe?g|pt|pth|ckpt|bin|safetensors)$/i.test(e.name) || e.name === "meta.yaml") continue;
      try {
        curves.push(...(await loadFile(p, opts)));
      } catch (err) {
        if (!(err instanceof FastfaceError) || err instanceof ConfigError) throw err;
        skipped.add(W.skippedFile, msg.skippedFile(err.message.split("\n")[0] ?? err.message), { file: p });
      }
    }
  }
  if (eventFiles.length > 0) {
    try {
      curves.push(...(await eventRun(eventFiles, dir, basename(resolve(dir)) || runName(dir), opts)));
    } catch (err) {
      if (!(err instanceof InputError) || err.code !== "E_NO_SCALARS") throw err;
      skipped.add(W.skippedFile, msg.skippedFile(err.message), { file: dir });
    }
  }
  return curves;
}

/**
 * Load every curve under a path: a file (auto-detected, or `opts.format`) or a folder (walked recursively).
 * Folder files that no parser accepts are skipped with a `W_SKIPPED_FILE` warning on the first curve; an
 * empty file or a folder with nothing usable is an InputError.
 *
 * @example
 * const curves = await loadCurves("runs/", { salvage: true });
 */
export async function loadCurves(path: string, opts: LoadOptions = {}): Promise<Curve[]> {
  checkFormat(opts.format);
  const st = await statOrThrow(path);
  if (!st.isDirectory()) return loadFile(path, opts);
  const skipped = new Warnings();
  const curves = await loadFolder(path, opts, skipped);
  if (curves.length === 0) {
    const why = skipped.list.length > 0 ? ` (${skipped.list.length} file(s) skipped)` : "";
    throw new InputError(path, `${msg.emptyDir}${why}`, "E_EMPTY");
  }
  if (skipped.list.length > 0) (curves[0] as Curve).meta.warnings.push(...skipped.list);
  return curves;
}

/**
 * Load exactly one curve: with several (tags of one run), the obvious loss tag is chosen and a
 * `W_TAG_CHOSEN` warning says which; otherwise a ConfigError asks for `--tag` or a narrower path.
 *
 * @example
 * const curve = await loadCurve("runs/ms1mv3_r50/");
 */
export async function loadCurve(path: string, opts: LoadOptions = {}): Promise<Curve> {
  const curves = await loadCurves(path, opts);
  if (curves.length === 1) return curves[0] as Curve;
  const sources = new Set(curves.map((c) => c.meta.source));
  const tags = curves.map((c) => c.meta.tag ?? c.meta.name);
  if (sources.size === 1) {
    const tag = pickLossTag(tags);
    if (tag === undefined) throw new ConfigError(msg.ambiguousTag(tags));
    const chosen = curves[tags.indexOf(tag)] as Curve;
    chosen.meta.warnings.push({ code: W.tagChosen, message: msg.tagChosen(tag, tags), location: { file: path } });
    return chosen;
  }
  throw new ConfigError(
    `${path}: ${msg.multipleCurves(
      curves.length,
      curves.map((c) => c.meta.name),
    )}`,
  );
}
