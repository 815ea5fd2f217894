/**
 * The main job behind `npm start`: read the curves shipped in data/ (training logs in data/logs, event files
 * in data/tfevents, curve files in data/curves, retrained runs in data/retrain), replay each through fastface,
 * hck and the peers, and build one report document: each run's section (summary first, the first run at the
 * top of the page), then all runs compared.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Curve } from "../curve/curve.ts";
import { FastfaceError, InputError, Warnings } from "../errors.ts";
import { loadCurves } from "../ingest/load.ts";
import { demoNoData, demoRepeats, demoSkipped, E_DEMO_NO_DATA, W_DEMO_SKIPPED } from "../messages/report.ts";
import { replayCurve } from "../replay/replay.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { ReplayRun } from "./replay-data.ts";
import { replayPage } from "./replay-page.ts";
import type { ReportDocument } from "./types.ts";

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

/** The error of a data folder that holds no curve the demo can read. */
function noDemoData(dataDir: string): InputError {
  return new InputError(
    dataDir,
    demoNoData(
      dataDir,
      DEMO_FOLDERS.map((f) => `${f}/`),
    ),
    E_DEMO_NO_DATA,
  );
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
  if (repeats > 0) warnings.add(W_DEMO_SKIPPED, demoRepeats(repeats));
  if (curves.length === 0) {
    throw noDemoData(dataDir);
  }
  return curves;
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
  const runs: ReplayRun[] = [];
  for (const curve of curves) {
    for (const w of curve.meta.warnings) warnings.add(w.code, `${curve.meta.name}: ${w.message}`, w.location);
    try {
      const result = replayCurve(curve, {
        schedulers: opts.schedulers ?? DEMO_SCHEDULERS,
        traces: opts.tracePoints ?? DEMO_TRACE_POINTS,
      });
      runs.push({ result, curve: curve.columns });
    } catch (e) {
      if (!(e instanceof FastfaceError)) throw e;
      warnings.add(W_DEMO_SKIPPED, demoSkipped(curve.meta.source || curve.meta.name, e.message));
    }
  }
  const results = runs.map((r) => r.result);
  if (results.length === 0) {
    throw noDemoData(dataDir);
  }
  const doc: ReportDocument = replayPage(runs, {
    title: "fastface demo: plateaus and learning-rate decays on the shipped runs",
    subtitle:
      `${results.length} runs from ${dataDir} (provenance in ${join(dataDir, "README.md")}), each replayed step by step ` +
      `through ${(opts.schedulers ?? DEMO_SCHEDULERS).join(", ")}. A run's logged LR is what its own scheduler did, ` +
      "not one of the replayed ones: `fastface explain <log>` finds which rule and parameters wrote it " +
      "(docs/explain.md; data/README.md says it for the shipped logs).",
    compare: "last",
  });
  return { doc, results, warnings };
}
