/**
 * Curves on disk: Arrow IPC file format (`.arrow` / `.feather` / `.ipc`, readable by pyarrow and polars) via
 * apache-arrow, and Parquet via DuckDB (@duckdb/node-api; parquet is built in, extension autoloading off).
 * Columns are float64 (`step`, `loss`, and `lr`, `epoch`, `wallTime` when known); the curve metadata is JSON
 * under the key `fastface.curve` in the Arrow schema metadata / the Parquet key-value metadata, so a
 * curve -> file -> curve round trip is exact (non-finite numbers inside the metadata are tagged).
 */
import { readFile } from "node:fs/promises";
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  RecordBatchFileReader,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
} from "apache-arrow";
import { ConfigError, FastfaceError, InputError, ParseError } from "../errors.ts";
import { replaceAtomic, unwritable, writeFileAtomic } from "../io/atomic.ts";
import { type DuckDb, openDuckDb } from "../io/duckdb.ts";
import * as M from "../messages/ingest.ts";
import { validateArrowIpc } from "./arrow-validate.ts";
import type { Aggregation, Curve, CurveColumns, CurveMeta } from "./curve.ts";

const AGGREGATIONS: readonly Aggregation[] = ["mean-of-interval", "median-of-window", "instant", "unknown"];

/** Schema / key-value metadata key holding the curve metadata as JSON. */
export const META_KEY = "fastface.curve";
/** Column order on disk. */
export const CURVE_COLUMNS = ["step", "loss", "lr", "epoch", "wallTime"] as const;

const NONFINITE = "$nonfinite";

/** Curve metadata -> JSON (NaN / ±Infinity tagged so they survive). */
export function metaToJson(meta: CurveMeta): string {
  return JSON.stringify(meta, (_k, v) =>
    typeof v === "number" && !Number.isFinite(v) ? { [NONFINITE]: String(v) } : v,
  );
}

/** JSON -> curve metadata (inverse of `metaToJson`). */
export function metaFromJson(json: string, source: string): CurveMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(json, (_k, v) =>
      v !== null && typeof v === "object" && NONFINITE in v ? Number((v as Record<string, string>)[NONFINITE]) : v,
    );
  } catch (e) {
    throw new ParseError(M.badCurveFile(String(e)), { file: source }, `JSON metadata under '${META_KEY}'`);
  }
  const m = meta as Partial<CurveMeta> | null;
  if (m === null || typeof m !== "object" || typeof m.name !== "string" || typeof m.format !== "string") {
    throw new ParseError(M.badCurveFile("metadata lacks name / format"), { file: source }, "curve metadata");
  }
  return {
    name: m.name,
    source: typeof m.source === "string" ? m.source : source,
    format: m.format,
    ...(typeof m.tag === "string" ? { tag: m.tag } : {}),
    stride: typeof m.stride === "number" ? m.stride : 1,
    aggregation: AGGREGATIONS.includes(m.aggregation as Aggregation) ? (m.aggregation as Aggregation) : "unknown",
    ...(m.lossColumn !== undefined ? { lossColumn: m.lossColumn } : {}),
    ...(m.stepCounts === true ? { stepCounts: true } : {}),
    config: m.config ?? {},
    evaluations: Array.isArray(m.evaluations) ? m.evaluations : [],
    nonFinite: m.nonFinite ?? { nan: 0, posInf: 0, negInf: 0 },
    warnings: Array.isArray(m.warnings) ? m.warnings : [],
  };
}

/**
 * Curve -> Arrow IPC bytes (file format, with the metadata in the schema).
 *
 * @example
 * const bytes = curveToArrowIPC(curve); // starts with "ARROW1"
 */
