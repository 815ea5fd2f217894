/**
 * Joint fits: one loss-response model fitted to several runs of one setup that differ in schedule (or LR). The
 * model's parameters are shared by every run except the ones named in `perRun`, which each run holds for itself
 * (by default the epoch sawtooth, which belongs to a run's data order, not to its schedule, and the model's level
 * parameter `LossModel.perRun`: the noise amplitude b of floor, effective and sde). Leave-one-run-out
 * validation: fit the shared parameters on the other runs, calibrate the held-out run's own parameters on its
 * first `calibrate` fraction of steps only (its schedule's start), and score the prediction of everything after
 * that under its own schedule: a cross-schedule prediction.
 */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { type CheckResult, failedChecks, physicalChecks } from "./checks.ts";
import { EPOCH_DEFS } from "./epoch.ts";
import { type FitOptions, type Metrics, metrics, minimise, predictSteps } from "./fit.ts";
import { type FitData, fitData, maxLr } from "./fit-data.ts";
import type { FitInput } from "./fit-input.ts";
import type { FitScale, LossModel, ModelParamDef, ParamValues } from "./model.ts";
import { type FitProblem, type FitTerm, toBounded } from "./objective.ts";
import { getModel, modelNames } from "./registry.ts";
import type { Points } from "./schedule.ts";

/** A run of a joint fit. */
export interface JointRun {
  name: string;
  input: FitInput;
}

export interface JointOptions extends FitOptions {
  /** Parameters each run holds for itself (model or sawtooth names); default the sawtooth's. */
  perRun?: readonly string[];
  /** Leave-one-run-out: fraction of the held-out run's steps its own parameters are calibrated on (default 0.1). */
  calibrate?: number;
}

/** Default per-run parameters: the epoch sawtooth (a run's data order, not its schedule). */
export const DEFAULT_PER_RUN: readonly string[] = EPOCH_DEFS.map((d) => d.name);

export interface JointFit {
  model: string;
  /** Shared parameters plus lrRef. */
  shared: ParamValues;
  perRun: readonly string[];
  /** Every run's full parameter set (shared + its own) and in-sample metrics. */
  runs: Array<{ name: string; params: ParamValues; inSample: Metrics }>;
  objective: number;
}

/** Bounds scale covering every run. */
function mergedScale(scales: readonly FitScale[]): FitScale {
  return {
    s1Max: Math.max(...scales.map((s) => s.s1Max)),
    steps: Math.max(...scales.map((s) => s.steps)),
    lossFirst: Math.max(...scales.map((s) => s.lossFirst)),
    lossLast: Math.min(...scales.map((s) => s.lossLast)),
    lossMin: Math.min(...scales.map((s) => s.lossMin)),
    lossMax: Math.max(...scales.map((s) => s.lossMax)),
  };
}

interface Layout {
  defs: ModelParamDef[];
  /** Per run: where each of its model and sawtooth parameters sits. */
  modelIndex: Int32Array[];
  epochIndex: Array<Int32Array | undefined>;
  names: string[];
}

/**
 * Variables of a joint problem: the shared parameters first, then each run's own (named `name@run`). With
 * `fixedShared`, shared parameters are constants (negative indices into `fixed`) and only the runs' own are free.
 */
function layout(model: LossModel, data: readonly FitData[], runNames: readonly string[], perRun: ReadonlySet<string>) {
  const scale = mergedScale(data.map((d) => d.scale));
  const modelDefs = model.paramDefs(scale);
  const hasEpoch = data.some((d) => d.phase);
  const all = [...modelDefs, ...(hasEpoch ? EPOCH_DEFS : [])];
  const defs: ModelParamDef[] = [];
  const names: string[] = [];
  const sharedAt = new Map<string, number>();
  for (const d of all) {
    if (perRun.has(d.name)) continue;
    sharedAt.set(d.name, defs.length);
    defs.push(d);
    names.push(d.name);
  }
  const modelIndex: Int32Array[] = [];
  const epochIndex: Array<Int32Array | undefined> = [];
  data.forEach((dat, r) => {
    const own = new Map<string, number>();
    for (const d of all) {
      if (!perRun.has(d.name)) continue;
      if (EPOCH_DEFS.includes(d) && !dat.phase) continue;
      own.set(d.name, defs.length);
      defs.push(d);
      names.push(`${d.name}@${runNames[r]}`);
    }
    const at = (name: string) => own.get(name) ?? sharedAt.get(name)!;
    modelIndex.push(Int32Array.from(modelDefs, (d) => at(d.name)));
    epochIndex.push(dat.phase ? Int32Array.from(EPOCH_DEFS, (d) => at(d.name)) : undefined);
  });
  return { defs, modelIndex, epochIndex, names, modelDefs, hasEpoch } satisfies Layout & Record<string, unknown>;
}

