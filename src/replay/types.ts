/**
 * Result objects of `fastface replay` (the stable `--json` contract of issue #3). Plain JSON: the report
 * reads them and never recomputes a metric.
 */
import type { Evaluation, FormatName } from "../curve/curve.ts";
import type { Warning } from "../errors.ts";
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
  /** Index into `stationary` of the plateau this decay removes or sits in; null when it is premature. */
  plateau: number | null;
  /** True for the decay credited with removing that plateau (its first decay, or the one that ended it). */
  removes: boolean;
  /**
   * Premature decays only: the judge's relative decrease rate of the loss over the W steps before the decay
   * (per step; >= eps: the loss was still falling when it fired).
   */
  rate?: number;
  /** Fired before the scheduler's statistic warmed up (schedulers/cold-start.ts): it reflects the start, not a plateau. */
  coldStart?: true;
}

/** Cold start of an adaptive scheduler's statistic (fastface, hck); absent for schedules without one. */
export interface ColdStart {
  /** Steps (per-step values consumed) before the statistic has warmed up. */
  steps: number;
  /** Decays inside them (marked `coldStart` in `decays`). */
  decays: number;
  /** The same spec with `warmup` holding decisions back that long (ours), when it has cold-start decays. */
  rerun?: string;
}

/** Detection lag per plateau: curve steps from its start to the decay that removes it. */
export interface Detection {
  /** One entry per plateau of `stationary` (same order); null when no decay removes it. */
  lags: Array<number | null>;
  /** Mean of the non-null lags; null when no plateau is removed. */
  meanLag: number | null;
}

export interface SchedulerReplay {
  name: string;
  params: Params;
  decays: DecayEvent[];
  /** Plateaus removed: a decay inside the plateau, or at / just after its end (within `judge.tolerance`). */
  removed: number;
  /**
   * Open loop: curve steps between each removing decay and the end of its plateau, summed, on a curve that
   * another schedule produced. Not a saving: savings need the closed loop (`fastface simulate`).
   */
  openLoopLead: number;
  /** Decays outside every plateau (and its end tolerance). */
  premature: number;
  /** How early in each plateau the scheduler fired. */
  detection: Detection;
  /** When the scheduler's statistic warmed up, and the decays that fired before. */
  coldStart?: ColdStart;
  /** LR after the last step (same unit as `decays[].lr`). */
  finalLr: number;
  /** finalLr / lr0. */
  finalLrRatio: number;
  /** Step of the first decay that takes the LR below `lrFloor` x lr0 (absent when none does). */
  belowFloorStep?: number;
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
    format: FormatName;
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
  judge?: {
    name: string;
    params: Params;
    /** End tolerance in curve steps: one logged stride + one `frequent` interval (removals and verdicts use it). */
    tolerance: number;
    /** Logged points the judge needs; below it, it refuses. */
    minPoints: number;
    /** Set when the judge refused (too few points): no plateaus, scores are 0 (see warnings, W_JUDGE_TOO_SHORT). */
    refused?: { points: number; needed: number };
  };
  /** T used for tolerances and fractional milestones, and where it came from. */
  totalSteps: { value: number; from: "option" | "header" | "logged" | "points" };
  /** The LR floor of the final-LR check, as a fraction of lr0. */
  lrFloor: number;
  stationary: StationarySpan[];
  schedulers: SchedulerReplay[];
  traces?: ReplayTraces;
  /** Notes for the user (W_JUDGE_TOO_SHORT, W_REPLAY_LR_FLOOR, W_REPLAY_COLD_START, ...); not part of the minimal contract. */
  warnings?: Warning[];
}
