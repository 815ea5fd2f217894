/**
 * Report sections for a sweep database (`fastface report sweep.duckdb`): what was swept, heatmaps of steps
 * lead and premature decays over two parameters, the Pareto front of open-loop lead vs premature decays (summed
 * over curves), the configurations that work on every curve, the best per curve and, when the sweep has a
 * lambdaMode axis, the absolute-vs-relative lambda transfer table. Reads the database (read-only) and never
 * recomputes a replay.
 */

import type { Warnings } from "../errors.ts";
import { OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import * as M from "../messages/sweep.ts";
import { describeAxis, type GridAxis } from "../sweep/grid.ts";
import type * as RankModule from "../sweep/rank.ts";
import type * as StoreModule from "../sweep/store.ts";
import type { ParamColumn } from "../sweep/store.ts";
import type { SweepDefinition } from "../sweep/types.ts";
import type { ReportKind } from "./kinds.ts";
import type { ChartSpec, ReportSection, VegaLiteSpec } from "./types.ts";

/** DuckDB (store.ts, rank.ts) loads on the first sweep page only, so other reports and the CLI start faster. */
let store: typeof StoreModule;
let rank: typeof RankModule;
type Conn = Parameters<typeof StoreModule.queryRows>[0];

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** Most points drawn in the Pareto scatter (front points always included). */
const MAX_SCATTER = 4000;
/** Bins per axis for parameters drawn at random (continuous values). */
const RANDOM_BINS = 8;

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(";") : typeof v === "number" ? fmt(v) : String(v)}`)
    .join(", ");
}

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

async function heatmapSection(conn: Conn, def: SweepDefinition, columns: ParamColumn[]): Promise<ReportSection> {
  const axes = heatmapAxes(def);
  if (axes.length < 2) return { id: "sweep-heatmaps", title: "Heatmaps", paragraphs: [M.noHeatmapAxes()] };
  const [ax, ay] = axes as [GridAxis, GridAxis];
  const col = (name: string) => store.ident(columns.find((c) => c.param === name)!.column);
  const rows = await store.queryRows(
    conn,
    `SELECT ${col(ax.name)}::DOUBLE AS x, ${col(ay.name)}::DOUBLE AS y, avg(openLoopLead)::DOUBLE AS saved,
            avg(premature)::DOUBLE AS prem FROM results GROUP BY config_id, x, y`,
  );
  const lx = axisLabeler(ax, def.random !== null);
  const ly = axisLabeler(ay, def.random !== null);
  const cells = new Map<string, Cell>();
  for (const r of rows) {
    const x = Number(r.x);
    const y = Number(r.y);
    const key = `${lx.label(x)}|${ly.label(y)}`;
    const saved = Number(r.saved);
    const prem = Number(r.prem);
    const c = cells.get(key);
    if (!c) {
      cells.set(key, {
        x: lx.label(x),
        y: ly.label(y),
        xo: lx.order(x),
        yo: ly.order(y),
        saved,
        premature: prem,
        configs: 1,
      });
    } else {
      // best over the other parameters: most steps saved, then fewest premature decays
      if (saved > c.saved || (saved === c.saved && prem < c.premature)) {
        c.saved = saved;
        c.premature = prem;
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
      $schema: SCHEMA,
      width: Math.min(700, 60 * xs.length + 40),
      height: Math.min(420, 32 * ys.length + 20),
      data: {
        values: values.map((c) => ({ x: c.x, y: c.y, saved: c.saved, premature: c.premature, configs: c.configs })),
      },
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
      heat("sweep-heat-saved", "Steps saved (mean over curves)", "saved", "viridis", `Brighter is better.${best}`),
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

async function paretoSection(conn: Conn, curves: number): Promise<ReportSection> {
  const all = await rank.paretoFrontAcrossCurves(conn);
  const front = all.filter((r) => r.onFront);
  const rest = all.filter((r) => !r.onFront);
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
          `Up is more open-loop lead, left is fewer premature decays. A configuration is on the front when no other has at least as much lead with at most as many premature decays (one strictly). ${OPEN_LOOP_CAVEAT}` +
          (stride > 1 ? ` Off-front points are thinned to every ${stride}th.` : ""),
        spec: {
          $schema: SCHEMA,
          width: 700,
          height: 360,
          layer: [
            {
              data: {
                values: shown.map((r) => ({
                  ...r,
                  params: paramsText(r.params),
                  front: r.onFront ? "front" : "other",
                })),
              },
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
              data: { values: front.map((r) => ({ premature: r.premature, openLoopLead: r.openLoopLead })) },
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
      },
    ],
  };
}

async function robustSection(conn: Conn, curves: number): Promise<ReportSection> {
  const rows = await rank.robustConfigs(conn, { k: 25 });
  return {
    id: "sweep-robust",
    title: "Robust configurations (work on every curve)",
    paragraphs: [
      rows.length === 0
        ? `No configuration removes a plateau without a premature decay on all ${curves} curves.`
        : `Configurations that remove at least one plateau and fire no premature decay on each of the ${curves} curves, ranked by the worst curve's open-loop lead, then the mean.`,
    ],
    tables:
      rows.length === 0
        ? []
        : [
            {
              columns: ["config", "params", "min open-loop lead", "mean open-loop lead", "plateaus removed"],
              rows: rows.map((r) => [
                r.configId,
                paramsText(r.params),
                r.minStepsSaved,
                Math.round(r.meanStepsSaved),
                r.totalRemoved,
              ]),
            },
          ],
  };
}

