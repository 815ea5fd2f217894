/**
 * The peer of the analytic-gradient fit: the fit as fastface did it before (tfjs autodiff over N x K tensors on
 * the wasm backend, Adam from tf.train), kept as a reference. bench/simulate.ts times both on the same inputs
 * and compares their parameters; test/simulate/gradients.test.ts pins the analytic objective and gradient to
 * tfjs's autodiff of the same expression. Same buckets, blocks, bounds, starts, schedule and seed as
 * src/simulate/fit.ts (the buckets, bounds and starts are src's own), float32 tensors.
 */
import type * as tfType from "@tensorflow/tfjs";
import { EPOCH_DEFS } from "../../src/simulate/epoch.ts";
import { type FitOptions, type FittedModel, startPoints } from "../../src/simulate/fit.ts";
import { fitData } from "../../src/simulate/fit-data.ts";
import type { FitScale, LossModel, ModelParamDef, ParamValues } from "../../src/simulate/model.ts";
import { ETA_MIN } from "../../src/simulate/model.ts";
import { toBounded, toFree } from "../../src/simulate/objective.ts";
import { type Blocks, makeBlocks, type Points, type StepLr } from "../../src/simulate/schedule.ts";

export type Tf = typeof tfType;

let cached: Promise<Tf> | undefined;

/** tfjs on the wasm backend (cpu fallback), loaded once through the retrain area's one loader (wasm paths set). */
export function loadTf(): Promise<Tf> {
  cached ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    const { selectBackend } = await import("../../src/train/backend.ts");
    try {
      await selectBackend("wasm");
    } catch {
      await selectBackend("cpu");
    }
    await tf.ready();
    return tf;
  })();
  return cached;
}

/** Constant tensors of a block schedule. */
export interface TfBlocks {
  lr: tfType.Tensor1D;
  len: tfType.Tensor1D;
  s1End: tfType.Tensor1D;
  s1Start: tfType.Tensor1D;
  drop: tfType.Tensor1D;
  mask: tfType.Tensor2D;
  sFrom: tfType.Tensor2D;
  dFrom: tfType.Tensor2D;
  s1Eval: tfType.Tensor1D;
  tri: tfType.Tensor2D;
  select: tfType.Tensor2D;
}

type TfParams = Record<string, tfType.Scalar>;

function linearRecurrenceTf(
  tf: Tf,
  logA: tfType.Tensor1D,
  c: tfType.Tensor1D,
  init: tfType.Scalar,
  b: TfBlocks,
): tfType.Tensor1D {
  const lp = tf.cumsum(logA);
  const lpEval = b.select.mul(lp).sum(1);
  const diff = tf.sub(lpEval.expandDims(1), lp.expandDims(0));
  const w = tf.exp(tf.minimum(diff, 0)).mul(b.mask);
  return tf.exp(lpEval).mul(init).add(w.mul(c).sum(1)) as tfType.Tensor1D;
}

function linearRecurrenceAllTf(
  tf: Tf,
  logA: tfType.Tensor1D,
  c: tfType.Tensor1D,
  init: tfType.Scalar,
  b: TfBlocks,
): tfType.Tensor1D {
  const lp = tf.cumsum(logA);
  const diff = tf.sub(lp.expandDims(1), lp.expandDims(0));
  const w = tf.exp(tf.minimum(diff, 0)).mul(b.tri);
  return tf.exp(lp).mul(init).add(w.mul(c).sum(1)) as tfType.Tensor1D;
}

