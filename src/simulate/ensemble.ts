/**
 * Ensembles instead of one fit: a closed-loop answer is a distribution over (model x fit seed x noise seed).
 * `fitEnsemble` fits every requested model with `fitSeeds` seeds, runs the physical checks on each fit, and keeps
 * as members the distinct fits (same parameters from several seeds count once) that pass them and fit the run
 * within MAX_MEMBER_RELMAE in-sample. It also reports, per model, how well the data pin its parameters down
 * (identifiability.ts).
 */
import { ConfigError, type Warnings } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { type CheckResult, failedChecks, physicalChecks } from "./checks.ts";
import type { Metrics } from "./fit.ts";
import { type FitInput, type FitSettings, fitRun, inSampleOf, paramsForRun, warnUnphysical } from "./fit-input.ts";
import { type Identifiability, identifiability } from "./identifiability.ts";
import { calibrateRun } from "./joint.ts";
import type { LossModel, ParamValues } from "./model.ts";
import type { ModelFile } from "./model-file.ts";
import { getModel, modelNames } from "./registry.ts";

/** In-sample relMAE above which a fit is not an ensemble member (it does not describe the run). */
export const MAX_MEMBER_RELMAE = 0.05;

/** One fitted model of the ensemble. */
export interface EnsembleMember {
  /** `model#seed` (the first seed that gave these parameters) or the model file's path. */
  id: string;
  model: LossModel;
  params: ParamValues;
  inSample: Metrics;
  /** Where the parameters come from: "fit (sde, seed 1)" or a file path. */
  from: string;
  /** Fit seeds that gave these parameters (empty for a model file). */
  fitSeeds: number[];
  objective: number | null;
  checks: CheckResult[];
  /** Why a fit is not a member (failed checks, fit quality); absent for members. */
  rejected?: string;
}

/** Progress of a long job: phase, steps done and planned, and what is being done. */
export interface Progress {
  phase: "fit" | "simulate";
  done: number;
  total: number;
  label: string;
}
export type OnProgress = (p: Progress) => void;

export interface EnsembleFit {
  members: EnsembleMember[];
  rejected: EnsembleMember[];
  identifiability: Identifiability[];
}

/**
 * Model names of an ensemble choice: `ensemble` = every registered model, else a comma-separated list (`auto` is
 * not an ensemble choice).
 *
 * @example
 * ensembleModels("sde,effective"); // ["sde", "effective"]
 */
export function ensembleModels(choice: string): string[] {
  if (choice === "ensemble") return modelNames();
  const names = choice
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const n of names) getModel(n);
  return names;
}

function sameParams(a: ParamValues, b: ParamValues): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k]!;
    const y = b[k];
    return y !== undefined && Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y), 1e-12);
  });
}

/**
 * Fit the ensemble of a run: `models` x `fitSeeds` seeds (seed, seed + 1, ...).
 *
 * Fits left out are listed in `rejected` with the reason (no warning: they do not enter the answer).
 *
 * @example
 * const { members } = fitEnsemble(input, ["sde", "effective"], fitSettings(), 3);
 */
export function fitEnsemble(
  input: FitInput,
  models: readonly string[],
  settings: FitSettings,
  fitSeeds: number,
  onProgress?: OnProgress,
): EnsembleFit {
  if (!Number.isInteger(fitSeeds) || fitSeeds < 1) {
    throw new ConfigError(M.badInteger("fit-seeds", fitSeeds, 1), M.E_SIMULATE_OPTION);
  }
  const all: EnsembleMember[] = [];
  const total = models.length * fitSeeds;
  let done = 0;
  const bySeed = new Map<string, Array<{ params: ParamValues; objective: number; seed: number }>>();
  for (const name of models) {
    const model = getModel(name);
    for (let k = 0; k < fitSeeds; k++) {
      const seed = settings.seed + k;
      onProgress?.({ phase: "fit", done, total, label: `fit ${name} (seed ${seed})` });
      const fit = fitRun(input, name, { ...settings, seed });
      done++;
      const list = bySeed.get(name) ?? [];
      list.push({ params: fit.fitted.params, objective: fit.fitted.objective, seed });
      bySeed.set(name, list);
      const twin = all.find((m) => m.model.name === name && sameParams(m.params, fit.fitted.params));
      if (twin) {
        twin.fitSeeds.push(seed);
        continue;
      }
      const failed = failedChecks(fit.checks);
      const reasons = [
        ...(failed.length > 0 ? [M.failsChecks(failed)] : []),
        ...(fit.inSample.relMae > MAX_MEMBER_RELMAE ? [M.relMaeTooHigh(fit.inSample.relMae, MAX_MEMBER_RELMAE)] : []),
      ];
      all.push({
        id: `${name}#${seed}`,
        model,
        params: fit.fitted.params,
        inSample: fit.inSample,
        from: `fit (${name}, seed ${seed})`,
        fitSeeds: [seed],
        objective: fit.fitted.objective,
        checks: fit.checks,
        ...(reasons.length > 0 ? { rejected: reasons.join("; ") } : {}),
      });
    }
  }
  onProgress?.({ phase: "fit", done, total, label: "fits done" });
  const members = all.filter((m) => m.rejected === undefined).sort((a, b) => a.inSample.relMae - b.inSample.relMae);
  const rejected = all.filter((m) => m.rejected !== undefined);
  if (members.length === 0) {
    throw new ConfigError(M.noPhysicalModel(rejected.map((m) => `${m.id}: ${m.rejected}`)), M.E_NO_PHYSICAL_MODEL);
  }
  const ident: Identifiability[] = [];
  for (const [name, fits] of bySeed) ident.push(identifiability(getModel(name), input, fits));
  return { members, rejected, identifiability: ident };
}

