/**
 * Several replay runs on one page (`fastface report a.json b.json …`, `replay a.log b.log --report`, the
 * demo): a headline per scheduler across the runs, a table run × scheduler, and one overlay chart — each
 * run's smoothed loss on one axis, aligned by step or by fraction of the run, the plateaus of every run as a
 * lane per run with the chosen scheduler's decays, and that scheduler's LR per run — plus the open-loop
 * lead of every scheduler on every run as bars. It reuses each run's own data sets (stored once per page)
 * and puts no run name into an expression (names are data: `datum` constants and legend labels).
 */

import { percent } from "../messages/format.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { RunData } from "./replay-data.ts";
import type { ChartSpec, ReportSection, TableSpec, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, COLORS, datasetsOf, decadeTicks, logTicks, named, VEGA_LITE_SCHEMA, zoomParam } from "./vl.ts";

/** Narrower than a run's charts: the lanes' run names and the legend sit beside it. */
const WIDTH = 720;

/** A run of the comparison: its result, its data sets and its display name. */
export interface CompareRun {
  result: ReplayResult;
  data: RunData;
  label: string;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const pctOf = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);

/** Scheduler names in first-seen order over the runs. */
function schedulerNames(runs: readonly CompareRun[]): string[] {
  const out: string[] = [];
  for (const r of runs) for (const l of r.data.labels) if (!out.includes(l)) out.push(l);
  return out;
}

/**
 * One sentence per scheduler across the runs.
 *
 * @example
 * compareHeadline(runs); // ["fastface: cut 9 of 21 plateaus short over 8 runs; median open-loop lead 2.1% of a run; 3 premature decays.", …]
 */
export function compareHeadline(runs: readonly CompareRun[]): string[] {
  return schedulerNames(runs).map((name) => {
    let removed = 0;
    let plateaus = 0;
    let premature = 0;
    let n = 0;
    const leads: number[] = [];
    for (const r of runs) {
      const k = r.data.labels.indexOf(name);
      const s = r.result.schedulers[k];
      if (!s) continue;
      n++;
      removed += s.removed;
      plateaus += r.result.stationary.length;
      premature += s.premature ?? 0;
      leads.push(pctOf(s.openLoopLead, r.result.curve.steps));
    }
    leads.sort((a, b) => a - b);
    const median = leads.length > 0 ? leads[Math.floor((leads.length - 1) / 2)]! : 0;
    const range = leads.length > 1 ? ` (range ${leads[0]!.toFixed(1)}–${leads[leads.length - 1]!.toFixed(1)}%)` : "";
    return (
      `${name}: removed ${removed} of ${plateaus} plateau${plateaus === 1 ? "" : "s"} over ${n} run${n === 1 ? "" : "s"}; ` +
      `median open-loop lead ${median.toFixed(1)}% of a run${range}` +
      (premature > 0 ? `; ${premature} premature decay${premature === 1 ? "" : "s"}` : "") +
      "."
    );
  });
}

function compareTable(runs: readonly CompareRun[]): TableSpec {
  const names = schedulerNames(runs);
  return {
    columns: ["run", "logged points", "steps", "plateaus", ...names.map((n) => `${n}: removed · lead`)],
    rows: runs.map((r) => [
      r.label,
      r.result.curve.points,
      r.result.curve.steps,
      r.result.stationary.length,
      ...names.map((n) => {
        const s = r.result.schedulers[r.data.labels.indexOf(n)];
        if (!s) return null;
        return `${s.removed}/${r.result.stationary.length} · ${percent(s.openLoopLead / r.result.curve.steps)}`;
      }),
    ]),
    caption:
      "Per run and scheduler: plateaus removed of those found, and the open-loop lead as a share of the run's steps.",
    download: "runs-compared",
    data: {
      columns: ["run", "scheduler", "decays", "removed", "plateaus", "openLoopLead", "premature", "steps"],
      rows: runs.flatMap((r) =>
        r.result.schedulers.map((s, k) => [
          r.label,
          r.data.labels[k] ?? s.name,
          s.decays.length,
          s.removed,
          r.result.stationary.length,
          s.openLoopLead,
          s.premature ?? null,
          r.result.curve.steps,
        ]),
      ),
    },
  };
}

function alignCalc(r: CompareRun, stepField: string, as: string): VegaLiteSpec {
  const [a, b] = r.data.stepRange;
  const span = b > a ? b - a : 1;
  return { calculate: `align === 'fraction' ? (datum.${stepField} - ${a}) / ${span} : datum.${stepField}`, as };
}

