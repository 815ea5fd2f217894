/**
 * Report sections for one replay result (`fastface replay --json`): the loss curve with its EMA and the
 * stationary subsequences, each detector's statistic against its threshold with the tolerance counter, the
 * LR of every scheduler with decay markers (and the logged LR), a comparison table with one sentence of
 * interpretation per scheduler, and the run's metadata. Reads the result only: the sole computation is
 * downsampling for display.
 */
import { OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import type { ReplayResult, SchedulerReplay } from "../replay/types.ts";
import { changeIndices, DISPLAY_POINTS, lttbIndices, SMOOTH_POINTS, vertexIndices } from "./downsample.ts";
import { slug } from "./escape.ts";
import type { ChartSpec, ReportSection, TableSpec, VegaLiteSpec } from "./types.ts";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Top-level config of every report chart. `invalid: "filter"` drops invalid values with one filter per data
 * set instead of Vega-Lite's default path-breaking `defined` test on every line point, each of which the
 * CSP-safe expression interpreter would evaluate per row.
 */
export const CHART_CONFIG = { mark: { invalid: "filter" } } as const;
const WIDTH = 900;

const COLORS = {
  raw: "#9aa4ae",
  ema: "#0969da",
  stationary: "#f2b447",
  threshold: "#cf222e",
  decay: "#8250df",
  logged: "#1f2328",
};

type Row = Record<string, number | string | null>;

/**
 * Inline data with Vega-Lite's type-driven parsing off (`parse: null`): the values are already numbers, and
 * each parse would be one interpreted expression per row in the browser (the CSP-safe interpreter is slow).
 */
function inline(values: Row[]) {
  return { values, format: { parse: null } };
}

/** A display name per scheduler, unique even when one scheduler appears twice with other params. */
function schedulerLabels(result: ReplayResult): string[] {
  const seen = new Map<string, number>();
  return result.schedulers.map((s) => {
    const k = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, k);
    return k === 1 ? s.name : `${s.name} #${k}`;
  });
}

function formatParams(params: SchedulerReplay["params"]): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(", ");
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Rows `{step, value}` of a series at the chosen indices. */
function rowsAt(steps: ArrayLike<number>, values: ArrayLike<number>, idx: number[], extra?: Row): Row[] {
  return idx.map((i) => ({ step: steps[i] as number, value: values[i] as number, ...extra }));
}

function stepAxis(result: ReplayResult) {
  return {
    field: "step",
    type: "quantitative",
    title: "step",
    scale: { domain: [result.curve.firstStep, result.curve.lastStep], nice: false },
    axis: { format: "~s" },
  };
}

function spanLayer(result: ReplayResult, colorScale?: Record<string, unknown>): VegaLiteSpec {
  return {
    data: inline(result.stationary.map((s) => ({ start: s.start, end: s.end, kind: "stationary (judge)" }))),
    mark: { type: "rect", opacity: 0.22, color: COLORS.stationary },
    encoding: {
      x: { field: "start", type: "quantitative" },
      x2: { field: "end" },
      ...(colorScale ? { color: { field: "kind", type: "nominal", title: null, scale: colorScale } } : {}),
      tooltip: [
        { field: "start", type: "quantitative", title: "plateau start" },
        { field: "end", type: "quantitative", title: "plateau end" },
      ],
    },
  };
}

function zoomParam(name: string) {
  return { name, select: { type: "interval", encodings: ["x"] }, bind: "scales" };
}

