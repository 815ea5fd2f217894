/**
 * Message catalogue of the ingest area: warning codes (`W_...`) and the texts of warnings and errors raised
 * while reading logs, event files, tables and curve files. Tests match on the codes, users read the texts.
 */

/** Steps went back (a resumed run) or repeated: the latest segment wins. */
export const W_RESUMED_RUN = "W_RESUMED_RUN";
/** The same step logged twice in a row: the latest value wins. */
export const W_DUPLICATE_STEPS = "W_DUPLICATE_STEPS";
/** Non-finite losses (NaN / ±Inf) were kept in the curve. */
export const W_NONFINITE_LOSS = "W_NONFINITE_LOSS";
/** Lines that looked like metric lines but could not be read were skipped. */
export const W_MALFORMED_LINES = "W_MALFORMED_LINES";
/** Points with a missing or non-finite step were dropped. */
export const W_BAD_STEP = "W_BAD_STEP";
/** Non-integer steps were rounded to the nearest integer. */
export const W_NONINTEGER_STEP = "W_NONINTEGER_STEP";
/** --salvage kept the records before a corrupt / truncated one. */
export const W_SALVAGED = "W_SALVAGED";
/** A default tag was chosen among several scalar tags. */
export const W_TAG_CHOSEN = "W_TAG_CHOSEN";
/** A file in a folder could not be read and was skipped. */
export const W_SKIPPED_FILE = "W_SKIPPED_FILE";
/** The steps look like two runs written to one file at the same time. */
export const W_INTERLEAVED_RUNS = "W_INTERLEAVED_RUNS";
/** mmcv epoch-based log: the epoch length (for global steps) was taken from the log. */
export const W_EPOCH_LENGTH = "W_EPOCH_LENGTH";
/** The loss column was a guess among component losses (no total loss found). */
export const W_LOSS_GUESSED = "W_LOSS_GUESSED";
/** A time-like column held durations (seconds per step), not clock times: not used as wall time. */
export const W_NOT_WALL_TIME = "W_NOT_WALL_TIME";
/** A gzip file ended early: the points before the cut were kept. */
export const W_GZIP_TRUNCATED = "W_GZIP_TRUNCATED";

/** An option (--tag, --step-col, ...) that the input's format does not take. */
export const E_OPTION_NOT_APPLICABLE = "E_OPTION_NOT_APPLICABLE";
/** An empty file, or a folder with nothing fastface reads. */
export const E_EMPTY = "E_EMPTY";
/** Event files without any scalar summary. */
export const E_NO_SCALARS = "E_NO_SCALARS";
/** A format that cannot be read from inside gzip. */
export const E_GZIP = "E_GZIP";
/** A Git LFS pointer in place of the file. */
export const E_LFS_POINTER = "E_LFS_POINTER";
/** An output that cannot be written (src/io/atomic.ts). */
export const E_WRITE = "E_WRITE";
/** An output that exists (no --force). */
export const E_EXISTS = "E_EXISTS";

export const resumedRun = (dropped: number, restarts: number, firstStep: number) =>
  `steps went back ${restarts} time(s) (a resumed run?); kept the latest segment, dropped ${dropped} earlier point(s) (first restart at step ${firstStep})`;
export const duplicateSteps = (count: number, firstStep: number) =>
  `${count} duplicate step(s) (first at step ${firstStep}); the latest value wins`;
export const nonFinite = (nan: number, posInf: number, negInf: number) =>
  `loss has ${nan} NaN, ${posInf} +Inf, ${negInf} -Inf value(s); kept in the curve (see docs/ingest.md for how they are used)`;
export const malformedLines = (count: number, lines: readonly number[]) =>
  `skipped ${count} malformed metric line(s); first at line(s) ${lines.join(", ")}`;
export const badStep = (count: number) => `dropped ${count} point(s) with a missing or non-finite step`;
export const nonIntegerStep = (count: number) => `rounded ${count} non-integer step(s) to the nearest integer`;
export const salvaged = (kept: number, dropped: number, offset: number) =>
  `--salvage: kept ${kept} record(s) before the bad record at byte ${offset}; dropped the rest (${dropped} byte(s))`;
export const skippedRecord = (n: number, offset: number, why: string) =>
  `--salvage: skipped record ${n} at byte ${offset} (its checksums hold but its payload does not decode: ${why}); read on after it`;
export const tagChosen = (tag: string, tags: readonly string[]) =>
  `using tag '${tag}' as the loss (tags: ${tags.join(", ")}); pick another with --tag`;
export const skippedFile = (reason: string) => `skipped: ${reason}`;
export const interleavedBack = (back: number, n: number) =>
  `steps go back ${back} times in ${n} points: this looks like two or more runs written to one file at the same time (interleaved lines), not a resumed run; the latest-wins cleaning keeps a mix of them. Split the file by run`;
export const interleavedOffset = (n: number) =>
  `steps rise by two alternating gaps over ${n} points (like 100, 105, 200, 205): this looks like two runs with offset steps written to one file at the same time, read here as one zig-zag curve. Split the file by run`;
