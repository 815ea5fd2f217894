/**
 * Message catalogue of the sweep area (`fastface sweep`, `fastface sweep-top`, the sweep report page).
 * Error codes `E_SWEEP_*`, warning codes `W_SWEEP_*`; every user-facing text of src/sweep is written here once.
 */

export const E_GRID_SYNTAX = "E_GRID_SYNTAX";
export const E_GRID_PARAM = "E_GRID_PARAM";
export const E_GRID_EMPTY = "E_GRID_EMPTY";
export const E_GRID_VALUE = "E_GRID_VALUE";
export const E_SWEEP_DEFINITION = "E_SWEEP_DEFINITION";
export const E_SWEEP_EXISTS = "E_SWEEP_EXISTS";
export const E_SWEEP_DB = "E_SWEEP_DB";
export const E_SWEEP_OPTION = "E_SWEEP_OPTION";
export const E_SWEEP_WORKER = "E_SWEEP_WORKER";

export const W_SWEEP_RANDOM_DUPLICATES = "W_SWEEP_RANDOM_DUPLICATES";
export const W_SWEEP_RANDOM_INVALID = "W_SWEEP_RANDOM_INVALID";
export const W_SWEEP_DUPLICATE_CURVE = "W_SWEEP_DUPLICATE_CURVE";
export const W_SWEEP_NO_PLATEAUS = "W_SWEEP_NO_PLATEAUS";

export const GRID_HELP =
  "a grid axis is NAME=LO..HI:log:N, NAME=LO..HI:lin:N or NAME=V1,V2,... (number[] parameters: alternatives separated by ';')";

export const gridSyntax = (arg: string, why: string): string => `--grid '${arg}': ${why}; ${GRID_HELP}`;

export const gridUnknownParam = (arg: string, name: string, scheduler: string, valid: readonly string[]): string =>
  `--grid '${arg}': scheduler '${scheduler}' has no parameter '${name}'; valid names: ${valid.join(", ")}`;

export const gridDuplicateParam = (name: string): string =>
  `--grid: parameter '${name}' is given more than once; give each parameter one axis`;

export const gridEmptyRange = (arg: string, why: string): string => `--grid '${arg}': empty range (${why})`;

/** A value error of the shared parameter grammar (schedulers/params.ts), with the `--grid` argument in front. */
export const gridValue = (arg: string, message: string): string => `--grid '${arg}': ${message}`;

export const gridBadValue = (arg: string, name: string, value: string, expected: string): string =>
  `--grid '${arg}': '${value}' is not a valid value of '${name}' (expected ${expected})`;

export const gridNoAxes = (): string =>
  "no --grid axis given; give at least one, e.g. --grid lambda=1e-6..1e-4:log:9 --grid tau=0.01,0.02,0.05";

export const gridRangeNeedsCount = (arg: string): string =>
  `--grid '${arg}': a range in a grid sweep needs a point count (LO..HI:log:N or LO..HI:lin:N); only --random may omit it`;

export const lambdaModeWithoutLambda = (scheduler: string): string =>
  `--grid lambdaMode: scheduler '${scheduler}' has no 'lambda' parameter, so lambdaMode (absolute|relative) does not apply`;

export const lambdaModeNeedsLambda = (): string =>
  "--grid lambdaMode: give lambda too (an axis or in --scheduler name:lambda=...); relative mode scales the lambda you give";

export const randomDuplicates = (asked: number, got: number): string =>
  `--random ${asked}: the ranges hold only ${got} distinct configurations; sweeping those`;

export const randomInvalid = (skipped: number): string =>
  `--random: ${skipped} drawn configuration(s) were rejected by the scheduler (e.g. a value it does not accept) and redrawn`;

export const duplicateCurve = (name: string, other: string): string =>
  `curve '${name}' has the same content as '${other}'; sweeping it once`;

export const noPlateaus = (name: string): string =>
  `curve '${name}': the judge found no stationary subsequence, so removed and openLoopLead are 0 for every config`;

export const definitionMismatch = (db: string, fields: readonly string[]): string =>
  `${db} holds a different sweep (differs in: ${fields.join(", ")}); nothing was written. ` +
  "Use another --out file, or repeat the original command with --resume to complete that sweep";

export const sweepExists = (done: number, total: number): string =>
  `already holds this sweep (${done}/${total} results); pass --resume to complete it, or choose another --out`;

export const notASweepDb = (why: string): string => `not a fastface sweep database (${why})`;

export const dbOpenFailed = (why: string): string => `cannot open as a DuckDB database: ${why}`;

export const unknownObjective = (by: string, valid: readonly string[]): string =>
  `--by '${by}': unknown objective; valid: ${valid.join(", ")}`;

export const badK = (k: string): string => `--k '${k}': expected a positive integer or 'all'`;

export const paretoAndRobust = (): string => "--pareto and --robust are different views; give one of them";

export const badWorkers = (n: number): string => `--workers ${n}: expected an integer >= 1`;

export const badRandom = (n: number): string => `--random ${n}: expected an integer >= 1`;

export const parquetExists = (): string => `exists; remove it or choose another --parquet file (nothing overwritten)`;

export const interrupted = (done: number, total: number, db: string): string =>
  `interrupted: ${done}/${total} results are committed in ${db}; run the same command with --resume to finish`;

export const resumeNothingToDo = (db: string, total: number): string =>
  `${db}: all ${total} results are already there; nothing to do`;

export const noHeatmapAxes = (): string =>
  "the sweep has fewer than two numeric parameters with several values, so there is no heatmap";

export const workerCrashed = (why: string): string => `a sweep worker failed: ${why}`;

export const simulateOptionWithout = (options: readonly string[]): string =>
  `${options.join(", ")} ${options.length === 1 ? "is a closed-loop option" : "are closed-loop options"}: add --simulate`;

export const simulateModelAndFile = (): string =>
  "--model fits a model per curve and --model-from loads one; give one of them";

export const simulateObjectiveWithout = (by: string): string =>
  `--by ${by} is a closed-loop metric, but this sweep was run without --simulate (its column is empty)`;

export const badPickRank = (text: string): string =>
  `--candidate-from ${text}: expected a sweep database, optionally followed by #RANK (a positive integer), e.g. sweeps/ff.duckdb#2`;

export const pickMissing = (rank: number, rows: number, how: string): string =>
  `has no row ${rank} in its ranking (${how}): ${rows} row(s)`;

export const pickCurve = (curves: readonly string[], given?: string): string =>
  given === undefined
    ? `the sweep ranks ${curves.length} curves separately; choose one with --candidate-curve (${curves.join(", ")}) or rank across curves with --robust`
    : `--candidate-curve ${given}: not a curve of the sweep (${curves.join(", ")})`;

export const pickRelativeLambda = (config: string, lambda: number, curve: string): string =>
  `configuration ${config} uses lambdaMode=relative: retrain takes the absolute lambda it had on curve ${curve} (${lambda}), which fits a run of that loss scale only`;

export const pickRelativeRobust = (config: string): string =>
  `configuration ${config} uses lambdaMode=relative, which has no single absolute lambda across curves; pick a row per curve (--candidate-curve) instead of --robust`;

export const badBatchSize = (n: unknown): string => `--batch-size ${n}: expected an integer >= 1`;

export const noSuchDb = "no such file";
