/**
 * Arrow IPC / Feather and Parquet inputs. A file written by fastface (metadata under `fastface.curve`) comes
 * back exactly; any other table goes through column discovery like CSV (null cells count as empty).
 */
import type { Table } from "apache-arrow";
import {
  arrowData,
  curveFromArrowIPC,
  META_KEY,
  META_KEY_MULTI,
  readArrowTable,
  readCurvesParquet,
  readParquetColumns,
} from "../curve/arrow.ts";
import { type ColumnOverrides, discoverColumns, lossColumnMeta, tableAggregation } from "../curve/columns.ts";
import type { Curve } from "../curve/curve.ts";
import { ParseError, Warnings } from "../errors.ts";
import type { DuckDb } from "../io/duckdb.ts";
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { PointAccumulator } from "./points.ts";

/** Column-wise data with null masks (1 = null). */
interface Columns {
  names: string[];
  values: Float64Array[];
  nulls: Uint8Array[];
}

function columnsToCurve(
  cols: Columns,
  source: string,
  format: "arrow" | "parquet",
  overrides: ColumnOverrides,
  warnings: Warnings,
): Curve {
  const c = discoverColumns(cols.names, overrides);
  if (c.loss === undefined) throw new ParseError(M.noColumn("loss", cols.names), { file: source }, "a loss column");
  if (c.step === undefined) throw new ParseError(M.noColumn("step", cols.names), { file: source }, "a step column");
  const acc = new PointAccumulator();
  const n = cols.values[0]?.length ?? 0;
  const cell = (k: number | undefined, i: number): number | undefined =>
    k === undefined || cols.nulls[k]?.[i] === 1 ? undefined : (cols.values[k]?.[i] as number);
  for (let i = 0; i < n; i++) {
    acc.row(cell(c.step, i), cell(c.loss, i), cell(c.lr, i), cell(c.epoch, i), cell(c.wallTime, i));
  }
  return acc.finish(
    {
      name: runName(source),
      source,
      format,
      tag: cols.names[c.loss],
      lossColumn: lossColumnMeta(cols.names[c.loss] as string, c),
      aggregation: tableAggregation(cols.names[c.loss] as string),
    },
    warnings,
    "rows with a step and a loss",
  );
}

/**
 * Arrow IPC bytes -> curve (exact for fastface curve files, column discovery otherwise).
 *
 * @example
 * parseArrowInput(bytes, "metrics.feather").columns.loss
 */
export function parseArrowInput(
  bytes: Uint8Array,
  source: string,
  overrides: ColumnOverrides = {},
  warnings: Warnings = new Warnings(),
): Curve {
  const table: Table = readArrowTable(bytes, source);
  if (table.schema.metadata.has(META_KEY)) return curveFromArrowIPC(bytes, source);
  const names: string[] = [];
  const values: Float64Array[] = [];
  const nulls: Uint8Array[] = [];
  arrowData(source, () => numericColumns(table, names, values, nulls));
  return columnsToCurve({ names, values, nulls }, source, "arrow", overrides, warnings);
}

/** The numeric columns of an Arrow table as float64 values and null masks. */
function numericColumns(table: Table, names: string[], values: Float64Array[], nulls: Uint8Array[]): void {
  for (const field of table.schema.fields) {
    const vec = table.getChild(field.name);
    if (vec === null) continue;
    const n = vec.length;
    const v = new Float64Array(n);
    const z = new Uint8Array(n);
    let numeric = true;
    for (let i = 0; i < n && numeric; i++) {
      const x: unknown = vec.get(i);
      if (x === null || x === undefined) z[i] = 1;
      else if (typeof x === "number") v[i] = x;
      else if (typeof x === "bigint") v[i] = Number(x);
      else if (x instanceof Date) v[i] = x.getTime() / 1000;
      else numeric = false;
    }
    if (!numeric) continue;
    names.push(String(field.name ?? ""));
    values.push(v);
    nulls.push(z);
  }
}

/**
 * Parquet file -> curves (exact for fastface curve files, which may hold several told apart by a `curve`
 * column; column discovery otherwise).
 *
 * @example
 * const [curve] = await parseParquetInput("metrics.parquet");
 */
export async function parseParquetInput(
  path: string,
  overrides: ColumnOverrides = {},
  warnings: Warnings = new Warnings(),
  session?: DuckDb,
): Promise<Curve[]> {
  const { names, columns, nulls, kv } = await readParquetColumns(path, session);
  if (kv.has(META_KEY) || kv.has(META_KEY_MULTI)) return readCurvesParquet(path, session);
  return [columnsToCurve({ names, values: columns, nulls }, path, "parquet", overrides, warnings)];
}
