/**
 * Plain-data types of a sweep: its definition (what makes two sweeps the same), the prepared curves and the
 * per-(curve, config) result rows that go into the DuckDB `results` table.
 */
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
  version: 1;
  scheduler: string;
  grid: GridDefinition;
  /** Random search instead of the full grid. */
  random: { n: number; seed: number } | null;
  /** Canonical judge spec, e.g. `haar:window=2000,eps=...,minLength=...` (empty = judge defaults). */
  judge: string;
  expand: "hold" | "none";
  /** --total-steps override (null: the expanded length of each curve). */
  totalSteps: number | null;
  lr0: number;
  curves: CurveKey[];
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

/** One (curve, config) replay. */
export interface ResultRow {
  curveId: number;
  configIndex: number;
  decays: number;
  /** Curve steps at which the decays fire. */
  decaySteps: number[];
  removed: number;
  stepsSaved: number;
  plateaus: number;
  premature: number;
  nsPerStep: number;
  /** The lambda the scheduler used (after lambdaMode scaling), or null when the scheduler has none. */
  lambdaEff: number | null;
}