export function curveToArrowIPC(curve: Curve): Uint8Array {
  const names = CURVE_COLUMNS.filter((n) => curve.columns[n] !== undefined);
  const n = curve.columns.step.length;
  const fields = names.map((name) => new Field(name, new Float64(), false));
  const schema = new Schema(fields, new Map([[META_KEY, metaToJson(curve.meta)]]));
  const children = names.map((name) => makeData({ type: new Float64(), length: n, data: curve.columns[name] }));
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  const table = new Table(schema, [new RecordBatch(schema, data)]);
  return tableToIPC(table, "file");
}

/**
 * Arrow IPC bytes written by `curveToArrowIPC` -> curve. Throws ParseError for other Arrow data (use the
 * ingest loader for arbitrary tables).
 *
 * @example
 * const back = curveFromArrowIPC(curveToArrowIPC(curve), "x.arrow");
 */
export function curveFromArrowIPC(bytes: Uint8Array, source: string): Curve {
  const table = readArrowTable(bytes, source);
  const json = table.schema.metadata.get(META_KEY);
  if (json === undefined) {
    throw new ParseError(M.badCurveFile(`no '${META_KEY}' schema metadata`), { file: source }, "a fastface curve");
  }
  const cols: Record<string, Float64Array> = {};
  arrowData(source, () => {
    for (const name of CURVE_COLUMNS) {
      const vec = table.getChild(name);
      if (vec !== null) cols[name] = toFloat64(vec.toArray() as ArrayLike<number | bigint>);
    }
  });
  return checkedCurve(cols, metaFromJson(json, source), source);
}

/** Parse Arrow IPC (file or stream format) into a Table, mapping library errors to ParseError. */
export function readArrowTable(input: Uint8Array, source: string): Table {
  let bytes = input;
  // bounded: apache-arrow would trust corrupt lengths and loop; it reads a stream only up to its end marker
  const length = validateArrowIpc(bytes, source);
  if (length < bytes.byteLength) bytes = bytes.subarray(0, length);
  try {
    if (bytes.byteLength >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === "ARROW1") {
      // apache-arrow's iterator over a file can loop forever when a footer block points at a message of an
      // unexpected type (it re-reads it without advancing); reading the batches by index cannot.
      const reader = RecordBatchFileReader.from(bytes);
      reader.open();
      const batches: RecordBatch[] = [];
      for (let i = 0; i < reader.numRecordBatches; i++) {
        const batch = reader.readRecordBatch(i) as RecordBatch | null; // synchronous: the input is bytes
        if (batch === null) throw new Error(`record batch ${i} is unreadable`);
        batches.push(batch);
      }
      return sane(new Table(reader.schema, batches), bytes);
    }
    return sane(tableFromIPC(bytes), bytes);
  } catch (e) {
    throw new ParseError(
      M.badArrowIpc(e instanceof Error ? e.message : String(e)),
      { file: source },
      "an Arrow IPC file or stream",
    );
  }
}

/**
 * Run `f`, which decodes Arrow column data (apache-arrow decodes lazily, so a corrupt buffer surfaces here, not
 * in `readArrowTable`): a library error becomes a ParseError naming the file.
 *
 * @example
 * arrowData("x.arrow", () => table.getChild("loss")?.toArray());
 */
export function arrowData<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FastfaceError) throw e;
    throw new ParseError(
      M.badArrowData(e instanceof Error ? e.message : String(e)),
      { file: source },
      "Arrow columns matching their schema",
    );
  }
}

/** Row counts no file of this size can hold mean corrupted lengths (and would allocate huge arrays). */
function sane(table: Table, bytes: Uint8Array): Table {
  if (table.numRows > bytes.byteLength * 8)
    throw new Error(`claims ${table.numRows} rows in ${bytes.byteLength} bytes`);
  return table;
}

/** Any numeric array (incl. BigInt64Array) -> a fresh Float64Array. */
export function toFloat64(a: ArrayLike<number | bigint | null>): Float64Array {
  if (a instanceof Float64Array) return a.slice();
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    out[i] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return out;
}

