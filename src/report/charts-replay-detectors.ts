/**
 * One chart per detector (a scheduler with a statistic and a threshold: fastface, hck): its statistic x_t on
 * a symlog axis against the threshold λ, its decays and the judge's plateaus, and below it the tolerance
 * counter against `toler`. Zoom/pan is linked with the run's main chart (while that one shows steps).
 */
import { lttbIndices, SMOOTH_POINTS, vertexIndices } from "../curve/downsample.ts";
import type { ReplayResult } from "../replay/types.ts";
import { type RunData, r6 } from "./replay-data.ts";
import type { ChartSpec, DataRow, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, COLORS, colorScale, named, symlogTicks, VEGA_LITE_SCHEMA, WIDTH, zoomParam } from "./vl.ts";

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

function stepX(d: RunData) {
  const [a, b] = d.stepRange;
  return {
    field: "step",
    type: "quantitative",
    title: "step",
    scale: { domain: [a, b > a ? b : a + 1], nice: false },
    axis: { format: "~s" },
  };
}

/** Whether scheduler k is a detector whose statistic was ever defined on this run. */
export function detectorState(result: ReplayResult, k: number): "chart" | "silent" | "none" {
  const tr = result.traces?.schedulers[k];
  if (!tr?.statistic || tr.threshold === undefined) return "none";
  return tr.statistic.some((v) => Number.isFinite(v)) ? "chart" : "silent";
}

/**
 * The detector chart of scheduler `k`, or `undefined` when it is not a detector or never had a statistic.
 *
 * @example
 * detectorChart(result, runData({ result }, "r50"), 0, "r50-detector-fastface");
 */
export function detectorChart(result: ReplayResult, d: RunData, k: number, id: string): ChartSpec | undefined {
  const t = result.traces;
  const tr = t?.schedulers[k];
  const label = d.labels[k] ?? tr?.name ?? "";
  if (!t || !tr?.statistic || tr.threshold === undefined || detectorState(result, k) !== "chart") return undefined;
  const lambda = tr.threshold;
  const statIdx = lttbIndices(t.step, tr.statistic, SMOOTH_POINTS);
  const name = `${d.key}_stat${k}`;
  const statRows: DataRow[] = statIdx.map((i) => ({ step: t.step[i]!, value: r6(tr.statistic![i]) }));
  const finite = statRows.map((r) => Number(r.value)).filter((v) => Number.isFinite(v));
  const ticks = symlogTicks(Math.min(...finite, -lambda), Math.max(...finite, lambda), lambda);
  const decayRows = (d.datasets[d.names.decays] ?? []).filter((r) => r.scheduler === label);
  const color = colorScale(d.labels);
  const top: VegaLiteSpec[] = [
    {
      data: named(d.names.plateaus),
      mark: { type: "rect", color: COLORS.plateau, opacity: 0.25 },
      encoding: { x: { ...stepX(d), field: "start" }, x2: { field: "end" } },
    },
    {
      name: "statline",
      data: named(name),
      mark: { type: "line", strokeWidth: 1.2, color: COLORS.smoothed, clip: true },
      encoding: {
        x: stepX(d),
        y: {
          field: "value",
          type: "quantitative",
          title: "statistic x_t",
          scale: lambda > 0 ? { type: "symlog", constant: lambda } : { type: "symlog" },
          axis: { values: ticks, labelExpr: "datum.value === 0 ? '0' : format(datum.value, '.0e')" },
        },
      },
    },
    {
      data: { values: [{ threshold: lambda }] },
      mark: { type: "rule", color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: {
        y: { field: "threshold", type: "quantitative" },
        tooltip: [{ field: "threshold", type: "quantitative", title: "threshold λ", format: ".3g" }],
      },
    },
  ];
  const datasets: Record<string, DataRow[]> = {
    [d.names.plateaus]: d.datasets[d.names.plateaus] ?? [],
    [name]: statRows,
  };
  if (decayRows.length > 0) {
    const decName = `${d.key}_decays${k}`;
    datasets[decName] = decayRows.map((r) => ({ step: r.step ?? null, lr: r.lr ?? null, scheduler: label }));
    top.push({
      data: named(decName),
      mark: { type: "rule", strokeWidth: 1.5 },
      encoding: {
        x: stepX(d),
        color: { field: "scheduler", type: "nominal", scale: color, legend: null },
        tooltip: [
          { field: "step", type: "quantitative", title: "decay at step", format: "," },
          { field: "lr", type: "quantitative", title: "LR after", format: ".3g" },
        ],
      },
    });
  }
  const panels: VegaLiteSpec[] = [{ name: "statistic", width: WIDTH, height: 200, layer: top }];
  if (tr.counter) {
    const cName = `${d.key}_counter${k}`;
    datasets[cName] = vertexIndices(t.step, tr.counter).map((i) => ({ step: t.step[i]!, value: tr.counter![i]! }));
    const counter: VegaLiteSpec[] = [
      {
        name: "counterline",
        data: named(cName),
        mark: { type: "line", strokeWidth: 1, color: COLORS.counter, clip: true },
        encoding: {
          x: stepX(d),
          y: {
            field: "value",
            type: "quantitative",
            title: "counter",
            axis: { format: ",d", tickMinStep: 1, tickCount: 3 },
          },
        },
      },
    ];
    if (tr.toler !== undefined) {
      counter.push({
        data: { values: [{ toler: tr.toler }] },
        mark: { type: "rule", color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: {
          y: { field: "toler", type: "quantitative" },
          tooltip: [{ field: "toler", type: "quantitative", title: "tolerance (steps)", format: "," }],
        },
      });
    }
    panels.push({ name: "counter", width: WIDTH, height: 90, layer: counter });
  }
  const tol = tr.toler !== undefined ? ` (tolerance ${fmtInt(tr.toler)} steps)` : "";
  return {
    id,
    title: `${label}: statistic against its threshold, and the tolerance counter`,
    link: d.key,
    height: tr.counter ? 380 : 260,
    caption:
      `Blue: ${label}'s statistic x_t on a symlog axis (linear within ±λ, logarithmic beyond); dashed red: the ` +
      `threshold λ = ${lambda}; vertical lines: its decays; shaded: the judge's plateaus. Below: the count of ` +
      `consecutive steps under λ${tol}; a decay fires when it reaches the dashed line. Zoom is linked with the loss chart.`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      datasets,
      params: [zoomParam(tr.counter ? ["statline", "counterline"] : ["statline"])],
      vconcat: panels,
      resolve: { scale: { x: "shared" } },
    },
  };
}
