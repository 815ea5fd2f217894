/**
 * Report sections of a sweep (`fastface report sweep.duckdb`), drawn from the plain SweepReportData that
 * src/sweep/report-data.ts reads (the report runs no SQL): the headline (what was swept, the robust choice, the
 * Pareto front), heatmaps of open-loop lead and premature decays over two parameters, the Pareto front of open-loop lead
 * saved vs premature decays (summed over curves), and, folded, the robust configurations, the best per curve,
 * the lambda transfer table and the sweep's facts. Closed-loop sections come from sections-sweep-sim.ts.
 */
import type { Warnings } from "../errors.ts";
import { paramsText, percent } from "../messages/format.ts";
import { OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import * as M from "../messages/sweep.ts";
import { describeAxis, type GridAxis } from "../sweep/grid.ts";
import { rankedCells } from "../sweep/rank.ts";
import type { SweepReportData } from "../sweep/report-data.ts";
import { fmtNum } from "./format.ts";
import { sweepSimSections } from "./sections-sweep-sim.ts";
import type { ChartSpec, ReportKind, ReportSection, TableSpec, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, SCATTER_SIZE, VEGA_LITE_SCHEMA } from "./vl.ts";

/** Most points drawn in the Pareto scatter (front points always included). */
const MAX_SCATTER = 4000;
/** Bins per axis for parameters drawn at random (continuous values). */
const RANDOM_BINS = 8;

const fmt = fmtNum;

/** Label of a value on an axis: grid values as they are; random draws binned (log bins for log ranges). */
function axisLabeler(
  axis: GridAxis,
  randomSweep: boolean,
): { label: (v: number) => string; order: (v: number) => number } {
  if (axis.kind === "range" && (randomSweep || axis.n === null)) {
    const log = axis.scale === "log";
    const lo = log ? Math.log10(axis.lo) : axis.lo;
    const hi = log ? Math.log10(axis.hi) : axis.hi;
    const width = (hi - lo) / RANDOM_BINS || 1;
    const bin = (v: number) =>
      Math.min(RANDOM_BINS - 1, Math.max(0, Math.floor(((log ? Math.log10(v) : v) - lo) / width)));
    const edge = (k: number) => (log ? 10 ** (lo + k * width) : lo + k * width);
    return { label: (v) => `${fmt(edge(bin(v)))}..${fmt(edge(bin(v) + 1))}`, order: bin };
  }
  return { label: fmt, order: (v) => v };
}

interface Cell {
  x: string;
  y: string;
  xo: number;
  yo: number;
  saved: number;
  premature: number;
  configs: number;
}

function heatmapSection(sum: SweepReportData): ReportSection {
  const def = sum.definition;
  if (!sum.heatmap) return { id: "sweep-heatmaps", title: "Heatmaps", folded: true, paragraphs: [M.noHeatmapAxes()] };
  const ax: GridAxis = sum.heatmap.x;
  const ay: GridAxis = sum.heatmap.y;
  const lx = axisLabeler(ax, def.random !== null);
  const ly = axisLabeler(ay, def.random !== null);
  const cells = new Map<string, Cell>();
  for (const r of sum.heatmap.configs) {
    const key = `${lx.label(r.x)}|${ly.label(r.y)}`;
    const c = cells.get(key);
    if (!c) {
      cells.set(key, {
        x: lx.label(r.x),
        y: ly.label(r.y),
        xo: lx.order(r.x),
        yo: ly.order(r.y),
        saved: r.saved,
        premature: r.premature,
        configs: 1,
      });
    } else {
      // best over the other parameters: most open-loop lead, then fewest premature decays
      if (r.saved > c.saved || (r.saved === c.saved && r.premature < c.premature)) {
        c.saved = r.saved;
        c.premature = r.premature;
      }
      c.configs++;
    }
  }
  const values = [...cells.values()];
  const xs = [...new Map(values.map((c) => [c.x, c.xo])).entries()].sort((a, b) => a[1] - b[1]).map((e) => e[0]);
  const ys = [...new Map(values.map((c) => [c.y, c.yo])).entries()].sort((a, b) => b[1] - a[1]).map((e) => e[0]);
  const heat = (
    id: string,
    title: string,
    field: "saved" | "premature",
    scheme: string,
    caption: string,
  ): ChartSpec => ({
    id,
    title,
    caption,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      width: Math.min(700, 60 * xs.length + 40),
      height: Math.min(420, 32 * ys.length + 20),
      datasets: {
        sweep_heatmap: values.map((c) => ({
          x: c.x,
          y: c.y,
          saved: c.saved,
          premature: c.premature,
          configs: c.configs,
        })),
      },
      data: { name: "sweep_heatmap", format: { parse: null } },
      mark: { type: "rect", tooltip: true },
      encoding: {
        x: { field: "x", type: "ordinal", sort: xs, title: ax.name },
        y: { field: "y", type: "ordinal", sort: ys, title: ay.name },
        color: {
          field,
          type: "quantitative",
          scale: { scheme },
          title: field === "saved" ? "open-loop lead" : "premature",
        },
        tooltip: [
          { field: "x", title: ax.name },
          { field: "y", title: ay.name },
          { field: "saved", title: "mean open-loop lead", format: ",.0f" },
          { field: "premature", title: "mean premature decays", format: ".2f" },
          { field: "configs", title: "configs in cell" },
        ],
      },
    } satisfies VegaLiteSpec,
  });
  const other = def.grid.axes.filter((a) => a !== ax && a !== ay).map((a) => a.name);
  const best = other.length > 0 ? ` Each cell shows the best configuration over ${other.join(", ")}.` : "";
  return {
    id: "sweep-heatmaps",
    title: `Heatmaps over ${ax.name} and ${ay.name}`,
    charts: [
      heat("sweep-heat-saved", "Open-loop lead (mean over curves)", "saved", "viridis", `Brighter is better.${best}`),
      heat(
        "sweep-heat-premature",
        "Premature decays (mean over curves) of the same configurations",
        "premature",
        "orangered",
        "Decays outside every stationary subsequence: darker is worse.",
      ),
    ],
  };
}

