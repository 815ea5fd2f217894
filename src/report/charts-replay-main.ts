/**
 * The main chart of a replay run, as TensorBoard and W&B users expect it: the loss (raw, faint, and
 * smoothed with TensorBoard's debiased EMA computed on every logged point) over the judge's plateaus, every
 * scheduler's decays drawn on it (one colour per scheduler; click the legend to isolate one, shift-click to
 * add), and below it the LR of every scheduler (and the logged LR) on the same x axis. Controls: smoothing,
 * linear/log loss axis, x by step or wall time; drag to pan and wheel to zoom both panels at once
 * (double-click resets); hovering prints step, loss, smoothed loss and every LR under the chart.
 */
import { LOGGED_LR, type RunData, r6 } from "./replay-data.ts";
import type { ChartSpec, ReadoutItem, VegaLiteSpec } from "./types.ts";
import {
  CHART_CONFIG,
  COLORS,
  colorScale,
  datasetsOf,
  decadeTicks,
  logTicks,
  named,
  VEGA_LITE_SCHEMA,
  WIDTH,
  zoomParam,
} from "./vl.ts";

/** Lowest LR drawn on the log axis, as a fraction of the largest (poly and cosine end at 0). */
export const LR_FLOOR = 1e-4;

/** What hovering a decay shows (on the loss and on the LR panel). */
const DECAY_TOOLTIP = [
  { field: "scheduler", type: "nominal" },
  { field: "step", type: "quantitative", title: "decay at step", format: "," },
  { field: "lr", type: "quantitative", title: "LR after", format: ".3g" },
  { field: "judged", type: "nominal", title: "judged" },
];

/** Default smoothing weight of the page (index into the run's smoothing options: 0.9). */
const DEFAULT_SMOOTHING = "s2";

/** x of a row: the step, or (when the run has wall time) the hours since the first point if xmode says so. */
function xCalc(d: RunData, stepField: string, timeField: string, as: string): VegaLiteSpec[] {
  return d.hasTime ? [{ calculate: `xmode === 'time' ? datum.${timeField} : datum.${stepField}`, as }] : [];
}

/**
 * The x domain, explicit (steps, or hours when xmode says so): no layer's data (an empty hover rule, a run
 * without plateaus) can then give the shared scale an infinite extent.
 */
function xDomain(d: RunData): VegaLiteSpec | number[] {
  const [a, b] = d.stepRange;
  const hi = b > a ? b : a + 1;
  if (!d.hasTime) return [a, hi];
  const ta = r6(d.timeAt(a)) ?? 0;
  const tb = r6(d.timeAt(b)) ?? 0;
  return { expr: `xmode === 'time' ? [${ta}, ${tb > ta ? tb : ta + 1 / 3600}] : [${a}, ${hi}]` };
}

function xEnc(d: RunData, as: string, title = true): VegaLiteSpec {
  const field = d.hasTime ? as : as === "x" ? "step" : as === "x0" ? "start" : "end";
  if (as === "x2") return { field };
  return {
    field,
    type: "quantitative",
    title: title && !d.hasTime ? "step" : null,
    scale: { domain: xDomain(d), nice: false },
    axis: d.hasTime
      ? { labelExpr: "xmode === 'time' ? format(datum.value, '.3~g') + ' h' : format(datum.value, '~s')" }
      : { format: "~s" },
  };
}

function plateauLayer(d: RunData): VegaLiteSpec {
  return {
    data: named(d.names.plateaus),
    transform: [...xCalc(d, "start", "tstart", "x0"), ...xCalc(d, "end", "tend", "x2")],
    mark: { type: "rect", color: COLORS.plateau, opacity: 0.25 },
    encoding: {
      x: xEnc(d, "x0"),
      x2: xEnc(d, "x2"),
      tooltip: [
        { field: "plateau", type: "quantitative", title: "plateau" },
        { field: "start", type: "quantitative", title: "from step", format: "," },
        { field: "end", type: "quantitative", title: "to step", format: "," },
        { field: "steps", type: "quantitative", title: "steps", format: "," },
      ],
    },
  };
}

