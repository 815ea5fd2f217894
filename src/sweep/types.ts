/**
 * Plain-data types of a sweep: its definition (what makes two sweeps the same), the prepared curves and the
 * per-(curve, config) result rows that go into the DuckDB `results` table.
 */
import type { JudgeParams } from "../judge/stationary.ts";
import type { GridDefinition } from "./grid.ts";

/** The curves of a sweep as its definition records them: name and content hash, sorted. */
export interface CurveKey {
  name: string;
  /** sha256 (16 hex digits) of the curve's step and loss columns. */
  hash: string;
}

/**
 * Everything that determines a sweep's results. Stored as canonical JSON in the `sweep` table; opening a
 * database with a different definition is an error.
 */
export interface SweepDefinition {
  /** 3: judge edges refined, end tolerance in the scores, T from the log header (issue 11). */
  version: 3;
  scheduler: string;
  grid: GridDefinition;
  /** Random search instead of the full grid. */
  random: { n: number; seed: number } | null;
  /** Canonical judge spec, e.g. `haar:window=2000,eps=...,minLength=...` (empty = judge defaults). */
  judge: string;
  expand: "hold" | "none";
  /** --total-steps override (null: as replay, the log header's total_step, else the last logged step). */
  totalSteps: number | null;
  lr0: number;
  curves: CurveKey[];
  /** `--simulate` settings and the per-curve loss-response models; absent when the sweep has no closed loop. */
  simulate?: SimulateDefinition;
}

/** The closed-loop part of a sweep definition (`--simulate`). */
export interface SimulateDefinition {
  /** Simulated length as a fraction of each logged run. */
  budget: number;
  seeds: number;
  /** First noise seed (seeds seed .. seed + seeds - 1); also the fit's seed. */
  seed: number;
  noise: boolean;
  /** `--lr-schedule` (null: the logs' LR columns). */
  lrSchedule: string | null;
  /** How the models were obtained: a fitted model name (`auto`, `effective`, ...) or `file`. */
  source: string;
  /** Fit settings (null with a model file). */
  fit: { starts: number; iterations: number; points: number } | null;
  /** `--epoch-steps` (null: from each log). */
  epochSteps: number | null;
  /** One model per curve (same order as `curves`). */
  models: SimulateCurveModel[];
}

/** The loss-response model of one curve and what the closed loop derives from the logged run. */
export interface SimulateCurveModel {
  name: string;
  hash: string;
  model: string;
  params: Record<string, number>;
  /** Initial LR of the logged run (absolute, the model's units). */
  lr0: number;
  /** The logged final loss the closed loop must reach (time to target). */
  target: number;
  budgetSteps: number;
  lastStep: number;
  /** Stationary subsequences of the logged curve under the resolved judge. */
  loggedPlateaus: number;
  /** relMAE of the model under the logged LR at the logged points. */
  relMae: number;
}

/** What a worker needs to run the closed loop of one curve (plain data, posted once per curve). */
export interface SimCurve {
  model: string;
  params: Record<string, number>;
  lr0: number;
  /** Resampled log residuals (null: --no-noise). */
  noise: { values: Float64Array; blockLength: number } | null;
  stride: number;
  budgetSteps: number;
  lastStep: number;
  target: number;
  minGap: number;
  judge: JudgeParams;
  loggedPlateaus: number;
  seeds: number;
  seed0: number;
}

/** Closed-loop metrics of one (curve, config), over the seeds (`results` columns; NULL without --simulate). */
export interface SimMetrics {
  /** Mean number of decays. */
  simDecays: number;
  /** Noise-free model loss at the budget: mean, 10% and 90% quantiles over seeds. */
  simFinalLoss: number;
  simFinalLossLo: number;
  simFinalLossHi: number;
  /** Fraction of the logged run's steps needed to reach the logged final loss, mean over the seeds that reached it. */
  timeToTarget: number | null;
  /** Fraction of seeds that reached the target within the budget. */
  simReached: number;
  /** Mean count of stationary subsequences in the simulated (noisy) curves. */
  simPlateaus: number;
  /** Stationary subsequences in the logged curve (same judge). */
  simLoggedPlateaus: number;
  /** simLoggedPlateaus - simPlateaus. */
  simPlateausRemoved: number;
  /** Closed-loop cost per simulated step (ns, mean over seeds). */
  simNsPerStep: number;
}

/** What the store records about one curve. */
export interface CurveInfo extends CurveKey {
  /** Index in the definition's curve list (primary key of the `curves` table). */
  id: number;
  source: string;
  format: string;
  points: number;
  firstStep: number;
  lastStep: number;
  /** Per-step values after expansion. */
  steps: number;
  /** Loss scale used by lambdaMode=relative (mean per-step loss over the first 1000 steps). */
  lossScale: number;
  /** Stationary subsequences found by the judge, in curve steps. */
  stationary: Array<{ start: number; end: number }>;
}

/** What one (curve, config) replay measured: the columns of the `results` table after the keys. */
export interface ReplayMetrics {
  decays: number;
  /** Curve steps at which the decays fire. */
  decaySteps: number[];
  removed: number;
  openLoopLead: number;
  plateaus: number;
  premature: number;
  nsPerStep: number;
  /** The lambda the scheduler used (after lambdaMode scaling), or null when the scheduler has none. */
  lambdaEff: number | null;
  /** Closed-loop metrics (`--simulate` only). */
  sim?: SimMetrics;
}

/** One (curve, config) replay. */
export interface ResultRow extends ReplayMetrics {
  curveId: number;
  configIndex: number;
}
