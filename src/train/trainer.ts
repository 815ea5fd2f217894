/**
 * One training run, in the current thread: data -> model -> margin softmax -> SGD, the scheduler stepped with the
 * live per-step loss, an arcface_torch-style training.log, verification at the end of every epoch and of the run.
 * Every step runs inside tf.tidy and variables are updated in place, so tensor memory is flat over a run
 * (`RunResult.tensors` records tf.memory().numTensors after the first and the last step).
 */
import * as tf from "@tensorflow/tfjs";
import type { Curve } from "../curve/curve.ts";
import type { Warning } from "../errors.ts";
import { mixSeed, Rng } from "../random.ts";
import { createTimed } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import { type FaceDataset, fillBatch, imageSize } from "./dataset.ts";
import { ArcfaceLogWriter } from "./log-writer.ts";
import { type MarginConfig, marginLoss } from "./margin-loss.ts";
import { createModel, type Model, type ModelKind } from "./models.ts";
import { Sgd } from "./sgd.ts";
import { verify } from "./verify.ts";

export interface TrainConfig {
  label: string;
  /** Scheduler spec, e.g. `multistep:milestones=0.5,0.75` or `fastface:lambda=2e-5,tau=0.03`. */
  scheduler: string;
  /** Epochs to train (may be fractional: budget x epochs); steps = round(epochs x steps per epoch). */
  epochs: number;
  /** Steps to train; when given it wins over `epochs` (a design's arms are sized in steps). */
  steps?: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** arcface_torch clips the backbone's gradient norm to 5; 0 disables. */
  clipNorm: number;
  margin: MarginConfig;
  model: ModelKind;
  embeddingSize: number;
  /** Hidden width (mlp) / stem channels (cnn). */
  width: number;
  seed: number;
  /** Log a line every `frequent` steps (arcface_torch's `frequent`). */
  frequent: number;
  /** Evaluate every this many steps (0 = once per epoch); ignored when `evalAt` is given. */
  evalEvery: number;
  /** Evaluate at these fractions of the run (e.g. 0.25, 0.5, 1: three evaluations); the last step always. */
  evalAt?: readonly number[];
  /** Data set label written to evaluation lines. */
  evalName: string;
  /** When a scheduler decision reaches the optimizer (default: the scheduler's own; official for fastface). */
  lrTiming?: LrTiming;
}

export interface EvalPoint {
  step: number;
  accuracy: number;
  std: number;
  tar: number;
  xnorm: number;
}

export interface RunResult {
  label: string;
  scheduler: string;
  seed: number;
  backend: string;
  model: ModelKind;
  parameters: number;
  epochs: number;
  steps: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr0: number;
  /** Seconds spent in training steps and evaluations (data generation and setup excluded). */
  wallSeconds: number;
  samplesPerSecond: number;
  /** Mean loss of the last `frequent` steps (what the last log line would print). */
  finalLoss: number;
  accuracy: number;
  accuracyStd: number;
  tar: number;
  far: number;
  decays: Array<{ step: number; lr: number }>;
  evaluations: EvalPoint[];
  tensors: { afterFirstStep: number; atEnd: number };
  warnings: Warning[];
}

export interface RunOutput {
  result: RunResult;
  /** Per-step columns (1-based step, loss of the step, LR used by the step, epoch, wall time in seconds). */
  curve: Curve;
  log: string;
}

export interface TrainHooks {
  /** Called every `every` steps with progress. */
  onProgress?: (p: { label: string; step: number; steps: number; loss: number; lr: number }) => void;
  progressEvery?: number;
}

/** L2-normalise rows (axis 1) or columns (axis 0), torch F.normalize semantics (eps 1e-12). */
function l2normalize(x: tf.Tensor2D, axis: number): tf.Tensor2D {
  return x.div(tf.maximum(tf.norm(x, 2, axis, true), 1e-12)) as tf.Tensor2D;
}

/**
 * Embed every evaluation image and score the pairs (cosine similarity); 10-fold accuracy and TAR@FAR=1e-3.
 *
 * @example
 * const ev = evaluate(model, ds, 512); // { accuracy, std, tar, xnorm, ... }
 */
