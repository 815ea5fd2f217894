/**
 * Fit a loss-response model to logged points: minimise a robust loss (soft-L1) of `log(loss) - log(prediction)`
 * over a bucket-averaged curve with Adam on the models' analytic gradients (objective.ts), from several seeded
 * starts, with every parameter bounded through a sigmoid reparameterisation (linear or log space). The fit works
 * on piecewise-constant blocks of the schedule (exact at every evaluation step for step schedules); metrics are
 * then computed with the exact per-step stepper at every logged point.
 */

import { Prng } from "../random.ts";
import { makeStepper } from "./epoch.ts";
import { fitData } from "./fit-data.ts";
import type { LossModel, ModelParamDef, ParamValues } from "./model.ts";
import { predictAt } from "./model.ts";
import { type FitProblem, Objective, singleRunProblem, toBounded, toFree } from "./objective.ts";
import type { Points, StepLr } from "./schedule.ts";

export interface FitOptions {
  /** Evaluation points after bucket averaging (default 300). */
  maxPoints?: number;
  /** Cap on schedule blocks (default 1000). */
  maxBlocks?: number;
  /** Random starts (default 4; the first is the model's typical start). */
  starts?: number;
  /** Adam iterations of the polish (default 300; each start explores for half as many). */
  iterations?: number;
  /** Iterations of each start before the best is polished (default iterations / 2). */
  exploreIterations?: number;
  /** Polish the best start: `iterations` more at the rate, then half as many at a fifth of it (default true). */
  polish?: boolean;
  /** Adam learning rate (default 0.05). */
  learningRate?: number;
  /** Soft-L1 scale on log residuals (default 0.1: quadratic within the noise, linear for outliers). */
  delta?: number;
  seed?: number;
  /** Progress of the optimiser (iterations done / planned), e.g. for a progress bar. */
  onProgress?: FitProgress;
  /** LR normalisation; default max LR of the schedule. */
  lrRef?: number;
  /** Steps per epoch: adds the epoch sawtooth (epA, epTau, epA2, epTau2) to the model (see epoch.ts). */
  epochSteps?: number;
  /**
   * Place buckets where the loss changes and weight them by points x mean loss (default true; see
   * `bucketPointsAdaptive`); false: equal buckets in index, equal weights.
   */
  adaptive?: boolean;
  /**
   * Candidate starts screened by the objective alone (one forward pass each) before the best `starts - 1` of them
   * (plus the model's typical start) run Adam; drawn from a seeded Latin hypercube in the unconstrained space
   * (default 48; 0: random jitter starts as before).
   */
  screen?: number;
  /** With `adaptive`: weight buckets by points x (mean loss)^lossPower (default 0.5; 1 weights like relMAE, 0 like a relative error per point). */
  lossPower?: number;
}

/** Called after every Adam iteration of a fit: iterations done and planned. */
export type FitProgress = (done: number, total: number) => void;

export interface FittedModel {
  model: string;
  /** Fitted parameters plus `lrRef`. */
  params: ParamValues;
  /** Final robust objective of the best start. */
  objective: number;
  fitPoints: number;
  /** Step range of the fitted points. */
  fitSteps: [number, number];
}

/** Adam (the tf.train.adam update: beta1 0.9, beta2 0.999, epsilon 1e-7, bias-corrected moments). */
function runAdam(
  f: Objective,
  u0: ArrayLike<number>,
  iters: number,
  rate: number,
  tick: () => void,
): { u: Float64Array; objective: number } {
  const n = u0.length;
  const u = Float64Array.from(u0);
  const g = new Float64Array(n);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const b1 = 0.9;
  const b2 = 0.999;
  let acc1 = b1;
  let acc2 = b2;
  for (let it = 0; it < iters; it++) {
    const value = f.evaluate(u, g);
    if (!Number.isFinite(value)) return { u, objective: Number.NaN };
    const c1 = 1 - acc1;
    const c2 = 1 - acc2;
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      u[i]! -= (rate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-7);
    }
    acc1 *= b1;
    acc2 *= b2;
    tick();
  }
  return { u, objective: f.evaluate(u) };
}

/**
 * The seeded starts of a fit: the typical start (every parameter's `init`) plus the best `starts - 1` of `screen`
 * Latin-hypercube candidates (+-3 around it in the unconstrained space, ranked by `objective` alone), topped up with
 * jittered copies of the typical start.
 *
 * @example
 * const starts = startPoints(problem.defs, { seed: 1, starts: 3 }, (u) => f.evaluate(u));
 */
