/**
 * One place for what `fastface fit`, `fastface simulate` and `sweep --simulate` share before and around a fit:
 * the fit settings (defaults, checks, one error code per bad value), the input of a run (its per-step LR, its
 * usable points, its epoch length), the choice between `auto` and a named model, a model file's parameters
 * applied to another run, and the model file itself. Commands parse arguments, call these, and print.
 */
import type { Curve } from "../curve/curve.ts";
import { ConfigError, type Warnings } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { type CheckResult, physicalChecks } from "./checks.ts";
import { epochLengthOf } from "./epoch.ts";
import { type FitOptions, type FitProgress, type FittedModel, fitModel, type Metrics } from "./fit.ts";
import { type LrSource, resolveStepLr } from "./lr.ts";
import type { ParamValues } from "./model.ts";
import type { ModelFile } from "./model-file.ts";
import { getModel } from "./registry.ts";
import type { Points } from "./schedule.ts";
import { type AutoCandidate, fitAuto, inSample, usablePoints } from "./validate.ts";

/** Usable logged points a fit (or a model applied to a run) needs at least. */
export const MIN_FIT_POINTS = 20;

/** The fit's settings with their defaults (the CLI's `--seed --starts --iterations --points`). */
export interface FitSettings {
  /** Seed of the fit's random starts. */
  seed: number;
  starts: number;
  /** Adam iterations of the polish (each start explores for half as many). */
  iterations: number;
  /** Bucket-averaged points the fit uses. */
  points: number;
  /** Steps per epoch for the sawtooth: 0 = none, undefined = from each log. */
  epochSteps?: number;
}

export const FIT_DEFAULTS: Readonly<FitSettings> = { seed: 1, starts: 3, iterations: 300, points: 200 };

/**
 * Complete and check fit settings: every bad value is a ConfigError with code E_SIMULATE_OPTION naming the option.
 *
 * @example
 * fitSettings({ starts: 2 }); // { seed: 1, starts: 2, iterations: 300, points: 200 }
 */
export function fitSettings(raw: Partial<FitSettings> = {}): FitSettings {
  const s: FitSettings = {
    seed: raw.seed ?? FIT_DEFAULTS.seed,
    starts: raw.starts ?? FIT_DEFAULTS.starts,
    iterations: raw.iterations ?? FIT_DEFAULTS.iterations,
    points: raw.points ?? FIT_DEFAULTS.points,
    ...(raw.epochSteps !== undefined ? { epochSteps: raw.epochSteps } : {}),
  };
  if (!Number.isFinite(s.seed)) throw new ConfigError(M.badInteger("seed", s.seed, 0), M.E_SIMULATE_OPTION);
  for (const k of ["starts", "iterations", "points"] as const) {
    const v = s[k];
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(M.badInteger(k, v, 1), M.E_SIMULATE_OPTION);
  }
  const e = s.epochSteps;
  if (e !== undefined && !(Number.isInteger(e) && e >= 0)) {
    throw new ConfigError(M.badInteger("epoch-steps", e, 0), M.E_SIMULATE_OPTION);
  }
  return s;
}

/**
 * Check a model name for a fit: `auto` or a registered model (E_UNKNOWN_MODEL otherwise).
 *
 * @example
 * checkModelChoice("floor"); // "floor"
 */
export function checkModelChoice(name: string): string {
  if (name !== "auto") getModel(name);
  return name;
}

/** A run ready to be fitted: the curve, its per-step LR and its usable points, its epoch length. */
export interface FitInput {
  curve: Curve;
  lr: LrSource;
  points: Points;
  /** Steps per epoch used for the sawtooth (undefined: none). */
  epochSteps: number | undefined;
}

/**
 * The input of a fit from a loaded run: the LR from the log or `lrSchedule` (E_NO_LR when neither), at least
 * MIN_FIT_POINTS usable points (E_TOO_FEW_POINTS), the epoch length from `settings.epochSteps` or the log.
 * LR warnings go to `warnings`.
 *
 * @example
 * const input = fitInput(curve, { lrSchedule: undefined }, warnings);
 */
export function fitInput(
  curve: Curve,
  opts: { lrSchedule?: string | undefined; epochSteps?: number | undefined },
  warnings: Warnings,
): FitInput {
  const lr = resolveStepLr(curve, opts.lrSchedule, warnings);
  const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
  if (points.step.length < MIN_FIT_POINTS) {
    const name = curve.meta.source || curve.meta.name;
    throw new ConfigError(`${name}: ${M.tooFewPoints(points.step.length, MIN_FIT_POINTS)}`, M.E_TOO_FEW_POINTS);
  }
  const e = opts.epochSteps;
  return { curve, lr, points, epochSteps: e !== undefined ? (e > 0 ? e : undefined) : epochLengthOf(curve) };
}