export function evaluate(model: Model, ds: FaceDataset, batch = 512) {
  const size = imageSize(ds);
  const n = ds.eval.count;
  const E = model.head.shape[0]!;
  const emb = new Float32Array(n * E);
  const x = new Float32Array(batch * size);
  const lab = new Int32Array(batch);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let xnorm = 0;
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    fillBatch(ds.eval, size, order, start, b, x, lab);
    const out = tf.tidy(() => model.embed(tf.tensor2d(x.subarray(0, b * size), [b, size])).dataSync());
    emb.set(out as Float32Array, start * E);
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < E; j++) s += emb[i * E + j]! * emb[i * E + j]!;
    const norm = Math.sqrt(s);
    xnorm += norm;
    const inv = 1 / Math.max(norm, 1e-12);
    for (let j = 0; j < E; j++) emb[i * E + j]! *= inv;
  }
  const p = ds.pairs;
  const scores = new Float64Array(p.same.length);
  for (let k = 0; k < scores.length; k++) {
    const a = p.a[k]! * E;
    const c = p.b[k]! * E;
    let s = 0;
    for (let j = 0; j < E; j++) s += emb[a + j]! * emb[c + j]!;
    scores[k] = s;
  }
  return { ...verify(scores, p.same, p.fold, 1e-3), xnorm: xnorm / n };
}

/**
 * Train one model on `ds` with `cfg` on the active tfjs backend.
 *
 * @example
 * const { result, log, curve } = trainRun(syntheticFaces({ identities: 20 }), config, "wasm");
 */
