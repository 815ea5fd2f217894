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

export const W_REPLAY_TOTAL_STEP_HINT = "W_REPLAY_TOTAL_STEP_HINT";
export const W_REPLAY_NON_FINITE = "W_REPLAY_NON_FINITE";
export const W_REPLAY_NO_PLATEAUS = "W_REPLAY_NO_PLATEAUS";

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
  `--total-steps ${JSON.stringify(value)} is invalid (expected a positive integer)`;

export const badLr0 = (value: unknown): string => `--lr0 ${JSON.stringify(value)} is invalid (expected a number > 0)`;

export const emptyCurve = (name: string): string => `curve '${name}' has no points to replay`;

export const totalStepHint = (headerTotal: number, used: number): string =>
  `the log header says total_step = ${headerTotal}, but T = ${used} (the expanded length) is used for the tolerances; pass --total-steps ${headerTotal} to use the planned run length`;

export const nonFiniteLosses = (count: number): string =>
  `${count} per-step losses are NaN or infinite; loss-driven schedulers skip them (no information) and the judge holds the last finite value`;

export const noPlateaus = (): string =>
  "the judge found no stationary subsequence; removed/openLoopLead are 0 for every scheduler (try --judge haar:eps=...)";

export const tooLongToHold = (span: number, max: number): string =>
  `--expand hold would build ${span} per-step values (more than ${max}); use --expand none for this curve`;