/** Validate stored columns against the curve invariants (a curve file must already be clean). */
function checkedCurve(cols: Record<string, Float64Array>, meta: CurveMeta, source: string): Curve {
  const step = cols.step;
  const loss = cols.loss;
  if (step === undefined || loss === undefined) {
    throw new ParseError(M.badCurveFile("missing step or loss column"), { file: source }, "step and loss columns");
  }
  if (step.length === 0) {
    throw new ParseError(M.badCurveFile("0 rows"), { file: source }, "a curve with at least one point");
  }
  for (const [name, col] of Object.entries(cols)) {
    if (col.length !== step.length) {
      throw new ParseError(M.columnLengths(name, col.length, step.length), { file: source }, "equal-length columns");
    }
  }
  for (let i = 0; i < step.length; i++) {
    const s = step[i] as number;
    if (!Number.isInteger(s) || (i > 0 && s <= (step[i - 1] as number))) {
      throw new ParseError(
        M.badCurveFile(`step ${s} at row ${i} breaks the invariant`),
        { file: source },
        "integer steps, strictly increasing",
      );
    }
  }
  const columns: CurveColumns = { step, loss };
  if (cols.lr) columns.lr = cols.lr;
  if (cols.epoch) columns.epoch = cols.epoch;
  if (cols.wallTime) columns.wallTime = cols.wallTime;
  return { columns, meta };
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Parquet key-value metadata key holding a JSON array of curve metadata when a file holds several curves. */
export const META_KEY_MULTI = "fastface.curves";

/** DuckDB column type on disk: `step` is an integer, `wallTime` a timestamp (UTC, microseconds). */
const PARQUET_TYPES: Record<(typeof CURVE_COLUMNS)[number], string> = {
  step: "BIGINT",
  loss: "DOUBLE",
  lr: "DOUBLE",
  epoch: "DOUBLE",
  wallTime: "TIMESTAMP",
};

/**
 * Write one curve, or several into one file with a `curve` name column, as Parquet: `step` INT64, `loss` /
 * `lr` / `epoch` DOUBLE, `wallTime` TIMESTAMP (NULL where unknown); the metadata JSON goes into the key-value
 * metadata (`fastface.curve`, or `fastface.curves` as an array in file order).
 *
 * @example
 * await writeCurveParquet("run.parquet", curve);
 * await writeCurveParquet("runs.parquet", [a, b]); // rows of a, then b, told apart by `curve`
 */
export async function writeCurveParquet(path: string, curves: Curve | readonly Curve[]): Promise<void> {
  const list = Array.isArray(curves) ? curves : [curves as Curve];
  const multi = Array.isArray(curves);
  const names = CURVE_COLUMNS.filter((n) => list.some((c) => c.columns[n] !== undefined));
  const { conn: con, close } = await openDuckDb();
  try {
    const cols = [...(multi ? ['"curve" VARCHAR'] : []), ...names.map((n) => `"${n}" DOUBLE`)];
    await con.run(`CREATE TABLE curve (${cols.join(", ")})`);
    const app = await con.createAppender("curve");
    for (const curve of list) {
      const data = names.map((n) => curve.columns[n]);
      const len = curve.columns.step.length;
      for (let i = 0; i < len; i++) {
        if (multi) app.appendVarchar(curve.meta.name);
        data.forEach((c, k) => {
          const v = c === undefined ? Number.NaN : (c[i] as number);
          // a NaN loss is data (kept); a NaN lr / epoch / wall time means unknown: NULL
          if (Number.isNaN(v) && names[k] !== "loss") app.appendNull();
          else app.appendDouble(v);
        });
        app.endRow();
      }
    }
    app.closeSync();
    const select = [
      ...(multi ? ['"curve"'] : []),
      ...names.map((n) =>
        n === "wallTime"
          ? `make_timestamp(CAST(round("wallTime" * 1e6) AS BIGINT)) AS "wallTime"`
          : PARQUET_TYPES[n] === "DOUBLE"
            ? `"${n}"`
            : `CAST("${n}" AS ${PARQUET_TYPES[n]}) AS "${n}"`,
      ),
    ].join(", ");
    const kv = multi
      ? `${sqlString(META_KEY_MULTI)}: ${sqlString(`[${list.map((c) => metaToJson(c.meta)).join(",")}]`)}`
      : `${sqlString(META_KEY)}: ${sqlString(metaToJson((list[0] as Curve).meta))}`;
    await replaceAtomic(path, (tmp) =>
      con.run(`COPY (SELECT ${select} FROM curve) TO ${sqlString(tmp)} (FORMAT parquet, KV_METADATA {${kv}})`),
    );
  } catch (e) {
    throw unwritable(path, e);
  } finally {
    close();
  }
}

/** Run a query on a Parquet file: any DuckDB error (a corrupt or truncated file) is a ParseError naming it. */
async function parquetQuery(
  session: DuckDb,
  path: string,
  sql: string,
): Promise<unknown[][] & { columns?: unknown[][] }> {
  try {
    const res = await session.conn.runAndReadAll(sql);
    const rows = res.getRows() as unknown[][] & { columns?: unknown[][] };
    rows.columns = res.getColumns() as unknown[][];
    return rows;
  } catch (e) {
    throw new ParseError(
      M.badParquet(e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e)),
      { file: path },
      "a Parquet file",
    );
  }
}