function checkPerRun(model: LossModel, perRun: readonly string[]): void {
  const known = new Set([...model.paramDefs(mergedScale([unitScale])).map((d) => d.name), ...DEFAULT_PER_RUN]);
  for (const n of perRun) {
    if (!known.has(n)) throw new ConfigError(M.badPerRun(n, model.name, [...known]), M.E_SIMULATE_OPTION);
  }
}

const unitScale: FitScale = { s1Max: 1, steps: 1, lossFirst: 1, lossLast: 1, lossMin: 1, lossMax: 1 };

/** Fit data of every run in the same LR units (lrRef = the largest LR of all runs). */
function runData(runs: readonly JointRun[], opts: JointOptions): FitData[] {
  const lrRef = opts.lrRef ?? Math.max(...runs.map((r) => maxLr(r.input.lr.eta)));
  return runs.map((r) =>
    fitData(r.input.points, r.input.lr.eta, {
      ...opts,
      lrRef,
      ...(r.input.epochSteps ? { epochSteps: r.input.epochSteps } : { epochSteps: 0 }),
    }),
  );
}

function paramsOf(
  defs: readonly ModelParamDef[],
  u: ArrayLike<number>,
  lay: ReturnType<typeof layout>,
  r: number,
  data: FitData,
): ParamValues {
  const p: ParamValues = {};
  lay.modelDefs.forEach((d, i) => {
    p[d.name] = toBounded(defs[lay.modelIndex[r]![i]!]!, u[lay.modelIndex[r]![i]!]!);
  });
  const ei = lay.epochIndex[r];
  if (ei) {
    EPOCH_DEFS.forEach((d, i) => {
      p[d.name] = toBounded(defs[ei[i]!]!, u[ei[i]!]!);
    });
    p.epochSteps = data.epochSteps!;
  }
  p.lrRef = data.lrRef;
  return p;
}

/**
 * Fit one model to several runs: shared parameters plus each run's own (`perRun`).
 *
 * @example
 * const joint = fitJoint(sde, [{ name: "poly", input: a }, { name: "multistep", input: b }], { seed: 1 });
 */
export function fitJoint(model: LossModel, runs: readonly JointRun[], opts: JointOptions = {}): JointFit {
  if (runs.length < 2) throw new ConfigError(M.jointNeedsRuns(runs.length), M.E_SIMULATE_OPTION);
  const perRun = opts.perRun ?? defaultPerRun(model);
  checkPerRun(model, perRun);
  const data = runData(runs, opts);
  const lay = layout(
    model,
    data,
    runs.map((r) => r.name),
    new Set(perRun),
  );
  const delta = opts.delta ?? 0.1;
  const terms: FitTerm[] = data.map((d, r) => ({
    model,
    data: d,
    modelIndex: lay.modelIndex[r]!,
    ...(lay.epochIndex[r] ? { epochIndex: lay.epochIndex[r]! } : {}),
  }));
  const problem: FitProblem = { defs: lay.defs, terms, delta };
  const { u, objective } = minimise(problem, opts);
  const shared: ParamValues = {};
  lay.names.forEach((n, i) => {
    if (!n.includes("@")) shared[n] = toBounded(lay.defs[i]!, u[i]!);
  });
  shared.lrRef = data[0]!.lrRef;
  return {
    model: model.name,
    shared,
    perRun,
    runs: runs.map((run, r) => {
      const params = paramsOf(lay.defs, u, lay, r, data[r]!);
      const pts = run.input.points;
      return {
        name: run.name,
        params,
        inSample: metrics(pts.loss, predictSteps(model, params, run.input.lr.eta, pts.step)),
      };
    }),
    objective: objective * delta * delta,
  };
}

