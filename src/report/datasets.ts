/**
 * The page's data store: every chart's data travels once. A chart spec names its data sets (`data: {name}`,
 * values in top-level `datasets`; inline `data: {values}` is moved there too); the page keeps the spec without
 * its values (for the download link and, once compiled, for drawing) and one store of data sets, each written column by column (`{columns, values}`: one
 * array per column, so a field name is written once per data set, not once per row). The page script turns a
 * stored data set back into rows for Vega and back into `datasets` for the download.
 */
import type { DataRow, VegaLiteSpec } from "./types.ts";

/** A data set as the page stores it: column names and one array of values per column. */
export interface ColumnarData {
  columns: string[];
  values: Array<Array<number | string | boolean | null>>;
}

/**
 * Rows -> columns. Columns are the union of the rows' keys in first-seen order; a missing key is `null`;
 * non-finite numbers become `null` (JSON has no NaN).
 *
 * @example
 * toColumnar([{ step: 1, loss: 2 }, { step: 2 }]); // { columns: ["step", "loss"], values: [[1, 2], [2, null]] }
 */
export function toColumnar(rows: readonly DataRow[]): ColumnarData {
  const columns: string[] = [];
  const index = new Map<string, number>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!index.has(k)) {
        index.set(k, columns.length);
        columns.push(k);
      }
    }
  }
  const values = columns.map((c) =>
    rows.map((r) => {
      const v = r[c];
      if (v === undefined) return null;
      return typeof v === "number" && !Number.isFinite(v) ? null : v;
    }),
  );
  return { columns, values };
}

/**
 * Columns -> rows (the inverse of `toColumnar`, with `null` for missing values).
 *
 * @example
 * fromColumnar({ columns: ["step"], values: [[1, 2]] }); // [{ step: 1 }, { step: 2 }]
 */
export function fromColumnar(data: ColumnarData): DataRow[] {
  const n = data.values[0]?.length ?? 0;
  const rows: DataRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: DataRow = {};
    data.columns.forEach((c, j) => {
      row[c] = data.values[j]?.[i] ?? null;
    });
    rows[i] = row;
  }
  return rows;
}

/** Data sets shared by the charts of one page: each name stored once; a name reused with other rows is a bug. */
export class DataStore {
  private readonly sets = new Map<string, { data: ColumnarData; json: string }>();

  /**
   * Move the spec's data into the store: its `datasets`, and every inline `data: {values}` anywhere in the
   * spec (moved to a data set named `<prefix>_<k>`), so no value travels twice. Returns the spec without them
   * and the names it uses. Throws when a name is already stored with different rows (names are page-wide).
   */
  take(spec: VegaLiteSpec, prefix = "chart"): { spec: VegaLiteSpec; names: string[] } {
    const { datasets: given, ...rest } = spec as VegaLiteSpec & { datasets?: Record<string, DataRow[]> };
    const datasets: Record<string, DataRow[]> = { ...(given ?? {}) };
    let k = 0;
    const hoist = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(hoist);
      if (node === null || typeof node !== "object") return node;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        const data = value as { values?: unknown } | null;
        if (key === "data" && data && typeof data === "object" && Array.isArray(data.values)) {
          const { values, ...other } = data as { values: DataRow[] };
          let name = `${prefix}_${k++}`;
          while (name in datasets) name = `${prefix}_${k++}`;
          datasets[name] = values;
          out[key] = { name, ...other };
        } else out[key] = hoist(value);
      }
      return out;
    };
    const stripped = hoist(rest) as VegaLiteSpec;
    const names = Object.keys(datasets);
    for (const name of names) {
      const data = toColumnar(datasets[name] ?? []);
      const json = JSON.stringify(data);
      const have = this.sets.get(name);
      if (have && have.json !== json) throw new Error(`report: data set '${name}' is defined twice with other rows`);
      if (!have) this.sets.set(name, { data, json });
    }
    return { spec: stripped, names };
  }

  /** The stored data sets by name. */
  toJSON(): Record<string, ColumnarData> {
    const out: Record<string, ColumnarData> = {};
    for (const [name, { data }] of this.sets) out[name] = data;
    return out;
  }
}
