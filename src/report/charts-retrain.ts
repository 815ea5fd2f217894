/**
 * Report sections for a retrain result (`fastface retrain --json`, runs/<out>/result.json), summary first:
 * the verdict and one sentence per run (accuracy ± its fold spread, steps, wall time, decays), the caveat that
 * one paired seed is one sample, the loss and LR of both runs and the verification accuracy over training;
 * folded: the accuracy table, every decay and the setup. Reads the result only.
 */
import type { RetrainResult } from "../train/retrain.ts";
import type { ChartSpec, ReportSection, TableSpec } from "./types.ts";
import { CHART_CONFIG, VEGA_LITE_SCHEMA, WIDTH } from "./vl.ts";

const SCHEMA = VEGA_LITE_SCHEMA;
const COLORS = { baseline: "#57606a", candidate: "#0969da" };

type Run = RetrainResult["baseline"];

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a";
}

function traceRows(run: Run, label: string, key: "loss" | "lr") {
  // Non-positive LRs (a poly schedule ending at 0) cannot sit on the log axis: left out of the line.
  return run.traces.step.map((s, i) => {
    const v = run.traces[key][i];
    return { run: label, step: s, value: v === undefined || (key === "lr" && !(v > 0)) ? null : v };
  });
}

function lineChart(id: string, title: string, rows: object[], y: string, logY: boolean, caption: string): ChartSpec {
  return {
    id,
    title,
    caption,
    spec: {
      $schema: SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: 260,
      data: { values: rows, format: { parse: null } },
      mark: { type: "line", interpolate: y === "LR" ? "step-after" : "linear" },
      encoding: {
        x: { field: "step", type: "quantitative", title: "global step" },
        y: { field: "value", type: "quantitative", title: y, scale: logY ? { type: "log" } : { zero: false } },
        color: {
          field: "run",
          type: "nominal",
          scale: { domain: ["baseline", "candidate"], range: [COLORS.baseline, COLORS.candidate] },
        },
        tooltip: [
          { field: "run", type: "nominal" },
          { field: "step", type: "quantitative" },
          { field: "value", type: "quantitative", format: ".5g" },
        ],
      },
    },
  };
}

/**
 * Sections for one retrain result.
 *
 * @example
 * renderReportHtml({ title: "retrain", sections: retrainSections(result) });
 */
export function retrainSections(result: RetrainResult): ReportSection[] {
  const b = result.baseline;
  const c = result.candidate;
  const v = result.verdict;
  const table: TableSpec = {
    columns: [
      "run",
      "scheduler",
      "epochs",
      "steps",
      "wall time (s)",
      "final loss",
      "accuracy",
      "+-",
      "TAR@FAR=1e-3",
      "decays",
    ],
    rows: [b, c].map((r) => [
      r.label,
      r.scheduler,
      Number(r.epochs.toFixed(3)),
      r.steps,
      Number(r.wallSeconds.toFixed(1)),
      Number(r.finalLoss.toFixed(4)),
      pct(r.accuracy),
      pct(r.accuracyStd),
      pct(r.tar),
      r.decays.length,
    ]),
    caption:
      "Accuracy: 10-fold best-threshold verification accuracy over held-out identity pairs (LFW protocol), mean and standard deviation over the folds. TAR at FAR=1e-3 pooled over all pairs.",
  };
  const decayRows: TableSpec = {
    columns: ["run", "global step", "LR after"],
    rows: [b, c].flatMap((r) => r.decays.map((d) => [r.label, d.step, Number(d.lr.toPrecision(6))])),
  };
  const evalRows = [b, c].flatMap((r) => r.evaluations.map((e) => ({ run: r.label, step: e.step, value: e.accuracy })));
  const verdictText = v.holds
    ? `The verdict holds: the candidate reached ${pct(c.accuracy)} against the baseline's ${pct(b.accuracy)} (${v.accuracyDelta >= 0 ? "+" : ""}${v.accuracyDelta.toFixed(2)} points, tolerance ${v.tolerance}) with ${(v.stepRatio * 100).toFixed(0)}% of the steps and ${(v.timeRatio * 100).toFixed(0)}% of the wall time.`
    : `The verdict does not hold: the candidate reached ${pct(c.accuracy)} against the baseline's ${pct(b.accuracy)} (${v.accuracyDelta.toFixed(2)} points, tolerance ${v.tolerance}).`;
  const runLine = (r: typeof b) =>
    `${r.label} (${r.scheduler}): accuracy ${pct(r.accuracy)} ± ${pct(r.accuracyStd)} over the folds, TAR@FAR=1e-3 ${pct(r.tar)}; ` +
    `${r.steps.toLocaleString("en-US")} steps in ${r.wallSeconds.toFixed(1)} s; ${r.decays.length} decay${r.decays.length === 1 ? "" : "s"}.`;
  return [
    {
      id: "retrain-verdict",
      title: "Verdict",
      source: `${result.dataset} · ${b.model} (${b.parameters} parameters) · backend ${result.backend.name} · seed ${result.config.seed} · budget ${result.config.budget}`,
      headline: [verdictText, runLine(b), runLine(c)],
      notes: [
        "One paired run (same data, model and seed): a difference within the folds' spread is not evidence either way; " +
          "repeat with other seeds before trusting it.",
      ],
      charts: [
        lineChart(
          "retrain-loss",
          "Training loss",
          [...traceRows(b, "baseline", "loss"), ...traceRows(c, "candidate", "loss")],
          "loss",
          false,
          "Margin softmax loss (s=64) per step, averaged over display bins. The baseline follows its fixed schedule over the full epochs; the candidate's scheduler decides its decays from the live loss within its own budget.",
        ),
        lineChart(
          "retrain-lr",
          "Learning rate",
          [...traceRows(b, "baseline", "lr"), ...traceRows(c, "candidate", "lr")],
          "LR",
          true,
          "LR used at each step (log scale); each drop is a decay.",
        ),
        lineChart(
          "retrain-accuracy",
          "Verification accuracy during training",
          evalRows,
          "accuracy",
          false,
          "10-fold accuracy on the held-out pairs, evaluated at the end of every epoch and of the run.",
        ),
      ],
      sections: [
        {
          id: "retrain-table",
          title: "Baseline vs candidate (table)",
          folded: true,
          tables: [{ ...table, download: "retrain-runs" }],
        },
        ...(decayRows.rows.length > 0
          ? [
              {
                id: "retrain-decays",
                title: "Every decay",
                folded: true,
                tables: [{ ...decayRows, download: "retrain-decays" }],
              },
            ]
          : []),
        {
          id: "retrain-setup",
          title: "Setup",
          folded: true,
          facts: [
            ["data", result.dataset],
            ["backend", result.backend.name],
            ["model", `${b.model} (${b.parameters} parameters)`],
            [
              "margin (m1, m2, m3)",
              `${result.config.margin.m1}, ${result.config.margin.m2}, ${result.config.margin.m3} (s=${result.config.margin.s}, ${result.config.margin.impl})`,
            ],
            ["batch size / lr0", `${b.batchSize} / ${b.lr0}`],
            ["seed", result.config.seed],
            ["budget", result.config.budget],
          ],
        },
      ],
    },
  ];
}
