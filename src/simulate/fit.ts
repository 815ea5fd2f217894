/**
 * Fit a loss-response model to logged points: minimise a robust loss (soft-L1) of `log(loss) - log(prediction)`
 * over a bucket-averaged curve with tfjs autodiff (Adam), from several seeded starts, with every parameter
 * bounded through a sigmoid reparameterisation (linear or log space). The fit works on piecewise-constant
 * blocks of the schedule (exact at every evaluation step for step schedules); metrics are then computed with
 * the exact per-step stepper at every logged point.
 */
import type * as tfType from "@tensorflow/tfjs";
import { EPOCH_DEFS, epochPhase, makeStepper } from "./epoch.ts";
import type { FitScale, LossModel, ModelParamDef, ParamValues, Tf, TfBlocks } from "./model.ts";
import { ETA_MIN, predictAt } from "./model.ts";
import { Prng } from "./prng.ts";
import { type Blocks, bucketPoints, bucketPointsAdaptive, makeBlocks, type Points, type StepLr } from "./schedule.ts";

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

/** Everything the optimiser needs besides the model: constant tensors and the target. */
interface Prepared {
  blocks: TfBlocks;
  logY: tfType.Tensor1D;
  /** Per-point weight of the objective (mean 1). */
  weight: tfType.Tensor1D;
  scale: FitScale;
  lrRef: number;
  points: Points;
  /** Epoch phase of each evaluation point (when epochSteps is set). */
  phase?: tfType.Tensor1D;
}

function toBounded(def: ModelParamDef, u: number): number {
  const s = 1 / (1 + Math.exp(-u));
  if (!def.log) return def.lo + (def.hi - def.lo) * s;
  if (def.complement) {
    const lo = Math.log(1 - def.hi);
    const hi = Math.log(1 - def.lo);
    return 1 - Math.exp(lo + (hi - lo) * s);
  }
  return Math.exp(Math.log(def.lo) + (Math.log(def.hi) - Math.log(def.lo)) * s);
}

function toFree(def: ModelParamDef, v: number): number {
  let t: number;
  if (!def.log) t = (v - def.lo) / (def.hi - def.lo);
  else if (def.complement) {
    const lo = Math.log(1 - def.hi);
    const hi = Math.log(1 - def.lo);
    t = (Math.log(1 - v) - lo) / (hi - lo);
  } else t = (Math.log(v) - Math.log(def.lo)) / (Math.log(def.hi) - Math.log(def.lo));
  const c = Math.min(1 - 1e-6, Math.max(1e-6, t));
  return Math.log(c / (1 - c));
}

function toBoundedTf(tf: Tf, def: ModelParamDef, u: tfType.Variable): tfType.Scalar {
  const s = tf.sigmoid(u);
  if (!def.log) return s.mul(def.hi - def.lo).add(def.lo) as tfType.Scalar;
  if (def.complement) {
    const lo = Math.log(1 - def.hi);
    const hi = Math.log(1 - def.lo);
    return tf.sub(1, tf.exp(s.mul(hi - lo).add(lo))) as tfType.Scalar;
  }
  const lo = Math.log(def.lo);
  const hi = Math.log(def.hi);
  return tf.exp(s.mul(hi - lo).add(lo)) as tfType.Scalar;
}

