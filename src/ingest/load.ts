/**
 * The only file-system edge of ingest: a file or a folder -> curves. Text formats (training.log, CSV / TSV,
 * JSONL, JSON logs) are streamed in 64 KiB chunks through the bounded line reader into incremental parsers, so memory grows with the number
 * of points, not with the file size; gzip files (`training.log.gz`, `metrics.csv.gz`) are decompressed on the
 * fly. Which parser reads a file comes from the format table (formats.ts). Folders: event files in one folder
 * are one run (merged by wall time); an MLflow run folder (`<run>/metrics/<key>`) is one run; every other file
 * is sniffed and read on its own.
 */
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { createGunzip } from "node:zlib";
import { isLrName, lossTagChoice, pickLossTag } from "../curve/columns.ts";
import type { Curve, FormatName } from "../curve/curve.ts";
import { ConfigError, FastfaceError, FormatError, InputError, ParseError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { hasMetricLine } from "./arcface-log.ts";
import { checkLfsPointer, detectFormat } from "./detect.ts";
import {
  eventRunCurves,
  FORMAT_NAMES,
  formatEntry,
  givenOptions,
  inapplicable,
  type LoadOptions,
  optionFlags,
  type TextParser,
} from "./formats.ts";
import { mlflowCurve, parseMlflowMetric } from "./mlflow.ts";
import { runName } from "./name.ts";
import { readLines } from "./reader.ts";
import { isGzip, SNIFF_BYTES } from "./sniff.ts";
import { asOfJoin } from "./tfevents.ts";

export type { LoadOptions } from "./formats.ts";

function checkFormat(f: string | undefined): void {
  if (f !== undefined && formatEntry(f) === undefined) throw new ConfigError(M.unknownFormat(f, FORMAT_NAMES));
}

/** ConfigError when a given option applies to none of `formats` (e.g. `--tag` with an arcface log). */
function checkApplicable(opts: LoadOptions, formats: readonly string[], where: string): void {
  const bad = inapplicable(givenOptions(opts), formats);
  if (bad.length === 0 || formats.length === 0) return;
  const fmt = [...new Set(formats)].join(" / ");
  const takes = [...new Set(formats.flatMap(optionFlags))];
  throw new ConfigError(`${where}: ${M.optionNotApplicable(bad, fmt, takes)}`, M.E_OPTION_NOT_APPLICABLE);
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, code === "ENOENT" ? M.notFound : M.unreadable(String(code ?? e)));
  }
}

async function readRawHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first SNIFF_BYTES of the decompressed content of a gzip file (a cut stream is fine here). */
async function gunzipHead(path: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  const z = createReadStream(path).pipe(createGunzip());
  try {
    for await (const c of z) {
      parts.push(c as Buffer);
      size += (c as Buffer).byteLength;
      if (size >= SNIFF_BYTES) break;
    }
  } catch (e) {
    if (size === 0) throw new ParseError(M.badGzip((e as Error).message), { file: path }, "gzip data");
  } finally {
    z.destroy();
  }
  return new Uint8Array(Buffer.concat(parts)).subarray(0, SNIFF_BYTES);
}

/** A readable of the file's content, decompressed when it is gzip. */
function contentStream(path: string, gzip: boolean, chunkBytes: number) {
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  return gzip ? raw.pipe(createGunzip({ chunkSize: Math.min(chunkBytes, 1 << 20) })) : raw;
}

/**
 * A file's bytes in chunks read into one reused buffer (no buffer per chunk left for the collector): each
 * chunk is valid until the next one is asked for, which is how `readLines` uses them.
 */
