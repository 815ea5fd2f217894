/**
 * `fastface sweep --simulate`: closed-loop metrics for every (curve, config). Planned once per curve in the main
 * thread: the run's per-step LR (`--lr-schedule` when the log has none, as in `fastface fit`), its loss-response
 * model (fitted once per curve, or `--model-from model.json`, or reused from the database on `--resume`) and the
 * simulator's per-run setup (`simulationSetup`: noise model, target, budget, judge). The workers then drive each
 * configuration against that model (`sim-kernel.ts`).
 */
import type { Curve } from "../curve/curve.ts";
import { Warnings } from "../errors.ts";
import { parseJudgeSpec } from "../judge/stationary.ts";
import {
  checkModelChoice,
  type FitSettings,
  fitInput,
  fitRun,
  fitSettings,
  paramsForRun,
} from "../simulate/fit-input.ts";
import type { ParamValues } from "../simulate/model.ts";
import type { ModelFile } from "../simulate/model-file.ts";
import { getModel } from "../simulate/registry.ts";
import { checkSimulateOptions, simulationSetup } from "../simulate/simulate.ts";
import { canonicalJson } from "./grid.ts";
import { curveHash } from "./prepare.ts";
import type { CurveKey, SimCurve, SimulateCurveModel, SimulateDefinition } from "./types.ts";

export interface SweepSimulateOptions {
  /** Simulated length as a fraction of each logged run (default 1, at most 4). */
  budget?: number;
  /** Closed-loop runs per (curve, config) (default 5). */
  seeds?: number;
  /** First noise seed and the fit's seed (default 1). */
  seed?: number;
  /** Resample the fit's residuals as noise (default true). */
  noise?: boolean;
  /** The schedule the logged runs used, for logs without an LR column. */
  lrSchedule?: string;
  /** Model to fit per curve: `auto` (default) or a model name. Ignored with `modelFrom`. */
  model?: string;
  /** A model file (`fastface fit --out`) applied to every curve, no fit. */
  modelFrom?: ModelFile;
  starts?: number;
  iterations?: number;
  points?: number;
  /** Steps per epoch for the sawtooth term; 0 = none; undefined = from each log. */
  epochSteps?: number;
  /** Progress lines (fits). */
  onLog?: (line: string) => void;
}

function checkOptions(o: SweepSimulateOptions): FitSettings {
  checkSimulateOptions({ budget: o.budget ?? 1, seeds: o.seeds ?? 5 });
  if (o.modelFrom === undefined && o.model !== undefined) checkModelChoice(o.model);
  return fitSettings({
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.starts !== undefined ? { starts: o.starts } : {}),
    ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
    ...(o.points !== undefined ? { points: o.points } : {}),
    ...(o.epochSteps !== undefined ? { epochSteps: o.epochSteps } : {}),
  });
}

/**
 * The settings part of the closed-loop definition (everything but the per-curve models); checks the options.
 * @example simulateSettings({ seeds: 5 }).source // "auto"
 */
export function simulateSettings(o: SweepSimulateOptions): Omit<SimulateDefinition, "models"> {
  const fit = checkOptions(o);
  const fitted = o.modelFrom === undefined;
  return {
    budget: o.budget ?? 1,
    seeds: o.seeds ?? 5,
    seed: fit.seed,
    noise: o.noise ?? true,
    lrSchedule: o.lrSchedule ?? null,
    source: fitted ? (o.model ?? "auto") : "file",
    fit: fitted ? { starts: fit.starts, iterations: fit.iterations, points: fit.points } : null,
    epochSteps: fit.epochSteps ?? null,
  };
}

/**
 * Resolve the closed loop of every curve of a sweep plan: LR, model (fit / file / stored), simulator setup.
 * `stored` is the simulate part of the database's definition on `--resume`: when its settings equal these, its
 * fitted per-curve models are reused instead of refitting (a model file always comes from the file).
 * @example
 * const { def, sims } = await planSimulation(curves, plan.def.curves, plan.def.judge, { modelFrom, seeds: 5 });
 */
export async function planSimulation(
  curves: readonly Curve[],
  keys: readonly CurveKey[],
  judgeSpec: string,
  opts: SweepSimulateOptions,
  warnings?: Warnings,
  stored?: SimulateDefinition | null,
): Promise<{ def: SimulateDefinition; sims: SimCurve[] }> {
  const settings = simulateSettings(opts);
  // a fit is reused from the database (no refit on --resume); a model file is the input itself, never replaced
  const reuse =
    stored &&
    settings.source !== "file" &&
    canonicalJson({ ...stored, models: [] }) === canonicalJson({ ...settings, models: [] })
      ? new Map(stored.models.map((m) => [m.hash, m]))
      : new Map<string, SimulateCurveModel>();
  const byHash = new Map<string, Curve>();
  for (const c of curves) byHash.set(curveHash(c), c);
  const judge = parseJudgeSpec(judgeSpec).params;
  const models: SimulateCurveModel[] = [];
  const sims: SimCurve[] = [];
  for (const key of keys) {
    const curve = byHash.get(key.hash);
    if (!curve) throw new Error(`planSimulation: no curve with hash ${key.hash}`);
    const input = fitInput(
      curve,
      { lrSchedule: opts.lrSchedule, epochSteps: settings.epochSteps ?? undefined },
      warnings ?? new Warnings(),
    );
    const { lr } = input;
    let modelName: string;
    let params: ParamValues;
    const old = reuse.get(key.hash);
    if (old) {
      modelName = old.model;
      params = old.params;
    } else if (opts.modelFrom) {
      modelName = opts.modelFrom.model;
      params = paramsForRun(opts.modelFrom.params, input);
    } else {
      const fitSettingsOfDef = fitSettings({
        seed: settings.seed,
        ...settings.fit!,
        ...(settings.epochSteps !== null ? { epochSteps: settings.epochSteps } : {}),
      });
      const started = performance.now();
      opts.onLog?.(`sweep --simulate: fitting ${settings.source} on ${key.name} ...`);
      const f = fitRun(input, settings.source, fitSettingsOfDef, warnings).fitted;
      modelName = f.model;
      params = f.params;
      opts.onLog?.(
        `sweep --simulate: ${key.name}: ${f.model} fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const model = getModel(modelName);
    const setup = simulationSetup(curve, lr.eta, model, params, { budget: settings.budget, judge });
    let absErr = 0;
    let sum = 0;
    for (let i = 0; i < setup.points.loss.length; i++) {
      absErr += Math.abs(setup.points.loss[i]! - setup.baseline[i]!);
      sum += setup.points.loss[i]!;
    }
    models.push({
      name: key.name,
      hash: key.hash,
      model: modelName,
      params,
      lr0: lr.lr0,
      target: setup.target,
      budgetSteps: setup.budgetSteps,
      lastStep: setup.lastStep,
      loggedPlateaus: setup.loggedSpans.length,
      relMae: sum > 0 ? absErr / sum : Number.NaN,
    });
    sims.push({
      model: modelName,
      params,
      lr0: lr.lr0,
      noise: settings.noise ? { values: setup.noise.values, blockLength: setup.noise.blockLength } : null,
      stride: setup.stride,
      budgetSteps: setup.budgetSteps,
      lastStep: setup.lastStep,
      target: setup.target,
      minGap: setup.minGap,
      judge: setup.judge,
      loggedPlateaus: setup.loggedSpans.length,
      seeds: settings.seeds,
      seed0: settings.seed,
    });
  }
  return { def: { ...settings, models }, sims };
}