export function startPoints(
  defs: readonly ModelParamDef[],
  opts: Pick<FitOptions, "seed" | "starts" | "screen">,
  objective: (u: number[]) => number,
): number[][] {
  const rng = new Prng(opts.seed ?? 1);
  const starts = Math.max(1, opts.starts ?? 4);
  const typical = defs.map((d) => toFree(d, Math.min(d.hi, Math.max(d.lo, d.init))));
  const out: number[][] = [typical];
  const screen = Math.max(0, Math.floor(opts.screen ?? 48));
  if (screen > 0 && starts > 1) {
    const perms = defs.map(() => {
      const a = Array.from({ length: screen }, (_, i) => i);
      for (let i = screen - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    });
    const cands: Array<{ u: number[]; objective: number }> = [];
    for (let c = 0; c < screen; c++) {
      const u = typical.map((t, i) => t + 6 * ((perms[i]![c]! + rng.next()) / screen) - 3);
      const value = objective(u);
      if (Number.isFinite(value)) cands.push({ u, objective: value });
    }
    cands.sort((a, b) => a.objective - b.objective);
    for (const c of cands.slice(0, starts - 1)) out.push(c.u);
  }
  while (out.length < starts) out.push(typical.map((t) => t + 1.5 * rng.normal()));
  return out;
}

/**
 * Minimise a fit problem from seeded starts: the typical start (every parameter's `init`) plus the best
 * `starts - 1` of `screen` Latin-hypercube candidates (+-3 around it in the unconstrained space, ranked by the
 * objective alone); each start runs Adam for `exploreIterations`, the best is polished for `iterations` at the
 * rate and half as many at a fifth of it. Returns the variables and the objective (soft-L1 units).
 *
 * @example
 * const { u, objective } = minimise(problem, { seed: 1, starts: 3 });
 */
export function minimise(
  problem: FitProblem,
  opts: FitOptions = {},
): { u: Float64Array; objective: number; evaluations: number } {
  const f = new Objective(problem);
  const defs = problem.defs;
  const starts = Math.max(1, opts.starts ?? 4);
  const iterations = Math.max(1, opts.iterations ?? 300);
  const lr = opts.learningRate ?? 0.05;
  const explore = Math.max(1, Math.round(opts.exploreIterations ?? iterations / 2));
  const polish = opts.polish !== false;
  const total = starts * explore + (polish ? iterations + Math.ceil(iterations / 2) : 0);
  let done = 0;
  const tick = opts.onProgress ? () => opts.onProgress!(++done, total) : () => {};
  const points = startPoints(defs, opts, (u) => f.evaluate(u));
  let best: { u: Float64Array; objective: number } | undefined;
  for (const u0 of points) {
    const r = runAdam(f, u0, explore, lr, tick);
    if (Number.isFinite(r.objective) && (!best || r.objective < best.objective)) best = r;
  }
  if (best && polish) {
    for (const [iters, rate] of [
      [iterations, lr],
      [Math.ceil(iterations / 2), lr / 5],
    ] as const) {
      const r = runAdam(f, best.u, iters, rate, tick);
      if (Number.isFinite(r.objective) && r.objective <= best.objective) best = r;
    }
  }
  const u = best?.u ?? Float64Array.from(points[0]!);
  return { u, objective: best?.objective ?? Number.NaN, evaluations: f.calls };
}

/**
 * Fit `model` to the points under the per-step LR `eta` (absolute LRs; `eta[i]` is step i+1's LR).
 *
 * @example
 * const fitted = fitModel(floor, { step, loss }, eta, { seed: 1 });
 */
export function fitModel(model: LossModel, points: Points, eta: StepLr, opts: FitOptions = {}): FittedModel {
  const data = fitData(points, eta, opts);
  const delta = opts.delta ?? 0.1;
  const problem = singleRunProblem(model, data, delta);
  const { u, objective } = minimise(problem, opts);
  const params: ParamValues = {};
  problem.defs.forEach((d, i) => {
    params[d.name] = toBounded(d, u[i]!);
  });
  params.lrRef = data.lrRef;
  if (data.epochSteps) params.epochSteps = data.epochSteps;
  return {
    model: model.name,
    params,
    objective: objective * delta * delta,
    fitPoints: data.points.step.length,
    fitSteps: [data.points.step[0] ?? 0, data.points.step[data.points.step.length - 1] ?? 0],
  };
}

export interface Metrics {
  r2: number;
  mae: number;
  /** MAE / mean loss over the compared points. */
  relMae: number;
  points: number;
}

/**
 * R^2, MAE and relative MAE of predictions against observations (finite positive observations only).
 *
 * @example
 * metrics(new Float64Array([1, 2]), new Float64Array([1, 2])); // { r2: 1, mae: 0, relMae: 0, points: 2 }
 */
export function metrics(observed: ArrayLike<number>, predicted: ArrayLike<number>): Metrics {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < observed.length; i++) {
    const y = observed[i]!;
    if (Number.isFinite(y) && y > 0) {
      n++;
      sum += y;
    }
  }
  const mean = n > 0 ? sum / n : Number.NaN;
  let sse = 0;
  let sst = 0;
  let sae = 0;
  for (let i = 0; i < observed.length; i++) {
    const y = observed[i]!;
    if (!(Number.isFinite(y) && y > 0)) continue;
    const e = y - predicted[i]!;
    sse += e * e;
    sst += (y - mean) ** 2;
    sae += Math.abs(e);
  }
  const mae = n > 0 ? sae / n : Number.NaN;
  return { r2: sst > 0 ? 1 - sse / sst : Number.NaN, mae, relMae: mae / mean, points: n };
}

/**
 * Exact per-step predictions of a fitted model at the given steps under `eta`. With `seed`, state models start
 * from the observed loss at `seed.step` (closed-form models ignore it).
 *
 * @example
 * predictSteps(floor, fitted.params, eta, curveSteps);
 */
export function predictSteps(
  model: LossModel,
  params: ParamValues,
  eta: StepLr,
  steps: ArrayLike<number>,
  seed?: { step: number; loss: number },
): Float64Array {
  const minGap = Math.max(1, Math.floor(eta.length / 2000));
  const stepper = makeStepper(model, params, { minGap });
  if (seed && stepper.seed) {
    const s0 = Math.round(seed.step);
    predictAt(stepper, eta, [s0]);
    stepper.seed(seed.loss);
    return predictAt(stepper, eta, steps, s0);
  }
  return predictAt(stepper, eta, steps);
}
