/**
 * Message catalogue of the simulate area (fit, validate, simulate): warning codes (`W_...`) and the texts of
 * warnings and errors. Tests match on the codes, users read the texts.
 */

import { percent } from "./format.ts";

/** The log has no LR column and the schedule spec gave no lr: LRs are relative (lr0 = 1). */
export const W_RELATIVE_LR = "W_RELATIVE_LR";
/** Cross validation seeded the model state with run B's first loss. */
export const W_SEEDED_STATE = "W_SEEDED_STATE";
/** The simulated run never reached the logged run's final loss within the budget. */
export const W_TARGET_NOT_REACHED = "W_TARGET_NOT_REACHED";
/** --lr-schedule overrides the LR column of the log. */
export const W_LR_OVERRIDDEN = "W_LR_OVERRIDDEN";
/** A fitted or loaded model fails a physical sanity check (checks.ts). */
export const W_UNPHYSICAL = "W_UNPHYSICAL";
/** The chosen model predicts the held-out tail worse than the tail's own mean (tail R^2 < 0). */
export const W_TAIL_R2 = "W_TAIL_R2";
/** Ensemble members disagree on whether a scheduler reaches the target. */
export const W_MEMBERS_DISAGREE = "W_MEMBERS_DISAGREE";

export const E_NO_LR = "E_NO_LR";
export const E_UNKNOWN_MODEL = "E_UNKNOWN_MODEL";
export const E_MODEL_FILE = "E_MODEL_FILE";
export const E_TOO_FEW_POINTS = "E_TOO_FEW_POINTS";
export const E_SIMULATE_OPTION = "E_SIMULATE_OPTION";
/** No candidate model passes the physical checks (auto / ensemble). */
export const E_NO_PHYSICAL_MODEL = "E_NO_PHYSICAL_MODEL";
/** `fit --out` names an existing file (without --force). */
export const E_OUT_EXISTS = "E_OUT_EXISTS";
export const outExists = "exists; pass --force to overwrite it";

export const noLr = (file: string) =>
  `${file} has no LearningRate column: give the schedule the run used with --lr-schedule SPEC ` +
  `(any replay scheduler spec, e.g. --lr-schedule multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1; milestones are steps)`;
export const relativeLr = (spec: string) =>
  `--lr-schedule ${spec} gives no lr and the log header has none: LRs are relative (lr0 = 1); ` +
  `a model fitted on a run with absolute LRs will not transfer`;
export const unknownModel = (name: string, names: readonly string[]) =>
  `unknown model '${name}'; valid: auto, ${names.join(", ")}`;
export const badModelFile = (path: string, why: string) => `${path}: not a fastface model file (${why})`;
export const tooFewPoints = (n: number, need: number) =>
  `only ${n} usable loss point(s); fitting needs at least ${need}`;
export const seeded = (model: string, step: number, loss: number) =>
  `cross: the ${model} model's state was seeded with run B's first loss (${loss} at step ${step})`;
export const notSeeded = (model: string) =>
  `cross: ${model} is a closed-form law; its state cannot be seeded, no refit`;
export const targetNotReached = (scheduler: string, target: number) =>
  `${scheduler}: the simulated loss never reached the target ${target.toPrecision(4)} within the budget`;
export const lrOverridden = (spec: string) => `--lr-schedule ${spec} overrides the log's LearningRate column`;
export const badTail = (v: number) => `--tail must be a fraction in (0, 1) or a step number > 1; got ${v}`;
export const badBudget = (v: number) => `--budget must be in (0, 4]; got ${v}`;
export const badSeeds = (v: number) => `--seeds must be an integer >= 1; got ${v}`;
export const badPerRun = (name: string, model: string, known: readonly string[]) =>
  `--per-run ${name}: not a parameter of ${model} (its parameters: ${known.join(", ")})`;
export const severalLogsNeedJoint = (n: number) => `${n} logs given: add --joint to fit one model to all of them`;
export const jointWithModelFrom = () =>
  "--joint with --model-from: a joint fit fits; apply a joint model file with simulate";
export const badCalibrate = (v: number) => `--calibrate must be a fraction in (0, 1); got ${v}`;
export const jointNeedsRuns = (n: number) => `a joint fit needs at least two runs; got ${n}`;
export const calibrationTooShort = (n: number) =>
  `the calibration window of the held-out run has ${n} usable point(s); it needs at least 10 (raise --calibrate)`;
export const noPhysicalModel = (failed: readonly string[]) =>
  `no model passes the physical checks (${failed.join("; ")}); fit one anyway with --model NAME (flagged W_UNPHYSICAL)`;
export const unphysical = (model: string, failed: readonly string[], details: readonly string[]) =>
  `${model} fails the physical check(s) ${failed.join(", ")}: ${details.join("; ")}`;
export const tailR2 = (model: string, r2: number) =>
  `${model}: tail R^2 ${r2.toFixed(2)} < 0: it predicts the held-out last part of the run worse than that part's mean`;
export const badInteger = (option: string, v: unknown, min: number) =>
  `--${option} must be an integer >= ${min}; got ${v}`;
export const tailTooShort = (fit: number, held: number) =>
  `tail split leaves ${fit} fitted and ${held} held-out point(s); both need at least 10`;
/** A value error of the shared parameter grammar (schedulers/params.ts) inside `--lr-schedule`. */
export const inLrSchedule = (spec: string, message: string) => `--lr-schedule '${spec}': ${message}`;

export const outWithModelFrom = "--out with --model-from: nothing is fitted";
export const cannotReadModelFile = (why: string) => `cannot read model file (${why})`;

/** The physical checks' details (src/simulate/checks.ts); numbers with 4 significant digits. */
const p4 = (v: number) => v.toPrecision(4);
export const earlyCutDetail = (cut: number, T: number, final: number, limit: number, end: number, atCut: number) =>
  `LR cut to lr0/100 at step ${cut} (1% of ${T}) ends at ${p4(final)}; needs >= ${p4(limit)} (logged schedule ends at ${p4(end)}, ${p4(atCut)} at the cut)`;
export const tinyLrDetail = (T: number, final: number, limit: number, initial: number) =>
  `constant lr0/1000 for ${T} steps ends at ${p4(final)}; needs >= ${p4(limit)} (initial loss ${p4(initial)})`;
export const monotoneNonFinite = (factor: number, step: number) => `lr0 x ${factor}: non-finite at step ${step}`;
export const monotoneRiseAt = (factor: number, v: number, step: number, min: number) =>
  `lr0 x ${factor}: ${p4(v)} at step ${step} after ${p4(min)}`;
export const monotoneDetail = (worst: number, where: string, tol: number) =>
  worst > 0
    ? `largest rise at a constant LR: ${percent(worst, { decimals: 2 })} (${where}); allowed ${percent(tol, { significant: 3 })}`
    : "never rises at a constant LR";

/** Why an ensemble left a fit out. */
export const failsChecks = (failed: readonly string[]) => `fails ${failed.join(", ")}`;
export const relMaeTooHigh = (relMae: number, max: number) =>
  `in-sample relMAE ${percent(relMae)} > ${percent(max, { significant: 3 })}`;
