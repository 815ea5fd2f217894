/**
 * Report sections for the closed-loop part of a sweep (`fastface sweep --simulate`), from the SweepReportData:
 * the model of each curve, the best configurations by time to target (with final loss, decays and plateaus in
 * the simulated curves) and a scatter of open-loop lead against closed-loop loss at the budget.
 */

import { paramsText, percent } from "../messages/format.ts";
import type { SweepReportData } from "../sweep/report-data.ts";
import type { ReportSection, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, SCATTER_SIZE, VEGA_LITE_SCHEMA } from "./vl.ts";

const num = (v: number | null, digits = 3): string =>
  v === null || !Number.isFinite(v) ? "-" : String(Number(v.toFixed(digits)));

/**
 * The closed-loop sections of a sweep summary (empty when the sweep ran without --simulate).
 * @example
 * const sections = sweepSimSections(summary); // [] without --simulate
 */
export function sweepSimSections(sum: SweepReportData): ReportSection[] {
  const sim = sum.definition.simulate;
  if (!sim || !sum.sim) return [];
  const best = sum.sim.best;
  const top = best[0];
  const overview: ReportSection = {
    id: "sweep-sim",
    title: "Closed loop (--simulate)",
    headline: [
      top
        ? `Fastest to the logged final loss in closed loop on ${top.curve}: ${paramsText(top.params)} (${top.sim?.timeToTarget === null || !top.sim ? "not reached" : `${percent(top.sim.timeToTarget)} of the logged steps`}).`
        : "No configuration has closed-loop metrics.",
    ],
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
        rows: sum.sim.models.map((m) => [
          m.name,
          m.model,
          percent(m.relMae),
          num(m.target, 4),
          m.loggedPlateaus,
          m.budgetSteps,
        ]),
        download: "sweep-sim-models",
      },
    ],
  };
  const topSection: ReportSection = {
    id: "sweep-sim-top",
    title: "Best 5 per curve by time to target",
    folded: true,
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
          r.sim?.timeToTarget === null || !r.sim ? "not reached" : percent(r.sim.timeToTarget),
          percent(r.sim?.simReached ?? null),
          r.sim ? `${num(r.sim.simPlateaus, 1)} / ${r.sim.simLoggedPlateaus}` : "-",
        ]),
        caption:
          "Ties (and configurations that never reach the target) are ordered by the fraction of seeds reaching it.",
        download: "sweep-sim-top",
      },
    ],
  };
  const scatter: ReportSection = {
    id: "sweep-sim-scatter",
    title: "Open loop vs closed loop",
    charts: [
      {
        id: "sweep-sim-scatter-chart",
        title: "Open-loop lead on the logged curve vs loss at the budget in closed loop",
        caption:
          "One point per (curve, configuration). Right: the configuration removes more of the logged plateaus (open-loop " +
          "replay); down: its simulated run ends lower. Agreement means the open-loop ranking can be trusted.",
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          config: CHART_CONFIG,
          ...SCATTER_SIZE,
          datasets: {
            sweep_sim_points: sum.sim.points.map((p) => ({
              curve: p.curve,
              params: paramsText(p.params),
              openLoopLead: p.openLoopLead,
              loss: p.loss,
              timeToTarget: p.timeToTarget === null ? "not reached" : percent(p.timeToTarget),
            })),
          },
          data: { name: "sweep_sim_points", format: { parse: null } },
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
  return [overview, scatter, topSection];
}