function lossChart(result: ReplayResult, id: string): ChartSpec | undefined {
  const t = result.traces;
  if (!t || t.step.length === 0) return undefined;
  const rawIdx = lttbIndices(t.step, t.loss, DISPLAY_POINTS);
  const emaIdx = lttbIndices(t.step, t.ema, SMOOTH_POINTS);
  const rawLabel = t.step.length > DISPLAY_POINTS ? "loss (raw, LTTB)" : "loss (raw)";
  const lines = [
    ...rowsAt(t.step, t.loss, rawIdx, { series: rawLabel }),
    ...rowsAt(t.step, t.ema, emaIdx, { series: "EMA" }),
  ];
  const colorScale = {
    domain: [rawLabel, "EMA", "stationary (judge)"],
    range: [COLORS.raw, COLORS.ema, COLORS.stationary],
  };
  const spans = spanLayer(result, colorScale);
  return {
    id,
    title: "Loss, its EMA, and the stationary subsequences",
    caption:
      `Grey: the logged loss${t.step.length > DISPLAY_POINTS ? ` (${fmtInt(t.step.length)} points downsampled to ` + `${fmtInt(rawIdx.length)} with MinMax-LTTB, so spikes and plateau edges survive)` : ""}; ` +
      "blue: its EMA; shaded: the plateaus the judge found. Drag to pan, scroll to zoom.",
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: 300,
      layer: [
        spans,
        {
          data: inline(lines),
          params: [zoomParam("lossZoom")],
          mark: { type: "line", strokeWidth: 1.2, clip: true },
          encoding: {
            x: stepAxis(result),
            y: { field: "value", type: "quantitative", title: "loss", scale: { zero: false } },
            color: { field: "series", type: "nominal", title: null, scale: colorScale },
          },
        },
      ],
    },
  };
}

function decayRows(s: SchedulerReplay, label: string): Row[] {
  return s.decays.map((d) => ({ step: d.step, lr: d.lr, scheduler: label }));
}