/**
 * A model file's parameters for a run. A joint model file: the run's own parameters when the run is one it was
 * fitted on (same source or name), else calibrated on the run's first `calibrate` fraction of steps (joint.ts).
 *
 * @example
 * paramsOfFile(file, input, fitSettings());
 */
export function paramsOfFile(file: ModelFile, input: FitInput, settings: FitSettings): ParamValues {
  const j = file.joint;
  if (!j) return paramsForRun(file.params, input);
  const meta = input.curve.meta;
  const own = j.runs.find((r) => r.source === meta.source) ?? j.runs.find((r) => r.name === meta.name);
  if (own) return paramsForRun(own.params, input);
  const shared = Object.fromEntries(Object.entries(file.params).filter(([k]) => !j.perRun.includes(k)));
  return calibrateRun(getModel(file.model), shared, j.perRun, input, {
    seed: settings.seed,
    starts: settings.starts,
    iterations: settings.iterations,
    maxPoints: settings.points,
    calibrate: j.calibrate,
  }).params;
}

/** Where the members of a simulation come from. */
export interface MemberSource {
  /** `ensemble` (every model), a model name or comma-separated names, or `auto` (one: auto's choice). */
  model: string;
  /** A model file: its model is the only member (no fit). */
  modelFrom?: { file: ModelFile; path: string };
  /** Fit seeds per model (ensemble choices). */
  fitSeeds: number;
}

/**
 * The members of a simulation: a model file's model, auto's choice, or a fitted ensemble.
 *
 * @example
 * const ens = simulationMembers(input, { model: "ensemble", fitSeeds: 3 }, fitSettings(), warnings);
 */
export function simulationMembers(
  input: FitInput,
  src: MemberSource,
  settings: FitSettings,
  warnings: Warnings,
  onProgress?: OnProgress,
): EnsembleFit {
  if (src.modelFrom) {
    const { file, path } = src.modelFrom;
    const model = getModel(file.model);
    const params = paramsOfFile(file, input, settings);
    const checks = physicalChecks(model, params, input.lr.eta);
    warnUnphysical(model.name, checks, warnings);
    const member: EnsembleMember = {
      id: path,
      model,
      params,
      inSample: inSampleOf(input, { model: file.model, params }),
      from: path,
      fitSeeds: [],
      objective: null,
      checks,
    };
    return { members: [member], rejected: [], identifiability: [] };
  }
  if (src.model === "auto") {
    onProgress?.({ phase: "fit", done: 0, total: 1, label: "fit auto" });
    const fit = fitRun(input, "auto", settings, warnings);
    onProgress?.({ phase: "fit", done: 1, total: 1, label: "fits done" });
    const member: EnsembleMember = {
      id: `${fit.fitted.model}#${settings.seed}`,
      model: getModel(fit.fitted.model),
      params: fit.fitted.params,
      inSample: fit.inSample,
      from: `fit (auto: ${fit.fitted.model}, seed ${settings.seed})`,
      fitSeeds: [settings.seed],
      objective: fit.fitted.objective,
      checks: fit.checks,
    };
    return { members: [member], rejected: [], identifiability: [] };
  }
  return fitEnsemble(input, ensembleModels(src.model), settings, src.fitSeeds, onProgress);
}
