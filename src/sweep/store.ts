/**
 * The DuckDB file of a sweep. Tables (open it with the duckdb CLI, Python or Node):
 *   sweep    one row: the definition (scheduler, grid or random search, judge, expand, curves + hashes)
 *   curves   one row per curve: name, content hash, lengths, loss scale, stationary subsequences
 *   configs  one row per configuration: id, generation index, params JSON, one p_<name> column per parameter
 *   results  one row per (curve, config): metrics, params JSON and the p_<name> columns again, then the
 *            closed-loop metrics (SIM_COLUMNS, NULL without --simulate); primary key (curve_id, config_id), so a
 *            pair can never be stored twice
 * The definition, curves and configs are written in one transaction when the file is created; results are
 * committed in batches, each in its own transaction, so `kill -9` loses at most the batch in flight and
 * `--resume` recomputes exactly the missing pairs. Extension auto-install/auto-load are off.
 */

import { existsSync, statSync } from "node:fs";
import {
  BIGINT,
  DOUBLE,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
} from "@duckdb/node-api";
import { ConfigError, InputError } from "../errors.ts";
import { replaceAtomic, unwritable } from "../io/atomic.ts";
import { type DuckDb, openDuckDb } from "../io/duckdb.ts";
import * as M from "../messages/sweep.ts";
import type { ParamSpec, ParamValue } from "../schedulers/types.ts";
import { canonicalJson, type SweepConfig } from "./grid.ts";
import type { CurveInfo, ResultRow, SimMetrics, SweepDefinition } from "./types.ts";

/** A parameter column of the configs/results tables. */
export interface ParamColumn {
  param: string;
  column: string;
  sqlType: "DOUBLE" | "BIGINT" | "BOOLEAN" | "VARCHAR" | "DOUBLE[]";
}

/** Metric columns of `results`, in table order after the parameter columns. */
export const METRIC_COLUMNS = [
  "decays",
  "decaySteps",
  "removed",
  "openLoopLead",
  "plateaus",
  "premature",
  "nsPerStep",
  "lambdaEff",
] as const;

/** Closed-loop metric columns of `results` (after METRIC_COLUMNS; NULL when the sweep has no --simulate). */
export const SIM_COLUMNS = [
  ["simDecays", "DOUBLE"],
  ["simFinalLoss", "DOUBLE"],
  ["simFinalLossLo", "DOUBLE"],
  ["simFinalLossHi", "DOUBLE"],
  ["timeToTarget", "DOUBLE"],
  ["simReached", "DOUBLE"],
  ["simPlateaus", "DOUBLE"],
  ["simLoggedPlateaus", "INTEGER"],
  ["simPlateausRemoved", "DOUBLE"],
  ["simNsPerStep", "DOUBLE"],
] as const satisfies ReadonlyArray<readonly [keyof SimMetrics, string]>;