export function trainRun(ds: FaceDataset, cfg: TrainConfig, backend: string, hooks: TrainHooks = {}): RunOutput {
  const warnings: Warning[] = [...ds.warnings];
  const size = imageSize(ds);
  const B = cfg.batchSize;
  const stepsPerEpoch = Math.max(1, Math.floor(ds.train.count / B));
  const steps = Math.max(1, Math.round(cfg.steps ?? cfg.epochs * stepsPerEpoch));
  const epochs = cfg.steps !== undefined ? steps / stepsPerEpoch : cfg.epochs;
  const evalEvery = cfg.evalEvery > 0 ? cfg.evalEvery : stepsPerEpoch;
  const evalSteps = cfg.evalAt
    ? new Set(cfg.evalAt.map((f) => Math.min(steps, Math.max(1, Math.round(f * steps)))))
    : null;
  const timed = createTimed(cfg.scheduler, { totalSteps: steps, lr0: cfg.lr }, cfg.lrTiming);
  const sched = timed.scheduler;
  const model = createModel({
    kind: cfg.model,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    numClasses: ds.numClasses,
    embeddingSize: cfg.embeddingSize,
    width1: cfg.width,
    seed: mixSeed(cfg.seed, 0x4d),
  });
  const vars = [...model.backbone, model.head];
  const sgd = new Sgd(vars, new Set(model.backbone.map((v) => v.name)), {
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    clipNorm: cfg.clipNorm,
  });
  const writer = new ArcfaceLogWriter({ frequent: cfg.frequent, batchSize: B, totalSteps: steps });
  writer.header({
    network: cfg.model,
    embedding_size: cfg.embeddingSize,
    margin_list: [cfg.margin.m1, cfg.margin.m2, cfg.margin.m3],
    margin_impl: cfg.margin.impl,
    scale: cfg.margin.s,
    optimizer: "sgd",
    momentum: cfg.momentum,
    weight_decay: cfg.weightDecay,
    clip_grad_norm: cfg.clipNorm,
    lr: cfg.lr,
    lr_scheduler: cfg.scheduler,
    batch_size: B,
    num_classes: ds.numClasses,
    num_image: ds.train.count,
    num_epoch: Number(epochs.toFixed(4)),
    total_step: steps,
    frequent: cfg.frequent,
    seed: cfg.seed,
    backend,
    dataset: ds.description,
  });

  const stepCol = new Float64Array(steps);
  const lossCol = new Float64Array(steps);
  const lrCol = new Float64Array(steps);
  const epochCol = new Float64Array(steps);
  const wallCol = new Float64Array(steps);
  const decays: Array<{ step: number; lr: number }> = [];
  const evaluations: EvalPoint[] = [];
  const rng = new Rng(mixSeed(cfg.seed, 0x5b));
  const order = Int32Array.from({ length: ds.train.count }, (_, i) => i);
  const xBuf = new Float32Array(B * size);
  const yBuf = new Int32Array(B);
  const tensors = { afterFirstStep: 0, atEnd: 0 };
  const progressEvery = hooks.progressEvery ?? 100;
  const margin = cfg.margin;
  const lossFn = (x: tf.Tensor2D, oh: tf.Tensor2D) => () => {
    const emb = l2normalize(model.embed(x, true), 1);
    const w = l2normalize(model.head as unknown as tf.Tensor2D, 0);
    const cos = tf.clipByValue(emb.matMul(w), -1, 1) as tf.Tensor2D;
    return marginLoss(cos, oh, margin);
  };
  const runEval = (step: number) => {
    const ev = evaluate(model, ds);
    for (const w of ev.warnings) if (!warnings.some((x) => x.code === w.code)) warnings.push(w);
    evaluations.push({ step, accuracy: ev.accuracy, std: ev.std, tar: ev.tar, xnorm: ev.xnorm });
    writer.evaluation(cfg.evalName, step, "XNorm", ev.xnorm);
    writer.evaluation(cfg.evalName, step, "Accuracy", ev.accuracy, ev.std);
    writer.evaluation(cfg.evalName, step, "TAR@FAR=1e-3", ev.tar);
    return ev;
  };

  const t0 = performance.now();
  let epoch = 0;
  let pos = 0;
  rng.shuffle(order);
  for (let s = 1; s <= steps; s++) {
    if (pos + B > order.length) {
      epoch++;
      pos = 0;
      rng.shuffle(order);
    }
    fillBatch(ds.train, size, order, pos, B, xBuf, yBuf);
    pos += B;
    const lr = timed.lr;
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(xBuf, [B, size]);
      const oh = tf.oneHot(tf.tensor1d(yBuf, "int32"), ds.numClasses).toFloat() as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(lossFn(x, oh), vars);
      sgd.apply(grads, lr);
      return value.dataSync()[0]!;
    });
    if (s === 1) tensors.afterFirstStep = tf.memory().numTensors;
    const decayed = timed.step(loss);
    // what the log line of this step shows: the LR the next step trains with (MHLR's get_last_lr())
    const lrNext = timed.lr;
    stepCol[s - 1] = s;
    lossCol[s - 1] = loss;
    lrCol[s - 1] = lrNext;
    epochCol[s - 1] = epoch;
    wallCol[s - 1] = Date.now() / 1000;
    if (decayed) {
      decays.push({ step: s, lr: sched.lr });
      writer.info(
        `lr_scheduler ${sched.name}: decay decided at global step ${s}, LearningRate ${sched.lr.toFixed(6)} from step ${s + timed.lag}`,
      );
    }
    writer.step(s, loss, lrNext, epoch);
    // evalAt: [] (a probe) evaluates nothing; otherwise the last step always
    if (evalSteps ? evalSteps.has(s) || (s === steps && evalSteps.size > 0) : s % evalEvery === 0 || s === steps) {
      runEval(s);
    }
    if (hooks.onProgress && (s % progressEvery === 0 || s === steps)) {
      hooks.onProgress({ label: cfg.label, step: s, steps, loss, lr });
    }
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  tensors.atEnd = tf.memory().numTensors;
  const last = evaluations[evaluations.length - 1] ?? { accuracy: Number.NaN, std: Number.NaN, tar: Number.NaN };
  const tail = Math.min(cfg.frequent, steps);
  let finalLoss = 0;
  for (let i = steps - tail; i < steps; i++) finalLoss += lossCol[i]!;
  finalLoss /= tail;
  model.dispose();
  sgd.dispose();

  const result: RunResult = {
    label: cfg.label,
    scheduler: cfg.scheduler,
    seed: cfg.seed,
    backend,
    model: cfg.model,
    parameters: model.parameterCount,
    epochs,
    steps,
    stepsPerEpoch,
    batchSize: B,
    lr0: cfg.lr,
    wallSeconds,
    samplesPerSecond: (steps * B) / wallSeconds,
    finalLoss,
    accuracy: last.accuracy,
    accuracyStd: last.std,
    tar: last.tar,
    far: 1e-3,
    decays,
    evaluations,
    tensors,
    warnings,
  };
  const curve: Curve = {
    columns: { step: stepCol, loss: lossCol, lr: lrCol, epoch: epochCol, wallTime: wallCol },
    meta: {
      name: cfg.label,
      source: `${cfg.label}/curve.arrow`,
      format: "arrow",
      stride: 1,
      // step s is the s-th optimizer step and its LR is the next step's (the training.log convention), so
      // replay and explain read curve.arrow exactly as they read training.log
      stepCounts: true,
      aggregation: "instant",
      config: {
        lr: cfg.lr,
        batch_size: B,
        total_step: steps,
        num_epoch: Number(epochs.toFixed(4)),
        lr_scheduler: cfg.scheduler,
        network: cfg.model,
        backend,
      },
      evaluations: evaluations.flatMap((e) => [
        { name: cfg.evalName, metric: "Accuracy", value: e.accuracy, std: e.std, step: e.step },
        { name: cfg.evalName, metric: "TAR@FAR=1e-3", value: e.tar, step: e.step },
      ]),
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      warnings: [],
    },
  };
  return { result, curve, log: writer.text() };
}