/** Points up to (and including) a step. */
function head(points: Points, lastStep: number): Points {
  let n = 0;
  while (n < points.step.length && points.step[n]! <= lastStep) n++;
  return { step: points.step.subarray(0, n), loss: points.loss.subarray(0, n) };
}

/**
 * A run's own parameters calibrated on its first `calibrate` fraction of steps with the shared ones fixed; returns
 * the run's full parameters.
 *
 * @example
 * const params = calibrateRun(sde, joint.shared, joint.perRun, input, { calibrate: 0.1 });
 */
export function calibrateRun(
  model: LossModel,
  shared: ParamValues,
  perRun: readonly string[],
  input: FitInput,
  opts: JointOptions = {},
): { params: ParamValues; calibratedTo: number } {
  const last = input.points.step[input.points.step.length - 1] ?? 0;
  const calibratedTo = Math.round((opts.calibrate ?? 0.1) * last);
  const pts = head(input.points, calibratedTo);
  if (pts.step.length < 10) throw new ConfigError(M.calibrationTooShort(pts.step.length), M.E_TOO_FEW_POINTS);
  const e = input.epochSteps;
  const data = fitData(pts, input.lr.eta.subarray(0, calibratedTo), {
    ...opts,
    lrRef: shared.lrRef!,
    ...(e ? { epochSteps: e } : { epochSteps: 0 }),
  });
  const modelDefs = model.paramDefs(data.scale);
  const all = [...modelDefs, ...(data.phase ? EPOCH_DEFS : [])];
  const own = new Set(perRun);
  const defs: ModelParamDef[] = [];
  const fixed: number[] = [];
  const index = new Map<string, number>();
  for (const d of all) {
    if (own.has(d.name)) {
      index.set(d.name, defs.length);
      defs.push(d);
    } else {
      const v = shared[d.name];
      if (v === undefined)
        throw new ConfigError(M.badPerRun(d.name, model.name, Object.keys(shared)), M.E_SIMULATE_OPTION);
      fixed.push(v);
      index.set(d.name, -fixed.length);
    }
  }
  const term: FitTerm = {
    model,
    data,
    modelIndex: Int32Array.from(modelDefs, (d) => index.get(d.name)!),
    ...(data.phase ? { epochIndex: Int32Array.from(EPOCH_DEFS, (d) => index.get(d.name)!) } : {}),
    fixed: Float64Array.from(fixed),
  };
  const params: ParamValues = { ...shared };
  if (defs.length > 0) {
    const { u } = minimise({ defs, terms: [term], delta: opts.delta ?? 0.1 }, opts);
    defs.forEach((d, i) => {
      params[d.name] = toBounded(d, u[i]!);
    });
  }
  if (data.phase) params.epochSteps = data.epochSteps!;
  else if (params.epochSteps) params.epA = 0;
  return { params, calibratedTo };
}

export interface RunOutFold {
  /** The held-out run. */
  heldOut: string;
  /** Its own parameters were calibrated on its steps up to here. */
  calibratedTo: number;
  /** Prediction after the calibration window (the cross-schedule score). */
  predicted: Metrics;
  /** Prediction of all its points (calibration window included). */
  all: Metrics;
}

/**
 * Leave-one-run-out validation of a joint fit (each run held out once).
 *
 * @example
 * const folds = leaveOneRunOut(sde, runs, { seed: 1, calibrate: 0.1 });
 */
export function leaveOneRunOut(model: LossModel, runs: readonly JointRun[], opts: JointOptions = {}): RunOutFold[] {
  if (runs.length < 2) throw new ConfigError(M.jointNeedsRuns(runs.length), M.E_SIMULATE_OPTION);
  const perRun = opts.perRun ?? defaultPerRun(model);
  const o = { ...opts, perRun };
  return runs.map((held, h) => {
    const rest = runs.filter((_, i) => i !== h);
    const shared =
      rest.length >= 2 ? fitJoint(model, rest, o).shared : sharedOfSingle(model, rest[0]!, perRun, o, maxLrOf(runs));
    const { params, calibratedTo } = calibrateRun(model, shared, perRun, held.input, o);
    const pts = held.input.points;
    const pred = predictSteps(model, params, held.input.lr.eta, pts.step);
    let from = 0;
    while (from < pts.step.length && pts.step[from]! <= calibratedTo) from++;
    return {
      heldOut: held.name,
      calibratedTo,
      predicted: metrics(pts.loss.subarray(from), pred.subarray(from)),
      all: metrics(pts.loss, pred),
    };
  });
}