/** Constant tensors of a block schedule. */
export function blocksToTf(tf: Tf, b: Blocks, lrRef: number, evalSteps: ArrayLike<number>): TfBlocks {
  const k = b.lr.length;
  const n = b.evalBlock.length;
  const lr = new Float32Array(k);
  const drop = new Float32Array(k);
  const s1Start = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    lr[j] = Math.max(b.lr[j]! / lrRef, ETA_MIN);
    drop[j] = j === 0 ? 0 : (b.lr[j - 1]! - b.lr[j]!) / lrRef;
    s1Start[j] = j === 0 ? 0 : b.s1End[j - 1]! / lrRef;
  }
  const mask = new Float32Array(n * k);
  const select = new Float32Array(n * k);
  const sFrom = new Float32Array(n * k);
  const dFrom = new Float32Array(n * k);
  const s1Eval = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const J = b.evalBlock[i]!;
    const s1 = b.s1End[J]! / lrRef;
    s1Eval[i] = s1;
    const t = Math.round(evalSteps[i]!);
    select[i * k + J] = 1;
    for (let j = 0; j <= J; j++) {
      mask[i * k + j] = 1;
      sFrom[i * k + j] = s1 - s1Start[j]!;
      dFrom[i * k + j] = t - b.bound[j]!;
    }
  }
  const tri = new Float32Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) tri[i * k + j] = 1;
  const s1e = new Float32Array(k);
  for (let j = 0; j < k; j++) s1e[j] = b.s1End[j]! / lrRef;
  return {
    lr: tf.tensor1d(lr),
    len: tf.tensor1d(Float32Array.from(b.len)),
    s1End: tf.tensor1d(s1e),
    s1Start: tf.tensor1d(Float32Array.from(s1Start)),
    drop: tf.tensor1d(drop),
    mask: tf.tensor2d(mask, [n, k]),
    sFrom: tf.tensor2d(sFrom, [n, k]),
    dFrom: tf.tensor2d(dFrom, [n, k]),
    s1Eval: tf.tensor1d(s1Eval),
    select: tf.tensor2d(select, [n, k]),
    tri: tf.tensor2d(tri, [k, k]),
  };
}

function prepare(tf: Tf, points: Points, eta: StepLr, opts: FitOptions): Prepared {
  const maxPoints = opts.maxPoints ?? 300;
  const down: Points & { weight?: Float64Array } =
    opts.adaptive === false
      ? bucketPoints(points, maxPoints)
      : bucketPointsAdaptive(points, maxPoints, 0.5, opts.lossPower ?? 0.5);
  let lrRef = opts.lrRef ?? 0;
  if (!(lrRef > 0)) for (let i = 0; i < eta.length; i++) lrRef = Math.max(lrRef, eta[i]!);
  if (!(lrRef > 0)) lrRef = 1;
  const blocks = makeBlocks(eta, down.step, opts.maxBlocks ?? 1000);
  let lossMin = Number.POSITIVE_INFINITY;
  let lossMax = 0;
  for (const v of down.loss) {
    lossMin = Math.min(lossMin, v);
    lossMax = Math.max(lossMax, v);
  }
  const last = down.step.length - 1;
  const scale: FitScale = {
    s1Max: (blocks.s1End[blocks.s1End.length - 1] ?? 0) / lrRef,
    steps: down.step[last] ?? 1,
    lossFirst: down.loss[0] ?? 1,
    lossLast: down.loss[last] ?? 1,
    lossMin,
    lossMax,
  };
  const logY = tf.tensor1d(Float32Array.from(down.loss, Math.log));
  const e = opts.epochSteps ?? 0;
  const phase = e > 0 ? tf.tensor1d(Float32Array.from(down.step, (s) => epochPhase(s, e))) : undefined;
  return {
    blocks: blocksToTf(tf, blocks, lrRef, down.step),
    logY,
    weight: tf.tensor1d(down.weight ? Float32Array.from(down.weight) : new Float32Array(down.step.length).fill(1)),
    scale,
    lrRef,
    points: down,
    ...(phase ? { phase } : {}),
  };
}

function disposeBlocks(b: TfBlocks): void {
  for (const t of Object.values(b)) (t as tfType.Tensor).dispose();
}

/**
 * Fit `model` to the points under the per-step LR `eta` (absolute LRs; `eta[i]` is step i+1's LR).
 *
 * @example
 * const tf = await loadTf();
 * const fitted = await fitModel(tf, floor, { step, loss }, eta, { seed: 1 });
 */
