/**
 * The main job behind `npm start`: read the curves shipped in data/ (training logs in data/logs, event files
 * in data/tfevents, curve files in data/curves, retrained runs in data/retrain), replay each through fastface,
 * hck and the peers, and build one report document with an overview across runs followed by each run's
 * sections.
 */

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Curve } from "../curve/curve.ts";
import { FastfaceError, InputError, Warnings } from "../errors.ts";
import { loadCurves } from "../ingest/load.ts";
import { OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import { demoNoData, demoSkipped, E_DEMO_NO_DATA, W_DEMO_SKIPPED } from "../messages/report.ts";
import { replayCurve } from "../replay/replay.ts";
import type { ReplayResult } from "../replay/types.ts";
import { CHART_CONFIG, replaySections, VEGA_LITE_SCHEMA } from "./charts-replay.ts";
import type { ReportDocument, ReportSection } from "./types.ts";

/** Sub-folders of the data folder the demo reads, in order. */
export const DEMO_FOLDERS = ["logs", "tfevents", "curves", "retrain"] as const;

/** fastface, hck and the peers, each with its defaults. */
export const DEMO_SCHEDULERS = [
  "fastface",
  "hck",
  "multistep",
  "poly",
  "cosine",
  "plateau-torch",
  "plateau-keras",
  "dlib",
] as const;

/** Trace points per run (LTTB in replay). */
export const DEMO_TRACE_POINTS = 1000;

export interface DemoOptions {
  /** The data folder (default `data`). */
  dataDir?: string;
  schedulers?: readonly string[];
  tracePoints?: number;
}

export interface DemoResult {
  doc: ReportDocument;
  results: ReplayResult[];
  warnings: Warnings;
}

/** What makes two curves the same run: name, original format, tag and the steps / losses at both ends. */
function curveIdentity(c: Curve): string {
  const { step, loss } = c.columns;
  const n = step.length;
  return [c.meta.name, c.meta.format, c.meta.tag ?? "", n, step[0], step[n - 1], loss[0], loss[n - 1]].join("|");
}

async function loadDemoCurves(dataDir: string, warnings: Warnings): Promise<Curve[]> {
  const folders = DEMO_FOLDERS.map((f) => join(dataDir, f)).filter((p) => existsSync(p) && statSync(p).isDirectory());
  const curves: Curve[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  for (const folder of folders) {
    let found: Curve[] = [];
    try {
      found = await loadCurves(folder);
    } catch (e) {
      if (!(e instanceof FastfaceError)) throw e;
      warnings.add(W_DEMO_SKIPPED, demoSkipped(folder, e.message));
    }
    for (const c of found) {
      // a curve file written by `ingest --out data/curves/` from a log in data/ is the same run: list it once
      const key = curveIdentity(c);
      if (seen.has(key)) repeats++;
      else {
        seen.add(key);
        curves.push(c);
      }
    }
  }
  if (repeats > 0)
    warnings.add(W_DEMO_SKIPPED, `${repeats} curve file(s) repeat a run already read from data/ (skipped)`);
  if (curves.length === 0) {
    throw new InputError(
      dataDir,
      demoNoData(
        dataDir,
        DEMO_FOLDERS.map((f) => `${f}/`),
      ),
      E_DEMO_NO_DATA,
    );
  }
  return curves;
}

function overviewSection(results: ReplayResult[], dataDir: string): ReportSection {
  const rows = results.flatMap((r) =>
    r.schedulers.map((s) => [
      r.curve.name,
      s.name,
      s.decays.length,
      `${s.removed} / ${r.stationary.length}`,
      s.openLoopLead,
    ]),
  );
  const bars = results.flatMap((r) =>
    r.schedulers.map((s) => ({
      run: r.curve.name,
      scheduler: s.name,
      openLoopLead: s.openLoopLead,
      // display only: runs differ by orders of magnitude in length
      savedPct: r.curve.steps > 0 ? Number(((100 * s.openLoopLead) / r.curve.steps).toFixed(2)) : 0,
      removed: s.removed,
    })),
  );
  return {
    id: "overview",
    title: "Overview",
    paragraphs: [
      `${results.length} run${results.length === 1 ? "" : "s"} from ${dataDir} (provenance in ${join(dataDir, "README.md")}), ` +
        `each replayed step by step through ${results[0]?.schedulers.length ?? 0} schedulers. A plateau (stationary ` +
        "subsequence found by the scheduler-independent judge) is removed when a scheduler decays the LR inside it " +
        `or at its end; the open-loop lead adds up the plateau steps that remained after those decays. ${OPEN_LOOP_CAVEAT} ` +
        "A run's logged LR is what its own scheduler did, not one of the replayed ones: `fastface explain <log>` finds " +
        "which rule and parameters wrote it (docs/explain.md; data/README.md says it for the shipped logs).",
    ],
    charts: [
      {
        id: "overview-steps-saved",
        title: "Open-loop lead per scheduler and run, as a share of the run",
        caption:
          "Plateau steps that remained after each scheduler's decays (open loop), in % of the run's per-step length (runs differ in " +
          "length by orders of magnitude); hover a bar for the steps and plateaus removed.",
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          config: CHART_CONFIG,
          data: { values: bars, format: { parse: null } },
          mark: { type: "bar" },
          encoding: {
            y: { field: "run", type: "nominal", title: null },
            yOffset: { field: "scheduler", type: "nominal", sort: null },
            x: { field: "savedPct", type: "quantitative", title: "open-loop lead (% of the run)" },
            color: { field: "scheduler", type: "nominal", sort: null },
            tooltip: [
              { field: "run", type: "nominal" },
              { field: "scheduler", type: "nominal" },
              { field: "openLoopLead", type: "quantitative", title: "open-loop lead" },
              { field: "savedPct", type: "quantitative", title: "% of the run" },
              { field: "removed", type: "quantitative", title: "plateaus removed" },
            ],
          },
          width: 700,
          height: { step: 9, for: "offset" },
        },
      },
    ],
    tables: [
      {
        columns: ["run", "scheduler", "decays", "plateaus removed", "open-loop lead"],
        rows,
        caption: "Every run x scheduler; details per run below.",
      },
    ],
  };
}

/**
 * Replay every curve in the data folder and build the demo report.
 *
 * @example
 * const { doc, results } = await buildDemo({ dataDir: "data" });
 * await writeReport("reports/demo.html", renderReportHtml(doc), { force: true });
 */
export async function buildDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const dataDir = opts.dataDir ?? "data";
  const warnings = new Warnings();
  const curves = await loadDemoCurves(dataDir, warnings);
  const results: ReplayResult[] = [];
  for (const curve of curves) {
    for (const w of curve.meta.warnings) warnings.add(w.code, `${curve.meta.name}: ${w.message}`, w.location);
    try {
      results.push(
        replayCurve(curve, {
          schedulers: opts.schedulers ?? DEMO_SCHEDULERS,
          traces: opts.tracePoints ?? DEMO_TRACE_POINTS,
        }),
      );
    } catch (e) {
      if (!(e instanceof FastfaceError)) throw e;
      warnings.add(W_DEMO_SKIPPED, demoSkipped(curve.meta.source || curve.meta.name, e.message));
    }
  }
  if (results.length === 0) {
    throw new InputError(
      dataDir,
      demoNoData(
        dataDir,
        DEMO_FOLDERS.map((f) => `${f}/`),
      ),
      E_DEMO_NO_DATA,
    );
  }
  const doc: ReportDocument = {
    title: "fastface demo: plateaus and learning-rate decays on the shipped runs",
    subtitle: `${results.length} run(s) from ${dataDir}; schedulers: ${(opts.schedulers ?? DEMO_SCHEDULERS).join(", ")}.`,
    sections: [overviewSection(results, dataDir), ...results.flatMap(replaySections)],
  };
  return { doc, results, warnings };
}