/**
 * Columns (as float64) and key-value metadata of a Parquet file. Every query is guarded: a corrupt file is a
 * ParseError, never a raw DuckDB error. `session` reuses an open connection (else one is opened and closed).
 */
export async function readParquetColumns(
  path: string,
  session?: DuckDb,
): Promise<{ names: string[]; columns: Float64Array[]; nulls: Uint8Array[]; kv: Map<string, string> }> {
  const own = session ?? (await openDuckDb());
  try {
    const lit = sqlString(path);
    const described = await parquetQuery(own, path, `DESCRIBE SELECT * FROM read_parquet(${lit})`);
    const numericTypes = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|U\w*INT|TIMESTAMP.*)$/;
    const names = described.filter((r) => numericTypes.test(String(r[1]))).map((r) => String(r[0]));
    const select = names
      .map((n) => {
        const q = `"${n.replaceAll('"', '""')}"`;
        const type = String(described.find((r) => r[0] === n)?.[1]);
        return type.startsWith("TIMESTAMP") ? `epoch(${q})::DOUBLE` : `CAST(${q} AS DOUBLE)`;
      })
      .join(", ");
    const columns: Float64Array[] = [];
    const nulls: Uint8Array[] = [];
    if (names.length > 0) {
      const res = await parquetQuery(own, path, `SELECT ${select} FROM read_parquet(${lit})`);
      for (const col of res.columns ?? []) {
        const values = col as Array<number | null>;
        columns.push(toFloat64(values));
        nulls.push(Uint8Array.from(values, (v) => (v === null ? 1 : 0)));
      }
    }
    // keys and values are bytes: decode what is valid UTF-8, skip what is not (a corrupt key is no metadata)
    const kvRows = await parquetQuery(
      own,
      path,
      `SELECT try(decode(key)) AS k, try(decode(value)) AS v FROM parquet_kv_metadata(${lit})`,
    );
    const kv = new Map(kvRows.filter((r) => r[0] !== null && r[1] !== null).map((r) => [String(r[0]), String(r[1])]));
    return { names, columns, nulls, kv };
  } finally {
    if (session === undefined) own.close();
  }
}

/**
 * Read the curves written by `writeCurveParquet` (one, or several told apart by the `curve` column).
 *
 * @example
 * const [curve] = await readCurvesParquet("run.parquet");
 */
