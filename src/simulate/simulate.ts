/**
 * `fastface simulate`: drive each scheduler in closed loop against a fitted loss-response model, `seeds` times,
 * and summarise per scheduler: the simulated curve (mean and 10-90% band), decays, stationary subsequences in
 * the simulated curve vs in the logged one, the loss at the budget, and the time to target (the fraction of the
 * logged run's steps needed to reach the logged run's final loss). The result is plain JSON (`--json`, report).
 */
import type { Curve } from "../curve/curve.ts";
import { expandHold } from "../curve/expand.ts";
import { ConfigError, type Warnings } from "../errors.ts";
import { findStationary, type JudgeParams, resolveJudgeParams } from "../judge/stationary.ts";
import { E, msg, W } from "../messages/simulate.ts";
import { formatSchedulerSpec, parseSchedulerSpec, resolvedParams } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { Params } from "../schedulers/types.ts";
import { type ClosedLoopRun, runClosedLoop } from "./closed-loop.ts";
import { makeStepper } from "./epoch.ts";
import type { Metrics } from "./fit.ts";
import type { LossModel, ParamValues } from "./model.ts";
import { predictAt } from "./model.ts";
import { type NoiseModel, noiseFromResiduals } from "./noise.ts";
import type { StepLr } from "./schedule.ts";
import { usablePoints } from "./validate.ts";

export interface SimulateOptions {
  schedulers: string[];
  /** Fraction of the logged length to simulate (default 1). */
  budget: number;
  seeds: number;
  /** First seed (seeds are seed0 .. seed0 + seeds - 1). */
  seed0: number;
  /** Trace points per curve (default 400). */
  samplePoints?: number;
  judge?: Partial<JudgeParams>;
  /** Simulate without noise (the model's loss only). */
  noNoise?: boolean;
  /** When a decision reaches the model (default per scheduler: official for fastface; src/schedulers/timing.ts). */
  timing?: LrTiming;
}

export interface Spread {
  mean: number;
  min: number;
  max: number;
  /** 10% and 90% quantiles. */
  lo: number;
  hi: number;
}

export interface SchedulerSimulation {
  spec: string;
  name: string;
  params: Params;
  /** Mean over seeds at `grid`: noise-free loss, noisy loss and its 10-90% band, LR. */
  curve: { model: number[]; mean: number[]; lo: number[]; hi: number[]; lr: number[] };
  decays: { count: Spread; perSeed: Array<Array<{ step: number; lr: number }>> };
  stationary: { count: Spread; steps: Spread; firstSeed: Array<{ start: number; end: number }> };
  finalLoss: Spread;
  /** Fraction of the logged run's steps needed to reach the target; over the seeds that reached it. */
  timeToTarget: { reached: number; of: number; fraction: Spread | null };
  nsPerStep: number;
}

export interface SimulateResult {
  kind: "fastface-simulate";
  version: 1;
  curve: { name: string; source: string; points: number; firstStep: number; lastStep: number; stride: number };
  lr: { from: "log" | "spec"; spec?: string; lr0: number };
  model: { name: string; params: ParamValues; inSample: Metrics; from: string };
  noise: { sigma: number; blockLength: number; window: number; points: number; enabled: boolean };
  budget: number;
  budgetSteps: number;
  seeds: number;
  seed0: number;
  judge: JudgeParams;
  target: { loss: number; how: string };
  logged: {
    stationary: Array<{ start: number; end: number }>;
    stationarySteps: number;
    /** Logged points sampled for charts. */
    step: number[];
    loss: number[];
    lr: number[];
    /** The model under the logged LR at `step`. */
    model: number[];
    /** Model under the logged LR: loss at the budget, and its time to target. */
    modelFinalLoss: number;
    modelTimeToTarget: number | null;
  };
  grid: number[];
  schedulers: SchedulerSimulation[];
}

/**
 * Check the closed loop's options: `budget` in (0, 4], `seeds` an integer >= 1 (E_SIMULATE_OPTION otherwise).
 *
 * @example
 * checkSimulateOptions({ budget: 0.25, seeds: 20 });
 */
export function checkSimulateOptions(o: { budget: number; seeds: number }): void {
  if (!(o.budget > 0 && o.budget <= 4)) throw new ConfigError(msg.badBudget(o.budget), E.badOption);
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new ConfigError(msg.badSeeds(o.seeds), E.badOption);
}

