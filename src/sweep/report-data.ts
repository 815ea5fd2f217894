/**
 * Everything a sweep page shows, read from a sweep database as plain data (the report draws it and runs no
 * SQL): the definition and progress, the curves, per-configuration means over the two heatmap axes, every
 * configuration against the Pareto front (steps saved vs premature decays, summed over curves), the robust
 * configurations, the best per curve, the lambda transfer study (when the sweep has a lambdaMode axis and
 * several curves) and, for `--simulate` sweeps, the closed-loop models, best rows and a sample of points.
 */
import type { GridAxis } from "./grid.ts";
import {
  lambdaTransfer,
  paretoFrontAcrossCurves,
  type RankedRow,
  type RobustRow,
  robustConfigs,
  type TransferRow,
  topK,
} from "./rank.ts";
import { ident, openSweepReadOnly, queryRows } from "./store.ts";
import type { SimulateCurveModel, SweepDefinition } from "./types.ts";

/** Most points of the closed-loop scatter (a repeatable reservoir sample). */
export const SIM_SAMPLE_POINTS = 4000;

/** The two parameters of the heatmaps: numeric axes with several values, `lambda` and `tau` first. */
export function heatmapAxes(def: SweepDefinition): GridAxis[] {
  const varying = def.grid.axes.filter(
    (a) =>
      (a.type === "number" || a.type === "integer") &&
      (a.kind === "range" ? a.lo < a.hi && (a.n === null || a.n > 1) : a.values.length > 1),
  );
  const prefer = ["lambda", "tau", "m", "alpha", "beta"];
  const rank = (a: GridAxis) => {
    const i = prefer.indexOf(a.name);
    return i < 0 ? prefer.length : i;
  };
  return [...varying].sort((a, b) => rank(a) - rank(b)).slice(0, 2);
}

export interface SweepReportData {
  kind: "fastface-sweep-summary";
  /** The database file. */
  path: string;
  definition: SweepDefinition;
  /** Results written, configurations, and configurations x curves. */
  progress: { done: number; configs: number; total: number };
  curves: Array<{ name: string; steps: number; plateaus: number; lossScale: number }>;
  /** Mean over curves per configuration at its values of the two heatmap axes (null without two such axes). */
  heatmap: {
    x: GridAxis;
    y: GridAxis;
    configs: Array<{ x: number; y: number; saved: number; premature: number }>;
  } | null;
  /** Every configuration, summed over curves, with whether it is on the Pareto front. */
  pareto: Array<{
    configId: string;
    params: Record<string, unknown>;
    openLoopLead: number;
    premature: number;
    onFront: boolean;
  }>;
  robust: RobustRow[];
  /** The best 5 per curve by open-loop lead. */
  top: RankedRow[];
  transfer: TransferRow[] | null;
  sim: {
    models: SimulateCurveModel[];
    /** The best 5 per curve by time to target. */
    best: RankedRow[];
    points: Array<{
      curve: string;
      params: Record<string, unknown>;
      openLoopLead: number;
      loss: number;
      timeToTarget: number | null;
    }>;
  } | null;
}

/**
 * Read a sweep database into a SweepReportData (read-only; the database is closed before returning).
 *
 * @example
 * const summary = await sweepReportData("sweeps/fastface.duckdb");
 * renderReportHtml({ title: "sweep", sections: sweepSections(summary) });
 */
export async function sweepReportData(path: string): Promise<SweepReportData> {
  const db = await openSweepReadOnly(path);
  try {
    const { def, conn, columns } = db;
    const counts = await queryRows(
      conn,
      "SELECT (SELECT count(*) FROM results) AS done, (SELECT count(*) FROM configs) AS configs",
    );
    const done = Number(counts[0]?.done ?? 0);
    const configs = Number(counts[0]?.configs ?? 0);
    const curves = (
      await queryRows(conn, "SELECT name, steps, plateaus, loss_scale FROM curves ORDER BY curve_id")
    ).map((c) => ({
      name: String(c.name),
      steps: Number(c.steps),
      plateaus: Number(c.plateaus),
      lossScale: Number(c.loss_scale),
    }));
    let heatmap: SweepReportData["heatmap"] = null;
    const axes = heatmapAxes(def);
    if (axes.length === 2) {
      const [ax, ay] = axes as [GridAxis, GridAxis];
      const col = (name: string) => ident(columns.find((c) => c.param === name)!.column);
      const rows = await queryRows(
        conn,
        `SELECT ${col(ax.name)}::DOUBLE AS x, ${col(ay.name)}::DOUBLE AS y, avg(openLoopLead)::DOUBLE AS saved,
                avg(premature)::DOUBLE AS prem FROM results GROUP BY config_id, x, y ORDER BY config_id`,
      );
      heatmap = {
        x: ax,
        y: ay,
        configs: rows.map((r) => ({
          x: Number(r.x),
          y: Number(r.y),
          saved: Number(r.saved),
          premature: Number(r.prem),
        })),
      };
    }
    const transfer =
      def.grid.axes.some((a) => a.name === "lambdaMode") && def.curves.length > 1 ? await lambdaTransfer(conn) : null;
    let sim: SweepReportData["sim"] = null;
    if (def.simulate) {
      const filled = await queryRows(conn, "SELECT count(simDecays) AS n FROM results");
      if (Number(filled[0]?.n ?? 0) > 0) {
        const points = await queryRows(
          conn,
          `SELECT curve, params, openLoopLead::DOUBLE AS saved, simFinalLoss AS loss, timeToTarget AS ttt FROM results
           WHERE simFinalLoss IS NOT NULL USING SAMPLE reservoir(${SIM_SAMPLE_POINTS} ROWS) REPEATABLE (1)`,
        );
        sim = {
          models: def.simulate.models,
          best: await topK(conn, { by: "timeToTarget", k: 5 }),
          points: points.map((p) => ({
            curve: String(p.curve),
            params: JSON.parse(String(p.params)) as Record<string, unknown>,
            openLoopLead: Number(p.saved),
            loss: Number(p.loss),
            timeToTarget: p.ttt === null ? null : Number(p.ttt),
          })),
        };
      }
    }
    return {
      kind: "fastface-sweep-summary",
      path,
      definition: def,
      progress: { done, configs, total: configs * def.curves.length },
      curves,
      heatmap,
      pareto: await paretoFrontAcrossCurves(conn),
      robust: await robustConfigs(conn, { k: 25 }),
      top: await topK(conn, { by: "openLoopLead", k: 5 }),
      transfer,
      sim,
    };
  } finally {
    db.close();
  }
}
