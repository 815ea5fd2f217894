/**
 * `fastface simulate`: drive each scheduler in closed loop against every member of an ensemble of fitted
 * loss-response models (ensemble.ts), `seeds` noise seeds per member, and summarise per scheduler: over all runs
 * the simulated curve (mean and 10-90% band), decays (cold-start ones marked, cold-start.ts), stationary
 * subsequences in the simulated curve vs in the logged one, the loss at the budget and the time to target (the
 * fraction of the logged run's steps needed to reach the logged run's final loss); and over the members
 * (`ensemble`): how many reach the target, the median and 10-90% range of their steps to target and final loss.
 * The result is plain JSON (`--json`, report).
 */
import type { Curve } from "../curve/curve.ts";
import { expandHold } from "../curve/expand.ts";
import { ConfigError, type Warnings } from "../errors.ts";
import { findStationary, type JudgeParams, resolveJudgeParams } from "../judge/stationary.ts";
import * as M from "../messages/simulate.ts";
import { coldStartSteps, warmedUpSpec } from "../schedulers/cold-start.ts";
import { formatSchedulerSpec, parseSchedulerSpec, resolvedParams } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { Params } from "../schedulers/types.ts";
import type { CheckResult } from "./checks.ts";
import { type ClosedLoopRun, runClosedLoop } from "./closed-loop.ts";
import type { EnsembleMember, OnProgress } from "./ensemble.ts";
import { makeStepper } from "./epoch.ts";
import type { Metrics } from "./fit.ts";
import type { Identifiability } from "./identifiability.ts";
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
  /** Progress of the closed-loop runs (one tick per run). */
  onProgress?: OnProgress;
}

/** A decay of a closed-loop run; `coldStart` when it fired before the statistic warmed up (cold-start.ts). */
export interface SimDecay {
  step: number;
  lr: number;
  coldStart?: true;
}

/** Median and 10-90% quantiles. */
export interface Quantiles {
  median: number;
  p10: number;
  p90: number;
}

/** One member's outcome for a scheduler (over its noise seeds). */
export interface MemberOutcome {
  id: string;
  /** Noise seeds in which the scheduler reached the target, of `of`. */
  reachedSeeds: number;
  of: number;
  /** Reached in at least half of its seeds. */
  reached: boolean;
  /** Median steps to target over the seeds that reached it (null: none did). */
  stepsToTarget: number | null;
  /** Median noise-free loss at the budget. */
  finalLoss: number;
  decays: number;
  coldStartDecays: number;
}

/** The ensemble's answer for a scheduler: a distribution over members, not one number. */
export interface EnsembleOutcome {
  /** Ensemble members (distinct fitted models). */
  members: number;
  /** Members in which the scheduler reaches the target. */
  reached: number;
  /** Over the members that reach it: steps to target (null when none does). */
  stepsToTarget: Quantiles | null;
  finalLoss: Quantiles;
  /** Runs (members x noise seeds) reaching the target, of all runs. */
  runs: { reached: number; of: number };
  perMember: MemberOutcome[];
  /** "5/9 members: reaches target; 4/9: not" (or "9/9 members: reaches target"). */
  verdict: string;
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
  /** Over all runs (members x seeds, member-major); `coldStart` counts the cold-start decays per run. */
  decays: {
    count: Spread;
    coldStart: Spread;
    coldStartSteps: Spread;
    /** With cold-start decays: the spec that holds decisions back until the statistic has warmed up. */
    rerun?: string;
    perSeed: SimDecay[][];
  };
  stationary: { count: Spread; steps: Spread; firstSeed: Array<{ start: number; end: number }> };
  finalLoss: Spread;
  /** Fraction of the logged run's steps needed to reach the target; over the seeds that reached it. */
  timeToTarget: { reached: number; of: number; fraction: Spread | null };
  nsPerStep: number;
  ensemble: EnsembleOutcome;
}

/** A member as the simulation sees it. */
export interface SimMember {
  id?: string;
  model: LossModel;
  params: ParamValues;
  inSample: Metrics;
  from: string;
  checks?: CheckResult[];
}

export interface SimulateResult {
  kind: "fastface-simulate";
  version: 1;
  curve: { name: string; source: string; points: number; firstStep: number; lastStep: number; stride: number };
  lr: { from: "log" | "spec"; spec?: string; lr0: number };
  /** The first member (best in-sample fit). */
  model: { name: string; params: ParamValues; inSample: Metrics; from: string; checks: CheckResult[] };
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
  /** The ensemble: members, the fits left out and why, identifiability per model. */
  ensemble: {
    members: MemberSummary[];
    rejected: MemberSummary[];
    identifiability: Identifiability[];
    noiseSeeds: number;
  };
}