/** Vertical rule at the hovered step (the `hover` selection lives on the loss panel). */
function hoverRule(d: RunData): VegaLiteSpec {
  return {
    data: named(d.names.smooth),
    transform: [...xCalc(d, "step", "time", "x"), { filter: { param: "hover", empty: false } }],
    mark: { type: "rule", color: "#57606a", strokeWidth: 1 },
    encoding: { x: xEnc(d, "x") },
  };
}

const logY = (field: string) =>
  `yscale === 'log' ? (datum.${field} > 0 ? log(datum.${field}) / LN10 : null) : datum.${field}`;

function lossPanel(d: RunData, color: ReturnType<typeof colorScale>, pickHere: boolean): VegaLiteSpec {
  const rows = [...(d.datasets[d.names.loss] ?? []), ...(d.datasets[d.names.smooth] ?? [])];
  const finite = rows.map((r) => r.loss).filter((v): v is number => typeof v === "number" && v > 0);
  const lo = finite.length > 0 ? Math.min(...finite) : 1;
  const hi = finite.length > 0 ? Math.max(...finite) : 1;
  const ticks = logTicks(lo, hi).map((v) => Number(Math.log10(v).toPrecision(6)));
  const y = {
    type: "quantitative",
    title: "loss",
    scale: { zero: false },
    axis: {
      labelExpr: "yscale === 'log' ? format(pow(10, datum.value), '.3~g') : format(datum.value, '.3~g')",
      values: { expr: `yscale === 'log' ? [${ticks.join(",")}] : null` },
    },
  };
  const decays = d.datasets[d.names.decays] ?? [];
  const layers: VegaLiteSpec[] = [plateauLayer(d)];
  layers.push({
    name: "lossline",
    data: named(d.names.loss),
    transform: [...xCalc(d, "step", "time", "x"), { calculate: logY("loss"), as: "yraw" }],
    mark: { type: "line", color: COLORS.raw, strokeWidth: 1, opacity: 0.7, clip: true },
    encoding: { x: xEnc(d, "x"), y: { field: "yraw", ...y } },
  });
  // the smoothed line, and what the pointer snaps to: its few hundred steps on one line (the nearest point is
  // the nearest step)
  layers.push({
    data: named(d.names.smooth),
    transform: [
      ...xCalc(d, "step", "time", "x"),
      { calculate: "datum[smooth]", as: "smoothed" },
      { calculate: logY("smoothed"), as: "ysm" },
    ],
    layer: [
      {
        mark: { type: "line", color: COLORS.smoothed, strokeWidth: 1.6, clip: true },
        encoding: { x: xEnc(d, "x"), y: { field: "ysm", type: "quantitative" } },
      },
      {
        name: "losshover",
        mark: { type: "point", opacity: 0, size: 10 },
        encoding: { x: xEnc(d, "x"), y: { value: 150 } },
      },
    ],
  });
  if (decays.length > 0) {
    layers.push({
      data: named(d.names.decays),
      // the schedulers not picked in the legend are filtered out (not drawn at all), unless the pick lives here
      transform: [...(pickHere ? [] : [{ filter: { param: "pick" } }]), ...xCalc(d, "step", "time", "x")],
      ...(pickHere ? { name: "lossdecays" } : {}),
      mark: { type: "rule", strokeWidth: 1.3, opacity: 0.8 },
      encoding: {
        x: xEnc(d, "x"),
        color: { field: "scheduler", type: "nominal", title: "scheduler", scale: color },
        ...(pickHere ? { opacity: { condition: { param: "pick", value: 0.8 }, value: 0 } } : {}),
        tooltip: DECAY_TOOLTIP,
      },
    });
  }
  layers.push(hoverRule(d));
  return { name: "loss", width: WIDTH, height: 300, layer: layers };
}

/** Schedulers with more decays than this start hidden on the loss panel (a per-step plateau rule can fire hundreds). */
export const MANY_DECAYS = 20;

/**
 * Legend-bound selection of schedulers. It starts with the schedulers of at most MANY_DECAYS decays (all of
 * them when that leaves none out, or none in), so a rule firing hundreds of times does not hide the others.
 */
