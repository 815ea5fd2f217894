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
} as const;

export const E = {
  noLr: "E_NO_LR",
  unknownModel: "E_UNKNOWN_MODEL",
  badModelFile: "E_MODEL_FILE",
  tooFewPoints: "E_TOO_FEW_POINTS",
  badOption: "E_SIMULATE_OPTION",
} as const;

export const msg = {
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
  badInteger: (option: string, v: unknown, min: number) => `--${option} must be an integer >= ${min}; got ${v}`,
  tailTooShort: (fit: number, held: number) =>
    `tail split leaves ${fit} fitted and ${held} held-out point(s); both need at least 10`,
};