/** Spread of finite values (null-safe). */
export function spreadOf(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const q = (p: number) => {
    const pos = p * (v.length - 1);
    const i = Math.floor(pos);
    return v[i]! + (v[Math.min(i + 1, v.length - 1)]! - v[i]!) * (pos - i);
  };
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: v[0]!, max: v[v.length - 1]!, lo: q(0.1), hi: q(0.9) };
}

function evenGrid(last: number, n: number): number[] {
  const m = Math.max(1, Math.min(n, last));
  const out: number[] = [];
  for (let i = 1; i <= m; i++) {
    const s = Math.max(1, Math.round((i * last) / m));
    if (out.length === 0 || s > out[out.length - 1]!) out.push(s);
  }
  return out;
}

/** Steps covered by spans. */
function spanSteps(spans: ReadonlyArray<{ start: number; end: number }>): number {
  return spans.reduce((a, s) => a + s.end - s.start + 1, 0);
}

/** What a simulation derives from the logged run once, before any scheduler runs (shared with sweeps). */
export interface SimulationSetup {
  /** Usable logged points (finite positive losses). */
  points: { step: Float64Array; loss: Float64Array };
  firstStep: number;
  lastStep: number;
  /** Steps per logged point (one noise draw per stride). */
  stride: number;
  /** multipower: merge LR changes closer than this. */
  minGap: number;
  /** The model under the logged LR at every usable point. */
  baseline: Float64Array;
  noise: NoiseModel;
  /** The logged final loss (mean of the last `tailN` points). */
  target: number;
  tailN: number;
  budgetSteps: number;
  /** Absolute judge parameters, resolved on the logged run (also used for the simulated curves). */
  judge: JudgeParams;
  /** Stationary subsequences of the logged curve (hold expansion), in steps. */
  loggedSpans: Array<{ start: number; end: number }>;
  /** First step at which the model under the logged LR reaches the target, or null. */
  baseReach: number | null;
}

/**
 * The per-run part of a simulation: noise model from the residuals, target, budget, judge on the logged curve.
 *
 * @example
 * const setup = simulationSetup(curve, eta, floor, params, { budget: 1 });
 */
export function simulationSetup(
  curve: Curve,
  eta: StepLr,
  model: LossModel,
  params: ParamValues,
  opts: { budget: number; judge?: Partial<JudgeParams> },
): SimulationSetup {
  const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
  const n = points.step.length;
  const lastStep = Math.round(points.step[n - 1] ?? 0);
  const firstStep = Math.round(points.step[0] ?? 0);
  const stride =
    curve.meta.stride > 0 ? curve.meta.stride : Math.max(1, Math.round((lastStep - firstStep) / Math.max(1, n - 1)));
  const minGap = Math.max(1, Math.floor(lastStep / 2000));
  // Model under the logged LR at every logged point: residuals and baseline.
  const baseline = predictAt(makeStepper(model, params, { minGap }), eta, points.step);
  const noise: NoiseModel = noiseFromResiduals(points.loss, baseline);
  const tailN = Math.max(5, Math.ceil(n * 0.01));
  let acc = 0;
  for (let i = n - tailN; i < n; i++) acc += points.loss[i]!;
  const target = acc / tailN;
  const budgetSteps = Math.max(1, Math.round(opts.budget * lastStep));
  // Judge: logged curve (hold expansion, like replay), same absolute parameters for the simulated curves.
  const expanded = expandHold(curve);
  const judge = resolveJudgeParams(expanded.steps, opts.judge);
  const loggedSpans = findStationary(expanded.loss, judge).map((s) => ({
    start: expanded.stepOf(s.start),
    end: expanded.stepOf(s.end),
  }));
  let baseReach: number | null = null;
  {
    const st = makeStepper(model, params, { minGap });
    for (let tau = 1; tau <= lastStep; tau++) {
      if (st.next(eta[tau - 1] ?? 0) <= target) {
        baseReach = tau;
        break;
      }
    }
  }
  return {
    points,
    firstStep,
    lastStep,
    stride,
    minGap,
    baseline,
    noise,
    target,
    tailN,
    budgetSteps,
    judge,
    loggedSpans,
    baseReach,
  };
}

/**
 * Run the whole simulation.
 *
 * @example
 * const result = simulate(curve, eta, { model, params, inSample, from: "fit" }, { schedulers: ["fastface"],
 *   budget: 0.25, seeds: 20, seed0: 1 }, warnings);
 */
