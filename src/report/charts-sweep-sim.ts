/**
 * Report sections for the closed-loop part of a sweep (`fastface sweep --simulate`): the model of each curve,
 * the best configurations by time to target (with final loss, decays and plateaus in the simulated curves) and
 * a scatter of open-loop lead against closed-loop loss at the budget. Loaded by charts-sweep.ts only when
 * the database has closed-loop metrics.
 */
import { OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import { topK } from "../sweep/rank.ts";
import { queryRows } from "../sweep/store.ts";
import type { SweepDefinition } from "../sweep/types.ts";
import type { ReportSection, VegaLiteSpec } from "./types.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** Most points in the scatter. */
const MAX_POINTS = 4000;

type Conn = Parameters<typeof queryRows>[0];

const num = (v: number | null, digits = 3): string =>
  v === null || !Number.isFinite(v) ? "-" : String(Number(v.toFixed(digits)));
const pct = (v: number | null): string => (v === null || !Number.isFinite(v) ? "-" : `${(100 * v).toFixed(1)}%`);

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(";") : typeof v === "number" ? Number(v.toPrecision(4)) : v}`)
    .join(",");
}

/**
 * The closed-loop sections of a sweep database (empty when the sweep ran without --simulate).
 * @example
 * const sections = await sweepSimSections(conn, def); // [] without --simulate
 */
export async function sweepSimSections(conn: Conn, def: SweepDefinition): Promise<ReportSection[]> {
  const sim = def.simulate;
  if (!sim) return [];
  const filled = await queryRows(conn, "SELECT count(simDecays) AS n FROM results");
  if (Number(filled[0]?.n ?? 0) === 0) return [];
  const overview: ReportSection = {
    id: "sweep-sim",
    title: "Closed loop (--simulate)",
    paragraphs: [
      "Each configuration also drove a loss-response model of each curve step by step (fastface simulate's closed loop, " +
        "noise resampled from the model's residuals), once per seed. Time to target: the fraction of the logged run's " +
        "steps after which the simulated (noise-free) loss first reaches the logged final loss, mean over the seeds " +
        "that reached it; reached: the fraction of seeds that did. The simulated numbers are only as good as the model: " +
        "check its relMAE against the logged run.",
    ],
    facts: [
      ["model", sim.source === "file" ? "from a model file" : `fitted per curve (${sim.source})`],
      ["budget", `${sim.budget} of each logged run`],
      ["seeds", `${sim.seeds} (from ${sim.seed})`],
      ["noise", sim.noise ? "resampled residuals" : "off"],
      ["LR of the logged runs", sim.lrSchedule ?? "the logs' LR column"],
    ],
    tables: [
      {
        columns: ["curve", "model", "relMAE (logged LR)", "target loss", "logged plateaus", "simulated steps"],
        rows: sim.models.map((m) => [
          m.name,
          m.model,
          pct(m.relMae),
          num(m.target, 4),
          m.loggedPlateaus,
          m.budgetSteps,
        ]),
      },
    ],
  };
  const best = await topK(conn, { by: "timeToTarget", k: 5 });
  const top: ReportSection = {
    id: "sweep-sim-top",
    title: "Best 5 per curve by time to target",
    tables: [
      {
        columns: [
          "curve",
          "rank",
          "params",
          "decays (open loop)",
          "decays (sim)",
          "loss at budget [10-90%]",
          "time to target",
          "reached",
          "plateaus sim / logged",
        ],
        rows: best.map((r) => [
          r.curve,
          r.rank ?? 0,
          paramsText(r.params),
          r.decays,
          num(r.sim?.simDecays ?? null, 1),
          r.sim ? `${num(r.sim.simFinalLoss)} [${num(r.sim.simFinalLossLo)}-${num(r.sim.simFinalLossHi)}]` : "-",
          r.sim?.timeToTarget === null || !r.sim ? "not reached" : pct(r.sim.timeToTarget),
          pct(r.sim?.simReached ?? null),
          r.sim ? `${num(r.sim.simPlateaus, 1)} / ${r.sim.simLoggedPlateaus}` : "-",
        ]),
        caption:
          "Ties (and configurations that never reach the target) are ordered by the fraction of seeds reaching it.",
      },
    ],
  };
  const points = await queryRows(
    conn,
    `SELECT curve, params, openLoopLead::DOUBLE AS saved, simFinalLoss AS loss, timeToTarget AS ttt FROM results
     WHERE simFinalLoss IS NOT NULL USING SAMPLE reservoir(${MAX_POINTS} ROWS) REPEATABLE (1)`,
  );
  const scatter: ReportSection = {
    id: "sweep-sim-scatter",
    title: "Open loop vs closed loop",
    charts: [
      {
        id: "sweep-sim-scatter-chart",
        title: "Open-loop lead on the logged curve vs loss at the budget in closed loop",
        caption:
          "One point per (curve, configuration). Right: the configuration removes more of the logged plateaus (open-loop " +
          `replay); down: its simulated run ends lower. Agreement means the open-loop ranking can be trusted. ${OPEN_LOOP_CAVEAT}`,
        spec: {
          $schema: SCHEMA,
          width: 700,
          height: 360,
          data: {
            values: points.map((p) => ({
              curve: String(p.curve),
              params: paramsText(JSON.parse(String(p.params)) as Record<string, unknown>),
              openLoopLead: Number(p.saved),
              loss: Number(p.loss),
              timeToTarget: p.ttt === null ? "not reached" : pct(Number(p.ttt)),
            })),
          },
          mark: { type: "point", filled: true, tooltip: true },
          encoding: {
            x: { field: "openLoopLead", type: "quantitative", title: "open-loop lead" },
            y: {
              field: "loss",
              type: "quantitative",
              title: "loss at the budget (closed loop, mean)",
              scale: { zero: false },
            },
            color: { field: "curve", type: "nominal" },
            tooltip: [
              { field: "curve" },
              { field: "params" },
              { field: "openLoopLead" },
              { field: "loss", format: ".4f" },
              { field: "timeToTarget" },
            ],
          },
        } satisfies VegaLiteSpec,
      },
    ],
  };
  return [overview, top, scatter];
}