/** The four models as tfjs expressions on blocks (as they were written before the analytic form). */
export const PREDICT_TF: Record<string, (tf: Tf, p: TfParams, b: TfBlocks) => tfType.Tensor1D> = {
  floor(tf, p, b) {
    const rate = tf.minimum(tf.pow(b.lr, p.p!).mul(p.k!), 0.999999);
    const logA = tf.log(tf.sub(1, rate)).mul(b.len) as tfType.Tensor1D;
    const fl = tf.add(p.a!, tf.pow(b.lr, p.q!).mul(p.b!));
    const c = tf.sub(1, tf.exp(logA)).mul(fl) as tfType.Tensor1D;
    return linearRecurrenceTf(tf, logA, c, p.Linit!, b);
  },
  effective(tf, p, b) {
    const ru = tf.minimum(b.lr.mul(p.kappa!).mul(2), 0.999999);
    const logAu = tf.log(tf.sub(1, ru)).mul(b.len) as tfType.Tensor1D;
    const cu = tf.sub(1, tf.exp(logAu)).mul(b.lr) as tfType.Tensor1D;
    const uEnd = linearRecurrenceAllTf(tf, logAu, cu, p.u0!, b);
    const uStart = tf.concat([p.u0!.reshape([1]), uEnd.slice(0, uEnd.shape[0] - 1)]);
    const e = b.lr.div(tf.sqrt(tf.maximum(uStart, 1e-12)));
    const rate = tf.minimum(tf.pow(e, p.p!).mul(p.k!), 0.999999);
    const logA = tf.log(tf.sub(1, rate)).mul(b.len) as tfType.Tensor1D;
    const s1Mid = b.s1Start.add(b.lr.mul(b.len).mul(0.5));
    const progress = tf.pow(s1Mid.add(p.SW!), tf.neg(p.alpha!)).mul(p.c!);
    const fl = tf.add(p.a!, tf.pow(e, p.q!).mul(p.b!)).add(progress);
    const c = tf.sub(1, tf.exp(logA)).mul(fl) as tfType.Tensor1D;
    const x = linearRecurrenceTf(tf, logA, c, p.Linit!, b);
    const eEval = b.select.mul(e).sum(1);
    return x.add(tf.pow(eEval, p.r!).mul(p.d!)) as tfType.Tensor1D;
  },
  multipower(tf, p, b) {
    const pow = tf.pow(b.s1Eval.add(p.SW!), tf.neg(p.alpha!));
    const scaleK = tf.pow(b.lr, tf.neg(p.gamma!));
    const x = b.sFrom.mul(scaleK.mul(p.C!));
    const g = tf.sub(1, tf.pow(x.add(1), tf.neg(p.beta!)));
    const ld = g.mul(b.drop).sum(1).mul(p.B!);
    return tf.add(p.L0!, pow.mul(p.A!)).sub(ld) as tfType.Tensor1D;
  },
  annealing(tf, p, b) {
    const pow = tf.pow(b.s1Eval.add(p.SW!), tf.neg(p.alpha!));
    const lam = p.lambda!;
    const geo = tf.sub(1, tf.exp(b.dFrom.mul(tf.log(lam)))).div(tf.sub(1, lam));
    const s2 = geo.mul(b.drop).sum(1);
    return tf.add(p.L0!, pow.mul(p.A!)).sub(s2.mul(p.C!)) as tfType.Tensor1D;
  },
};

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

interface Prepared {
  blocks: TfBlocks;
  logY: tfType.Tensor1D;
  weight: tfType.Tensor1D;
  scale: FitScale;
  lrRef: number;
  points: Points;
  phase?: tfType.Tensor1D;
}

function prepare(tf: Tf, points: Points, eta: StepLr, opts: FitOptions): Prepared {
  // buckets, weights, lrRef and scale as the analytic fit computes them; blocks rebuilt for the tensors
  const data = fitData(points, eta, opts);
  const blocks = makeBlocks(eta, data.points.step, opts.maxBlocks ?? 1000);
  const phase = data.phase ? tf.tensor1d(Float32Array.from(data.phase)) : undefined;
  return {
    blocks: blocksToTf(tf, blocks, data.lrRef, data.points.step),
    logY: tf.tensor1d(Float32Array.from(data.logY)),
    weight: tf.tensor1d(Float32Array.from(data.weight)),
    scale: data.scale,
    lrRef: data.lrRef,
    points: data.points,
    ...(phase ? { phase } : {}),
  };
}

/**
 * The tfjs objective of a fit (for the gradient test): returns the objective and its gradient with respect to
 * the unconstrained variables `u` (model parameters then the epoch sawtooth's).
 */
