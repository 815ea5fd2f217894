/**
 * `fastface sweep --simulate`: closed-loop metrics for every (curve, config). Planned once per curve in the main
 * thread: the run's per-step LR (`--lr-schedule` when the log has none, as in `fastface fit`), its loss-response
 * model (fitted once per curve, or `--model-from model.json`, or reused from the database on `--resume`) and the
 * simulator's per-run setup (`simulationSetup`: noise model, target, budget, judge). The workers then drive each
 * configuration against that model (`sim-kernel.ts`).
 */
import type { Curve } from "../curve/curve.ts";
import { ConfigError, Warnings } from "../errors.ts";
import { parseJudgeSpec } from "../judge/stationary.ts";
import * as MS from "../messages/simulate.ts";
import * as M from "../messages/sweep.ts";
import { epochLengthOf } from "../simulate/epoch.ts";
import { fitModel } from "../simulate/fit.ts";
import { resolveStepLr } from "../simulate/lr.ts";
import type { ParamValues } from "../simulate/model.ts";
import type { ModelFile } from "../simulate/model-file.ts";
import { getModel } from "../simulate/registry.ts";
import { simulationSetup } from "../simulate/simulate.ts";
import { loadTf } from "../simulate/tf.ts";
import { fitAuto, usablePoints } from "../simulate/validate.ts";
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

/** Minimum usable logged points to fit or apply a model (as `fastface fit`). */
const MIN_POINTS = 20;

function checkOptions(o: SweepSimulateOptions): void {
  const budget = o.budget ?? 1;
  if (!(budget > 0 && budget <= 4)) throw new ConfigError(MS.msg.badBudget(budget), M.E_SWEEP_OPTION);
  const seeds = o.seeds ?? 5;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError(MS.msg.badSeeds(seeds), M.E_SWEEP_OPTION);
  for (const [k, v] of [
    ["starts", o.starts],
    ["iterations", o.iterations],
    ["points", o.points],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new ConfigError(`--${k} must be an integer >= 1; got ${v}`, M.E_SWEEP_OPTION);
  }
  const e = o.epochSteps;
  if (e !== undefined && !(Number.isInteger(e) && e >= 0))
    throw new ConfigError(`--epoch-steps must be an integer >= 0; got ${e}`, M.E_SWEEP_OPTION);
  if (o.modelFrom === undefined && o.model !== undefined && o.model !== "auto") getModel(o.model);
}

/**
 * The settings part of the closed-loop definition (everything but the per-curve models); checks the options.
 * @example simulateSettings({ seeds: 5 }).source // "auto"
 */
export function simulateSettings(o: SweepSimulateOptions): Omit<SimulateDefinition, "models"> {
  checkOptions(o);
  const fitted = o.modelFrom === undefined;
  return {
    budget: o.budget ?? 1,
    seeds: o.seeds ?? 5,
    seed: o.seed ?? 1,
    noise: o.noise ?? true,
    lrSchedule: o.lrSchedule ?? null,
    source: fitted ? (o.model ?? "auto") : "file",
    fit: fitted ? { starts: o.starts ?? 3, iterations: o.iterations ?? 300, points: o.points ?? 200 } : null,
    epochSteps: o.epochSteps ?? null,
  };
}

/** Steps per epoch for a curve: the option (0 = none), else detected from the log. */
function epochStepsFor(o: SweepSimulateOptions, curve: Curve): number | undefined {
  if (o.epochSteps !== undefined) return o.epochSteps > 0 ? o.epochSteps : undefined;
  return epochLengthOf(curve);
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
    const lr = resolveStepLr(curve, opts.lrSchedule, warnings ?? new Warnings());
    const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
    if (points.step.length < MIN_POINTS) {
      throw new ConfigError(`${key.name}: ${MS.msg.tooFewPoints(points.step.length, MIN_POINTS)}`, MS.E.tooFewPoints);
    }
    const epochSteps = epochStepsFor(opts, curve);
    let modelName: string;
    let params: ParamValues;
    const old = reuse.get(key.hash);
    if (old) {
      modelName = old.model;
      params = old.params;
    } else if (opts.modelFrom) {
      modelName = opts.modelFrom.model;
      const p = opts.modelFrom.params;
      // the file's epoch sawtooth takes this log's epoch length (none: switched off), as `fit --model-from`
      params = p.epochSteps ? (epochSteps ? { ...p, epochSteps } : { ...p, epA: 0 }) : p;
    } else {
      const tf = await loadTf();
      const fitOpts = {
        seed: settings.seed,
        starts: settings.fit!.starts,
        iterations: settings.fit!.iterations,
        maxPoints: settings.fit!.points,
        ...(epochSteps ? { epochSteps } : {}),
      };
      const started = performance.now();
      opts.onLog?.(`sweep --simulate: fitting ${settings.source} on ${key.name} ...`);
      const f =
        settings.source === "auto"
          ? (await fitAuto(tf, points, lr.eta, fitOpts)).fitted
          : await fitModel(tf, getModel(settings.source), points, lr.eta, fitOpts);
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