export async function readCurvesParquet(path: string, session?: DuckDb): Promise<Curve[]> {
  const { names, columns, kv } = await readParquetColumns(path, session);
  const one = kv.get(META_KEY);
  const many = kv.get(META_KEY_MULTI);
  if (one === undefined && many === undefined) {
    throw new ParseError(M.badCurveFile(`no '${META_KEY}' key-value metadata`), { file: path }, "a fastface curve");
  }
  const all: Record<string, Float64Array> = {};
  names.forEach((n, i) => {
    if ((CURVE_COLUMNS as readonly string[]).includes(n)) all[n] = columns[i] as Float64Array;
  });
  if (one !== undefined) return [checkedCurve(all, metaFromJson(one, path), path)];
  let metas: unknown;
  try {
    metas = JSON.parse(many as string);
  } catch (e) {
    throw new ParseError(M.badCurveFile(String(e)), { file: path }, `a JSON array under '${META_KEY_MULTI}'`);
  }
  if (!Array.isArray(metas)) throw new ParseError(M.badCurveFile("not an array"), { file: path }, "curve metadata");
  const curveNames = await readParquetStrings(path, "curve", session);
  return metas.map((m) => {
    const meta = metaFromJson(JSON.stringify(m), path);
    const rows: number[] = [];
    curveNames.forEach((name, i) => {
      if (name === meta.name) rows.push(i);
    });
    const cols: Record<string, Float64Array> = {};
    for (const [n, col] of Object.entries(all)) cols[n] = Float64Array.from(rows, (i) => col[i] as number);
    for (const n of ["lr", "epoch", "wallTime"]) {
      if (cols[n]?.every((v) => Number.isNaN(v))) delete cols[n];
    }
    return checkedCurve(cols, meta, path);
  });
}

/** One text column of a Parquet file (guarded like every Parquet query). */
async function readParquetStrings(path: string, column: string, session?: DuckDb): Promise<Array<string | null>> {
  const own = session ?? (await openDuckDb());
  try {
    const res = await parquetQuery(own, path, `SELECT "${column}" FROM read_parquet(${sqlString(path)})`);
    return (res.columns?.[0] ?? []) as Array<string | null>;
  } finally {
    if (session === undefined) own.close();
  }
}

/**
 * Read a curve written by `writeCurveParquet` (the first, when the file holds several).
 *
 * @example
 * const curve = await readCurveParquet("run.parquet");
 */
export async function readCurveParquet(path: string, session?: DuckDb): Promise<Curve> {
  return (await readCurvesParquet(path, session))[0] as Curve;
}

/** `.parquet` -> "parquet"; `.arrow` / `.feather` / `.ipc` -> "arrow"; anything else undefined. */
export function curveFileKind(path: string): "arrow" | "parquet" | undefined {
  if (/\.parquet$/i.test(path)) return "parquet";
  if (/\.(arrow|feather|ipc|arrows)$/i.test(path)) return "arrow";
  return undefined;
}

/**
 * Write a curve to `.arrow` (Arrow IPC file) or `.parquet`, chosen by extension.
 *
 * @example
 * await writeCurveFile("data/curves/run.arrow", curve);
 */
export async function writeCurveFile(path: string, curve: Curve): Promise<void> {
  const kind = curveFileKind(path);
  if (kind === undefined) throw new ConfigError(M.badOutputExtension(path));
  if (kind === "parquet") return writeCurveParquet(path, curve);
  await writeFileAtomic(path, curveToArrowIPC(curve));
}

/**
 * Read a curve file written by fastface (`.arrow` / `.feather` / `.parquet`).
 *
 * @example
 * const curve = await readCurveFile("data/curves/run.arrow");
 */
export async function readCurveFile(path: string): Promise<Curve> {
  const kind = curveFileKind(path);
  if (kind === "parquet") return readCurveParquet(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new InputError(path, M.unreadable(e instanceof Error ? e.message : String(e)));
  }
  return curveFromArrowIPC(bytes, path);
}