export const epochLength = (n: number) =>
  `mmcv counts 'iter' within each epoch and does not log the epoch length: took ${n} (the largest iter of a full epoch) for global steps = (epoch - 1) * ${n} + iter; the true length may be up to one logging interval longer`;
export const lossGuessed = (name: string, others: readonly string[]) =>
  `no total loss column: took '${name}' among ${others.length + 1} loss-like columns (${others.slice(0, 6).join(", ")}); pick one with --loss-col`;
export const notWallTime = (first: number) =>
  `the time column starts at ${first}, which is no clock time (seconds per iteration?): not used as wall time`;
export const gzipTruncated = (bytes: number) =>
  `gzip data ends early (after ${bytes} decompressed byte(s)): kept the points read before the cut`;
export const lfsPointer = (oid: string, size: string) =>
  `is a Git LFS pointer (oid ${oid}, ${size} bytes), not the file itself: run \`git lfs pull\` in its repository`;
export const optionNotApplicable = (flags: readonly string[], format: string, applicable: readonly string[]) =>
  `${flags.join(", ")} ${flags.length === 1 ? "does" : "do"} not apply to ${format} files; options that apply to ${format}: ${
    applicable.length > 0 ? applicable.join(", ") : "none"
  }`;
export const gzipUnsupported = (format: string) =>
  `${format} inside gzip is not supported: decompress it first (gunzip)`;

export const columnLengths = (name: string, got: number, want: number) =>
  `column '${name}' has ${got} value(s) but 'step' has ${want}`;
export const noPoints = "no loss points found";
export const lineTooLong = (max: number) =>
  `line is longer than ${max} bytes (the cap on one line; a binary or broken file?)`;
export const unclosedQuote = "a quoted field opened on this line never closes";
export const noUsableStep = (n: number) =>
  `none of the ${n} point(s) has a usable step (every step cell is empty or not a number)`;
export const noFiniteLoss = (name: string, n: number) =>
  `curve '${name}' has no finite loss (${n} point(s), all NaN / Inf): nothing to replay, sweep or fit`;
export const noScalars = "event files hold no scalar summaries";
export const emptyFile = "is empty";
export const emptyDir = "has no file fastface can read (logs, event files, tables, curve files, mlruns)";
export const notFound = "does not exist";
export const unreadable = (why: string) => `cannot be read: ${why}`;
export const unwritable = (why: string) => `cannot be written: ${why}`;
export const unknownFormat = (f: string, valid: readonly string[]) =>
  `unknown format '${f}'; valid: ${valid.join(", ")}`;
export const noSuchTag = (tag: string, tags: readonly string[]) =>
  `no scalar tag '${tag}'; tags found: ${tags.join(", ") || "none"}`;
export const ambiguousTag = (tags: readonly string[]) =>
  `several scalar tags and none is an obvious loss: ${tags.join(", ")}; pick one with --tag`;
export const noColumn = (what: string, header: readonly string[]) =>
  `no ${what} column; columns: ${header.join(", ")} (name it with --${what}-col)`;
export const noSuchColumn = (col: string, header: readonly string[]) =>
  `no column '${col}'; columns: ${header.join(", ")} (or give a 0-based position, e.g. --loss-col 1)`;
export const headerless = (n: number) =>
  `the first line is ${n} numbers, not a header (a headerless table): name the columns by 0-based position, e.g. --step-col 0 --loss-col 1`;
export const multipleCurves = (n: number, names: readonly string[]) =>
  `holds ${n} curves (${names.slice(0, 8).join(", ")}${n > 8 ? ", ..." : ""}); pick one with --tag or a narrower path`;

export const truncatedHeader = "record header cut short";
export const badLength = (len: string) => `record length ${len} runs past the end of the file`;
export const badHeaderCrc = "length CRC32C does not match";
export const badDataCrc = "data CRC32C does not match";
export const truncatedData = "record data cut short";
export const badProto = (why: string) => `malformed protobuf: ${why}`;
export const badCurveFile = (why: string) => `not a fastface curve file: ${why}`;
export const badJson = (why: string) => `invalid JSON: ${why}`;
export const notObject = "a JSON object per line";
export const outputExists = "exists; pass --force to overwrite";
export const oneFileSeveralCurves = (out: string, names: readonly string[]) =>
  `--out ${out} is one file but the input holds ${names.length} curves (${names.join(", ")}); pass --tag, or give a folder as --out`;
export const badOutputExtension = (path: string) => `${path}: output must end in .arrow, .feather or .parquet`;
export const badArrowIpc = (why: string) => `invalid Arrow IPC: ${why}`;
export const badArrowIpcFraming = (why: string) => `invalid Arrow IPC framing: ${why}`;
export const badArrowIpcMetadata = (why: string) => `invalid Arrow IPC metadata: ${why}`;
export const badArrowData = (why: string) => `invalid Arrow data: ${why}`;
export const badParquet = (why: string) => `invalid Parquet: ${why}`;
export const badGzip = (why: string, bytes?: number) =>
  `invalid gzip data${bytes === undefined ? "" : ` after ${bytes} decompressed byte(s)`}: ${why}`;
export const noLogHistory = "no log_history array";
export const inRecord = (problem: string, n: number) => `${problem} (record ${n})`;