function paretoSection(sum: SweepReportData): ReportSection {
  const curves = sum.definition.curves.length;
  const front = sum.pareto.filter((r) => r.onFront);
  const rest = sum.pareto.filter((r) => !r.onFront);
  const stride = Math.max(1, Math.ceil(rest.length / MAX_SCATTER));
  const shown = [...front, ...rest.filter((_, i) => i % stride === 0)];
  const over = curves > 1 ? ` summed over ${curves} curves` : "";
  return {
    id: "sweep-pareto",
    title: "Pareto front: open-loop lead vs premature decays",
    charts: [
      {
        id: "sweep-pareto-chart",
        title: `Every configuration${over}; the front in colour`,
        caption:
          "Up is more open-loop lead, left is fewer premature decays. A configuration is on the front when no other has at least as much lead with at most as many premature decays (one strictly)." +
          (stride > 1 ? ` Off-front points are thinned to every ${stride}th.` : ""),
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          config: CHART_CONFIG,
          ...SCATTER_SIZE,
          datasets: {
            sweep_pareto: shown.map((r) => ({
              configId: r.configId,
              params: paramsText(r.params),
              openLoopLead: r.openLoopLead,
              premature: r.premature,
              front: r.onFront ? "front" : "other",
            })),
            sweep_front: front.map((r) => ({ premature: r.premature, openLoopLead: r.openLoopLead })),
          },
          layer: [
            {
              data: { name: "sweep_pareto", format: { parse: null } },
              mark: { type: "point", filled: true, tooltip: true },
              encoding: {
                x: { field: "premature", type: "quantitative", title: `premature decays${over}` },
                y: { field: "openLoopLead", type: "quantitative", title: `open-loop lead${over}` },
                color: {
                  field: "front",
                  type: "nominal",
                  scale: { domain: ["front", "other"], range: ["#cf222e", "#c0c6cc"] },
                },
                size: { value: 40 },
                tooltip: [{ field: "params" }, { field: "openLoopLead", format: ",.0f" }, { field: "premature" }],
              },
            },
            {
              data: { name: "sweep_front", format: { parse: null } },
              mark: { type: "line", color: "#cf222e", interpolate: "step-after" },
              encoding: {
                x: { field: "premature", type: "quantitative" },
                y: { field: "openLoopLead", type: "quantitative" },
              },
            },
          ],
        } satisfies VegaLiteSpec,
      },
    ],
    tables: [
      {
        columns: ["config", "params", "open-loop lead", "premature decays"],
        rows: front.slice(0, 50).map((r) => [r.configId, paramsText(r.params), r.openLoopLead, r.premature]),
        caption: front.length > 50 ? `First 50 of ${front.length} front configurations.` : "The front configurations.",
        download: "sweep-pareto-front",
        data: {
          columns: ["config", "params", "openLoopLead", "premature"],
          rows: front.map((r) => [r.configId, paramsText(r.params), r.openLoopLead, r.premature]),
        },
      },
    ],
  };
}