/** The shared x encoding: explicit domain (steps over all runs, or 0..1), so empty layers add no extent. */
function xOf(runs: readonly CompareRun[]): VegaLiteSpec {
  const a = Math.min(...runs.map((r) => r.data.stepRange[0]));
  const b = Math.max(...runs.map((r) => r.data.stepRange[1]));
  return {
    field: "x",
    type: "quantitative",
    title: null,
    scale: { domain: { expr: `align === 'fraction' ? [0, 1] : [${a}, ${b > a ? b : a + 1}]` }, nice: false },
    axis: { labelExpr: "align === 'fraction' ? format(datum.value, '.0%') : format(datum.value, '~s')" },
  };
}

/**
 * The overlay chart of the runs that have traces (undefined when fewer than one has).
 *
 * @example
 * overlayChart(runs, "compare-overlay");
 */
export function overlayChart(runs: readonly CompareRun[], id: string): ChartSpec | undefined {
  const drawn = runs.filter((r) => r.data.finiteLoss > 0);
  if (drawn.length === 0) return undefined;
  const labels = drawn.map((r) => r.label);
  const names = schedulerNames(drawn);
  const X = xOf(drawn);
  const losses = drawn.flatMap((r) => (r.data.datasets[r.data.names.smooth] ?? []).map((row) => Number(row.loss)));
  const pos = losses.filter((v) => v > 0);
  const lossTicks = pos.length > 0 ? logTicks(Math.min(...pos), Math.max(...pos)) : [];
  const lossLayers: VegaLiteSpec[] = drawn.map((r, i) => ({
    ...(i === 0 ? { name: "cmploss" } : {}),
    data: named(r.data.names.smooth),
    transform: [alignCalc(r, "step", "x"), { calculate: "datum[smooth]", as: "y" }],
    mark: { type: "line", strokeWidth: 1.4, clip: true },
    encoding: {
      x: X,
      y: {
        field: "y",
        type: "quantitative",
        title: "loss (smoothed)",
        scale: { type: "log", nice: false },
        axis: { format: "~g", values: lossTicks },
      },
      // no scale on a datum colour (the schema forbids it): the domain is the runs in layer order
      color: { datum: r.label, type: "nominal", title: "run" },
    },
  }));
  const laneLayers: VegaLiteSpec[] = drawn.flatMap((r): VegaLiteSpec[] => [
    {
      data: named(r.data.names.plateaus),
      transform: [alignCalc(r, "start", "x"), alignCalc(r, "end", "x2")],
      mark: { type: "rect", color: COLORS.plateau, opacity: 0.55, height: { band: 0.7 } },
      encoding: {
        x: X,
        x2: { field: "x2" },
        y: { datum: r.label, type: "nominal", title: null, scale: { domain: labels } },
        tooltip: [
          { field: "plateau", type: "quantitative" },
          { field: "start", type: "quantitative", title: "from step", format: "," },
          { field: "end", type: "quantitative", title: "to step", format: "," },
        ],
      },
    },
    {
      data: named(r.data.names.decays),
      transform: [{ filter: "datum.scheduler === sched" }, alignCalc(r, "step", "x")],
      mark: { type: "tick", thickness: 2, color: "#1f2328", bandSize: 14 },
      encoding: {
        x: X,
        y: { datum: r.label, type: "nominal", scale: { domain: labels } },
        tooltip: [
          { field: "scheduler", type: "nominal" },
          { field: "step", type: "quantitative", title: "decay at step", format: "," },
        ],
      },
    },
  ]);
  const lrTop = Math.max(
    1,
    ...drawn.flatMap((r) =>
      (r.data.datasets[r.data.names.lr] ?? []).map((row) => Number(row.lr)).filter((v) => Number.isFinite(v)),
    ),
  );
  const lrLayers: VegaLiteSpec[] = drawn
    .filter((r) => (r.data.datasets[r.data.names.lr] ?? []).length > 0)
    .map((r, i) => ({
      ...(i === 0 ? { name: "cmplr" } : {}),
      data: named(r.data.names.lr),
      transform: [{ filter: "datum.scheduler === sched" }, alignCalc(r, "step", "x")],
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.4, clip: true },
      encoding: {
        x: X,
        y: {
          field: "lr",
          type: "quantitative",
          title: "LR ÷ lr0",
          scale: { type: "log", domain: [1e-4, lrTop], clamp: true },
          axis: { format: "~g", values: decadeTicks(1e-4, lrTop) },
        },
        color: { datum: r.label, type: "nominal" },
      },
    }));
  const panels: VegaLiteSpec[] = [
    { name: "loss", width: WIDTH, height: 280, layer: lossLayers },
    { name: "lanes", width: WIDTH, height: Math.max(60, 22 * drawn.length), layer: laneLayers },
  ];
  if (lrLayers.length > 0) panels.push({ name: "lr", width: WIDTH, height: 120, layer: lrLayers });
  const used = drawn.flatMap((r) => [r.data.names.smooth, r.data.names.plateaus, r.data.names.decays, r.data.names.lr]);
  const all = Object.assign({}, ...drawn.map((r) => r.data.datasets));
  const smoothing = drawn[0]!.data.smoothing;
  return {
    id,
    title: `${drawn.length} runs overlaid: loss, plateaus and LR`,
    height: 120 + 280 + Math.max(60, 22 * drawn.length) + (lrLayers.length > 0 ? 140 : 0),
    caption:
      "Top: each run's smoothed loss (log scale). Middle: each run's plateaus (shaded) and the chosen scheduler's decays (ticks). " +
      "Bottom: the chosen scheduler's LR per run. Align by step, or by fraction of each run to compare runs of different lengths.",
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      datasets: datasetsOf(all, [...new Set(used)]),
      params: [
        zoomParam(lrLayers.length > 0 ? ["cmploss", "cmplr"] : ["cmploss"]),
        {
          name: "align",
          value: "step",
          bind: {
            input: "radio",
            options: ["step", "fraction"],
            labels: ["step", "fraction of the run"],
            name: "align",
          },
        },
        {
          name: "smooth",
          value: smoothing.some(([f]) => f === "s2") ? "s2" : "loss",
          bind: {
            input: "select",
            options: smoothing.map(([f]) => f),
            labels: smoothing.map(([, l]) => l),
            name: "smoothing",
          },
        },
        { name: "sched", value: names[0] ?? "", bind: { input: "select", options: names, name: "scheduler" } },
      ],
      vconcat: panels,
      resolve: { scale: { x: "shared" } },
    },
  };
}