async function* fileChunks(path: string, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Stream a text file (plain, or gzip decompressed on the fly) through an incremental parser in bounded
 * memory: whole lines in blocks through the bounded line reader (a line over `maxLineBytes` is a ParseError
 * naming it; a byte order mark is dropped). With the file's size known (plain files), the parser is told how
 * many points to expect after the first 4 MiB, so its columns are filled in place instead of being copied at
 * the end. A gzip stream that ends early keeps what was read before the cut (warning `W_GZIP_TRUNCATED`);
 * corrupt gzip data is a ParseError.
 */
async function streamText(
  path: string,
  gzip: boolean,
  p: TextParser,
  opts: { chunkBytes: number; maxLineBytes?: number | undefined; size: number },
  warnings: Warnings,
): Promise<void> {
  let bytes = 0;
  let estimated = gzip; // a compressed file's size says nothing about its points
  const counted = async function* (src: AsyncIterable<Uint8Array>) {
    for await (const c of src) {
      bytes += c.byteLength;
      yield c;
    }
  };
  const source = gzip ? contentStream(path, true, opts.chunkBytes) : fileChunks(path, opts.chunkBytes);
  try {
    await readLines(
      counted(source as AsyncIterable<Uint8Array>),
      (b, s, e) => e > s && p.push(b.toString("utf8", s, e)),
      {
        source: path,
        maxLineBytes: opts.maxLineBytes,
        lineNumber: () => (p.lines ?? Number.NaN) + 1,
        onBlock: (done) => {
          // estimate from the first 4 MiB (or eighth of the file): enough lines to average over
          const points = p.points ?? 0;
          if (estimated || p.reserve === undefined || points === 0 || done < Math.min(4 << 20, opts.size / 8)) return;
          estimated = true;
          p.reserve(Math.ceil(((points * opts.size) / done) * 1.02) + 1024);
        },
      },
    );
  } catch (e) {
    if (e instanceof FastfaceError) throw e; // the parser's or the line reader's own error
    const err = e as NodeJS.ErrnoException;
    if (!gzip) throw new InputError(path, M.unreadable(String(err.code ?? err.message)));
    if (err.code === "Z_BUF_ERROR" || /unexpected end/i.test(err.message)) {
      warnings.add(M.W_GZIP_TRUNCATED, M.gzipTruncated(bytes), { file: path });
    } else {
      throw new ParseError(M.badGzip(err.message, bytes), { file: path, byteOffset: bytes }, "gzip data");
    }
  }
}

/** How far past the sniffed head a text file is searched for its first metric line. */
const DEEP_SNIFF_BYTES = 64 << 20;

/**
 * Detect from the head; when nothing fits a plain text file longer than the head, look further for a
 * training.log metric line (a log whose header, warnings or tracebacks fill the first 64 KiB), up to 64 MiB.
 */
async function detectDeep(
  head: Uint8Array,
  path: string,
  opts: LoadOptions,
  cut: boolean,
  deep: boolean,
): Promise<FormatName> {
  try {
    return detectFormat(head, path, opts, cut);
  } catch (e) {
    if (!(e instanceof FormatError) || !deep || !cut || head.subarray(0, 4096).includes(0)) throw e;
    const stop = new Error("found");
    let seen = 0;
    try {
      await readLines(
        fileChunks(path, 1 << 20),
        (b, s, end) => {
          if (hasMetricLine(b.toString("utf8", s, end))) throw stop;
          seen += end - s;
          if (seen > DEEP_SNIFF_BYTES) throw e;
        },
        { source: path, lineNumber: () => 0 },
      );
    } catch (found) {
      if (found === stop) return "arcface-log";
      if (found === e || found instanceof ParseError) throw e;
      throw found;
    }
    throw e;
  }
}

/** The whole content, decompressed when it is gzip. */
async function readContent(path: string, gzip: boolean): Promise<Uint8Array> {
  if (!gzip) return readFile(path);
  const parts: Buffer[] = [];
  try {
    for await (const c of contentStream(path, true, 1 << 20)) parts.push(c as Buffer);
  } catch (e) {
    throw new ParseError(M.badGzip((e as Error).message), { file: path }, "complete gzip data");
  }
  return new Uint8Array(Buffer.concat(parts));
}

const isEventFile = (name: string) => /(^|\.)tfevents\./.test(name) || name.startsWith("events.out.tfevents");

/** A loss chosen among component losses gets a warning, so that a guess never passes silently. */
function warnGuessedLoss(curve: Curve): void {
  const lc = curve.meta.lossColumn;
  if (lc === undefined || !lc.why.startsWith("no total loss")) return;
  if (curve.meta.warnings.some((w) => w.code === M.W_LOSS_GUESSED)) return;
  curve.meta.warnings.push({
    code: M.W_LOSS_GUESSED,
    message: M.lossGuessed(lc.name, lc.alternatives),
    location: { file: curve.meta.source },
  });
}

/**
 * Read one file as curves (one per scalar tag for event / metric files, otherwise one). Gzip files are
 * read transparently. An option that does not apply to the file's format (`--tag` for a CSV) is a
 * ConfigError naming the options that do.
 *
 * @example
 * const [curve] = await loadFile("runs/ms1mv3_r50/training.log");
 */
export async function loadFile(path: string, opts: LoadOptions = {}, strictOptions = true): Promise<Curve[]> {
  checkFormat(opts.format);
  const st = await statOrThrow(path);
  if (st.size === 0) throw new InputError(path, M.emptyFile, M.E_EMPTY);
  let head: Uint8Array;
  try {
    head = await readRawHead(path, SNIFF_BYTES);
  } catch (e) {
    throw new InputError(path, M.unreadable(String((e as NodeJS.ErrnoException).code ?? e)));
  }
  checkLfsPointer(head, path);
  const gzip = isGzip(head);
  const content = gzip ? await gunzipHead(path) : head;
  const cut = gzip ? content.byteLength >= SNIFF_BYTES : st.size > head.byteLength;
  const format = opts.format ?? (await detectDeep(content, path, opts, cut, !gzip));
  if (strictOptions) checkApplicable(opts, [format], path);
  const entry = formatEntry(format);
  if (entry === undefined) throw new ConfigError(M.unknownFormat(String(format), FORMAT_NAMES));
  const warnings = new Warnings();
  // 64 KiB: each decoded block is a young-generation string, collected at once (1 MiB blocks pile up)
  const chunk = opts.chunkBytes ?? 64 << 10;
  const curves = await entry.open({
    path,
    opts,
    warnings,
    gzip,
    stream: (parser) =>
      streamText(path, gzip, parser, { chunkBytes: chunk, maxLineBytes: opts.maxLineBytes, size: st.size }, warnings),
    bytes: () => readContent(path, gzip),
  });
  for (const c of curves) warnGuessedLoss(c);
  return curves;
}

/** Event files of one run (one folder) -> curves, merged by wall time. */
async function eventRun(files: string[], source: string, name: string, opts: LoadOptions): Promise<Curve[]> {
  const read = [];
  for (const file of files) read.push({ source: file, bytes: await readFile(file) });
  return eventRunCurves(read, { name, source, tag: opts.tag, salvage: opts.salvage });
}

/** An MLflow run folder (`<run>/metrics/<key>` files, keys may contain `/`) -> curves. */
async function mlflowRun(runDir: string, opts: LoadOptions): Promise<Curve[]> {
  const metricsDir = join(runDir, "metrics");
  const files = await walkFiles(metricsDir);
  const keys = files.map((f) => relative(metricsDir, f).split(sep).join("/"));
  if (opts.tag !== undefined && !keys.includes(opts.tag)) throw new ConfigError(M.noSuchTag(opts.tag, keys));
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
        curves.push(...(await loadFile(p, opts, false)));
      } catch (err) {
        if (!(err instanceof FastfaceError) || err instanceof ConfigError) throw err;
        skipped.add(M.W_SKIPPED_FILE, M.skippedFile(err.message.split("\n")[0] ?? err.message), { file: p });
      }
    }
  }
  if (eventFiles.length > 0) {
    try {
      curves.push(...(await eventRun(eventFiles, dir, basename(resolve(dir)) || runName(dir), opts)));
    } catch (err) {
      if (!(err instanceof InputError) || err.code !== M.E_NO_SCALARS) throw err;
      skipped.add(M.W_SKIPPED_FILE, M.skippedFile(err.message), { file: dir });
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
    throw new InputError(path, `${M.emptyDir}${why}`, M.E_EMPTY);
  }
  // in a folder an option needs to apply to one of the formats found (--tag for its event files, ...)
  checkApplicable(
    opts,
    curves.map((c) => c.meta.format),
    path,
  );
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
    const choice = lossTagChoice(tags);
    if (choice === undefined) throw new ConfigError(M.ambiguousTag(tags));
    const tag = choice.name;
    const chosen = curves[tags.indexOf(tag)] as Curve;
    chosen.meta.lossColumn = { name: tag, why: choice.why, alternatives: tags.filter((t) => t !== tag) };
    chosen.meta.warnings.push({ code: M.W_TAG_CHOSEN, message: M.tagChosen(tag, tags), location: { file: path } });
    return chosen;
  }
  throw new ConfigError(
    `${path}: ${M.multipleCurves(
      curves.length,
      curves.map((c) => c.meta.name),
    )}`,
  );
}