function robustTable(sum: SweepReportData): TableSpec | undefined {
  if (sum.robust.length === 0) return undefined;
  return {
    columns: ["config", "params", "min open-loop lead", "mean open-loop lead", "plateaus removed"],
    rows: sum.robust.map((r) => [
      r.configId,
      paramsText(r.params),
      r.minOpenLoopLead,
      Math.round(r.meanOpenLoopLead),
      r.totalRemoved,
    ]),
    caption: `Configurations that remove at least one plateau and fire no premature decay on each of the ${sum.definition.curves.length} curves, ranked by the worst curve's open-loop lead, then the mean.`,
    download: "sweep-robust",
  };
}

function topTable(sum: SweepReportData): TableSpec {
  return {
    columns: ["curve", "rank", "params", "decays", "removed", "open-loop lead", "premature", "plateaus"],
    rows: sum.top.map((r) => rankedCells(r, r.rank ?? 0)),
    caption: "The best 5 configurations of each curve by open-loop lead.",
    download: "sweep-top",
  };
}

function transferTable(rows: NonNullable<SweepReportData["transfer"]>): TableSpec {
  return {
    columns: ["lambdaMode", "transfers", "mean ratio", "premature rate", "best common (worst curve)"],
    rows: rows.map((r) => [
      r.group,
      r.pairs,
      percent(r.meanRatio),
      percent(r.prematureRate),
      percent(r.bestCommonMinRatio),
    ]),
    caption:
      "Tune on one curve (most open-loop lead without a premature decay), apply the same configuration to every other curve. " +
      "Ratio: open-loop lead on the target / the target's own best (0 when the transfer fires a premature decay). " +
      "Best common: the single configuration whose worst curve does best.",
    download: "sweep-transfer",
  };
}

/** The headline of a sweep: its size and progress, the robust choice, the front. */
function sweepHeadline(sum: SweepReportData): string[] {
  const { done, configs, total } = sum.progress;
  const def = sum.definition;
  const n = def.curves.length;
  const out = [
    `${configs.toLocaleString("en-US")} configurations of ${def.scheduler} × ${n} curve${n === 1 ? "" : "s"}: ` +
      `${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} results${done < total ? " (incomplete: run the sweep again with --resume)" : ""}.`,
  ];
  const best = sum.robust[0];
  out.push(
    best
      ? `${sum.robust.length}${sum.robust.length === 25 ? "+" : ""} configurations remove a plateau on every curve without a premature decay; the best (open-loop lead ${best.minOpenLoopLead.toLocaleString("en-US")} steps on its worst curve): ${paramsText(best.params)}.`
      : `No configuration removes a plateau on all ${n} curves without a premature decay.`,
  );
  const front = sum.pareto.filter((r) => r.onFront);
  const most = front[front.length - 1];
  if (most) {
    out.push(
      `${front.length} configuration${front.length === 1 ? " is" : "s are"} on the Pareto front of open-loop lead vs premature decays; the most lead: ${most.openLoopLead.toLocaleString("en-US")} steps with ${most.premature} premature (${paramsText(most.params)}).`,
    );
  }
  if (sum.transfer) {
    out.push(
      `Lambda transfer across curves, mean ratio: ${sum.transfer.map((r) => `${r.group} ${percent(r.meanRatio)}`).join(", ")}.`,
    );
  }
  return out;
}

