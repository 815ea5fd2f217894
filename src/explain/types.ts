/**
 * Result objects of `fastface explain` (the stable `--json` contract, kind `fastface-explain`). Plain JSON: the
 * report draws them and recomputes nothing.
 */
import type { FormatName } from "../curve/curve.ts";
import type { Warning } from "../errors.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { Params } from "../schedulers/types.ts";

/**
 * When the logged LR shows a decision: the scheduler layer's LR timing (src/schedulers/timing.ts). `official`: the
 * FastFace code prints the LR after `my_step`, which applies the previous step's weight, so a decision from the
 * loss of step k shows on the line of step k+1 (and trains step k+2); `immediate`: it shows at step k (torch
 * schedulers stepped before the log line, Optax, Keras) and trains k+1.
 */
export type Timing = LrTiming;

/** One row of the change-by-change table: a logged change, a reproduced one, or a pair of both. */
export interface ExplainChange {
  /** Curve step of the first logged point that shows the change (null: reproduced only, an extra change). */
  logged: number | null;
  /** Curve step from which the reproduced LR is in force in the log's terms (null: missed). */
  reproduced: number | null;
  /** Reproduced new / old LR (null when missed). */
  ratio: number | null;
  /** Printed new / old LR (null for an extra change). */
  loggedRatio: number | null;
  /** reproduced - logged in steps (pairs only); in (-stride, 0] means "the same logged line". */
  offset: number | null;
}

/** How well a rule reproduces the logged trace (the kernel's score and the explanation's numbers). */
export interface ScoreFields {
  matched: number;
  /** Reproduced changes no logged change matches. */
  extra: number;
  /** Logged changes no reproduced change matches. */
  missed: number;
  /** Mean |offset| of the matched changes (null: none matched). */
  meanOffset: number | null;
  maxOffset: number | null;
  /**
   * Matched changes the rule makes outside the logged interval (after the last logged line with the old LR, up
   * to the first with the new one), i.e. that the log would have printed one line earlier or later.
   */
  outside: number;
  /** Mean distance in steps of the matched reproduced changes from their logged interval (0: inside). */
  meanExcess: number | null;
  /** Relative error of the reproduced LR at the logged points beyond the printed precision: max and mean. */
  maxRelError: number;
  meanRelError: number;
}

export interface Explanation extends ScoreFields {
  rule: string;
  /** Every parameter, defaults merged (what `fastface replay -s` needs). */
  params: Params;
  /** The canonical spec (`name:k=v,...`, defaults omitted). */
  spec: string;
  /** Initial LR (absolute, in the log's unit) that scales the rule's LR to the logged one. */
  lr0: number;
  timing: Timing;
  changes: ExplainChange[];
  /** Configurations of this family the search evaluated. */
  evaluated: number;
}

export interface ExplainResult {
  kind: "fastface-explain";
  curve: {
    name: string;
    format: FormatName;
    source?: string;
    points: number;
    firstStep: number;
    lastStep: number;
    /** Per-step values replayed (hold expansion). */
    steps: number;
    /** T handed to the rules (header total_step, else the last step of a 1-based log, else the length). */
    totalSteps: number;
    stride?: number;
  };
  logged: {
    changes: Array<{ step: number; ratio: number }>;
    /** Logged points with a finite LR. */
    points: number;
    kind: "piecewise" | "continuous" | "constant";
    /** Printed decimals of the LR (null: not rounded). */
    decimals: number | null;
    /** Median gap between logged points (steps). */
    stride: number;
    /** Points left out because their LR was not a finite number >= 0. */
    dropped: number;
  };
  /** Best explanation per family, best first. */
  explanations: Explanation[];
  /** One line: how well the best explanation reproduces the trace. */
  verdict: string;
  /** The released FastFace rule with its official defaults, scored the same way (when `fastface` was searched). */
  released?: Explanation;
  /** Downsampled series for the report: logged LR and the top explanations' LR at the same points. */
  trace?: {
    step: number[];
    logged: number[];
    explanations: Array<{ rule: string; lr: number[] }>;
  };
  search: { families: string[]; evaluated: number; seconds: number; workers: number };
  warnings?: Warning[];
}
