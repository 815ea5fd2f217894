/**
 * The one way fastface opens DuckDB: extension auto-install and auto-load off (CI and users may have no network,
 * and a format must not silently depend on a downloaded extension), `@duckdb/node-api` loaded on first use (it
 * is large: commands that never touch DuckDB do not pay for it), and one `close()` for connection and instance.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** The options every DuckDB instance of fastface is created with. */
export const DUCKDB_OPTIONS: Readonly<Record<string, string>> = {
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
};

/** An open database: its instance, one connection, and `close()` (idempotent) for both. */
export interface DuckDb {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  close(): void;
}

let duck: Promise<typeof import("@duckdb/node-api")> | undefined;

/**
 * Open `path` (a file, created when missing, or `:memory:`) with fastface's options.
 *
 * @example
 * const db = await openDuckDb();
 * try { await db.conn.run("SELECT 1"); } finally { db.close(); }
 */
export async function openDuckDb(path = ":memory:", opts: { readOnly?: boolean } = {}): Promise<DuckDb> {
  duck ??= import("@duckdb/node-api");
  const { DuckDBInstance } = await duck;
  const instance = await DuckDBInstance.create(path, {
    ...DUCKDB_OPTIONS,
    ...(opts.readOnly ? { access_mode: "READ_ONLY" } : {}),
  });
  let conn: DuckDBConnection;
  try {
    conn = await instance.connect();
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  let open = true;
  return {
    instance,
    conn,
    close: () => {
      if (!open) return;
      open = false;
      conn.closeSync();
      instance.closeSync();
    },
  };
}