/**
 * Report sections of a sweep summary.
 * @example
 * const sections = sweepSections(await sweepReportData("sweeps/fastface.duckdb"));
 * const html = renderReportHtml({ title: "Sweep", sections });
 */
export function sweepSections(sum: SweepReportData): ReportSection[] {
  const def = sum.definition;
  const heat = heatmapSection(sum);
  const pareto = paretoSection(sum);
  const facts: Array<[string, string | number]> = [
    ["scheduler", def.scheduler],
    ["search", def.random ? `random: ${def.random.n} configs, seed ${def.random.seed}` : "grid"],
    ["axes", def.grid.axes.map(describeAxis).join("  ")],
    ...(Object.keys(def.grid.base).length > 0 ? [["fixed", paramsText(def.grid.base)] as [string, string]] : []),
    ["configurations", sum.progress.configs],
    ["curves", def.curves.length],
    ["results", `${sum.progress.done} / ${sum.progress.total}`],
    ["judge", def.judge || "haar (defaults)"],
    ["expand", def.expand],
  ];
  const robust = robustTable(sum);
  const details: ReportSection[] = [
    {
      id: "sweep-robust",
      title: "Robust configurations (work on every curve)",
      folded: true,
      ...(robust
        ? { tables: [robust] }
        : {
            paragraphs: [
              `No configuration removes a plateau without a premature decay on all ${def.curves.length} curves.`,
            ],
          }),
    },
    { id: "sweep-top", title: "Best 5 per curve by open-loop lead", folded: true, tables: [topTable(sum)] },
  ];
  if (sum.transfer) {
    details.push({
      id: "sweep-transfer",
      title: "Does lambda transfer across runs? absolute vs relative",
      folded: true,
      tables: [transferTable(sum.transfer)],
    });
  }
  details.push({
    id: "sweep-facts",
    title: "Sweep definition and curves",
    folded: true,
    facts,
    tables: [
      {
        columns: ["curve", "per-step length", "stationary subsequences", "loss scale"],
        rows: sum.curves.map((c) => [c.name, c.steps, c.plateaus, Number(c.lossScale.toPrecision(4))]),
        download: "sweep-curves",
      },
    ],
  });
  const overview: ReportSection = {
    id: "sweep-overview",
    title: `Sweep of ${def.scheduler}`,
    source: `${sum.path} · ${def.random ? `random search (${def.random.n} configs)` : "grid"} over ${def.grid.axes.map((a) => a.name).join(", ")}`,
    headline: sweepHeadline(sum),
    notes: [OPEN_LOOP_CAVEAT],
    charts: [...(heat.charts ?? []), ...(pareto.charts ?? [])],
    sections: [
      ...(heat.charts ? [] : [heat]),
      { id: "sweep-pareto-table", title: "The Pareto front (table)", folded: true, tables: pareto.tables ?? [] },
      ...details,
    ],
  };
  return [overview, ...sweepSimSections(sum)];
}

/** The report kind for sweep databases (`.duckdb` / `.db`), for the table in kinds.ts. DuckDB loads on use. */
export const sweepReportKind: ReportKind = {
  name: "sweep (fastface sweep --out *.duckdb)",
  accept(input) {
    return input.ext === ".duckdb" || input.ext === ".db" ? null : "not a .duckdb file";
  },
  async build(input, _warnings: Warnings) {
    const { sweepReportData } = await import("../sweep/report-data.ts");
    const sections = sweepSections(await sweepReportData(input.path));
    return { title: sections[0]?.title ?? "Sweep", sections };
  },
};