function leadChart(runs: readonly CompareRun[], id: string): ChartSpec {
  const bars = runs.flatMap((r) =>
    r.result.schedulers.map((s, k) => ({
      run: r.label,
      scheduler: r.data.labels[k] ?? s.name,
      lead: s.openLoopLead,
      pct: Number(pctOf(s.openLoopLead, r.result.curve.steps).toFixed(2)),
      removed: `${s.removed} / ${r.result.stationary.length}`,
    })),
  );
  return {
    id,
    title: "Open-loop lead per scheduler and run, as a share of the run",
    caption:
      "Plateau steps left after each scheduler's decays on the logged curve, in % of the run's steps (runs differ in length by " +
      "orders of magnitude); open loop, so an upper bound on what a real run would save. Hover a bar for the numbers.",
    height: 40 + 12 * bars.length,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values: bars, format: { parse: null } },
      mark: { type: "bar" },
      encoding: {
        y: { field: "run", type: "nominal", title: null, sort: null },
        yOffset: { field: "scheduler", type: "nominal", sort: null },
        x: { field: "pct", type: "quantitative", title: "open-loop lead (% of the run)" },
        color: { field: "scheduler", type: "nominal", sort: null, title: "scheduler" },
        tooltip: [
          { field: "run", type: "nominal" },
          { field: "scheduler", type: "nominal" },
          { field: "lead", type: "quantitative", title: "lead (steps)", format: "," },
          { field: "pct", type: "quantitative", title: "% of the run" },
          { field: "removed", type: "nominal", title: "plateaus removed" },
        ],
      },
      width: 700,
      height: { step: 9, for: "offset" },
    },
  };
}

/**
 * The comparison section of several runs.
 *
 * @example
 * compareSection(runs, { title: "3 runs compared" });
 */
export function compareSection(runs: readonly CompareRun[], opts: { id?: string; title?: string } = {}): ReportSection {
  const charts: ChartSpec[] = [];
  const overlay = overlayChart(runs, "compare-overlay");
  if (overlay) charts.push(overlay);
  charts.push(leadChart(runs, "compare-lead"));
  const points = runs.reduce((a, r) => a + r.result.curve.points, 0);
  return {
    id: opts.id ?? "compare",
    title: opts.title ?? `${runs.length} runs compared`,
    paragraphs: [
      `${runs.length} runs, ${fmtInt(points)} logged points in all; each run's own section follows with its details.`,
    ],
    headline: compareHeadline(runs),
    charts,
    tables: [compareTable(runs)],
  };
}
