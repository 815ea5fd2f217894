/**
 * The experiment design of `fastface retrain`: which arms train (baseline at the full budget, candidate and
 * controls at the candidate's budget), how each arm's runs over the paired seeds are summarised, and the
 * verdict. Pure: plain numbers in, plain data out (the report draws it).
 *
 * Verdict: with d_i = 100 (accuracy of the candidate - accuracy of the baseline) at seed i, it holds when the
 * one-sided 95 % lower bound of mean(d) (Student t, n - 1 df, paired.ts) is above -tolerance. Next to it the
 * candidate against the best control (highest mean accuracy) at the same budget: it beats it when the lower
 * bound of the paired difference is above 0, loses when the upper bound is below 0, and ties otherwise
 * (the interval holds 0). One seed gives no interval: the verdict does not hold and the comparison is
 * undecided.
 */
import { ConfigError } from "../errors.ts";
import { percent } from "../messages/format.ts";
import * as M from "../messages/train.ts";
import { parseSchedulerSpec } from "../schedulers/registry.ts";
import { pairedDifference, type Summary, summarize } from "./paired.ts";
import type { EvalPoint } from "./trainer.ts";

export type ArmRole = "baseline" | "candidate" | "control";

export interface ArmPlan {
  name: string;
  role: ArmRole;
  scheduler: string;
  steps: number;
}

/** The control that is the baseline's own spec at the candidate's budget. */
export const COMPRESSED = "compressed";
/** The default controls at the candidate's budget. */
export const DEFAULT_CONTROLS = [COMPRESSED, "poly", "cosine", "constant"] as const;

/**
 * The arms of a design: baseline (full steps), candidate and controls (candidate steps). Every spec is
 * parsed here, so a typo fails before training; control names are the scheduler names (`compressed` for the
 * baseline's spec), made unique with a suffix.
 *
 * @example
 * planArms({ baseline: "multistep:milestones=0.5,0.75", candidate: "fastface", controls: ["compressed", "cosine"],
 *   steps: 4000, candidateSteps: 1000 }).map((a) => a.name); // ["baseline", "candidate", "compressed", "cosine"]
 */
export function planArms(o: {
  baseline: string;
  candidate: string;
  controls: readonly string[];
  steps: number;
  candidateSteps: number;
}): ArmPlan[] {
  parseSchedulerSpec(o.baseline);
  parseSchedulerSpec(o.candidate);
  const arms: ArmPlan[] = [
    { name: "baseline", role: "baseline", scheduler: o.baseline.trim(), steps: o.steps },
    { name: "candidate", role: "candidate", scheduler: o.candidate.trim(), steps: o.candidateSteps },
  ];
  const taken = new Set(["baseline", "candidate", "probe"]);
  for (const raw of o.controls) {
    const text = raw.trim();
    const scheduler = text === COMPRESSED ? o.baseline.trim() : text;
    const base = text === COMPRESSED ? COMPRESSED : parseSchedulerSpec(text).name;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}-${k}`;
    taken.add(name);
    arms.push({ name, role: "control", scheduler, steps: o.candidateSteps });
  }
  if (o.candidateSteps >= o.steps && o.controls.length > 0 && o.candidateSteps !== o.steps) {
    throw new ConfigError(M.badOption("budget", o.candidateSteps / o.steps, "at most 1"), M.E_DESIGN);
  }
  return arms;
}

/** One run of an arm at one seed (accuracy and TAR in [0, 1]). */
export interface RunSummary {
  seed: number;
  accuracy: number;
  /** Standard deviation of the 10 fold accuracies. */
  accuracyStd: number;
  tar: number;
  decays: number;
  decaySteps: number[];
  wallSeconds: number;
  finalLoss: number;
  evaluations: EvalPoint[];
  /** Share of the run's steps inside the judge's stationary spans (when measured). */
  plateau?: { share: number; spans: Array<{ start: number; end: number }> };
  traces: { step: number[]; loss: number[]; lr: number[] };
  files?: { log: string; curve: string };
}

export interface ArmResult extends ArmPlan {
  runs: RunSummary[];
  /** Over the seeds: accuracy and TAR in [0, 1], decays, plateau share (null when not measured). */
  accuracy: Summary;
  tar: Summary;
  decays: Summary;
  plateau: Summary | null;
  /** Paired (this arm - baseline) accuracy in points; null for the baseline. */
  vsBaseline: Summary | null;
}

/**
 * Summarise an arm's runs (in seed order); `baseline` gives the paired difference to the baseline's runs.
 *
 * @example
 * armResult(plan, runs, baselineRuns).vsBaseline?.lower95;
 */
export function armResult(plan: ArmPlan, runs: RunSummary[], baseline: RunSummary[] | null): ArmResult {
  const plateaus = runs.map((r) => r.plateau?.share);
  return {
    ...plan,
    runs,
    accuracy: summarize(runs.map((r) => r.accuracy)),
    tar: summarize(runs.map((r) => r.tar)),
    decays: summarize(runs.map((r) => r.decays)),
    plateau: plateaus.every((p) => p !== undefined) ? summarize(plateaus as number[]) : null,
    vsBaseline: baseline ? pointsDifference(runs, baseline) : null,
  };
}

/** Paired accuracy difference a - b in points (runs matched by seed). */
function pointsDifference(a: readonly RunSummary[], b: readonly RunSummary[]): Summary {
  const bySeed = new Map(b.map((r) => [r.seed, r.accuracy]));
  const pa: number[] = [];
  const pb: number[] = [];
  for (const r of a) {
    const other = bySeed.get(r.seed);
    if (other === undefined) continue;
    pa.push(100 * r.accuracy);
    pb.push(100 * other);
  }
  return pairedDifference(pa, pb);
}

export type Outcome = "beats" | "ties" | "loses" | "undecided";

export interface Verdict {
  holds: boolean;
  /** Points. */
  tolerance: number;
  /** Paired candidate - baseline accuracy, in points. */
  diff: Summary & { unit: "points" };
  /** Paired candidate - best control at the same budget, in points (null without controls). */
  vsBestControl: (Summary & { unit: "points"; control: string; outcome: Outcome }) | null;
  /**
   * Candidate steps / baseline steps, and mean wall time of a candidate run / of a baseline run (load-dependent
   * on a shared machine: runs of different arms overlap different neighbours).
   */
  stepRatio: number;
  timeRatio: number;
  /** The verdict in one paragraph, every number with its interval or range. */
  sentence: string;
}

const pts = (x: number | null) => (x === null || !Number.isFinite(x) ? "n/a" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}`);