function pickParam(view: string, d: RunData): VegaLiteSpec {
  const counts = new Map<string, number>();
  for (const r of d.datasets[d.names.decays] ?? [])
    counts.set(String(r.scheduler), (counts.get(String(r.scheduler)) ?? 0) + 1);
  const few = d.labels.filter((l) => (counts.get(l) ?? 0) <= MANY_DECAYS);
  const initial = few.length > 0 && few.length < d.labels.length ? { value: few.map((l) => ({ scheduler: l })) } : {};
  return { name: "pick", ...initial, select: { type: "point", fields: ["scheduler"] }, bind: "legend", views: [view] };
}

/**
 * Whether the LRs are relative to the first (replay without --lr0 starts every scheduler at 1): no LR above 1,
 * and a scheduler's line starts at exactly 1.
 */
function relativeLr(d: RunData): boolean {
  const rows = (d.datasets[d.names.lr] ?? []).filter((r) => r.scheduler !== LOGGED_LR);
  const firsts = new Map<string, number>();
  for (const r of rows) if (!firsts.has(String(r.scheduler))) firsts.set(String(r.scheduler), Number(r.lr));
  return rows.every((r) => Number(r.lr) <= 1 + 1e-9) && [...firsts.values()].some((v) => v === 1);
}

function lrPanel(d: RunData, color: ReturnType<typeof colorScale>): { panel: VegaLiteSpec; floor: number } {
  const lrRows = d.datasets[d.names.lr] ?? [];
  const decays = d.datasets[d.names.decays] ?? [];
  const all = [...lrRows, ...decays].map((r) => Number(r.lr)).filter((v) => v > 0);
  const top = all.length > 0 ? Math.max(...all) : 1;
  const low = all.length > 0 ? Math.min(...all) : 1;
  const floor = Number(Math.max(low, top * LR_FLOOR).toPrecision(3));
  const y = {
    field: "lr",
    type: "quantitative",
    title: relativeLr(d) ? "LR ÷ lr0" : "LR",
    scale: {
      type: "log",
      domain: [floor, Number(top.toPrecision(6)) > floor ? Number(top.toPrecision(6)) : floor * 10],
      clamp: true,
    },
    axis: { format: "~g", values: decadeTicks(floor, top) },
  };
  const x = xEnc(d, "x");
  const layers: VegaLiteSpec[] = [plateauLayer(d)];
  const hasLines = lrRows.some((r) => r.scheduler !== LOGGED_LR);
  if (hasLines) {
    layers.push({
      name: "lrline",
      data: named(d.names.lr),
      transform: [{ filter: `datum.scheduler !== '${LOGGED_LR}'` }, ...xCalc(d, "step", "time", "x")],
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5, clip: true },
      encoding: {
        x,
        y,
        color: { field: "scheduler", type: "nominal", title: "scheduler", scale: color },
        opacity: { condition: { param: "pick", value: 1 }, value: 0.12 },
      },
    });
  }
  if (lrRows.some((r) => r.scheduler === LOGGED_LR)) {
    layers.push({
      data: named(d.names.lr),
      transform: [{ filter: `datum.scheduler === '${LOGGED_LR}'` }, ...xCalc(d, "step", "time", "x")],
      mark: { type: "line", interpolate: "step-after", strokeDash: [4, 3], strokeWidth: 1.4, clip: true },
      encoding: { x, y, color: { field: "scheduler", type: "nominal", scale: color } },
    });
  }
  if (decays.length > 0) {
    layers.push({
      data: named(d.names.decays),
      transform: [...(hasLines ? [{ filter: { param: "pick" } }] : []), ...xCalc(d, "step", "time", "x")],
      mark: { type: "point", shape: "triangle-down", filled: true, size: 50, clip: true },
      encoding: {
        x,
        y,
        color: { field: "scheduler", type: "nominal", scale: color },
        ...(hasLines ? {} : { opacity: { condition: { param: "pick", value: 1 }, value: 0.12 } }),
        tooltip: DECAY_TOOLTIP,
      },
    });
  }
  layers.push(hoverRule(d));
  return { panel: { name: "lr", width: WIDTH, height: 140, layer: layers }, floor };
}

/**
 * The main chart of one run (loss panel, and the LR panel when there is an LR to draw), or `undefined`
 * when the run has no finite loss in its traces.
 *
 * @example
 * const chart = mainChart(runData({ result }, "r50"), "r50-main");
 */