export async function fitModel(
  tf: Tf,
  model: LossModel,
  points: Points,
  eta: StepLr,
  opts: FitOptions = {},
): Promise<FittedModel> {
  const prep = prepare(tf, points, eta, opts);
  const defs = [...model.paramDefs(prep.scale), ...(prep.phase ? EPOCH_DEFS : [])];
  const phase = prep.phase;
  const rng = new Prng(opts.seed ?? 1);
  const starts = Math.max(1, opts.starts ?? 4);
  const iterations = Math.max(1, opts.iterations ?? 300);
  const delta = opts.delta ?? 0.1;
  let best: { u: number[]; objective: number } | undefined;
  const lr = opts.learningRate ?? 0.05;
  const objectiveOf = (vars: tfType.Variable[]) =>
    tf.tidy(() => {
      const p: Record<string, tfType.Scalar> = {};
      defs.forEach((d, i) => {
        p[d.name] = toBoundedTf(tf, d, vars[i]!);
      });
      const base = model.predictTf(tf, p, prep.blocks);
      const pred = phase
        ? base.mul(
            tf
              .sub(1, tf.exp(phase.div(p.epTau!).neg()).mul(p.epA!))
              .sub(tf.exp(phase.div(p.epTau2!).neg()).mul(p.epA2!)),
          )
        : base;
      const r = prep.logY.sub(tf.log(tf.maximum(pred, 1e-4))).div(delta);
      return tf.sqrt(r.square().add(1)).sub(1).mul(prep.weight).mean() as tfType.Scalar;
    });
  const runAdam = async (u0: number[], iters: number, rate: number) => {
    const vars = u0.map((v) => tf.variable(tf.scalar(v)));
    const optimizer = tf.train.adam(rate);
    const objectiveFn = () => objectiveOf(vars);
    let last = Number.POSITIVE_INFINITY;
    for (let it = 0; it < iters; it++) {
      const cost = optimizer.minimize(objectiveFn, it === iters - 1 || it % 50 === 0, vars);
      if (cost) {
        last = (await cost.data())[0] ?? Number.NaN;
        cost.dispose();
      }
    }
    const u = await Promise.all(vars.map(async (v) => (await v.data())[0] ?? 0));
    vars.forEach((v) => {
      v.dispose();
    });
    optimizer.dispose();
    return { u, objective: last };
  };
  // Explore: every start for `explore` iterations at the full rate; polish: the best one for `iterations` more at
  // the full rate, then half as many at a fifth of it.
  const explore = Math.max(1, Math.round(opts.exploreIterations ?? iterations / 2));
  const typical = defs.map((d) => toFree(d, Math.min(d.hi, Math.max(d.lo, d.init))));
  const startPoints: number[][] = [typical];
  const screen = Math.max(0, Math.floor(opts.screen ?? 48));
  if (screen > 0 && starts > 1) {
    // Latin hypercube around the typical start (+-3 in the sigmoid's argument), ranked by the objective alone.
    const perms = defs.map(() => {
      const a = Array.from({ length: screen }, (_, i) => i);
      for (let i = screen - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    });
    const cands: Array<{ u: number[]; objective: number }> = [];
    const vars = typical.map((v) => tf.variable(tf.scalar(v)));
    for (let c = 0; c < screen; c++) {
      const u = typical.map((t, i) => t + 6 * ((perms[i]![c]! + rng.next()) / screen) - 3);
      u.forEach((v, i) => {
        const t = tf.scalar(v);
        vars[i]!.assign(t);
        t.dispose();
      });
      const o = objectiveOf(vars);
      const objective = (await o.data())[0] ?? Number.NaN;
      o.dispose();
      if (Number.isFinite(objective)) cands.push({ u, objective });
    }
    vars.forEach((v) => {
      v.dispose();
    });
    cands.sort((a, b) => a.objective - b.objective);
    for (const c of cands.slice(0, starts - 1)) startPoints.push(c.u);
  }
  while (startPoints.length < starts) startPoints.push(typical.map((t) => t + 1.5 * rng.normal()));
  for (const u0 of startPoints) {
    const r = await runAdam(u0, explore, lr);
    if (Number.isFinite(r.objective) && (!best || r.objective < best.objective)) best = r;
  }
  if (best && opts.polish !== false) {
    for (const [iters, rate] of [
      [iterations, lr],
      [Math.ceil(iterations / 2), lr / 5],
    ] as const) {
      const r = await runAdam(best.u, iters, rate);
      if (Number.isFinite(r.objective) && r.objective <= best.objective) best = r;
    }
  }
  disposeBlocks(prep.blocks);
  prep.logY.dispose();
  prep.weight.dispose();
  prep.phase?.dispose();
  const params: ParamValues = {};
  defs.forEach((d, i) => {
    params[d.name] = toBounded(d, best ? best.u[i]! : toFree(d, d.init));
  });
  params.lrRef = prep.lrRef;
  if (phase) params.epochSteps = opts.epochSteps!;
  return {
    model: model.name,
    params,
    objective: (best?.objective ?? Number.NaN) * delta * delta,
    fitPoints: prep.points.step.length,
    fitSteps: [prep.points.step[0] ?? 0, prep.points.step[prep.points.step.length - 1] ?? 0],
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
