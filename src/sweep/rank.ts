/**
 * Ranking a sweep in SQL (DuckDB): top-k per curve by an objective, the Pareto front of steps saved (more is
 * better) against premature decays (fewer is better), the configurations that work on every curve, and the
 * absolute-vs-relative lambda transfer study. Every function takes a connection to a sweep database (or any
 * database with a `results` table of the same shape, as the tests build by hand).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ConfigError } from "../errors.ts";
import { paramsText } from "../messages/format.ts";
import * as M from "../messages/sweep.ts";
import { queryRows, SIM_COLUMNS } from "./store.ts";
import type { ReplayMetrics, SimMetrics } from "./types.ts";

/** Objectives `--by` accepts, with their direction (best first). */
export const OBJECTIVES = {
  openLoopLead: "DESC",
  removed: "DESC",
  premature: "ASC",
  decays: "ASC",
  nsPerStep: "ASC",
  // closed-loop metrics (sweeps run with --simulate)
  timeToTarget: "ASC",
  simReached: "DESC",
  simFinalLoss: "ASC",
  simDecays: "ASC",
  simPlateaus: "ASC",
  simPlateausRemoved: "DESC",
} as const;

/** Objectives that are closed-loop metrics (NULL unless the sweep ran with --simulate). */
export const SIM_OBJECTIVES: ReadonlySet<string> = new Set(SIM_COLUMNS.map(([name]) => name));
export type Objective = keyof typeof OBJECTIVES;

export interface RankedRow extends ReplayMetrics {
  curve: string;
  curveId: number;
  configId: string;
  params: Record<string, unknown>;
  /** 1-based rank within its curve (top-k); absent on Pareto rows. */
  rank?: number;
}

export interface RobustRow {
  configId: string;
  params: Record<string, unknown>;
  curves: number;
  minOpenLoopLead: number;
  meanOpenLoopLead: number;
  totalRemoved: number;
  totalPremature: number;
}

const ROW_COLUMNS =
  "curve, curve_id, config_id, params, decays, decaySteps, removed, openLoopLead, plateaus, premature, nsPerStep, lambdaEff";

