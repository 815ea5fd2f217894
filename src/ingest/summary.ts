/**
 * A curve's summary: what `fastface inspect` prints and its `--json` contract (also used by `ingest`).
 */
import type { Aggregation, Curve, Evaluation, FormatName } from "../curve/curve.ts";
import type { Warning } from "../errors.ts";

export interface CurveSummary {
  name: string;
  source: string;
  format: FormatName;
  tag?: string;
  /** Which column / tag became the loss, why, and the alternatives (absent when the format has one loss). */
  lossColumn?: { name: string; why: string; alternatives: string[] };
  points: number;
  firstStep: number | null;
  lastStep: number | null;
  /** lastStep - firstStep (0 for one point). */
  stepSpan: number;
  stride: number;
  /** Points whose gap to the previous one differs from the stride. */
  irregularGaps: number;
  firstLoss: number | null;
  lastLoss: number | null;
  minLoss: number | null;
  lrKnown: boolean;
  firstLr: number | null;
  lastLr: number | null;
  /** Distinct LR values in the log, in order of appearance (at most 20; `lrChanges` counts all changes). */
  lrValues: number[];
  lrChanges: number;
  epochKnown: boolean;
  lastEpoch: number | null;
  wallTimeKnown: boolean;
  /** Seconds between the first and last point (null without wall times). */
  durationSeconds: number | null;
  nonFinite: { nan: number; posInf: number; negInf: number };
  aggregation: Aggregation;
  config: Record<string, string | number | boolean>;
  evaluations: Evaluation[];
  warnings: Warning[];
}

const num = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/**
 * Summarise a curve.
 *
 * @example
 * summarizeCurve(curve).points // 10115
 */
export function summarizeCurve(curve: Curve): CurveSummary {
  const { step, loss, lr, epoch, wallTime } = curve.columns;
  const n = step.length;
  let irregular = 0;
  for (let i = 1; i < n; i++) if ((step[i] as number) - (step[i - 1] as number) !== curve.meta.stride) irregular++;
  let minLoss = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) if ((loss[i] as number) < minLoss) minLoss = loss[i] as number;
  const lrValues: number[] = [];
  let lrChanges = 0;
  if (lr !== undefined) {
    let prev = Number.NaN;
    for (let i = 0; i < lr.length; i++) {
      const v = lr[i] as number;
      if (Number.isNaN(v) || v === prev) continue;
      if (!Number.isNaN(prev)) lrChanges++;
      prev = v;
      if (lrValues.length < 20 && !lrValues.includes(v)) lrValues.push(v);
    }
  }
  const firstFinite = (a: Float64Array | undefined, fromEnd: boolean): number | null => {
    if (a === undefined) return null;
    for (let k = 0; k < a.length; k++) {
      const v = a[fromEnd ? a.length - 1 - k : k] as number;
      if (Number.isFinite(v)) return v;
    }
    return null;
  };
  const t0 = firstFinite(wallTime, false);
  const t1 = firstFinite(wallTime, true);
  return {
    name: curve.meta.name,
    source: curve.meta.source,
    format: curve.meta.format,
    ...(curve.meta.tag !== undefined ? { tag: curve.meta.tag } : {}),
    ...(curve.meta.lossColumn !== undefined ? { lossColumn: curve.meta.lossColumn } : {}),
    points: n,
    firstStep: num(step[0]),
    lastStep: num(step[n - 1]),
    stepSpan: n > 0 ? (step[n - 1] as number) - (step[0] as number) : 0,
    stride: curve.meta.stride,
    irregularGaps: irregular,
    firstLoss: num(loss[0]),
    lastLoss: num(loss[n - 1]),
    minLoss: num(minLoss),
    lrKnown: lr !== undefined,
    firstLr: firstFinite(lr, false),
    lastLr: firstFinite(lr, true),
    lrValues,
    lrChanges,
    epochKnown: epoch !== undefined,
    lastEpoch: firstFinite(epoch, true),
    wallTimeKnown: wallTime !== undefined,
    durationSeconds: t0 !== null && t1 !== null ? t1 - t0 : null,
    nonFinite: curve.meta.nonFinite,
    aggregation: curve.meta.aggregation,
    config: curve.meta.config,
    evaluations: curve.meta.evaluations,
    warnings: curve.meta.warnings,
  };
}

const fmt = (v: number | null): string => (v === null ? "-" : String(Number(v.toPrecision(6))));

/**
 * Human-readable summary (several lines).
 *
 * @example
 * console.log(formatSummary(summarizeCurve(curve)));
 */
export function formatSummary(s: CurveSummary, maxEvaluations = 12): string {
  const lines = [
    `${s.name}`,
    `  source       ${s.source}`,
    `  format       ${s.format}${s.tag !== undefined ? `  (tag ${s.tag})` : ""}`,
    ...(s.lossColumn !== undefined
      ? [
          `  loss column  ${s.lossColumn.name}: ${s.lossColumn.why}${
            s.lossColumn.alternatives.length > 0 ? `; others: ${s.lossColumn.alternatives.join(", ")}` : ""
          }`,
        ]
      : []),
    `  points       ${s.points}   steps ${fmt(s.firstStep)} .. ${fmt(s.lastStep)}   stride ${s.stride}${
      s.irregularGaps > 0 ? ` (${s.irregularGaps} irregular gap(s))` : ""
    }`,
    `  loss         first ${fmt(s.firstLoss)}   last ${fmt(s.lastLoss)}   min ${fmt(s.minLoss)}   aggregation ${s.aggregation}`,
    `  non-finite   NaN ${s.nonFinite.nan}   +Inf ${s.nonFinite.posInf}   -Inf ${s.nonFinite.negInf}`,
    `  lr           ${
      s.lrKnown
        ? `known: first ${fmt(s.firstLr)}   last ${fmt(s.lastLr)}   ${s.lrChanges} change(s)`
        : "not in the log (unknown)"
    }`,
    `  epoch        ${s.epochKnown ? `last ${fmt(s.lastEpoch)}` : "-"}   wall time ${
      s.durationSeconds !== null ? `${(s.durationSeconds / 3600).toFixed(2)} h` : "-"
    }`,
  ];
  const cfg = Object.entries(s.config);
  if (cfg.length > 0) lines.push(`  config       ${cfg.map(([k, v]) => `${k}=${v}`).join("  ")}`);
  if (s.evaluations.length > 0) {
    const shown = s.evaluations.slice(-maxEvaluations);
    lines.push(
      `  evaluations  ${s.evaluations.length}${s.evaluations.length > shown.length ? ` (last ${shown.length} shown)` : ""}`,
    );
    for (const e of shown) {
      lines.push(
        `    ${e.step !== undefined ? `[${e.step}] ` : ""}${e.name} ${e.metric} ${e.value}${e.std !== undefined ? ` ± ${e.std}` : ""}`,
      );
    }
  }
  return lines.join("\n");
}