/** A fitted model in the result. */
export interface MemberSummary {
  id: string;
  model: string;
  from: string;
  fitSeeds: number[];
  params: ParamValues;
  inSample: Metrics;
  checks: CheckResult[];
  /** Why it is not a member (rejected fits only). */
  rejected?: string;
  /** The model under the logged LR: first step reaching the target (null: never). */
  loggedStepsToTarget?: number | null;
  noiseSigma?: number;
}

/**
 * Median and 10-90% quantiles of finite values.
 *
 * @example
 * quantiles([1, 2, 3]); // { median: 2, p10: 1.2, p90: 2.8 }
 */
export function quantiles(values: readonly number[]): Quantiles {
  const s = spreadOf(values);
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const pos = 0.5 * (v.length - 1);
  const i = Math.floor(pos);
  const median = v.length === 0 ? Number.NaN : v[i]! + (v[Math.min(i + 1, v.length - 1)]! - v[i]!) * (pos - i);
  return { median, p10: s.lo, p90: s.hi };
}

/** Summary of an ensemble member for the result. */
export function memberSummary(m: EnsembleMember | SimMember, extra: Partial<MemberSummary> = {}): MemberSummary {
  const em = m as Partial<EnsembleMember>;
  return {
    id: m.id ?? m.model.name,
    model: m.model.name,
    from: m.from,
    fitSeeds: em.fitSeeds ?? [],
    params: m.params,
    inSample: m.inSample,
    checks: m.checks ?? [],
    ...(em.rejected !== undefined ? { rejected: em.rejected } : {}),
    ...extra,
  };
}

/**
 * Check the closed loop's options: `budget` in (0, 4], `seeds` an integer >= 1 (E_SIMULATE_OPTION otherwise).
 *
 * @example
 * checkSimulateOptions({ budget: 0.25, seeds: 20 });
 */
