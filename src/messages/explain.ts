/**
 * Message catalogue of `fastface explain` (src/explain/). Error codes `E_EXPLAIN_*`, warning codes `W_EXPLAIN_*`.
 */

export const E_EXPLAIN_NO_LR = "E_EXPLAIN_NO_LR";
export const E_EXPLAIN_NO_POINTS = "E_EXPLAIN_NO_POINTS";
export const E_EXPLAIN_OPTION = "E_EXPLAIN_OPTION";
export const E_EXPLAIN_FAMILY = "E_EXPLAIN_FAMILY";

export const W_EXPLAIN_DROPPED = "W_EXPLAIN_DROPPED";
export const W_EXPLAIN_CONSTANT = "W_EXPLAIN_CONSTANT";
export const W_EXPLAIN_NON_FINITE = "W_EXPLAIN_NON_FINITE";

export const noLrColumn = (source: string): string =>
  `${source}: no learning-rate column; explain needs an LR trace (a LearningRate column, an lr/learning_rate ` +
  "column or tag; name it with --lr-col or --tag)";

export const noFiniteLr = (source: string, points: number): string =>
  `${source}: the LR column has ${points} points and none is a finite number >= 0; explain needs an LR trace`;

export const droppedLr = (count: number): string =>
  `${count} logged LR values are NaN, infinite or negative; those points are left out of the comparison`;

export const constantLr = (value: number): string =>
  `the logged LR never changes (${value}); every rule that never changes it explains the trace equally ` +
  "(constant, or a loss-driven rule that never fired)";

export const nonFiniteLoss = (count: number): string =>
  `${count} per-step losses are NaN or infinite; loss-driven rules skip them (no information)`;

export const unknownFamily = (name: string, valid: readonly string[]): string =>
  `--family '${name}' is not a scheduler explain can search; valid families: ${valid.join(", ")}`;

export const badTiming = (value: string): string =>
  `--timing '${value}' is invalid (expected auto, official or immediate)`;

export const badTop = (value: unknown): string =>
  `--top ${JSON.stringify(value)} is invalid (expected a positive integer)`;

export const badWorkers = (value: unknown): string =>
  `--workers ${JSON.stringify(value)} is invalid (expected an integer >= 0; 0 runs in this thread)`;

export const gridFamilyMissing = (arg: string): string =>
  `--grid '${arg}' needs a family prefix: FAMILY:NAME=VALUES (e.g. hck-proto:m=3000..5000:lin:5)`;

export const badTotalSteps = (value: unknown): string =>
  `--total-steps ${value} is invalid (expected a positive integer)`;
