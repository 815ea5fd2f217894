/**
 * The report section of one replay run, summary first: the run and its source in one line, the headline
 * (what the judge found; per scheduler its decays, the plateaus it removed with the open-loop caveat, its
 * final LR), the main chart (loss with plateaus and decays over the LR of every scheduler) and the
 * evaluation chart; then, folded, the detector charts, the tables (schedulers, decays, plateaus,
 * evaluations: each downloadable as CSV/JSON) and the run's metadata and config. Reads the result (and the
 * logged points, when given, for smoothing and wall time) and recomputes no metric.
 */

import { paramsText } from "../messages/format.ts";
import { OPEN_LOOP_CAVEAT, W_JUDGE_TOO_SHORT } from "../messages/replay.ts";
import { noFiniteLoss, noTracesHowTo, tooFewPoints } from "../messages/report.ts";
import { decayJudgement } from "../replay/describe.ts";
import type { ReplayResult } from "../replay/types.ts";
import { detectorChart, detectorState } from "./charts-replay-detectors.ts";
import { evaluationChart, evaluationTable } from "./charts-replay-evals.ts";
import { mainChart } from "./charts-replay-main.ts";
import { slug } from "./escape.ts";
import { caveatOf, finalLrRatio, replayHeadline } from "./headline.ts";
import { type ReplayRun, type RunData, runData } from "./replay-data.ts";
import type { ReportSection, TableSpec } from "./types.ts";

/** Fewer logged points than this get a sentence instead of charts. */
export const MIN_CHART_POINTS = 3;

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Name of a run for headings: the curve name, with its tag when the name does not already hold it. */
export function runTitle(result: ReplayResult): string {
  const tag = (result.curve as { tag?: string }).tag;
  return tag && !result.curve.name.includes(tag) ? `${result.curve.name} (${tag})` : result.curve.name;
}

/** One line on where the run comes from and what was replayed. */
export function sourceLine(result: ReplayResult): string {
  const c = result.curve;
  const n = result.schedulers.length;
  const judge = result.judge ? ` · judge ${result.judge.name} (${paramsText(result.judge.params)})` : "";
  return (
    `${c.source ?? "source not recorded"} · ${c.format} · ${fmtInt(c.points)} logged points, steps ` +
    `${fmtInt(c.firstStep)}–${fmtInt(c.lastStep)} (${fmtInt(c.steps)} replayed) · ${n} scheduler${n === 1 ? "" : "s"}${judge}`
  );
}

function schedulerTable(result: ReplayResult, labels: string[]): TableSpec {
  const k = result.stationary.length;
  const refused = result.judge?.refused !== undefined;
  return {
    columns: [
      "scheduler",
      "params",
      "decays",
      "plateaus removed",
      "mean detection lag (steps)",
      "open-loop lead (steps)",
      "premature",
      "cold-start decays",
      "final LR ÷ lr0",
      "below the LR floor from step",
      "ns/step",
    ],
    rows: result.schedulers.map((s, i) => {
      const f = finalLrRatio(result, i);
      return [
        labels[i] ?? s.name,
        paramsText(s.params),
        s.decays.length,
        refused ? "not judged" : `${s.removed} / ${k}`,
        s.detection?.meanLag ?? null,
        s.openLoopLead,
        s.premature ?? null,
        s.coldStart ? `${s.coldStart.decays} (first ${s.coldStart.steps} steps)` : null,
        f === undefined ? null : Number(f.toPrecision(3)),
        s.belowFloorStep ?? null,
        Number(s.nsPerStep.toFixed(2)),
      ];
    }),
    caption:
      "A plateau is removed by a scheduler's first decay inside it or at its end (within the judge's end tolerance" +
      `${result.judge?.tolerance !== undefined ? `, ${result.judge.tolerance} steps` : ""}); the detection lag counts ` +
      "steps from the plateau's start to that decay; the open-loop lead sums (plateau end − decay step) over removed " +
      `plateaus on the logged curve. Premature: decays outside every plateau. ${OPEN_LOOP_CAVEAT}`,
    download: `${result.curve.name}-schedulers`,
  };
}

function decaysTable(result: ReplayResult, labels: string[]): TableSpec | undefined {
  const rows = result.schedulers.flatMap((s, k) =>
    s.decays.map((d, i) => [labels[k] ?? s.name, i + 1, d.step, d.lr, decayJudgement(d, s, result)]),
  );
  if (rows.length === 0) return undefined;
  return {
    columns: ["scheduler", "#", "step", "LR after", "judged"],
    rows,
    caption: "Every decay: the curve step it fires at, the LR after it, and what the judge says of it.",
    download: `${result.curve.name}-decays`,
  };
}

function plateauTable(result: ReplayResult): TableSpec | undefined {
  if (result.stationary.length === 0) return undefined;
  return {
    columns: ["plateau", "from step", "to step", "steps"],
    rows: result.stationary.map((p, i) => [i + 1, p.start, p.end, p.end - p.start + 1]),
    caption: "Stationary subsequences found by the scheduler-independent judge.",
    download: `${result.curve.name}-plateaus`,
  };
}