export async function tfObjective(
  tf: Tf,
  model: LossModel,
  points: Points,
  eta: StepLr,
  opts: FitOptions,
  u: number[],
): Promise<{ objective: number; grad: number[]; defs: ModelParamDef[] }> {
  const prep = prepare(tf, points, eta, opts);
  const defs = [...model.paramDefs(prep.scale), ...(prep.phase ? EPOCH_DEFS : [])];
  const vars = u.map((v) => tf.variable(tf.scalar(v)));
  const f = () => objectiveTf(tf, model, defs, prep, vars, opts.delta ?? 0.1);
  const { value, grads } = tf.variableGrads(f, vars);
  const objective = (await value.data())[0]!;
  const grad = await Promise.all(vars.map(async (v) => (await grads[v.name]!.data())[0]!));
  tf.dispose([value, ...Object.values(grads), ...vars]);
  return { objective, grad, defs };
}

function objectiveTf(
  tf: Tf,
  model: LossModel,
  defs: ModelParamDef[],
  prep: Prepared,
  vars: tfType.Variable[],
  delta: number,
): tfType.Scalar {
  return tf.tidy(() => {
    const p: TfParams = {};
    defs.forEach((d, i) => {
      p[d.name] = toBoundedTf(tf, d, vars[i]!);
    });
    const base = PREDICT_TF[model.name]!(tf, p, prep.blocks);
    const phase = prep.phase;
    const pred = phase
      ? base.mul(
          tf.sub(1, tf.exp(phase.div(p.epTau!).neg()).mul(p.epA!)).sub(tf.exp(phase.div(p.epTau2!).neg()).mul(p.epA2!)),
        )
      : base;
    const r = prep.logY.sub(tf.log(tf.maximum(pred, 1e-4))).div(delta);
    return tf.sqrt(r.square().add(1)).sub(1).mul(prep.weight).mean() as tfType.Scalar;
  });
}

/**
 * The old fit: tfjs autodiff + tf.train.adam, same options and defaults as `fitModel`.
 *
 * @example
 * const fitted = await fitModelTf(await loadTf(), floor, { step, loss }, eta, { seed: 1 });
 */
export async function fitModelTf(
  tf: Tf,
  model: LossModel,
  points: Points,
  eta: StepLr,
  opts: FitOptions = {},
): Promise<FittedModel> {
  const prep = prepare(tf, points, eta, opts);
  const defs = [...model.paramDefs(prep.scale), ...(prep.phase ? EPOCH_DEFS : [])];
  const iterations = Math.max(1, opts.iterations ?? 300);
  const delta = opts.delta ?? 0.1;
  let best: { u: number[]; objective: number } | undefined;
  const lr = opts.learningRate ?? 0.05;
  const objectiveOf = (vars: tfType.Variable[]) => objectiveTf(tf, model, defs, prep, vars, delta);
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
    for (const v of vars) v.dispose();
    optimizer.dispose();
    return { u, objective: last };
  };
  const explore = Math.max(1, Math.round(opts.exploreIterations ?? iterations / 2));
  const screenVars = defs.map(() => tf.variable(tf.scalar(0)));
  const starts0 = startPoints(defs, opts, (u) => {
    u.forEach((v, i) => {
      const t = tf.scalar(v);
      screenVars[i]!.assign(t);
      t.dispose();
    });
    const o = objectiveOf(screenVars);
    const value = o.dataSync()[0] ?? Number.NaN;
    o.dispose();
    return value;
  });
  for (const v of screenVars) v.dispose();
  for (const u0 of starts0) {
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
  for (const t of Object.values(prep.blocks)) (t as tfType.Tensor).dispose();
  prep.logY.dispose();
  prep.weight.dispose();
  prep.phase?.dispose();
  const params: ParamValues = {};
  defs.forEach((d, i) => {
    params[d.name] = toBounded(d, best ? best.u[i]! : toFree(d, d.init));
  });
  params.lrRef = prep.lrRef;
  if (prep.phase) params.epochSteps = opts.epochSteps!;
  return {
    model: model.name,
    params,
    objective: (best?.objective ?? Number.NaN) * delta * delta,
    fitPoints: prep.points.step.length,
    fitSteps: [prep.points.step[0] ?? 0, prep.points.step[prep.points.step.length - 1] ?? 0],
  };
}