export function checkSimulateOptions(o: { budget: number; seeds: number }): void {
  if (!(o.budget > 0 && o.budget <= 4)) throw new ConfigError(M.badBudget(o.budget), M.E_SIMULATE_OPTION);
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new ConfigError(M.badSeeds(o.seeds), M.E_SIMULATE_OPTION);
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
 * Run the whole simulation: every scheduler under every member, `seeds` noise seeds each.
 *
 * @example
 * const result = simulate(curve, eta, lrInfo, [{ model, params, inSample, from: "fit" }], { schedulers: ["fastface"],
 *   budget: 0.25, seeds: 3, seed0: 1 }, warnings);
 */
export function simulate(
  curve: Curve,
  eta: StepLr,
  lrInfo: { from: "log" | "spec"; spec?: string; lr0: number },
  fitted: SimMember | readonly SimMember[],
  opts: SimulateOptions,
  warnings: Warnings,
  ensembleInfo: { rejected?: readonly EnsembleMember[]; identifiability?: Identifiability[] } = {},
): SimulateResult {
  const members = (Array.isArray(fitted) ? fitted : [fitted]) as readonly SimMember[];
  if (members.length === 0) throw new ConfigError(M.noPhysicalModel([]), M.E_NO_PHYSICAL_MODEL);
  const judgeOpt = opts.judge ? { judge: opts.judge } : {};
  const setups = members.map((m) =>
    simulationSetup(curve, eta, m.model, m.params, { budget: opts.budget, ...judgeOpt }),
  );
  const first = members[0]!;
  const setup0 = setups[0]!;
  const { points, lastStep, firstStep, stride, minGap, baseline, noise, target, tailN, budgetSteps, judge } = setup0;
  const { loggedSpans, baseReach } = setup0;
  const n = points.step.length;
  const sampleN = opts.samplePoints ?? 400;
  const chartIdx = evenGrid(n, sampleN).map((i) => i - 1);
  const grid = evenGrid(budgetSteps, sampleN);
  const schedulers: SchedulerSimulation[] = [];
  const totalRuns = opts.schedulers.length * members.length * opts.seeds;
  let done = 0;
  for (const specText of opts.schedulers) {
    const spec = parseSchedulerSpec(specText);
    const name = formatSchedulerSpec(spec);
    const coldOf = (r: ClosedLoopRun) => coldStartSteps(spec, r.firstDiff);
    const runs: ClosedLoopRun[] = [];
    const perMember: MemberOutcome[] = [];
    members.forEach((m, mi) => {
      const st = setups[mi]!;
      const mine: ClosedLoopRun[] = [];
      for (let k = 0; k < opts.seeds; k++) {
        opts.onProgress?.({ phase: "simulate", done, total: totalRuns, label: `${name} x ${m.id ?? m.model.name}` });
        const run = runClosedLoop({
          model: m.model,
          params: m.params,
          scheduler: spec,
          ctx: { totalSteps: budgetSteps, lr0: lrInfo.lr0 },
          steps: budgetSteps,
          stride,
          ...(opts.noNoise ? {} : { noise: st.noise }),
          seed: opts.seed0 + k,
          target,
          grid,
          judge,
          minGap: st.minGap,
          ...(opts.timing ? { timing: opts.timing } : {}),
        });
        done++;
        mine.push(run);
        runs.push(run);
      }
      const reachedRuns = mine.filter((r) => r.reachStep !== null);
      perMember.push({
        id: m.id ?? m.model.name,
        reachedSeeds: reachedRuns.length,
        of: mine.length,
        reached: reachedRuns.length * 2 >= mine.length && reachedRuns.length > 0,
        stepsToTarget: reachedRuns.length > 0 ? quantiles(reachedRuns.map((r) => r.reachStep!)).median : null,
        finalLoss: quantiles(mine.map((r) => r.finalLoss)).median,
        decays: quantiles(mine.map((r) => r.decays.length)).median,
        coldStartDecays: quantiles(mine.map((r) => r.decays.filter((d) => d.step <= coldOf(r)).length)).median,
      });
    });
    opts.onProgress?.({ phase: "simulate", done, total: totalRuns, label: name });
    const col = (pick: (r: ClosedLoopRun) => Float64Array, i: number) => runs.map((r) => pick(r)[i]!);
    const colds = runs.map(coldOf);
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
    if (reached.length < runs.length) warnings.add(M.W_TARGET_NOT_REACHED, M.targetNotReached(name, target));
    const ens = ensembleOutcome(perMember, runs.length, reached.length);
    const coldCount = spreadOf(runs.map((r, i) => r.decays.filter((d) => d.step <= colds[i]!).length));
    const rerun = coldCount.mean > 0 ? warmedUpSpec(spec, Math.max(...colds)) : undefined;
    if (ens.reached > 0 && ens.reached < ens.members) warnings.add(M.W_MEMBERS_DISAGREE, `${name}: ${ens.verdict}`);
    schedulers.push({
      spec: name,
      name: spec.name,
      params: resolvedParams(spec),
      curve: curveOut,
      decays: {
        count: spreadOf(runs.map((r) => r.decays.length)),
        coldStart: coldCount,
        coldStartSteps: spreadOf(colds),
        ...(rerun ? { rerun } : {}),
        perSeed: runs.map((r, i) =>
          r.decays.map((d) => (d.step <= colds[i]! ? { ...d, coldStart: true as const } : d)),
        ),
      },
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
      ensemble: ens,
    });
  }
  const lrAtStep = (s: number) => eta[Math.min(eta.length - 1, Math.max(0, Math.round(s) - 1))] ?? Number.NaN;
  return {
    kind: "fastface-simulate",
    version: 1,
    curve: { name: curve.meta.name, source: curve.meta.source, points: n, firstStep, lastStep, stride },
    lr: lrInfo,
    model: {
      name: first.model.name,
      params: first.params,
      inSample: first.inSample,
      from: first.from,
      checks: first.checks ?? [],
    },
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
      modelFinalLoss: predictAt(makeStepper(first.model, first.params, { minGap }), eta, [
        Math.min(budgetSteps, lastStep),
      ])[0]!,
      modelTimeToTarget: baseReach === null ? null : baseReach / lastStep,
    },
    grid,
    schedulers,
    ensemble: {
      members: members.map((m, i) =>
        memberSummary(m, { loggedStepsToTarget: setups[i]!.baseReach, noiseSigma: setups[i]!.noise.sigma }),
      ),
      rejected: (ensembleInfo.rejected ?? []).map((m) => memberSummary(m)),
      identifiability: ensembleInfo.identifiability ?? [],
      noiseSeeds: opts.seeds,
    },
  };
}

/** Member outcomes -> the ensemble's answer. */
function ensembleOutcome(perMember: MemberOutcome[], runs: number, runsReached: number): EnsembleOutcome {
  const k = perMember.length;
  const yes = perMember.filter((m) => m.reached);
  const verdict =
    yes.length === k
      ? `${k}/${k} members: reaches target`
      : yes.length === 0
        ? `${k}/${k} members: does not reach the target`
        : `${yes.length}/${k} members: reaches target; ${k - yes.length}/${k}: not`;
  return {
    members: k,
    reached: yes.length,
    stepsToTarget: yes.length > 0 ? quantiles(yes.map((m) => m.stepsToTarget!)) : null,
    finalLoss: quantiles(perMember.map((m) => m.finalLoss)),
    runs: { reached: runsReached, of: runs },
    perMember,
    verdict,
  };
}