function maxLrOf(runs: readonly JointRun[]): number {
  return Math.max(...runs.map((r) => maxLr(r.input.lr.eta)));
}

/** The shared parameters of a one-run "joint" fit (a plain fit in the joint LR units). */
function sharedOfSingle(
  model: LossModel,
  run: JointRun,
  perRun: readonly string[],
  opts: JointOptions,
  lrRef: number,
): ParamValues {
  const data = runData([run], { ...opts, lrRef });
  const lay = layout(model, data, [run.name], new Set());
  const delta = opts.delta ?? 0.1;
  const problem: FitProblem = {
    defs: lay.defs,
    terms: [
      {
        model,
        data: data[0]!,
        modelIndex: lay.modelIndex[0]!,
        ...(lay.epochIndex[0] ? { epochIndex: lay.epochIndex[0]! } : {}),
      },
    ],
    delta,
  };
  const { u } = minimise(problem, opts);
  const shared: ParamValues = {};
  lay.names.forEach((n, i) => {
    if (!perRun.includes(n)) shared[n] = toBounded(lay.defs[i]!, u[i]!);
  });
  shared.lrRef = lrRef;
  return shared;
}

/** Per-run checks of a joint fit. */
export interface JointRunChecks {
  name: string;
  checks: CheckResult[];
}

/** A validated joint fit: the fit on every run, its leave-one-run-out folds, each run's physical checks. */
export interface JointResult {
  fit: JointFit;
  folds: RunOutFold[];
  checks: JointRunChecks[];
  /** `auto`: every model's folds and checks, the chosen one first. */
  candidates?: Array<{ model: string; folds: RunOutFold[]; meanPredictedRelMae: number; failed: string[] }>;
}

function meanPredicted(folds: readonly RunOutFold[]): number {
  const v = folds.map((f) => f.predicted.relMae).filter((x) => Number.isFinite(x));
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : Number.POSITIVE_INFINITY;
}

/** Per-run parameters of a model when none are given: the sawtooth, plus the model's own level parameter. */
export function defaultPerRun(model: LossModel): string[] {
  return [...DEFAULT_PER_RUN, ...(model.perRun ?? [])];
}

/**
 * Fit one model (or `auto`: the physical model with the lowest mean leave-one-run-out error) jointly to the runs,
 * validate it by leaving each run out, and check every run's parameters.
 *
 * @example
 * const r = fitJointRuns(runs, "effective", { seed: 1, calibrate: 0.1 });
 * r.folds.map((f) => f.predicted.relMae);
 */
export function fitJointRuns(runs: readonly JointRun[], model: string, opts: JointOptions = {}): JointResult {
  const one = (name: string) => {
    const m = getModel(name);
    const o = { ...opts, perRun: opts.perRun ?? defaultPerRun(m) };
    const fit = fitJoint(m, runs, o);
    const checks = fit.runs.map((r, i) => ({
      name: r.name,
      checks: physicalChecks(m, r.params, runs[i]!.input.lr.eta),
    }));
    return { fit, folds: leaveOneRunOut(m, runs, o), checks };
  };
  if (model !== "auto") return one(model);
  const results = modelNames().map(one);
  const candidates = results.map((r) => ({
    model: r.fit.model,
    folds: r.folds,
    meanPredictedRelMae: meanPredicted(r.folds),
    failed: [...new Set(r.checks.flatMap((c) => failedChecks(c.checks)))],
  }));
  const order = candidates
    .map((_c, i) => i)
    .sort((a, b) => candidates[a]!.meanPredictedRelMae - candidates[b]!.meanPredictedRelMae);
  const pick = order.find((i) => candidates[i]!.failed.length === 0);
  if (pick === undefined) {
    throw new ConfigError(
      M.noPhysicalModel(candidates.map((c) => `${c.model}: ${c.failed.join(", ")}`)),
      M.E_NO_PHYSICAL_MODEL,
    );
  }
  return { ...results[pick]!, candidates: order.map((i) => candidates[i]!) };
}