/** `mean (one-sided 95 % bounds lo / hi; range min to max over n seeds)` in points. */
export function describePoints(s: Summary): string {
  if (s.lower95 === null) return `${pts(s.mean)} points (one seed: no interval)`;
  return `${pts(s.mean)} points (one-sided 95 % bounds ${pts(s.lower95)} / ${pts(s.upper95)}; range ${pts(s.min)} to ${pts(s.max)} over ${s.n} seeds)`;
}

/**
 * The outcome of a paired comparison: beats when the lower bound is above 0, loses when the upper bound is
 * below 0, ties when the interval holds 0, undecided without an interval.
 *
 * @example
 * outcomeOf(summarize([0.5, 1.2, 0.9])); // "beats"
 */
export function outcomeOf(s: Summary): Outcome {
  if (s.lower95 === null || s.upper95 === null) return "undecided";
  if (s.lower95 > 0) return "beats";
  if (s.upper95 < 0) return "loses";
  return "ties";
}

/**
 * The verdict of a design's arms (baseline, candidate, controls with `vsBaseline` set).
 *
 * @example
 * verdictOf(arms, 1).holds; // true when the lower bound of candidate - baseline > -1 point
 */
export function verdictOf(arms: readonly ArmResult[], tolerance: number): Verdict {
  const base = arms.find((a) => a.role === "baseline")!;
  const cand = arms.find((a) => a.role === "candidate")!;
  const diff = { ...cand.vsBaseline!, unit: "points" as const };
  const holds = diff.lower95 !== null && diff.lower95 > -tolerance;
  const controls = arms.filter((a) => a.role === "control");
  let vsBestControl: Verdict["vsBestControl"] = null;
  if (controls.length > 0) {
    const best = controls.reduce((x, y) => (y.accuracy.mean > x.accuracy.mean ? y : x));
    const s = pointsDifference(cand.runs, best.runs);
    vsBestControl = { ...s, unit: "points", control: best.name, outcome: outcomeOf(s) };
  }
  const meanWall = (a: ArmResult) => a.runs.reduce((s, r) => s + r.wallSeconds, 0) / a.runs.length;
  const stepRatio = cand.steps / base.steps;
  const timeRatio = meanWall(cand) / meanWall(base);
  const head =
    diff.lower95 === null
      ? `No verdict: one seed gives no interval (candidate - baseline ${pts(diff.mean)} points); run --seeds 3 or more.`
      : holds
        ? `Non-inferiority holds: candidate - baseline = ${describePoints(diff)}; the lower bound is above -${tolerance}.`
        : `Non-inferiority does not hold: candidate - baseline = ${describePoints(diff)}; the lower bound is not above -${tolerance}.`;
  // wall time per run depends on what else the machine runs meanwhile: given, never as the saving
  const budget = `The candidate used ${percent(stepRatio, { decimals: 0 })} of the baseline's steps (its runs took ${percent(timeRatio, { decimals: 0 })} of the baseline's wall time per run, which depends on the machine's load).`;
  const vs = vsBestControl
    ? ` Against the best control at the same budget (${vsBestControl.control}, ${pct(controls.find((c) => c.name === vsBestControl!.control)!.accuracy.mean)}): the candidate ${vsBestControl.outcome === "undecided" ? "cannot be compared (one seed)" : `${vsBestControl.outcome} it`}, ${describePoints(vsBestControl)}.`
    : "";
  return { holds, tolerance, diff, vsBestControl, stepRatio, timeRatio, sentence: `${head} ${budget}${vs}` };
}

const pct = (x: number) => percent(x, { decimals: 2 });
