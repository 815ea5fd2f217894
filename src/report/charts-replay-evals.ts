/**
 * Evaluation results found in a log (lfw, cfp_fp, agedb_30 ... accuracy at the steps they were run) as a
 * chart: one panel per main metric (`evaluationMetrics`), one line per benchmark, x zoom linked with the run's
 * other charts; and the table of every evaluation (pivoted: one row per step, one column per benchmark ×
 * metric; the download holds the long form).
 */
import type { ReplayResult } from "../replay/types.ts";
import type { RunData } from "./replay-data.ts";
import type { ChartSpec, TableSpec, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, datasetsOf, named, VEGA_LITE_SCHEMA, WIDTH, zoomParam } from "./vl.ts";

/**
 * The evaluation chart of a run, or `undefined` without evaluations that have a step.
 *
 * @example
 * evaluationChart(runData({ result }, "r50"), "r50-evals");
 */
export function evaluationChart(d: RunData, id: string): ChartSpec | undefined {
  const rows = d.datasets[d.names.evals] ?? [];
  if (rows.length === 0) return undefined;
  const panels: VegaLiteSpec[] = d.evalMetrics.map((metric, k) => ({
    name: `metric${k}`,
    width: WIDTH,
    height: 150,
    transform: [{ filter: `datum.m === ${k}` }],
    mark: { type: "line", point: { size: 24 }, strokeWidth: 1.3, clip: true },
    encoding: {
      x: {
        field: "step",
        type: "quantitative",
        title: "step",
        scale: { domain: d.stepRange, nice: false },
        axis: { format: "~s" },
      },
      y: { field: "value", type: "quantitative", title: metric, scale: { zero: false } },
      color: { field: "benchmark", type: "nominal", title: "benchmark" },
      tooltip: [
        { field: "benchmark", type: "nominal" },
        { field: "metric", type: "nominal" },
        { field: "step", type: "quantitative", format: "," },
        { field: "value", type: "quantitative", format: ".5g" },
      ],
    },
  }));
  const steps = new Set(rows.map((r) => r.step)).size;
  return {
    id,
    title: `Evaluation: ${d.evalMetrics.join(" and ")} over training`,
    link: d.key,
    height: 60 + 170 * panels.length,
    caption: `${rows.length} results at ${steps} step${steps === 1 ? "" : "s"}, one line per benchmark; zoom is linked with the loss chart. Every evaluation is in the table below.`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      datasets: datasetsOf(d.datasets, [d.names.evals]),
      data: named(d.names.evals),
      params: [zoomParam(panels.map((p) => String(p.name)))],
      vconcat: panels,
      resolve: { scale: { x: "shared" } },
    },
  };
}

/**
 * Every evaluation of the run: one row per step, one column per benchmark/metric (evaluations without a
 * step last, one row each); the download is the long form with the spread.
 *
 * @example
 * evaluationTable(result)?.columns; // ["step", "lfw Accuracy-Flip", ...]
 */
export function evaluationTable(result: ReplayResult): TableSpec | undefined {
  const evals = result.curve.evaluations ?? [];
  if (evals.length === 0) return undefined;
  const keys: string[] = [];
  for (const e of evals) {
    const k = `${e.name} ${e.metric}`;
    if (!keys.includes(k)) keys.push(k);
  }
  const bySteps = new Map<number, Map<string, number>>();
  const stepless: Array<Array<string | number | null>> = [];
  for (const e of evals) {
    const k = `${e.name} ${e.metric}`;
    if (e.step === undefined) {
      stepless.push(["", ...keys.map((c) => (c === k ? e.value : null))]);
      continue;
    }
    const m = bySteps.get(e.step) ?? new Map<string, number>();
    m.set(k, e.value);
    bySteps.set(e.step, m);
  }
  const rows: TableSpec["rows"] = [...bySteps.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, m]) => [step, ...keys.map((k) => m.get(k) ?? null)]);
  rows.push(...stepless);
  return {
    columns: ["step", ...keys],
    rows,
    caption: "Evaluation results found in the log (blank step: reported without one).",
    download: `${result.curve.name}-evaluations`,
    data: {
      columns: ["benchmark", "metric", "value", "std", "step"],
      rows: evals.map((e) => [e.name, e.metric, e.value, e.std ?? null, e.step ?? null]),
    },
  };
}
