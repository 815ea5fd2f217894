/**
 * One configuration out of a sweep database, as a scheduler spec: `fastface retrain --candidate-from
 * sweeps/x.duckdb#3` takes the 3rd row of the same ranking `fastface sweep-top` prints (`--by`, `--robust`,
 * `--pareto`), so replay -> sweep -> retrain is one command each. The sweep's scheduler name plus the row's
 * parameters make the spec; `lambdaMode=relative` (a sweep-layer axis) becomes the absolute lambda of the
 * ranked curve (`lambdaEff`), which is only meaningful on a run of that loss scale (a warning says so).
 */
import { ConfigError, InputError } from "../errors.ts";
import * as M from "../messages/sweep.ts";
import { formatSchedulerSpec, parseSchedulerSpec } from "../schedulers/registry.ts";
import type { Params } from "../schedulers/types.ts";
import { LAMBDA_MODE } from "./grid.ts";
import { paretoFront, robustConfigs, topK } from "./rank.ts";
import { openSweepReadOnly } from "./store.ts";

export interface PickOptions {
  /** 1-based row of the ranking (default 1). */
  rank?: number;
  by?: string;
  robust?: boolean;
  pareto?: boolean;
  /** Which curve's ranking, when the sweep has several (not needed with --robust). */
  curve?: string;
}

export interface Picked {
  spec: string;
  scheduler: string;
  params: Params;
  configId: string;
  /** Where it came from, for logs and the report: `sweeps/x.duckdb#3 (--by openLoopLead, curve ms1mv3)`. */
  source: string;
  warnings: string[];
}

/**
 * Split `path#rank` (rank 1 when absent).
 *
 * @example
 * splitCandidateFrom("sweeps/ff.duckdb#3"); // { path: "sweeps/ff.duckdb", rank: 3 }
 */
export function splitCandidateFrom(text: string): { path: string; rank: number } {
  const hash = text.lastIndexOf("#");
  if (hash < 0) return { path: text, rank: 1 };
  const rank = Number(text.slice(hash + 1));
  if (!Number.isInteger(rank) || rank < 1) throw new ConfigError(M.badPickRank(text), M.E_SWEEP_OPTION);
  return { path: text.slice(0, hash), rank };
}

/**
 * The configuration at `rank` of a sweep's ranking, as a scheduler spec.
 *
 * @example
 * const p = await pickConfig("sweeps/ff.duckdb", { rank: 1, by: "openLoopLead" }); // p.spec: "fastface:lambda=...,tau=..."
 */
export async function pickConfig(path: string, o: PickOptions = {}): Promise<Picked> {
  const rank = o.rank ?? 1;
  const by = o.by ?? "openLoopLead";
  const db = await openSweepReadOnly(path);
  try {
    const warnings: string[] = [];
    let params: Params;
    let configId: string;
    let how: string;
    if (o.robust) {
      const rows = await robustConfigs(db.conn, { k: rank });
      const row = rows[rank - 1];
      if (!row) throw new InputError(path, M.pickMissing(rank, rows.length, "--robust"), M.E_SWEEP_DB);
      params = row.params as Params;
      configId = row.configId;
      if (params[LAMBDA_MODE] === "relative") throw new ConfigError(M.pickRelativeRobust(configId), M.E_SWEEP_OPTION);
      how = "--robust";
    } else {
      const rows = o.pareto ? await paretoFront(db.conn) : await topK(db.conn, { by, k: null });
      const curves = [...new Set(rows.map((r) => r.curve))];
      const curve = o.curve ?? (curves.length === 1 ? curves[0] : undefined);
      if (curve === undefined) throw new ConfigError(M.pickCurve(curves), M.E_SWEEP_OPTION);
      const mine = rows.filter((r) => r.curve === curve);
      if (mine.length === 0) throw new ConfigError(M.pickCurve(curves, curve), M.E_SWEEP_OPTION);
      const row = mine[rank - 1];
      if (!row)
        throw new InputError(
          path,
          M.pickMissing(rank, mine.length, o.pareto ? "--pareto" : `--by ${by}`),
          M.E_SWEEP_DB,
        );
      params = { ...(row.params as Params) };
      configId = row.configId;
      if (params[LAMBDA_MODE] === "relative" && row.lambdaEff !== null) {
        params.lambda = row.lambdaEff;
        warnings.push(M.pickRelativeLambda(configId, row.lambdaEff, curve));
      }
      how = `${o.pareto ? "--pareto" : `--by ${by}`}, curve ${curve}`;
    }
    delete params[LAMBDA_MODE];
    // the spec is re-parsed with the shared grammar: a database from another version fails here, not in training
    const spec = formatSchedulerSpec(parseSchedulerSpec(formatSchedulerSpec({ name: db.def.scheduler, params })));
    return { spec, scheduler: db.def.scheduler, params, configId, source: `${path}#${rank} (${how})`, warnings };
  } finally {
    db.conn.closeSync();
    db.instance.closeSync();
  }
}
