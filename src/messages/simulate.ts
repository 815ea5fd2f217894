/**
 * Message catalogue of the simulate area (fit, validate, simulate): warning codes (`W_...`) and the texts of
 * warnings and errors. Tests match on the codes, users read the texts.
 */

export const W = {
  /** The log has no LR column and the schedule spec gave no lr: LRs are relative (lr0 = 1). */
  relativeLr: "W_RELATIVE_LR",
  /** Cross validation seeded the model state with run B's first loss. */
  seeded: "W_SEEDED_STATE",
  /** The simulated run never reached the logged run's final loss within the budget. */
  targetNotReached: "W_TARGET_NOT_REACHED",
  /** --lr-schedule overrides the LR column of the log. */
  lrOverridden: "W_LR_OVERRIDDEN",
  /** A fitted or loaded model fails a physical sanity check (checks.ts). */
  unphysical: "W_UNPHYSICAL",
  /** The chosen model predicts the held-out tail worse than the tail's own mean (tail R^2 < 0). */
  tailR2: "W_TAIL_R2",
  /** Ensemble members disagree on whether a scheduler reaches the target. */
  membersDisagree: "W_MEMBERS_DISAGREE",
} as const;

export const E = {
  noLr: "E_NO_LR",
  unknownModel: "E_UNKNOWN_MODEL",
  badModelFile: "E_MODEL_FILE",
  tooFewPoints: "E_TOO_FEW_POINTS",
  badOption: "E_SIMULATE_OPTION",
  /** No candidate model passes the physical checks (auto / ensemble). */
  noPhysicalModel: "E_NO_PHYSICAL_MODEL",
  /** `fit --out` names an existing file (without --force). */
  outExists: "E_OUT_EXISTS",
} as const;

export const msg = {
  outExists: "exists; pass --force to overwrite it",
  noLr: (file: string) =>
    `${file} has no LearningRate column: give the schedule the run used with --lr-schedule SPEC ` +
    `(any replay scheduler spec, e.g. --lr-schedule multistep:lr=0.1,milestones=49820,79712,109604,gamma=0.1; milestones are steps)`,
  relativeLr: (spec: string) =>
    `--lr-schedule ${spec} gives no lr and the log header has none: LRs are relative (lr0 = 1); ` +
    `a model fitted on a run with absolute LRs will not transfer`,
  unknownModel: (name: string, names: readonly string[]) => `unknown model '${name}'; valid: auto, ${names.join(", ")}`,
  badModelFile: (path: string, why: string) => `${path}: not a fastface model file (${why})`,
  tooFewPoints: (n: number, need: number) => `only ${n} usable loss point(s); fitting needs at least ${need}`,
  seeded: (model: string, step: number, loss: number) =>
    `cross: the ${model} model's state was seeded with run B's first loss (${loss} at step ${step})`,
  notSeeded: (model: string) => `cross: ${model} is a closed-form law; its state cannot be seeded, no refit`,
  targetNotReached: (scheduler: string, target: number) =>
    `${scheduler}: the simulated loss never reached the target ${target.toPrecision(4)} within the budget`,
  lrOverridden: (spec: string) => `--lr-schedule ${spec} overrides the log's LearningRate column`,
  badTail: (v: number) => `--tail must be a fraction in (0, 1) or a step number > 1; got ${v}`,
  badBudget: (v: number) => `--budget must be in (0, 4]; got ${v}`,
  badSeeds: (v: number) => `--seeds must be an integer >= 1; got ${v}`,
  badPerRun: (name: string, model: string, known: readonly string[]) =>
    `--per-run ${name}: not a parameter of ${model} (its parameters: ${known.join(", ")})`,
  severalLogsNeedJoint: (n: number) => `${n} logs given: add --joint to fit one model to all of them`,
  jointWithModelFrom: () => "--joint with --model-from: a joint fit fits; apply a joint model file with simulate",
  badCalibrate: (v: number) => `--calibrate must be a fraction in (0, 1); got ${v}`,
  jointNeedsRuns: (n: number) => `a joint fit needs at least two runs; got ${n}`,
  calibrationTooShort: (n: number) =>
    `the calibration window of the held-out run has ${n} usable point(s); it needs at least 10 (raise --calibrate)`,
  noPhysicalModel: (failed: readonly string[]) =>
    `no model passes the physical checks (${failed.join("; ")}); fit one anyway with --model NAME (flagged W_UNPHYSICAL)`,
  unphysical: (model: string, failed: readonly string[], details: readonly string[]) =>
    `${model} fails the physical check(s) ${failed.join(", ")}: ${details.join("; ")}`,
  tailR2: (model: string, r2: number) =>
    `${model}: tail R^2 ${r2.toFixed(2)} < 0: it predicts the held-out last part of the run worse than that part's mean`,
  badInteger: (option: string, v: unknown, min: number) => `--${option} must be an integer >= ${min}; got ${v}`,
  tailTooShort: (fit: number, held: number) =>
    `tail split leaves ${fit} fitted and ${held} held-out point(s); both need at least 10`,
  /** A value error of the shared parameter grammar (schedulers/params.ts) inside `--lr-schedule`. */
  inLrSchedule: (spec: string, message: string) => `--lr-schedule '${spec}': ${message}`,
};