/**
 * The optimiser's options for a run.
 *
 * @example
 * fitOptions(fitSettings(), input).maxPoints; // 200
 */
export function fitOptions(s: FitSettings, input: FitInput, onProgress?: FitProgress): FitOptions {
  return {
    seed: s.seed,
    starts: s.starts,
    iterations: s.iterations,
    maxPoints: s.points,
    ...(input.epochSteps ? { epochSteps: input.epochSteps } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

/**
 * A model file's parameters applied to another run: its epoch sawtooth takes that run's epoch length, and a run
 * without one (or `--epoch-steps 0`) switches the sawtooth off.
 *
 * @example
 * paramsForRun(file.params, input).epochSteps; // input.epochSteps
 */
export function paramsForRun(params: ParamValues, input: Pick<FitInput, "epochSteps">): ParamValues {
  if (!params.epochSteps) return params;
  const e = input.epochSteps;
  return e ? { ...params, epochSteps: e } : { ...params, epA: 0 };
}

/** A fitted model of a run with the metrics the commands print. */
export interface RunFit {
  fitted: FittedModel;
  /** In-sample metrics at every usable logged point (exact per-step stepper). */
  inSample: Metrics;
  /** Physical sanity of the fitted model (checks.ts). */
  checks: CheckResult[];
  /** `auto`: the tail validation of every candidate. */
  candidates?: AutoCandidate[];
}

/**
 * Fit `model` (`auto`: the physical candidate with the best tail validation, refitted on all points) to a run.
 * A named model that fails a physical check is kept and flagged (W_UNPHYSICAL); auto's choice with a negative
 * tail R^2 is flagged (W_TAIL_R2).
 *
 * @example
 * const { fitted, inSample, checks } = fitRun(input, "floor", fitSettings(), warnings);
 */
export function fitRun(
  input: FitInput,
  model: string,
  s: FitSettings,
  warnings?: Warnings,
  onProgress?: FitProgress,
): RunFit {
  const opts = fitOptions(s, input, onProgress);
  if (model === "auto") {
    const r = fitAuto(input.points, input.lr.eta, opts);
    const tail = r.candidates.find((c) => c.model === r.fitted.model)?.tail;
    if (warnings && tail && tail.r2 < 0) warnings.add(M.W_TAIL_R2, M.tailR2(r.fitted.model, tail.r2));
    return { fitted: r.fitted, inSample: inSampleOf(input, r.fitted), checks: r.checks, candidates: r.candidates };
  }
  const m = getModel(model);
  const fitted = fitModel(m, input.points, input.lr.eta, opts);
  const checks = physicalChecks(m, fitted.params, input.lr.eta);
  if (warnings) warnUnphysical(model, checks, warnings);
  return { fitted, inSample: inSampleOf(input, fitted), checks };
}

/**
 * Add W_UNPHYSICAL for the failed checks of a model (nothing when all pass).
 *
 * @example
 * warnUnphysical("floor", physicalChecks(floor, params, eta), warnings);
 */
export function warnUnphysical(model: string, checks: readonly CheckResult[], warnings: Warnings): void {
  const failed = checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    warnings.add(
      M.W_UNPHYSICAL,
      M.unphysical(
        model,
        failed.map((c) => c.name),
        failed.map((c) => c.detail),
      ),
    );
  }
}

/** In-sample metrics of a fitted model on its run. */
export function inSampleOf(input: FitInput, f: { model: string; params: ParamValues }): Metrics {
  return inSample(getModel(f.model), f.params, input.points, input.lr.eta);
}

/**
 * The model file of a fit (`fastface fit --out`).
 *
 * @example
 * await writeFile("model.json", JSON.stringify(modelFileOf(input, fit)));
 */
export function modelFileOf(input: FitInput, fit: Pick<RunFit, "fitted" | "inSample">): ModelFile {
  const { curve, lr, points } = input;
  return {
    kind: "fastface-model",
    version: 1,
    model: fit.fitted.model,
    params: fit.fitted.params,
    fittedOn: {
      name: curve.meta.name,
      source: curve.meta.source,
      lastStep: points.step[points.step.length - 1]!,
      lr: lr.from,
      ...(lr.spec !== undefined ? { spec: lr.spec } : {}),
    },
    inSample: fit.inSample,
  };
}