export function mainChart(d: RunData, id: string): ChartSpec | undefined {
  if (d.finiteLoss === 0) return undefined;
  const domain = [...d.lrLines.filter((l) => l !== LOGGED_LR), ...d.labels.filter((l) => !d.lrLines.includes(l))];
  if (d.lrLines.includes(LOGGED_LR)) domain.push(LOGGED_LR);
  const color = colorScale(domain, { [LOGGED_LR]: COLORS.logged });
  const hasLrPanel = (d.datasets[d.names.lr] ?? []).length > 0;
  const lr = hasLrPanel ? lrPanel(d, color) : undefined;
  const lrLines = (d.datasets[d.names.lr] ?? []).some((r) => r.scheduler !== LOGGED_LR);
  const decays = (d.datasets[d.names.decays] ?? []).length > 0;
  const panels = [lossPanel(d, color, !lrLines)];
  if (lr) panels.push(lr.panel);
  const smoothing = d.smoothing;
  const zoomViews = ["lossline"];
  if (lrLines) zoomViews.push("lrline");
  const params: VegaLiteSpec[] = [
    zoomParam(zoomViews),
    {
      name: "hover",
      select: { type: "point", on: "pointermove", nearest: true, fields: ["step"], clear: "pointerout" },
      views: ["losshover"],
    },
    ...(lrLines ? [pickParam("lrline", d)] : decays ? [pickParam("lossdecays", d)] : []),
    {
      name: "smooth",
      value: smoothing.some(([f]) => f === DEFAULT_SMOOTHING) ? DEFAULT_SMOOTHING : "loss",
      bind: {
        input: "select",
        options: smoothing.map(([f]) => f),
        labels: smoothing.map(([, l]) => l),
        name: "smoothing",
      },
    },
    {
      name: "yscale",
      value: "linear",
      bind: { input: "radio", options: ["linear", "log"], name: "loss axis" },
    },
  ];
  if (d.hasTime) {
    params.push({
      name: "xmode",
      value: "step",
      bind: { input: "radio", options: ["step", "time"], labels: ["step", "wall time"], name: "x axis" },
    });
  }
  const used = [d.names.loss, d.names.smooth, d.names.plateaus];
  if ((d.datasets[d.names.decays] ?? []).length > 0) used.push(d.names.decays);
  if (hasLrPanel) used.push(d.names.lr);
  const readout: ReadoutItem[] = [];
  if (d.hasTime)
    readout.push({ label: "wall time", data: d.names.smooth, field: "time", mode: "nearest", format: "hours" });
  readout.push({ label: "loss", data: d.names.loss, field: "loss", mode: "nearest" });
  readout.push({ label: "smoothed", data: d.names.smooth, field: "loss", fieldSignal: "smooth", mode: "nearest" });
  if (!smoothing.every(([f]) => f !== "ema"))
    readout.push({ label: "scheduler EMA", data: d.names.smooth, field: "ema", mode: "nearest" });
  for (const l of d.lrLines) {
    readout.push({ label: `LR ${l}`, data: d.names.lr, field: "lr", mode: "hold", where: { scheduler: l } });
  }
  const floorNote =
    lr && lr.floor > 0
      ? ` LRs below ${lr.floor.toPrecision(2)} (schedules ending at 0 or decaying far) sit on the bottom edge.`
      : "";
  return {
    id,
    title: lr ? "Loss and learning rate" : "Loss",
    link: d.key,
    height: lr ? 560 : 390,
    readout: { param: "hover", field: "step", items: readout },
    caption:
      `Grey: the logged loss; blue: smoothed (TensorBoard's debiased EMA on the ${d.smoothedOn}); shaded: the judge's plateaus; ` +
      "vertical lines: each scheduler's decays (click a legend entry to isolate a scheduler, shift-click to add one)." +
      (lr
        ? ` Below: each scheduler's LR (log scale) with its decays (triangles)${d.lrLines.includes(LOGGED_LR) ? " and the logged LR (dashed)" : ""}.${floorNote}`
        : ""),
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      datasets: datasetsOf(d.datasets, used),
      params,
      vconcat: panels,
      resolve: { scale: { x: "shared" } },
    },
  };
}