async function topSection(conn: Conn): Promise<ReportSection> {
  const rows = await rank.topK(conn, { by: "openLoopLead", k: 5 });
  return {
    id: "sweep-top",
    title: "Best 5 per curve by open-loop lead",
    tables: [
      {
        columns: ["curve", "rank", "params", "decays", "removed", "open-loop lead", "premature", "plateaus"],
        rows: rows.map((r) => [
          r.curve,
          r.rank ?? 0,
          paramsText(r.params),
          r.decays,
          r.removed,
          r.openLoopLead,
          r.premature,
          r.plateaus,
        ]),
      },
    ],
  };
}

async function transferSection(conn: Conn): Promise<ReportSection> {
  const rows = await rank.lambdaTransfer(conn);
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");
  return {
    id: "sweep-transfer",
    title: "Does lambda transfer across runs? absolute vs relative",
    paragraphs: [
      "Tune on one curve (most open-loop lead without a premature decay), apply the same configuration to every other curve. " +
        "Ratio: open-loop lead on the target / the target's own best (0 when the transfer fires a premature decay). " +
        "Best common: the single configuration whose worst curve does best.",
    ],
    tables: [
      {
        columns: ["lambdaMode", "transfers", "mean ratio", "premature rate", "best common (worst curve)"],
        rows: rows.map((r) => [r.group, r.pairs, pct(r.meanRatio), pct(r.prematureRate), pct(r.bestCommonMinRatio)]),
      },
    ],
  };
}

/**
 * Report sections of a sweep database.
 * @example
 * const sections = await sweepSections("sweeps/fastface.duckdb");
 * const html = renderReportHtml({ title: "Sweep", sections });
 */
export async function sweepSections(dbPath: string): Promise<ReportSection[]> {
  store ??= await import("../sweep/store.ts");
  rank ??= await import("../sweep/rank.ts");
  const db = await store.openSweepReadOnly(dbPath);
  try {
    const { def, conn, columns } = db;
    const counts = await store.queryRows(
      conn,
      "SELECT (SELECT count(*) FROM results) AS done, (SELECT count(*) FROM configs) AS configs",
    );
    const done = Number(counts[0]?.done ?? 0);
    const configs = Number(counts[0]?.configs ?? 0);
    const total = configs * def.curves.length;
    const curves = await store.queryRows(
      conn,
      "SELECT name, steps, plateaus, loss_scale FROM curves ORDER BY curve_id",
    );
    const overview: ReportSection = {
      id: "sweep-overview",
      title: `Sweep of ${def.scheduler}`,
      facts: [
        ["scheduler", def.scheduler],
        ["search", def.random ? `random: ${def.random.n} configs, seed ${def.random.seed}` : "grid"],
        ["axes", def.grid.axes.map(describeAxis).join("  ")],
        ...(Object.keys(def.grid.base).length > 0 ? [["fixed", paramsText(def.grid.base)] as [string, string]] : []),
        ["configurations", configs],
        ["curves", def.curves.length],
        ["results", `${done} / ${total}${done < total ? " (incomplete: run the sweep again with --resume)" : ""}`],
        ["judge", def.judge],
        ["expand", def.expand],
      ],
      tables: [
        {
          columns: ["curve", "per-step length", "stationary subsequences", "loss scale"],
          rows: curves.map((c) => [
            String(c.name),
            Number(c.steps),
            Number(c.plateaus),
            Number(Number(c.loss_scale).toPrecision(4)),
          ]),
        },
      ],
    };
    const sections = [
      overview,
      await heatmapSection(conn, def, columns),
      await paretoSection(conn, def.curves.length),
      await robustSection(conn, def.curves.length),
      await topSection(conn),
    ];
    if (def.grid.axes.some((a) => a.name === "lambdaMode") && def.curves.length > 1)
      sections.push(await transferSection(conn));
    // closed-loop metrics (fastface sweep --simulate)
    if (def.simulate) sections.push(...(await (await import("./charts-sweep-sim.ts")).sweepSimSections(conn, def)));
    return sections;
  } finally {
    db.conn.closeSync();
    db.instance.closeSync();
  }
}

/** The report kind for sweep databases (`.duckdb` / `.db`), for the table in kinds.ts. */
export const sweepReportKind: ReportKind = {
  name: "sweep (fastface sweep --out *.duckdb)",
  accept(input) {
    return input.ext === ".duckdb" || input.ext === ".db" ? null : "not a .duckdb file";
  },
  async build(input, _warnings: Warnings) {
    const sections = await sweepSections(input.path);
    const title = sections[0]?.title ?? "Sweep";
    return { title, sections };
  },
};