/** `p_` + the parameter name with anything but letters, digits and '_' replaced by '_'. */
export function paramColumnName(param: string): string {
  return `p_${param.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Quote an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlTypeOf(type: ParamSpec["type"] | undefined, value: ParamValue | undefined): ParamColumn["sqlType"] {
  const t =
    type ??
    (Array.isArray(value)
      ? "number[]"
      : typeof value === "boolean"
        ? "boolean"
        : typeof value === "string"
          ? "string"
          : "number");
  switch (t) {
    case "integer":
      return "BIGINT";
    case "boolean":
      return "BOOLEAN";
    case "string":
      return "VARCHAR";
    case "number[]":
      return "DOUBLE[]";
    default:
      return "DOUBLE";
  }
}

/** The parameter columns of a definition: every base parameter and every axis, sorted by name. */
export function paramColumns(def: SweepDefinition): ParamColumn[] {
  const types = new Map<string, ParamColumn["sqlType"]>();
  for (const [k, v] of Object.entries(def.grid.base)) types.set(k, sqlTypeOf(undefined, v));
  for (const axis of def.grid.axes) types.set(axis.name, sqlTypeOf(axis.type, undefined));
  return [...types.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([param, sqlType]) => ({ param, column: paramColumnName(param), sqlType }));
}

const BIGINT_LIST = LIST(BIGINT);
const DOUBLE_LIST = LIST(DOUBLE);

/** Bind type of a parameter column (lists need one: an empty list has no item type to infer). */
function paramType(col: ParamColumn): DuckDBType | undefined {
  return col.sqlType === "DOUBLE[]" ? DOUBLE_LIST : undefined;
}

function paramValue(col: ParamColumn, v: ParamValue | undefined): DuckDBValue {
  if (v === undefined) return null;
  if (Array.isArray(v)) return listValue(v);
  if (col.sqlType === "BIGINT" && typeof v === "number") return BigInt(Math.round(v));
  return v;
}

/** Open a sweep database file (created when missing) through src/io/duckdb.ts; a failure names the file. */
export async function openDb(path: string, readOnly = false): Promise<DuckDb> {
  try {
    return await openDuckDb(path, { readOnly });
  } catch (err) {
    throw new InputError(path, M.dbOpenFailed(err instanceof Error ? err.message : String(err)), M.E_SWEEP_DB);
  }
}

/** Rows of a query as plain objects; BIGINT values become numbers, lists arrays. */
export async function queryRows(
  conn: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[],
): Promise<Array<Record<string, unknown>>> {
  const reader = await conn.runAndReadAll(sql, values);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = plain(v);
    return out;
  });
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

async function tableNames(conn: DuckDBConnection): Promise<string[]> {
  const rows = await queryRows(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'");
  return rows.map((r) => String(r.table_name));
}

/** The stored definition of a sweep database, or null when the file holds no table at all. */
export async function readDefinition(conn: DuckDBConnection, path: string): Promise<SweepDefinition | null> {
  const tables = await tableNames(conn);
  if (tables.length === 0) return null;
  if (!tables.includes("sweep") || !tables.includes("results")) {
    throw new InputError(path, M.notASweepDb(`tables: ${tables.join(", ")}`), M.E_SWEEP_DB);
  }
  const rows = await queryRows(conn, "SELECT definition FROM sweep");
  const text = rows[0]?.definition;
  if (typeof text !== "string") throw new InputError(path, M.notASweepDb("empty sweep table"), M.E_SWEEP_DB);
  try {
    return JSON.parse(text) as SweepDefinition;
  } catch {
    throw new InputError(path, M.notASweepDb("unreadable definition"), M.E_SWEEP_DB);
  }
}

/** Top-level fields (and curve list entries) where two definitions differ. */
export function definitionDiff(a: SweepDefinition, b: SweepDefinition): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: string[] = [];
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const k of keys) if (canonicalJson(ra[k]) !== canonicalJson(rb[k])) out.push(k);
  return out;
}

export interface OpenSweepOptions {
  resume: boolean;
}

/** A sweep database opened for writing results. */
export class SweepStore {
  readonly path: string;
  readonly total: number;
  private readonly db: DuckDb;
  private readonly conn: DuckDBConnection;
  private readonly columns: ParamColumn[];
  private readonly configs: readonly SweepConfig[];
  private readonly curves: readonly CurveInfo[];
  private readonly hasLambda: boolean;
  private closed = false;

  private constructor(
    path: string,
    db: DuckDb,
    def: SweepDefinition,
    curves: readonly CurveInfo[],
    configs: readonly SweepConfig[],
    hasLambda: boolean,
  ) {
    this.path = path;
    this.db = db;
    this.conn = db.conn;
    this.columns = paramColumns(def);
    this.curves = curves;
    this.configs = configs;
    this.hasLambda = hasLambda;
    this.total = curves.length * configs.length;
  }

  /**
   * Create the database for a definition, or reopen it for `--resume`. The existing file is first checked
   * read-only: a different definition (or an existing sweep without `--resume`) is an error and the file is
   * left untouched.
   * @example
   * const store = await SweepStore.open("s.duckdb", def, curves, configs, { resume: false }, true);
   */
  static async open(
    path: string,
    def: SweepDefinition,
    curves: readonly CurveInfo[],
    configs: readonly SweepConfig[],
    opts: OpenSweepOptions,
    hasLambda: boolean,
  ): Promise<SweepStore> {
    let existing: SweepDefinition | null = null;
    let done = 0;
    if (existsSync(path) && statSync(path).size > 0) {
      const ro = await openDb(path, true);
      try {
        existing = await readDefinition(ro.conn, path);
        if (existing) done = Number((await queryRows(ro.conn, "SELECT count(*) AS n FROM results"))[0]?.n ?? 0);
      } finally {
        ro.close();
      }
      if (existing) {
        const diff = definitionDiff(existing, def);
        if (diff.length > 0) throw new ConfigError(M.definitionMismatch(path, diff), M.E_SWEEP_DEFINITION);
        if (!opts.resume) {
          throw new InputError(path, M.sweepExists(done, curves.length * configs.length), M.E_SWEEP_EXISTS);
        }
      }
    }
    if (!existing) {
      // a new database is built under a temporary name and renamed into place: a start that fails (a full
      // disk, a read-only folder) leaves no half-made database behind
      await replaceAtomic(path, async (tmp) => {
        const fresh = new SweepStore(tmp, await openDb(tmp), def, curves, configs, hasLambda);
        try {
          await fresh.create(def);
          await fresh.conn.run("CHECKPOINT");
        } finally {
          fresh.close();
        }
      });
    }
    const db = await openDb(path);
    const store = new SweepStore(path, db, def, curves, configs, hasLambda);
    if (existing) await store.addSimColumns();
    return store;
  }

  private async create(def: SweepDefinition): Promise<void> {
    const c = this.conn;
    const pcols = this.columns.map((col) => `${ident(col.column)} ${col.sqlType}`);
    await c.run("BEGIN TRANSACTION");
    try {
      await c.run(`CREATE TABLE sweep (
        version INTEGER, scheduler VARCHAR, definition VARCHAR, grid VARCHAR, random_n INTEGER, seed BIGINT,
        judge VARCHAR, expand VARCHAR, total_steps BIGINT, lr0 DOUBLE, curves VARCHAR, param_columns VARCHAR,
        created_at TIMESTAMP)`);
      await c.run("INSERT INTO sweep VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)", [
        def.version,
        def.scheduler,
        canonicalJson(def),
        canonicalJson(def.grid),
        def.random?.n ?? null,
        def.random ? BigInt(def.random.seed) : null,
        def.judge,
        def.expand,
        def.totalSteps === null ? null : BigInt(def.totalSteps),
        def.lr0,
        canonicalJson(def.curves),
        JSON.stringify(this.columns),
      ]);
      await c.run(`CREATE TABLE curves (
        curve_id INTEGER PRIMARY KEY, name VARCHAR, content_hash VARCHAR, source VARCHAR, format VARCHAR,
        points BIGINT, first_step BIGINT, last_step BIGINT, steps BIGINT, loss_scale DOUBLE, plateaus INTEGER,
        stationary VARCHAR)`);
      for (const cv of this.curves) {
        await c.run("INSERT INTO curves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
          cv.id,
          cv.name,
          cv.hash,
          cv.source,
          cv.format,
          cv.points,
          cv.firstStep,
          cv.lastStep,
          cv.steps,
          cv.lossScale,
          cv.stationary.length,
          JSON.stringify(cv.stationary),
        ]);
      }
      await c.run(
        `CREATE TABLE configs (config_id VARCHAR PRIMARY KEY, idx INTEGER UNIQUE, params VARCHAR${pcols.map((p) => `, ${p}`).join("")})`,
      );
      const width = 3 + this.columns.length;
      for (let start = 0; start < this.configs.length; start += 500) {
        const chunk = this.configs.slice(start, start + 500);
        const values: DuckDBValue[] = [];
        const types: Array<DuckDBType | undefined> = [];
        chunk.forEach((cfg, k) => {
          values.push(cfg.id, start + k, canonicalJson(cfg.params));
          types.push(undefined, undefined, undefined);
          for (const col of this.columns) {
            values.push(paramValue(col, cfg.params[col.param]));
            types.push(paramType(col));
          }
        });
        await c.run(`INSERT INTO configs VALUES ${placeholders(chunk.length, width)}`, values, types as DuckDBType[]);
      }
      await c.run(`CREATE TABLE results (
        curve_id INTEGER NOT NULL, curve VARCHAR, content_hash VARCHAR, config_id VARCHAR NOT NULL, params VARCHAR
        ${pcols.map((p) => `, ${p}`).join("")},
        decays INTEGER, decaySteps BIGINT[], removed INTEGER, openLoopLead BIGINT, plateaus INTEGER,
        premature INTEGER, nsPerStep DOUBLE, lambdaEff DOUBLE,
        ${SIM_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")},
        PRIMARY KEY (curve_id, config_id))`);
      await c.run("COMMIT");
    } catch (err) {
      await c.run("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  /** A database written before the closed-loop columns existed gets them (NULL) on resume. */
  async addSimColumns(): Promise<void> {
    for (const [name, type] of SIM_COLUMNS) {
      await this.conn.run(`ALTER TABLE results ADD COLUMN IF NOT EXISTS ${name} ${type}`);
    }
  }

  /** Number of results committed. */
  async done(): Promise<number> {
    return Number((await queryRows(this.conn, "SELECT count(*) AS n FROM results"))[0]?.n ?? 0);
  }

  /** The (curve, config index) pairs without a result, curve by curve in config order. */
  async missing(): Promise<Array<{ curveId: number; configIndex: number }>> {
    const rows = await queryRows(
      this.conn,
      `SELECT cv.curve_id AS c, cf.idx AS i FROM curves cv CROSS JOIN configs cf
       WHERE NOT EXISTS (SELECT 1 FROM results r WHERE r.curve_id = cv.curve_id AND r.config_id = cf.config_id)
       ORDER BY cv.curve_id, cf.idx`,
    );
    return rows.map((r) => ({ curveId: Number(r.c), configIndex: Number(r.i) }));
  }

  /**
   * Commit a batch of results in one transaction (all or nothing).
   * @example await store.commit(rows)
   */
  async commit(rows: readonly ResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    // DuckDB's appender inside an explicit transaction: ~10 us per row instead of ~170 us for a bound INSERT,
    // and a ROLLBACK still drops every appended row (all or nothing). Rows without closed-loop metrics append
    // NULL there, which is what the columns' default gives.
    const c = this.conn;
    await c.run("BEGIN TRANSACTION");
    try {
      const ap = await c.createAppender("results");
      try {
        for (const r of rows) {
          const curve = this.curves[r.curveId]!;
          const cfg = this.configs[r.configIndex]!;
          ap.appendInteger(r.curveId);
          ap.appendVarchar(curve.name);
          ap.appendVarchar(curve.hash);
          ap.appendVarchar(cfg.id);
          ap.appendVarchar(canonicalJson(cfg.params));
          for (const col of this.columns) ap.appendValue(paramValue(col, cfg.params[col.param]), paramType(col));
          ap.appendInteger(r.decays);
          ap.appendList(
            r.decaySteps.map((step) => BigInt(step)),
            BIGINT_LIST,
          );
          ap.appendInteger(r.removed);
          ap.appendBigInt(BigInt(r.openLoopLead));
          ap.appendInteger(r.plateaus);
          ap.appendInteger(r.premature);
          ap.appendDouble(r.nsPerStep);
          if (this.hasLambda && r.lambdaEff !== null && r.lambdaEff !== undefined) ap.appendDouble(r.lambdaEff);
          else ap.appendNull();
          for (const [name] of SIM_COLUMNS) {
            const v = r.sim ? r.sim[name] : null;
            ap.appendValue(v === null || v === undefined || !Number.isFinite(v) ? null : v);
          }
          ap.endRow();
        }
        ap.flushSync();
      } finally {
        ap.closeSync();
      }
      await c.run("COMMIT");
    } catch (err) {
      await c.run("ROLLBACK").catch(() => undefined);
      throw unwritable(this.path, err);
    }
  }

  /** Copy the results table to a Parquet file. */
  async exportParquet(file: string): Promise<void> {
    await exportParquet(this.conn, file);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

function placeholders(rows: number, width: number): string {
  const row = `(${new Array(width).fill("?").join(", ")})`;
  return new Array(rows).fill(row).join(", ");
}

/**
 * `COPY results TO file (FORMAT parquet)`; an existing file is an error (nothing overwritten).
 * @example await exportParquet(conn, "out.parquet")
 */
export async function exportParquet(conn: DuckDBConnection, file: string): Promise<void> {
  if (existsSync(file)) throw new InputError(file, M.parquetExists(), M.E_SWEEP_OPTION);
  await replaceAtomic(file, (tmp) =>
    conn.run(
      `COPY (SELECT * FROM results ORDER BY curve_id, config_id) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet)`,
    ),
  );
}

/** Open an existing sweep database read-only (sweep-top, report). */
export async function openSweepReadOnly(
  path: string,
): Promise<DuckDb & { def: SweepDefinition; columns: ParamColumn[] }> {
  if (!existsSync(path)) throw new InputError(path, M.noSuchDb, M.E_SWEEP_DB);
  const db = await openDb(path, true);
  try {
    const def = await readDefinition(db.conn, path);
    if (!def) throw new InputError(path, M.notASweepDb("no tables"), M.E_SWEEP_DB);
    return { ...db, def, columns: paramColumns(def) };
  } catch (err) {
    db.close();
    throw err;
  }
}