/** True when `results` has the closed-loop columns (databases written before them do not). */
export async function hasSimColumns(conn: DuckDBConnection): Promise<boolean> {
  const rows = await queryRows(
    conn,
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'results' AND column_name = 'simDecays'",
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** ROW_COLUMNS plus the closed-loop columns when the table has them. */
async function rowColumns(conn: DuckDBConnection): Promise<string[]> {
  const cols = ROW_COLUMNS.split(", ");
  if (await hasSimColumns(conn)) cols.push(...SIM_COLUMNS.map(([name]) => name));
  return cols;
}

function simOf(r: Record<string, unknown>): SimMetrics | undefined {
  if (r.simDecays === null || r.simDecays === undefined) return undefined;
  const num = (v: unknown) => (v === null || v === undefined ? Number.NaN : Number(v));
  return {
    simDecays: num(r.simDecays),
    simFinalLoss: num(r.simFinalLoss),
    simFinalLossLo: num(r.simFinalLossLo),
    simFinalLossHi: num(r.simFinalLossHi),
    timeToTarget: r.timeToTarget === null || r.timeToTarget === undefined ? null : Number(r.timeToTarget),
    simReached: num(r.simReached),
    simPlateaus: num(r.simPlateaus),
    simLoggedPlateaus: num(r.simLoggedPlateaus),
    simPlateausRemoved: num(r.simPlateausRemoved),
    simNsPerStep: num(r.simNsPerStep),
  };
}

function toRanked(r: Record<string, unknown>): RankedRow {
  const row: RankedRow = {
    curve: String(r.curve),
    curveId: Number(r.curve_id),
    configId: String(r.config_id),
    params: JSON.parse(String(r.params)) as Record<string, unknown>,
    decays: Number(r.decays),
    decaySteps: ((r.decaySteps as unknown[] | null) ?? []).map(Number),
    removed: Number(r.removed),
    openLoopLead: Number(r.openLoopLead),
    plateaus: Number(r.plateaus),
    premature: Number(r.premature),
    nsPerStep: Number(r.nsPerStep),
    lambdaEff: r.lambdaEff === null || r.lambdaEff === undefined ? null : Number(r.lambdaEff),
  };
  const sim = simOf(r);
  if (sim) row.sim = sim;
  if (r.rank !== undefined) row.rank = Number(r.rank);
  return row;
}

/** Check an objective name (ConfigError listing the valid ones). */
export function checkObjective(by: string): Objective {
  if (!Object.hasOwn(OBJECTIVES, by))
    throw new ConfigError(M.unknownObjective(by, Object.keys(OBJECTIVES)), M.E_SWEEP_OPTION);
  return by as Objective;
}

/** ORDER BY terms: the objective, then fixed tie-breakers so the order is deterministic. */
function orderTerms(by: Objective): string {
  const terms = [`${by} ${OBJECTIVES[by]} NULLS LAST`];
  if (by === "timeToTarget") terms.push("simReached DESC NULLS LAST");
  if (by !== "premature") terms.push("premature ASC");
  if (by !== "openLoopLead") terms.push("openLoopLead DESC");
  terms.push("config_id ASC");
  return terms.join(", ");
}

/**
 * The best `k` configurations of each curve by an objective (`k = null`: every row), best first.
 * @example
 * const rows = await topK(conn, { by: "openLoopLead", k: 10 });
 */
export async function topK(conn: DuckDBConnection, opts: { by: string; k: number | null }): Promise<RankedRow[]> {
  const by = checkObjective(opts.by);
  const cols = await rowColumns(conn);
  if (SIM_OBJECTIVES.has(by)) {
    // simDecays is set on every closed-loop row (timeToTarget is NULL when no seed reached the target)
    const n = cols.includes(by) ? (await queryRows(conn, "SELECT count(simDecays) AS n FROM results"))[0]?.n : 0;
    if (Number(n ?? 0) === 0) throw new ConfigError(M.simulateObjectiveWithout(by), M.E_SWEEP_OPTION);
  }
  const order = orderTerms(by);
  const limit = opts.k === null ? "" : `QUALIFY rank <= ${Math.max(0, Math.floor(opts.k))}`;
  const rows = await queryRows(
    conn,
    `SELECT ${cols.join(", ")}, row_number() OVER (PARTITION BY curve_id ORDER BY ${order}) AS rank
     FROM results ${limit} ORDER BY curve_id, rank`,
  );
  return rows.map(toRanked);
}

/**
 * The Pareto front of each curve: rows no other row of the same curve beats on both steps saved (>=) and
 * premature decays (<=) with one strict. O(n log n): group by premature count, keep each group's best
 * openLoopLead when it beats every group with fewer premature decays.
 * @example
 * const front = await paretoFront(conn); // sorted by curve, then premature ascending
 */
export async function paretoFront(conn: DuckDBConnection): Promise<RankedRow[]> {
  const cols = await rowColumns(conn);
  const rows = await queryRows(
    conn,
    `WITH g AS (SELECT curve_id, premature, max(openLoopLead) AS best FROM results GROUP BY curve_id, premature),
     f AS (SELECT curve_id, premature, best,
             max(best) OVER (PARTITION BY curve_id ORDER BY premature ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
           FROM g)
     SELECT ${cols.map((c) => `r.${c}`).join(", ")}
     FROM results r JOIN f ON f.curve_id = r.curve_id AND f.premature = r.premature
     WHERE r.openLoopLead = f.best AND (f.prev IS NULL OR f.best > f.prev)
     ORDER BY r.curve_id, r.premature, r.config_id`,
  );
  return rows.map(toRanked);
}

/**
 * The same front over configurations, with steps saved and premature decays summed over all curves.
 * @example
 * const front = await paretoFrontAcrossCurves(conn); // [{configId, params, openLoopLead, premature}]
 */
export async function paretoFrontAcrossCurves(conn: DuckDBConnection): Promise<
  Array<{
    configId: string;
    params: Record<string, unknown>;
    openLoopLead: number;
    premature: number;
    onFront: boolean;
  }>
> {
  const rows = await queryRows(
    conn,
    `WITH a AS (SELECT config_id, any_value(params) AS params, sum(openLoopLead)::DOUBLE AS saved,
                       sum(premature)::DOUBLE AS prem FROM results GROUP BY config_id),
     g AS (SELECT prem, max(saved) AS best FROM a GROUP BY prem),
     f AS (SELECT prem, best, max(best) OVER (ORDER BY prem ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM g)
     SELECT a.config_id, a.params, a.saved, a.prem,
            (a.saved = f.best AND (f.prev IS NULL OR f.best > f.prev)) AS on_front
     FROM a JOIN f ON f.prem = a.prem ORDER BY a.prem, a.saved DESC, a.config_id`,
  );
  return rows.map((r) => ({
    configId: String(r.config_id),
    params: JSON.parse(String(r.params)) as Record<string, unknown>,
    openLoopLead: Number(r.saved),
    premature: Number(r.prem),
    onFront: Boolean(r.on_front),
  }));
}

/**
 * Configurations that work on every curve of the sweep: a result on each curve, at least `minRemoved`
 * plateaus removed and at most `maxPremature` premature decays on each; ranked by the worst curve's steps
 * saved, then the mean.
 * @example
 * const robust = await robustConfigs(conn); // defaults: removed >= 1 and premature == 0 on all curves
 */
export async function robustConfigs(
  conn: DuckDBConnection,
  opts: { minRemoved?: number; maxPremature?: number; k?: number | null } = {},
): Promise<RobustRow[]> {
  const minRemoved = Math.floor(opts.minRemoved ?? 1);
  const maxPremature = Math.floor(opts.maxPremature ?? 0);
  const limit = opts.k === null || opts.k === undefined ? "" : `LIMIT ${Math.max(0, Math.floor(opts.k))}`;
  const rows = await queryRows(
    conn,
    `SELECT config_id, any_value(params) AS params, count(*) AS curves, min(openLoopLead) AS min_saved,
            avg(openLoopLead) AS mean_saved, sum(removed) AS removed, sum(premature) AS premature
     FROM results GROUP BY config_id
     HAVING count(DISTINCT curve_id) = (SELECT count(DISTINCT curve_id) FROM results)
        AND min(removed) >= ${minRemoved} AND max(premature) <= ${maxPremature}
     ORDER BY min_saved DESC, mean_saved DESC, config_id ${limit}`,
  );
  return rows.map((r) => ({
    configId: String(r.config_id),
    params: JSON.parse(String(r.params)) as Record<string, unknown>,
    curves: Number(r.curves),
    minOpenLoopLead: Number(r.min_saved),
    meanOpenLoopLead: Number(r.mean_saved),
    totalRemoved: Number(r.removed),
    totalPremature: Number(r.premature),
  }));
}

export interface TransferRow {
  /** The value of the grouping column (e.g. lambdaMode), or "all" without one. */
  group: string;
  /** Ordered (source, target) curve pairs evaluated. */
  pairs: number;
  /**
   * Mean over pairs of openLoopLead(target, best-on-source) / best acceptable openLoopLead on the target (0 when the
   * transferred configuration is not acceptable on the target; ties on the source are averaged).
   */
  meanRatio: number;
  /** Fraction of transfers that are not acceptable on the target (avoidable premature decays). */
  prematureRate: number;
  /** The best single configuration's worst-curve ratio: max over configs of min over curves of saved/best. */
  bestCommonMinRatio: number;
}

export interface TransferOptions {
  /** Parameter column that splits the configurations (default `p_lambdaMode`). */
  groupColumn?: string;
  /**
   * Which results are acceptable: `zero` = no premature decay; `curveMin` (default) = no more premature decays
   * than the fewest any configuration of the group fires on that curve (no avoidable premature decay; a run
   * whose warm-up makes every config fire early still has acceptable configurations).
   */
  baseline?: "zero" | "curveMin";
  /** Restrict the study to these curve names. */
  curves?: readonly string[];
}

/**
 * Leave-one-out transfer: tune on one curve (most steps saved among acceptable results; a curve where no
 * acceptable configuration saves a step is no source), apply to every other curve. Grouped by a parameter
 * column (default `p_lambdaMode`) so absolute and relative lambda compare.
 * @example
 * const rows = await lambdaTransfer(conn); // [{group: "absolute", ...}, {group: "relative", ...}]
 */
export async function lambdaTransfer(conn: DuckDBConnection, opts: TransferOptions = {}): Promise<TransferRow[]> {
  const groupColumn = opts.groupColumn ?? "p_lambdaMode";
  const cols = await queryRows(
    conn,
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'results' AND column_name = ?",
    [groupColumn],
  );
  const group = cols.length > 0 ? `"${groupColumn.replace(/"/g, '""')}"::VARCHAR` : "'all'";
  const filter =
    opts.curves === undefined
      ? ""
      : `WHERE curve IN (${opts.curves.map((c) => `'${c.replace(/'/g, "''")}'`).join(", ") || "NULL"})`;
  const ok = (opts.baseline ?? "curveMin") === "zero" ? "r.premature = 0" : "r.premature <= m.minp";
  const rows = await queryRows(
    conn,
    `WITH r0 AS (SELECT curve_id, config_id, ${group} AS grp, openLoopLead::DOUBLE AS saved, premature FROM results ${filter}),
     m AS (SELECT curve_id, grp, min(premature) AS minp FROM r0 GROUP BY curve_id, grp),
     r AS (SELECT r.*, (${ok}) AS ok FROM r0 r JOIN m ON m.curve_id = r.curve_id AND m.grp = r.grp),
     best AS (SELECT curve_id, grp, max(saved) AS best FROM r WHERE ok GROUP BY curve_id, grp),
     pick AS (SELECT curve_id AS src, grp, config_id FROM r WHERE ok AND saved > 0
              QUALIFY rank() OVER (PARTITION BY curve_id, grp ORDER BY saved DESC) = 1),
     tr AS (SELECT p.grp, p.src, t.curve_id AS dst,
                   avg(CASE WHEN NOT t.ok THEN 0 WHEN b.best > 0 THEN t.saved / b.best ELSE 1 END) AS ratio,
                   avg(CASE WHEN NOT t.ok THEN 1.0 ELSE 0.0 END) AS prem
            FROM pick p JOIN r t ON t.config_id = p.config_id AND t.curve_id <> p.src
            LEFT JOIN best b ON b.curve_id = t.curve_id AND b.grp = p.grp
            GROUP BY p.grp, p.src, t.curve_id),
     common AS (SELECT r.grp, r.config_id,
                       min(CASE WHEN NOT r.ok THEN 0 WHEN b.best > 0 THEN r.saved / b.best ELSE 1 END) AS worst
                FROM r LEFT JOIN best b ON b.curve_id = r.curve_id AND b.grp = r.grp GROUP BY r.grp, r.config_id),
     groups AS (SELECT DISTINCT grp FROM r)
     SELECT g.grp, (SELECT count(*) FROM tr WHERE tr.grp = g.grp) AS pairs,
            (SELECT avg(ratio) FROM tr WHERE tr.grp = g.grp) AS mean_ratio,
            (SELECT avg(prem) FROM tr WHERE tr.grp = g.grp) AS prem_rate,
            (SELECT max(worst) FROM common WHERE common.grp = g.grp) AS best_common
     FROM groups g ORDER BY g.grp`,
  );
  return rows.map((r) => ({
    group: String(r.grp),
    pairs: Number(r.pairs),
    meanRatio: r.mean_ratio === null ? Number.NaN : Number(r.mean_ratio),
    prematureRate: r.prem_rate === null ? Number.NaN : Number(r.prem_rate),
    bestCommonMinRatio: r.best_common === null ? Number.NaN : Number(r.best_common),
  }));
}

/**
 * The cells of a ranked configuration (the report's and `sweep-top`'s tables): curve, rank, params, decays,
 * removed, open-loop lead, premature, plateaus.
 * @example rankedCells(row, 1); // ["r50", 1, "lambda=0.00002", 3, 2, 41000, 0, 2]
 */
export function rankedCells(r: RankedRow, rank: number): Array<string | number> {
  return [r.curve, rank, paramsText(r.params), r.decays, r.removed, r.openLoopLead, r.premature, r.plateaus];
}