function statisticChart(result: ReplayResult, k: number, label: string, id: string): ChartSpec | undefined {
  const t = result.traces;
  const tr = t?.schedulers[k];
  const s = result.schedulers[k];
  // Detectors only (a statistic compared with a threshold: fastface, hck); the plateau peers' internals
  // (best loss, bad-step counts) are summarised by their decays and the table.
  if (!t || !tr || !s || !tr.statistic || tr.threshold === undefined) return undefined;
  if (!tr.statistic.some((v) => Number.isFinite(v))) return undefined;
  const statIdx = lttbIndices(t.step, tr.statistic, SMOOTH_POINTS);
  const stat = rowsAt(t.step, tr.statistic, statIdx);
  const threshold = tr.threshold;
  const decays = decayRows(s, label);
  const topLayers: VegaLiteSpec[] = [
    spanLayer(result),
    {
      data: inline(stat),
      mark: { type: "line", strokeWidth: 1.2, color: COLORS.ema, clip: true },
      encoding: {
        x: stepAxis(result),
        y: {
          field: "value",
          type: "quantitative",
          title: "statistic x_t",
          scale:
            threshold !== undefined && threshold > 0 ? { type: "symlog", constant: threshold } : { type: "symlog" },
          axis: { format: ".1e" },
        },
      },
    },
  ];
  if (threshold !== undefined) {
    topLayers.push({
      data: inline([{ threshold, label: `threshold λ = ${threshold}` }]),
      mark: { type: "rule", color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: {
        y: { field: "threshold", type: "quantitative" },
        tooltip: [{ field: "label", type: "nominal", title: "threshold" }],
      },
    });
  }
  if (decays.length > 0) {
    topLayers.push({
      data: inline(decays),
      mark: { type: "rule", color: COLORS.decay, strokeWidth: 1.5 },
      encoding: {
        x: { field: "step", type: "quantitative" },
        tooltip: [
          { field: "step", type: "quantitative", title: "decay at step" },
          { field: "lr", type: "quantitative", title: "LR after", format: ".3g" },
        ],
      },
    });
  }
  const panels: VegaLiteSpec[] = [{ width: WIDTH, height: 220, layer: topLayers }];
  if (tr.counter) {
    const cIdx = vertexIndices(t.step, tr.counter, DISPLAY_POINTS);
    const counterLayers: VegaLiteSpec[] = [
      {
        data: inline(rowsAt(t.step, tr.counter, cIdx)),
        mark: { type: "line", strokeWidth: 1, color: COLORS.logged, clip: true },
        encoding: {
          x: stepAxis(result),
          y: { field: "value", type: "quantitative", title: "counter" },
        },
      },
    ];
    if (tr.toler !== undefined) {
      counterLayers.push({
        data: inline([{ toler: tr.toler }]),
        mark: { type: "rule", color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: {
          y: { field: "toler", type: "quantitative" },
          tooltip: [{ field: "toler", type: "quantitative", title: "tolerance" }],
        },
      });
    }
    panels.push({ width: WIDTH, height: 110, layer: counterLayers });
  }
  const tol = tr.toler !== undefined ? ` (tolerance ${fmtInt(tr.toler)} steps)` : "";
  return {
    id,
    title: `${label}: statistic against its threshold, and the tolerance counter`,
    caption:
      `Blue: ${label}'s statistic x_t on a symlog axis (linear within ±λ, logarithmic beyond); dashed red: the ` +
      `threshold λ; purple: its decays; shaded: the judge's plateaus. Below: the count of consecutive steps ` +
      `under λ${tol}; a decay fires when it passes the dashed line.`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      vconcat: panels,
      resolve: { scale: { x: "shared" } },
    },
  };
}

/** Lowest LR drawn on the log axis, as a fraction of the largest (poly and cosine end at 0). */
const LR_FLOOR = 1e-4;

function lrChart(result: ReplayResult, labels: string[], id: string): ChartSpec {
  const t = result.traces;
  const lines: Row[] = [];
  if (t) {
    t.schedulers.forEach((tr, k) => {
      const idx = changeIndices(t.step, tr.lr, DISPLAY_POINTS);
      lines.push(
        ...idx.map((i) => ({ step: t.step[i] as number, lr: tr.lr[i] as number, scheduler: labels[k] ?? tr.name })),
      );
    });
  }
  const decays = result.schedulers.flatMap((s, k) => decayRows(s, labels[k] ?? s.name));
  const logged = t?.loggedLr;
  const loggedRows =
    t && logged?.some((v) => Number.isFinite(v))
      ? changeIndices(t.step, logged, DISPLAY_POINTS).map((i) => ({
          step: t.step[i] as number,
          lr: logged[i] as number,
        }))
      : [];
  // One log axis for all (replay reports the logged LR on the schedulers' scale: relative unless --lr0).
  // LRs of 0 cannot be drawn on it: values below the floor are clamped to the bottom edge.
  const all = [...lines, ...decays, ...loggedRows].map((r) => r.lr as number).filter((v) => v > 0);
  const top = all.length > 0 ? Math.max(...all) : 1;
  const low = all.length > 0 ? Math.min(...all) : 1;
  const floor = Math.max(low, top * LR_FLOOR);
  const clamped = [...lines, ...decays, ...loggedRows].some((r) => (r.lr as number) < floor);
  const yScale = { type: "log", domainMin: floor, clamp: true };
  const y = { field: "lr", type: "quantitative", title: "LR", scale: yScale };
  const color = { field: "scheduler", type: "nominal", title: "scheduler", scale: { domain: labels } };
  const layers: VegaLiteSpec[] = [];
  if (lines.length > 0) {
    layers.push({
      data: inline(lines),
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5, clip: true },
      encoding: { x: stepAxis(result), y, color },
    });
  }
  if (loggedRows.length > 0) {
    layers.push({
      data: inline(loggedRows),
      mark: {
        type: "line",
        interpolate: "step-after",
        color: COLORS.logged,
        strokeDash: [4, 3],
        strokeWidth: 1.4,
        clip: true,
      },
      encoding: { x: stepAxis(result), y },
    });
  }
  layers.push({
    data: inline(decays),
    mark: { type: "point", shape: "triangle-down", filled: true, size: 70, clip: true },
    encoding: {
      x: stepAxis(result),
      y,
      color,
      tooltip: [
        { field: "scheduler", type: "nominal" },
        { field: "step", type: "quantitative", title: "decay at step" },
        { field: "lr", type: "quantitative", title: "LR after", format: ".3g" },
      ],
    },
  });
  return {
    id,
    title: "Learning rate of every scheduler, with decays",
    caption:
      "Each scheduler's LR over steps (log scale); triangles mark decays (LR after the decay)." +
      (loggedRows.length > 0 ? " Dashed black: the LR the log recorded, on the same scale." : "") +
      (clamped ? ` LRs below ${floor.toPrecision(2)} (schedules that end at 0) sit on the bottom edge.` : "") +
      (t ? "" : " The result has no traces, so only the decays are shown."),
    spec: { $schema: VEGA_LITE_SCHEMA, config: CHART_CONFIG, width: WIDTH, height: 280, layer: layers },
  };
}

