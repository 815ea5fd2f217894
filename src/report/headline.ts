/**
 * The sentences at the top of a replay page, from the result's own numbers (nothing is recomputed): what
 * the judge found (or why it refused), and per scheduler its decays, the plateaus it removed with the mean
 * detection lag and the open-loop lead, its premature and cold-start decays (with the warmed-up rerun), and its
 * final LR relative to lr0 (with the step where it went below the floor).
 */

import { percent } from "../messages/format.ts";
import { judgeTooShort, OPEN_LOOP_CAVEAT } from "../messages/replay.ts";
import type { ReplayResult, SchedulerReplay } from "../replay/types.ts";

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

/** A ratio for a sentence: 3 significant digits, exponent below 1e-3. */
export function fmtRatio(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/**
 * The scheduler's LR after the last step relative to lr0: replay's `finalLrRatio`; for results written
 * before it existed, from the traces (last / first value) or the last decay. `undefined` when nothing tells.
 */
export function finalLrRatio(result: ReplayResult, k: number): number | undefined {
  const s = result.schedulers[k];
  if (!s) return undefined;
  if (typeof s.finalLrRatio === "number" && Number.isFinite(s.finalLrRatio)) return s.finalLrRatio;
  const lr = result.traces?.schedulers[k]?.lr;
  if (lr && lr.length > 0) {
    const first = lr.find((v) => Number.isFinite(v));
    const last = [...lr].reverse().find((v) => Number.isFinite(v));
    if (first !== undefined && last !== undefined && first > 0) return last / first;
  }
  if (s.decays.length === 0) return 1;
  return s.decays[s.decays.length - 1]!.lr;
}

/**
 * One sentence on what a scheduler did on this run.
 *
 * @example
 * schedulerHeadline(result.schedulers[0], "fastface", 2, 4000, 0.25);
 * // "fastface: 2 decays from step 1,500; removed 2 of 2 plateaus (mean detection lag 500 steps; open-loop lead 1,000 steps, 25.0% of the run); final LR 0.25× lr0."
 */
export function schedulerHeadline(
  s: SchedulerReplay,
  label: string,
  plateaus: number,
  steps: number,
  finalRatio: number | undefined,
  lrFloor?: number,
): string {
  if (s.decays.length === 0) {
    return plateaus === 0
      ? `${label}: no decay in ${fmtInt(steps)} steps (and no plateau to remove).`
      : `${label}: no decay in ${fmtInt(steps)} steps, so none of the ${plural(plateaus, "plateau")} was removed.`;
  }
  const first = s.decays[0]!;
  const parts = [`${label}: ${plural(s.decays.length, "decay")} from step ${fmtInt(first.step)}`];
  if (plateaus > 0) {
    if (s.removed === 0) parts.push(`removed none of the ${plural(plateaus, "plateau")}`);
    else {
      const pct = steps > 0 ? `, ${percent(s.openLoopLead / steps)} of the run` : "";
      const lag = s.detection?.meanLag;
      const lagText = typeof lag === "number" ? `mean detection lag ${fmtInt(lag)} steps; ` : "";
      parts.push(
        `removed ${fmtInt(s.removed)} of ${plural(plateaus, "plateau")} (${lagText}open-loop lead ${fmtInt(s.openLoopLead)} steps${pct})`,
      );
    }
  }
  if (s.premature !== undefined && s.premature > 0) parts.push(`${fmtInt(s.premature)} premature`);
  if (s.coldStart && s.coldStart.decays > 0) {
    parts.push(
      `${fmtInt(s.coldStart.decays)} at a cold start (first ${fmtInt(s.coldStart.steps)} steps${s.coldStart.rerun ? `; rerun: -s ${s.coldStart.rerun}` : ""})`,
    );
  }
  if (finalRatio !== undefined) parts.push(finalRatio === 0 ? "final LR 0" : `final LR ${fmtRatio(finalRatio)}× lr0`);
  if (s.belowFloorStep !== undefined && lrFloor !== undefined) {
    parts.push(`below ${fmtRatio(lrFloor)}× lr0 from step ${fmtInt(s.belowFloorStep)}`);
  }
  return `${parts.join("; ")}.`;
}

/**
 * What the judge found, in one sentence.
 *
 * @example
 * judgeHeadline({ curve: { steps: 1000 }, stationary: [{ start: 1, end: 100 }] } as ReplayResult);
 * // "The judge found 1 plateau (stationary stretch of the loss), 100 of the 1,000 steps (10.0%)."
 */
export function judgeHeadline(result: ReplayResult): string {
  const n = result.stationary.length;
  if (n === 0)
    return `The judge found no plateau (stationary stretch of the loss) in ${fmtInt(result.curve.steps)} steps.`;
  const covered = result.stationary.reduce((a, p) => a + (p.end - p.start + 1), 0);
  const pct = result.curve.steps > 0 ? ` (${percent(covered / result.curve.steps)})` : "";
  return `The judge found ${plural(n, "plateau")} (stationary stretch${n === 1 ? "" : "es"} of the loss), ${fmtInt(covered)} of the ${fmtInt(result.curve.steps)} steps${pct}.`;
}

/** The caveat under the headline (issue 11's wording, the same wherever the open-loop lead is shown). */
export function caveatOf(_result: ReplayResult): string {
  return OPEN_LOOP_CAVEAT;
}

/**
 * The headline of one run: the judge's sentence, then one per scheduler; one sentence when the judge refused
 * the curve (too few points: nothing to score).
 *
 * @example
 * replayHeadline(result, ["fastface", "hck"]); // ["The judge found 2 plateaus …", "fastface: 2 decays …", "hck: …"]
 */
export function replayHeadline(result: ReplayResult, labels: readonly string[]): string[] {
  const refused = result.judge?.refused;
  if (refused) return [`The judge did not judge this run: ${judgeTooShort(refused.points, refused.needed)}.`];
  const n = result.stationary.length;
  const premature = result.schedulers.some((s) => (s.premature ?? 0) > 0)
    ? " Premature: a decay outside every plateau."
    : "";
  return [
    judgeHeadline(result) + premature,
    ...result.schedulers.map((s, k) =>
      schedulerHeadline(s, labels[k] ?? s.name, n, result.curve.steps, finalLrRatio(result, k), result.lrFloor),
    ),
  ];
}
