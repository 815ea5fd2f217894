/**
 * Message catalogue of the replay area (schedulers, registry, judge, `fastface replay`).
 * Error codes `E_SCHED_*` / `E_JUDGE_*` / `E_REPLAY_*`, warning codes `W_REPLAY_*`.
 */

export const E_SCHED_UNKNOWN = "E_SCHED_UNKNOWN";
export const E_SCHED_PARAM = "E_SCHED_PARAM";
export const E_SCHED_SPEC = "E_SCHED_SPEC";
export const E_SCHED_STATE = "E_SCHED_STATE";
export const E_JUDGE_SPEC = "E_JUDGE_SPEC";
export const E_REPLAY_OPTION = "E_REPLAY_OPTION";
export const E_REPLAY_EMPTY = "E_REPLAY_EMPTY";

export const W_REPLAY_NON_FINITE = "W_REPLAY_NON_FINITE";
export const W_REPLAY_NO_PLATEAUS = "W_REPLAY_NO_PLATEAUS";
export const W_JUDGE_TOO_SHORT = "W_JUDGE_TOO_SHORT";
export const W_REPLAY_LR_FLOOR = "W_REPLAY_LR_FLOOR";
export const W_REPLAY_COLD_START = "W_REPLAY_COLD_START";

/**
 * The open-loop caveat, one sentence wherever openLoopLead is shown (CLI tables, reports, docs): the lead is
 * measured on a curve another schedule produced.
 */
export const OPEN_LOOP_CAVEAT =
  "openLoopLead is open loop: how many plateau steps remained after each removing decay on this logged curve, which another schedule produced; what a schedule saves needs the closed loop (`fastface simulate`).";

export const unknownScheduler = (name: string, valid: readonly string[]): string =>
  `unknown scheduler '${name}'; valid schedulers: ${valid.join(", ")}`;

export const unknownParam = (scheduler: string, param: string, valid: readonly string[]): string =>
  `scheduler '${scheduler}' has no parameter '${param}'; valid parameters: ${valid.join(", ")}`;

export const badParamValue = (scheduler: string, param: string, value: unknown, expected: string): string =>
  `scheduler '${scheduler}': parameter '${param}' = ${JSON.stringify(value)} is invalid (expected ${expected})`;

export const badSpec = (spec: string, why: string): string =>
  `scheduler spec '${spec}': ${why} (expected name or name:key=value,key=value,...)`;

export const duplicateParam = (spec: string, param: string): string =>
  `scheduler spec '${spec}': parameter '${param}' is given more than once`;

export const badState = (why: string): string => `cannot restore scheduler state: ${why}`;

export const unknownJudge = (name: string, valid: readonly string[]): string =>
  `unknown judge '${name}'; valid judges: ${valid.join(", ")}`;

export const badJudgeParam = (param: string, value: unknown, expected: string): string =>
  `judge parameter '${param}' = ${JSON.stringify(value)} is invalid (expected ${expected})`;

export const unknownJudgeParam = (param: string, valid: readonly string[]): string =>
  `judge 'haar' has no parameter '${param}'; valid parameters: ${valid.join(", ")}`;

export const badExpand = (value: string): string => `--expand '${value}' is invalid (expected hold or none)`;

export const badTotalSteps = (value: unknown): string =>
  `--total-steps ${JSON.stringify(value)} is invalid (expected a positive integer of at most 2^53 - 1)`;

export const badTraces = (value: unknown): string =>
  `--traces ${JSON.stringify(value)} is invalid (expected a whole number of trace points from 0 to 10,000,000)`;

export const badLr0 = (value: unknown): string => `--lr0 ${JSON.stringify(value)} is invalid (expected a number > 0)`;

export const emptyCurve = (name: string): string => `curve '${name}' has no points to replay`;

/** Where T came from, for the human output (`lastStep`: the curve's last logged step). */
export const totalStepsNote = (value: number, from: string, lastStep?: number): string =>
  `T = ${value} (${
    from === "header"
      ? "from the log header's total_step"
      : from === "option"
        ? "--total-steps"
        : from === "points"
          ? "points, --expand none"
          : `${
              lastStep === undefined || value === lastStep
                ? "the last logged step"
                : value === lastStep + 1
                  ? `the last logged step ${lastStep} + 1, steps read as counted from 0`
                  : "the steps through the last logged point"
            }; no total_step in the log, pass --total-steps for the planned length`
  })`;

export const judgeTooShort = (points: number, needed: number): string =>
  `the curve has ${points} logged point${points === 1 ? "" : "s"}; the plateau judge needs at least ${needed} (3 per half window W/2, by default 3% of the run) to tell a plateau from noise, so it judged none: schedulers still replay, but removed/premature/openLoopLead are not scored (log more often, or pass a larger --judge haar:window=W)`;

/** `ratio` with the fewest digits (3 to 8 significant) that still read as below `floor`. */
function underFloor(ratio: number, floor: number): string {
  for (let d = 2; d < 8; d++) if (Number(ratio.toExponential(d)) < floor) return ratio.toExponential(d);
  return ratio.toExponential(7);
}

export const lrBelowFloor = (scheduler: string, ratio: number, step: number, floor: number): string =>
  `${scheduler}: a decay at step ${step} takes the LR to ${underFloor(ratio, floor)} x lr0, below the floor ${floor} x lr0: a schedule that stops training ends every plateau, so its removed/openLoopLead say little`;

export const coldStartIntervalMeans = (stride: number, coldSteps: number): string =>
  `the curve's points are means of ${stride}-step intervals: fastface's cold start x_1 = alpha (L_0 - L_1) is built from two held interval means here, where the online rule differences two minibatch losses, so its decisions in the first ${coldSteps} steps (until its statistic has warmed up) can differ from the online run; fastface:warmup=N (ours) makes no decision during the first N steps, debias=true (ours) removes the start's ramp`;

/** Decays before a scheduler's statistic warmed up (`perRun`: a mean over closed-loop runs), and how to rerun without them. */
export const coldStartNote = (count: string, steps: number, rerun?: string, perRun = false): string =>
  `${count} cold-start decay(s)${perRun ? " per run" : ""} within the first ${steps} steps, before its statistic warmed up: they reflect how it started, not a plateau${
    rerun ? `; rerun without them: -s ${rerun}` : ""
  }`;

export const badLrFloor = (value: unknown): string =>
  `lrFloor ${JSON.stringify(value)} is invalid (expected a number in [0, 1))`;

export const nonFiniteLosses = (count: number): string =>
  `${count} per-step losses are NaN or infinite; loss-driven schedulers skip them (no information) and the judge holds the last finite value`;

export const noPlateaus = (): string =>
  "the judge found no stationary subsequence (the loss kept falling); removed/openLoopLead are 0 for every scheduler and every decay is premature (try --judge haar:eps=...)";

export const tooLongToHold = (span: number, max: number): string =>
  `--expand hold would build ${span} per-step values (more than ${max}); use --expand none for this curve`;