/**
 * One sentence on what a scheduler did on this run, from the result's own numbers.
 *
 * @example
 * interpretScheduler({ name: "hck", params: {}, decays: [], removed: 0, openLoopLead: 0, nsPerStep: 3 }, "hck", 2, 1000);
 * // "hck never decayed the LR over these 1000 steps, so it removed none of the 2 plateaus."
 */
export function interpretScheduler(s: SchedulerReplay, label: string, plateaus: number, steps: number): string {
  const pl = (n: number) => `${n} plateau${n === 1 ? "" : "s"}`;
  if (s.decays.length === 0) {
    return plateaus === 0
      ? `${label} never decayed the LR over these ${fmtInt(steps)} steps; the judge found no plateau to remove.`
      : `${label} never decayed the LR over these ${fmtInt(steps)} steps, so it removed none of the ${pl(plateaus)}.`;
  }
  const first = s.decays[0]!;
  const last = s.decays[s.decays.length - 1]!;
  const n = s.decays.length;
  let text = `${label} decayed ${n} time${n === 1 ? "" : "s"} (first at step ${fmtInt(first.step)}, LR ${last.lr.toPrecision(3)} after the last)`;
  if (plateaus === 0) text += "; the judge found no plateau, so there was nothing to cut short";
  else if (s.removed === 0) text += `; none of its decays cut any of the ${pl(plateaus)} short`;
  else {
    const pct = steps > 0 ? ` (${((100 * s.openLoopLead) / steps).toFixed(1)}% of the run)` : "";
    text += `; it removed ${s.removed} of ${pl(plateaus)}, ${fmtInt(s.openLoopLead)} plateau steps after its decays (open-loop lead${pct})`;
  }
  if (s.premature !== undefined && s.premature > 0) {
    text += `; ${s.premature} decay${s.premature === 1 ? "" : "s"} fired outside every plateau (premature)`;
  }
  return `${text}.`;
}

function schedulerTable(result: ReplayResult, labels: string[]): TableSpec {
  const hasPremature = result.schedulers.some((s) => s.premature !== undefined);
  const columns = ["scheduler", "params", "decays", "plateaus removed", "open-loop lead"];
  if (hasPremature) columns.push("premature");
  columns.push("ns/step", "interpretation");
  const k = result.stationary.length;
  const rows = result.schedulers.map((s, i) => {
    const label = labels[i] ?? s.name;
    const row: Array<string | number> = [
      label,
      formatParams(s.params),
      s.decays.length,
      `${s.removed} / ${k}`,
      s.openLoopLead,
    ];
    if (hasPremature) row.push(s.premature ?? "");
    row.push(Number(s.nsPerStep.toFixed(2)), interpretScheduler(s, label, k, result.curve.steps));
    return row;
  });
  return {
    columns,
    rows,
    caption:
      "A plateau is removed by a scheduler's first decay inside it or at its end (within the judge's end tolerance); " +
      `open-loop lead sums (plateau end − decay step) over removed plateaus. ${OPEN_LOOP_CAVEAT}`,
  };
}

function decaysTable(result: ReplayResult, labels: string[]): TableSpec | undefined {
  const rows = result.schedulers.flatMap((s, k) => s.decays.map((d) => [labels[k] ?? s.name, d.step, d.lr]));
  if (rows.length === 0) return undefined;
  return {
    columns: ["scheduler", "step", "LR after"],
    rows,
    caption: "Every decay: the curve step it fires at and the LR after it.",
  };
}