export function simulate(
  curve: Curve,
  eta: StepLr,
  lrInfo: { from: "log" | "spec"; spec?: string; lr0: number },
  fitted: { model: LossModel; params: ParamValues; inSample: Metrics; from: string },
  opts: SimulateOptions,
  warnings: Warnings,
): SimulateResult {
  const { model, params } = fitted;
  const setup = simulationSetup(curve, eta, model, params, {
    budget: opts.budget,
    ...(opts.judge ? { judge: opts.judge } : {}),
  });
  const { points, lastStep, firstStep, stride, minGap, baseline, noise, target, tailN, budgetSteps, judge } = setup;
  const { loggedSpans, baseReach } = setup;
  const n = points.step.length;
  const sampleN = opts.samplePoints ?? 400;
  const chartIdx = evenGrid(n, sampleN).map((i) => i - 1);
  const grid = evenGrid(budgetSteps, sampleN);
  const schedulers: SchedulerSimulation[] = [];
  for (const specText of opts.schedulers) {
    const spec = parseSchedulerSpec(specText);
    const runs: ClosedLoopRun[] = [];
    for (let k = 0; k < opts.seeds; k++) {
      runs.push(
        runClosedLoop({
          model,
          params,
          scheduler: spec,
          ctx: { totalSteps: budgetSteps, lr0: lrInfo.lr0 },
          steps: budgetSteps,
          stride,
          ...(opts.noNoise ? {} : { noise }),
          seed: opts.seed0 + k,
          target,
          grid,
          judge,
          minGap,
          ...(opts.timing ? { timing: opts.timing } : {}),
        }),
      );
    }
    const col = (pick: (r: ClosedLoopRun) => Float64Array, i: number) => runs.map((r) => pick(r)[i]!);
    const curveOut = {
      model: [] as number[],
      mean: [] as number[],
      lo: [] as number[],
      hi: [] as number[],
      lr: [] as number[],
    };
    for (let i = 0; i < grid.length; i++) {
      const obs = spreadOf(col((r) => r.observed, i));
      curveOut.model.push(spreadOf(col((r) => r.loss, i)).mean);
      curveOut.mean.push(obs.mean);
      curveOut.lo.push(obs.lo);
      curveOut.hi.push(obs.hi);
      curveOut.lr.push(spreadOf(col((r) => r.lr, i)).mean);
    }
    const reached = runs.filter((r) => r.reachStep !== null);
    const name = formatSchedulerSpec(spec);
    if (reached.length < runs.length) warnings.add(W.targetNotReached, msg.targetNotReached(name, target));
    schedulers.push({
      spec: name,
      name: spec.name,
      params: resolvedParams(spec),
      curve: curveOut,
      decays: { count: spreadOf(runs.map((r) => r.decays.length)), perSeed: runs.map((r) => r.decays) },
      stationary: {
        count: spreadOf(runs.map((r) => r.stationary.length)),
        steps: spreadOf(runs.map((r) => spanSteps(r.stationary))),
        firstSeed: runs[0]?.stationary ?? [],
      },
      finalLoss: spreadOf(runs.map((r) => r.finalLoss)),
      timeToTarget: {
        reached: reached.length,
        of: runs.length,
        fraction: reached.length > 0 ? spreadOf(reached.map((r) => r.reachStep! / lastStep)) : null,
      },
      nsPerStep: spreadOf(runs.map((r) => r.nsPerStep)).mean,
    });
  }
  const lrAtStep = (s: number) => eta[Math.min(eta.length - 1, Math.max(0, Math.round(s) - 1))] ?? Number.NaN;
  return {
    kind: "fastface-simulate",
    version: 1,
    curve: { name: curve.meta.name, source: curve.meta.source, points: n, firstStep, lastStep, stride },
    lr: lrInfo,
    model: { name: model.name, params, inSample: fitted.inSample, from: fitted.from },
    noise: {
      sigma: noise.sigma,
      blockLength: noise.blockLength,
      window: noise.window,
      points: noise.values.length,
      enabled: !opts.noNoise,
    },
    budget: opts.budget,
    budgetSteps,
    seeds: opts.seeds,
    seed0: opts.seed0,
    judge,
    target: { loss: target, how: `mean of the last ${tailN} logged losses` },
    logged: {
      stationary: loggedSpans,
      stationarySteps: spanSteps(loggedSpans),
      step: chartIdx.map((i) => points.step[i]!),
      loss: chartIdx.map((i) => points.loss[i]!),
      lr: chartIdx.map((i) => lrAtStep(points.step[i]!)),
      model: chartIdx.map((i) => baseline[i]!),
      modelFinalLoss: predictAt(makeStepper(model, params, { minGap }), eta, [Math.min(budgetSteps, lastStep)])[0]!,
      modelTimeToTarget: baseReach === null ? null : baseReach / lastStep,
    },
    grid,
    schedulers,
  };
}
