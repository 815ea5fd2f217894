/**
 * Result objects of `fastface replay` (the stable `--json` contract of issue #3). Plain JSON: the report
 * reads them and never recomputes a metric.
 */
import type { Evaluation, FormatName } from "../curve/curve.ts";
import type { Params } from "../schedulers/types.ts";

export interface StationarySpan {
  /** Curve step where the stationary subsequence starts (inclusive). */
  start: number;
  /** Curve step where it ends (inclusive). */
  end: number;
}

export interface DecayEvent {
  /** The curve's step (not the per-step index) at which the decay fires. */
  step: number;
  /** LR after the decay, relative to the initial LR (1.0) unless --lr0 was given. */
  lr: number;
}

export interface SchedulerReplay {
  name: string;
  params: Params;
  decays: DecayEvent[];
  removed: number;
  openLoopLead: number;
  /** Decays that fire outside every stationary subsequence. */
  premature?: number;
  nsPerStep: number;
  /** Tolerance floor(T * tau) of fastface/hck (for reports). */
  toler?: number;
}

/** Optional downsampled traces for charts (`--traces`, always present when a report is written). */
export interface ReplayTraces {
  /** Curve steps of the sampled points. */
  step: number[];
  loss: number[];
  /** EMA of the loss (alpha of the fastface/hck default). */
  ema: number[];
  /** Logged LR at the sampled points, when the curve has one. */
  loggedLr?: number[];
  /** Per scheduler (same order as `schedulers`): LR, statistic x_t, threshold lambda and tolerance counter. */
  schedulers: Array<{
    name: string;
    lr: number[];
    statistic?: number[];
    threshold?: number;
    counter?: number[];
    toler?: number;
  }>;
}

export interface ReplayResult {
  curve: {
    name: string;
    format: FormatName | string;
    points: number;
    firstStep: number;
    lastStep: number;
    steps: number;
    /** Extra metadata for reports (not part of the minimal contract). */
    source?: string;
    stride?: number;
    aggregation?: string;
    /** Which column / tag of the input became the loss, why, and the alternatives (tables, JSON logs, events). */
    lossColumn?: { name: string; why: string; alternatives: string[] };
    config?: Record<string, string | number | boolean>;
    evaluations?: Evaluation[];
  };
  judge?: { name: string; params: Params };
  stationary: StationarySpan[];
  schedulers: SchedulerReplay[];
  traces?: ReplayTraces;
  /** Notes for the user (e.g. the log header's total_step as a hint for --total-steps); not part of the minimal contract. */
  warnings?: Array<{ code: string; message: string }>;
}