function metadataSection(result: ReplayResult, key: string): ReportSection {
  const c = result.curve;
  const facts: Array<[string, string | number | boolean]> = [
    ["run", c.name],
    ["source", c.source ?? "(not recorded)"],
    ["format", c.format],
  ];
  const tag = (c as { tag?: string }).tag;
  if (tag) facts.push(["tag", tag]);
  if (c.lossColumn) {
    const alt =
      c.lossColumn.alternatives.length > 0 ? `; other candidates: ${c.lossColumn.alternatives.join(", ")}` : "";
    facts.push(["loss column", `${c.lossColumn.name} (${c.lossColumn.why}${alt})`]);
  }
  facts.push(["points logged", c.points], ["steps", `${fmtInt(c.firstStep)} … ${fmtInt(c.lastStep)}`]);
  facts.push(["per-step values replayed", c.steps]);
  if (c.stride !== undefined) facts.push(["stride (median step gap)", c.stride]);
  if (c.aggregation !== undefined) facts.push(["point aggregation", c.aggregation]);
  if (result.judge) {
    facts.push(["judge", `${result.judge.name}: ${paramsText(result.judge.params)}`]);
    if (result.judge.tolerance !== undefined) facts.push(["judge end tolerance (steps)", result.judge.tolerance]);
    if (result.judge.refused) {
      facts.push(["judge", `refused: ${result.judge.refused.points} points, needs ${result.judge.refused.needed}`]);
    }
  }
  if (result.totalSteps)
    facts.push(["T (tolerances, milestones)", `${fmtInt(result.totalSteps.value)} (from ${result.totalSteps.from})`]);
  if (result.lrFloor !== undefined) facts.push(["LR floor (× lr0)", result.lrFloor]);
  const tables: TableSpec[] = [];
  const config = Object.entries(c.config ?? {});
  if (config.length > 0) {
    tables.push({
      columns: ["config key", "value"],
      rows: config,
      caption: "Configuration echoed by the log header.",
      download: `${c.name}-config`,
    });
  }
  return { id: `${key}-meta`, title: "Run metadata and config", folded: true, facts, tables };
}

/** Options of `replaySections`. */
export interface ReplaySectionOptions {
  /** Page-unique key of the run (ids and data set names); default: the run name's slug. */
  key?: string;
  /** Heading of the run's section (default: the run name). */
  title?: string;
  /** The run's data sets, when the caller has them already (same key). */
  data?: RunData;
}

/**
 * The section of one replay run (summary, main charts, folded details). Several runs fit one page when each
 * gets its own key.
 *
 * @example
 * const [section] = replaySections(result); // or replaySections({ result, curve: curve.columns })
 * renderReportHtml({ title: result.curve.name, sections: [section] });
 */
export function replaySections(input: ReplayResult | ReplayRun, opts: ReplaySectionOptions = {}): ReportSection[] {
  const run: ReplayRun = "result" in input ? input : { result: input };
  const result = run.result;
  const key = opts.key ?? slug(result.curve.name);
  const d = opts.data ?? runData(run, key);
  const labels = d.labels;
  const notes: string[] = [...(run.notes ?? [])];
  // the judge refused (too few points): its one sentence is the headline, and no chart is drawn
  const refusal = result.judge?.refused ?? (result.warnings ?? []).find((w) => /TOO_SHORT/.test(w.code));
  // replay's warnings (LR floor, cold start, T hint, ...) follow the charts, so the first screen stays the answer
  const replayNotes = (result.warnings ?? [])
    .filter((w) => !(refusal && w.code === W_JUDGE_TOO_SHORT))
    .map((w) => w.message);
  const chartable = !refusal && result.curve.points >= MIN_CHART_POINTS;
  if (!refusal && result.curve.points < MIN_CHART_POINTS) notes.push(tooFewPoints(result.curve.points));
  if (result.traces && d.finiteLoss === 0) notes.push(noFiniteLoss);
  else if (!result.traces && chartable && (run.notes ?? []).length === 0)
    notes.push(noTracesHowTo(result.curve.source));
  const section: ReportSection = {
    id: key,
    title: opts.title ?? runTitle(result),
    source: sourceLine(result),
    headline: replayHeadline(result, labels),
    notes: refusal ? notes : [...(result.stationary.length > 0 ? [caveatOf(result)] : []), ...notes],
    charts: [],
    sections: [],
  };
  if (replayNotes.length > 0) {
    section.sections!.push({
      id: `${key}-replay-notes`,
      title: `Notes from the replay (${replayNotes.length})`,
      notes: replayNotes,
    });
  }
  if (chartable && result.traces) {
    const main = mainChart(d, `${key}-main`);
    if (main) section.charts!.push(main);
    const evals = evaluationChart(d, `${key}-evaluations`);
    if (evals) section.charts!.push(evals);
    const detectors = result.schedulers
      .map((_, k) =>
        detectorState(result, k) === "chart" ? detectorChart(result, d, k, `${key}-detector-${labels[k]}`) : undefined,
      )
      .filter((c) => c !== undefined);
    const silent = result.schedulers
      .map((_, k) => k)
      .filter((k) => detectorState(result, k) === "silent")
      .map((k) => `${labels[k]}: no statistic on this run (its window never filled, so it made no decision).`);
    if (detectors.length > 0 || silent.length > 0) {
      const names = result.schedulers.filter((_, k) => detectorState(result, k) !== "none").map((_, k) => labels[k]);
      section.sections!.push({
        id: `${key}-detectors`,
        title: `Detectors (${names.length > 0 ? names.join(", ") : "none"}): statistic, threshold and tolerance counter`,
        folded: true,
        ...(silent.length > 0 ? { notes: silent } : {}),
        charts: detectors,
      });
    }
  }
  const tables: TableSpec[] = [schedulerTable(result, labels)];
  const decays = decaysTable(result, labels);
  if (decays) tables.push(decays);
  const plateaus = plateauTable(result);
  if (plateaus) tables.push(plateaus);
  section.sections!.push({
    id: `${key}-tables`,
    title: "Schedulers, decays and plateaus (tables)",
    folded: true,
    tables,
  });
  const evals = evaluationTable(result);
  if (evals)
    section.sections!.push({
      id: `${key}-evaluation-table`,
      title: "Every evaluation (table)",
      folded: true,
      tables: [evals],
    });
  section.sections!.push(metadataSection(result, key));
  return [section];
}