function metadataSection(result: ReplayResult, prefix: string, runTitle: string): ReportSection {
  const c = result.curve;
  const facts: Array<[string, string | number | boolean]> = [
    ["run", c.name],
    ["source", c.source ?? "(not recorded)"],
    ["format", c.format],
    ["points logged", c.points],
    ["steps", `${fmtInt(c.firstStep)} … ${fmtInt(c.lastStep)}`],
    ["per-step values replayed", c.steps],
  ];
  if (c.stride !== undefined) facts.push(["stride (median step gap)", c.stride]);
  if (c.aggregation !== undefined) facts.push(["point aggregation", c.aggregation]);
  if (result.judge) {
    const p = formatParams(result.judge.params);
    facts.push(["judge", p ? `${result.judge.name}:${p}` : result.judge.name]);
  }
  facts.push([
    "stationary subsequences",
    result.judge?.refused ? "not judged (too few points)" : result.stationary.length,
  ]);
  if (result.totalSteps) facts.push(["T", `${result.totalSteps.value} (${result.totalSteps.from})`]);
  const tables: TableSpec[] = [];
  const config = Object.entries(c.config ?? {});
  if (config.length > 0) {
    tables.push({ columns: ["config key", "value"], rows: config, caption: "Configuration echoed by the log header." });
  }
  const evals = c.evaluations ?? [];
  if (evals.length > 0) {
    tables.push({
      columns: ["benchmark", "metric", "value", "±", "step"],
      rows: evals.map((e) => [e.name, e.metric, e.value, e.std ?? "", e.step ?? ""]),
      caption: "Evaluation results found in the log.",
    });
  }
  const paragraphs = [
    `${c.name}: ${fmtInt(c.points)} logged points (${c.format}) replayed as ${fmtInt(c.steps)} per-step values ` +
      `through ${result.schedulers.length} scheduler${result.schedulers.length === 1 ? "" : "s"}; ` +
      `the judge found ${result.stationary.length} stationary subsequence${result.stationary.length === 1 ? "" : "s"}.`,
  ];
  const refused = tooShortNote(result);
  if (refused) paragraphs.push(refused);
  if (!result.traces)
    paragraphs.push(
      "This result carries no traces (replay without --traces): charts of the loss and statistics are omitted.",
    );
  return { id: `${prefix}-run`, title: `${runTitle}: run`, paragraphs, facts, tables };
}

/** One sentence instead of the shaded plateaus when the judge refused the curve (too few points). */
function tooShortNote(result: ReplayResult): string | undefined {
  const r = result.judge?.refused;
  return r
    ? `The judge did not judge this curve: it has ${fmtInt(r.points)} logged points and needs at least ${fmtInt(r.needed)}, so no plateau is shaded and no decay is scored.`
    : undefined;
}

/**
 * Report sections for one replay result, ids prefixed by the run name so several runs fit in one page.
 *
 * @example
 * const sections = replaySections(result); // [run metadata, loss, detectors, learning rate, schedulers]
 * renderReportHtml({ title: "replay", sections });
 */
export function replaySections(result: ReplayResult): ReportSection[] {
  const prefix = slug(result.curve.name);
  const run = result.curve.name;
  const labels = schedulerLabels(result);
  const sections: ReportSection[] = [metadataSection(result, prefix, run)];
  const loss = lossChart(result, `${prefix}-loss`);
  const note = tooShortNote(result);
  if (loss) {
    sections.push({
      id: `${prefix}-loss`,
      title: `${run}: loss`,
      ...(note ? { paragraphs: [note] } : {}),
      charts: [loss],
    });
  }
  const stats = result.schedulers
    .map((_, k) => statisticChart(result, k, labels[k] ?? "", `${prefix}-statistic-${slug(labels[k] ?? String(k))}`))
    .filter((c): c is ChartSpec => c !== undefined);
  const silent = result.schedulers
    .map((_, k) => result.traces?.schedulers[k])
    .filter((tr) => tr?.statistic && tr.threshold !== undefined && !tr.statistic.some((v) => Number.isFinite(v)))
    .map((tr) => tr?.name ?? "");
  const notes = silent.map(
    (name) => `${name}: no statistic on this run (its window never filled, so it made no decision).`,
  );
  if (stats.length > 0 || notes.length > 0) {
    sections.push({
      id: `${prefix}-detectors`,
      title: `${run}: detectors`,
      ...(notes.length > 0 ? { paragraphs: notes } : {}),
      charts: stats,
    });
  }
  const decays = decaysTable(result, labels);
  sections.push({
    id: `${prefix}-lr`,
    title: `${run}: learning rate`,
    charts: [lrChart(result, labels, `${prefix}-lr`)],
    ...(decays ? { tables: [decays] } : {}),
  });
  sections.push({
    id: `${prefix}-schedulers`,
    title: `${run}: schedulers compared`,
    tables: [schedulerTable(result, labels)],
  });
  return sections;
}
