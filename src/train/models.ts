/**
 * The networks retrain can train, written with raw tfjs variables (no tfjs-layers) so the training step controls
 * every tensor. One table (`MODELS`) names them; `--model` choices, help and checks derive from it:
 * - `mlp`: flattened image -> Linear -> PReLU -> Linear -> PReLU -> Linear -> embedding. Works on every backend.
 * - `mlp-bn`: the same widths with BatchNorm as in insightface's iresnet: Linear (no bias) -> BN -> PReLU, twice,
 *   then Linear (no bias) -> the `features` BatchNorm1d (weight fixed at 1, bias trained). Every Linear feeds a
 *   BN, so the network is invariant to the scale of its weights: weight decay shrinks them, which raises the
 *   effective learning rate until an equilibrium is reached (the mechanism behind the loss plateaus of face
 *   recognition schedules). Works on every backend.
 * - `cnn`: a small IResNet-style network: 3x3 stem conv, two improved residual blocks
 *   (norm -> conv3x3 -> norm -> PReLU -> conv3x3 (stride 2) -> norm, plus a 1x1 strided shortcut), a final norm
 *   and a linear embedding layer, as in insightface's iresnet. Normalisation is a per-sample layer norm (identical
 *   in training and evaluation, no running statistics).
 * - `cnn-bn`: the same network with BatchNorm2d wherever `cnn` has a layer norm and the `features` BatchNorm1d
 *   after the embedding layer: iresnet's normalisation.
 * The convolutional models need convolution gradients, which tfjs-wasm does not have: refused there with a
 * BackendError naming the missing kernel.
 *
 * BatchNorm follows torch: in training the batch mean and biased variance normalise, and the running statistics
 * move by momentum 0.1 towards the batch mean and the unbiased variance; in evaluation the running statistics
 * normalise. `embed(x, true)` is the training mode (and updates the running statistics), `embed(x)` evaluation.
 * The classifier weight W [embedding, classes] is normalised per class in the margin softmax (src/train/trainer.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { BackendError, ConfigError } from "../errors.ts";
import * as M from "../messages/train.ts";
import { Rng } from "../random.ts";
import { hasKernel } from "./backend.ts";

/** The model table: name -> what it needs and says. */
export const MODELS = {
  mlp: { conv: false, batchNorm: false, summary: "MLP, PReLU, no normalisation (any backend)" },
  "mlp-bn": {
    conv: false,
    batchNorm: true,
    summary: "MLP with BatchNorm after every Linear, iresnet-style (any backend)",
  },
  cnn: { conv: true, batchNorm: false, summary: "small IResNet, layer norm (needs Conv2D gradients: not wasm)" },
  "cnn-bn": { conv: true, batchNorm: true, summary: "small IResNet with BatchNorm (needs Conv2D gradients: not wasm)" },
} as const;

export type ModelKind = keyof typeof MODELS;
export const MODEL_KINDS = Object.keys(MODELS) as ModelKind[];

/**
 * Check a `--model` value.
 *
 * @example
 * parseModel("mlp-bn"); // "mlp-bn"
 */
export function parseModel(value: string): ModelKind {
  if (Object.hasOwn(MODELS, value)) return value as ModelKind;
  throw new ConfigError(M.unknownModel(value, MODEL_KINDS));
}

export interface ModelOptions {
  kind: ModelKind;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  embeddingSize: number;
  /** Hidden width of the mlp; channel width of the cnn stem. */
  width1: number;
  seed: number;
  /**
   * Prefix of the model's tfjs variable names (`<name>/w1`, `<name>/bn1/running_mean`, ...). Default:
   * `modelName(options)`, derived from the options alone, so a model gets the same names whatever was built
   * before it. tfjs names are global to its engine: two models alive at once need different names.
   */
  name?: string;
}

export interface Model {
  kind: ModelKind;
  /** Backbone parameters (gradient clipping applies to these, as in arcface_torch). */
  backbone: tf.Variable[];
  /** Classifier weight [embeddingSize, numClasses] (PartialFC's weight, transposed). */
  head: tf.Variable;
  /**
   * Raw (unnormalised) embeddings [B, E] of flattened images [B, H*W*C]. `training`: BatchNorm uses the batch
   * statistics and updates its running statistics (call it once per training step); otherwise the running ones.
   */
  embed(x: tf.Tensor2D, training?: boolean): tf.Tensor2D;
  /** Number of trainable values. */
  parameterCount: number;
  dispose(): void;
}

/** Kernels a model's backward pass needs beyond the elementwise ones. */
const CNN_GRAD_KERNELS = ["Conv2DBackpropFilter", "Conv2DBackpropInput"];

/**
 * Throw a BackendError when the active backend cannot train `kind`.
 *
 * @example
 * assertTrainable("cnn"); // throws on wasm: no Conv2DBackpropFilter
 */
export function assertTrainable(kind: ModelKind, backend = tf.getBackend()): void {
  if (!MODELS[kind]?.conv) return;
  for (const k of CNN_GRAD_KERNELS) {
    if (!hasKernel(k, backend)) throw new BackendError(M.missingKernel(kind, backend, k), M.E_BACKEND_KERNEL);
  }
}

function normalInit(rng: Rng, shape: number[], std: number, name: string): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
  return ownedVariable(tf.tensor(v, shape), name);
}

function constInit(shape: number[], value: number, name: string, trainable = true): tf.Variable {
  return ownedVariable(tf.fill(shape, value), name, trainable);
}

/** A variable from an initial tensor, which is then released (the variable keeps the data). */
function ownedVariable(init: tf.Tensor, name: string, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}

/** torch's BatchNorm momentum and eps. */
const BN_MOMENTUM = 0.1;
const BN_EPS = 1e-5;

interface BatchNormParams {
  /** Scale; undefined = fixed at 1 (iresnet's `features` layer). */
  gamma: tf.Variable | undefined;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/**
 * torch BatchNorm over `axes` (all but the channel axis, the last). Training: batch statistics, running statistics
 * updated in place (momentum 0.1, unbiased variance); evaluation: running statistics.
 */
function batchNorm<T extends tf.Tensor>(x: T, p: BatchNormParams, axes: number[], training: boolean): T {
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (training) {
    const m = tf.moments(x, axes);
    mean = m.mean;
    variance = m.variance;
    const n = axes.reduce((a, ax) => a * x.shape[ax]!, 1);
    const unbiased = n > 1 ? n / (n - 1) : 1;
    // the assigned values are plain data for the running statistics (no gradient flows through them)
    p.runningMean.assign(p.runningMean.mul(1 - BN_MOMENTUM).add(mean.mul(BN_MOMENTUM)));
    p.runningVar.assign(p.runningVar.mul(1 - BN_MOMENTUM).add(variance.mul(BN_MOMENTUM * unbiased)));
  } else {
    mean = p.runningMean;
    variance = p.runningVar;
  }
  let y = x.sub(mean).div(variance.add(BN_EPS).sqrt());
  if (p.gamma) y = y.mul(p.gamma);
  return y.add(p.beta) as T;
}

/**
 * The default variable-name prefix of a model: its kind, input shape, sizes and seed.
 * @example modelName({ kind: "mlp", height: 12, width: 12, channels: 1, numClasses: 4, embeddingSize: 8, width1: 16, seed: 1 }) // -> "mlp-12x12x1-c4-e8-w16-s1"
 */
export function modelName(o: ModelOptions): string {
  return `${o.kind}-${o.height}x${o.width}x${o.channels}-c${o.numClasses}-e${o.embeddingSize}-w${o.width1}-s${o.seed}`;
}

/**
 * Build a model with seeded initial weights (He-normal layers, N(0, 0.01) classifier as PartialFC).
 *
 * @example
 * const model = createModel({ kind: "mlp-bn", height: 16, width: 16, channels: 1, numClasses: 200,
 *   embeddingSize: 64, width1: 128, seed: 1 });
 */
export function createModel(o: ModelOptions): Model {
  if (!Object.hasOwn(MODELS, o.kind)) throw new ConfigError(M.unknownModel(String(o.kind), MODEL_KINDS));
  assertTrainable(o.kind);
  const rng = new Rng(o.seed);
  const id = o.name ?? modelName(o);
  const live = Object.keys(tf.engine().registeredVariables).find((v) => v.startsWith(`${id}/`));
  if (live !== undefined) throw new ConfigError(M.modelNameInUse(id, live));
  const vars: tf.Variable[] = [];
  const state: tf.Variable[] = [];
  const add = (v: tf.Variable) => {
    vars.push(v);
    return v;
  };
  const bnParams = (c: number, name: string, fixedScale = false): BatchNormParams => {
    const runningMean = constInit([c], 0, `${id}/${name}/running_mean`, false);
    const runningVar = constInit([c], 1, `${id}/${name}/running_var`, false);
    state.push(runningMean, runningVar);
    return {
      gamma: fixedScale ? undefined : add(constInit([c], 1, `${id}/${name}/g`)),
      beta: add(constInit([c], 0, `${id}/${name}/b`)),
      runningMean,
      runningVar,
    };
  };
  const D = o.height * o.width * o.channels;
  const bn = MODELS[o.kind].batchNorm;
  let embed: (x: tf.Tensor2D, training: boolean) => tf.Tensor2D;
  if (o.kind === "mlp") {
    const H = o.width1;
    const w1 = add(normalInit(rng, [D, H], Math.sqrt(2 / D), `${id}/w1`));
    const b1 = add(constInit([H], 0, `${id}/b1`));
    const a1 = add(constInit([H], 0.25, `${id}/a1`));
    const w2 = add(normalInit(rng, [H, H], Math.sqrt(2 / H), `${id}/w2`));
    const b2 = add(constInit([H], 0, `${id}/b2`));
    const a2 = add(constInit([H], 0.25, `${id}/a2`));
    const w3 = add(normalInit(rng, [H, o.embeddingSize], Math.sqrt(1 / H), `${id}/w3`));
    const b3 = add(constInit([o.embeddingSize], 0, `${id}/b3`));
    embed = (x) =>
      tf.tidy(() => {
        const h1 = tf.prelu(x.matMul(w1).add(b1), a1);
        const h2 = tf.prelu(h1.matMul(w2).add(b2), a2);
        return h2.matMul(w3).add(b3) as tf.Tensor2D;
      });
  } else if (o.kind === "mlp-bn") {
    const H = o.width1;
    const w1 = add(normalInit(rng, [D, H], Math.sqrt(2 / D), `${id}/w1`));
    const n1 = bnParams(H, "bn1");
    const a1 = add(constInit([H], 0.25, `${id}/a1`));
    const w2 = add(normalInit(rng, [H, H], Math.sqrt(2 / H), `${id}/w2`));
    const n2 = bnParams(H, "bn2");
    const a2 = add(constInit([H], 0.25, `${id}/a2`));
    const w3 = add(normalInit(rng, [H, o.embeddingSize], Math.sqrt(1 / H), `${id}/w3`));
    const features = bnParams(o.embeddingSize, "features", true);
    embed = (x, training) =>
      tf.tidy(() => {
        const h1 = tf.prelu(batchNorm(x.matMul(w1), n1, [0], training), a1);
        const h2 = tf.prelu(batchNorm(h1.matMul(w2), n2, [0], training), a2);
        return batchNorm(h2.matMul(w3), features, [0], training) as tf.Tensor2D;
      });
  } else {
    const C0 = o.channels;
    const c1 = o.width1 > 64 ? 16 : Math.max(8, o.width1);
    const conv = (k: number, cin: number, cout: number, name: string) =>
      add(normalInit(rng, [k, k, cin, cout], Math.sqrt(2 / (k * k * cin)), `${id}/${name}`)) as tf.Variable<tf.Rank.R4>;
    type Norm = { g: tf.Variable; b: tf.Variable } | BatchNormParams;
    const norm = (c: number, name: string): Norm =>
      bn
        ? bnParams(c, name)
        : { g: add(constInit([c], 1, `${id}/${name}/g`)), b: add(constInit([c], 0, `${id}/${name}/b`)) };
    const normalise = (x: tf.Tensor4D, p: Norm, training: boolean): tf.Tensor4D => {
      if ("runningMean" in p) return batchNorm(x, p, [0, 1, 2], training);
      const { mean, variance } = tf.moments(x, [1, 2, 3], true);
      return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(p.g).add(p.b) as tf.Tensor4D;
    };
    const stem = conv(3, C0, c1, "stem");
    const stemN = norm(c1, "stemN");
    const stemA = add(constInit([c1], 0.25, `${id}/stemA`));
    const block = (cin: number, cout: number, name: string) => ({
      n1: norm(cin, `${name}/n1`),
      w1: conv(3, cin, cout, `${name}/w1`),
      n2: norm(cout, `${name}/n2`),
      a: add(constInit([cout], 0.25, `${id}/${name}/a`)),
      w2: conv(3, cout, cout, `${name}/w2`),
      n3: norm(cout, `${name}/n3`),
      ws: conv(1, cin, cout, `${name}/ws`),
      ns: norm(cout, `${name}/ns`),
    });
    const blocks = [block(c1, 2 * c1, "b1"), block(2 * c1, 4 * c1, "b2")];
    const hOut = Math.ceil(Math.ceil(o.height / 2) / 2);
    const wOut = Math.ceil(Math.ceil(o.width / 2) / 2);
    const flat = hOut * wOut * 4 * c1;
    const finalN = norm(4 * c1, "final");
    const fc = add(normalInit(rng, [flat, o.embeddingSize], Math.sqrt(1 / flat), `${id}/fc`));
    // iresnet: fc then the `features` BatchNorm1d; the layer-norm cnn keeps its fc bias instead
    const features = bn ? bnParams(o.embeddingSize, "features", true) : undefined;
    const fcb = bn ? undefined : add(constInit([o.embeddingSize], 0, `${id}/fcb`));
    embed = (x, training) =>
      tf.tidy(() => {
        let h = x.reshape([-1, o.height, o.width, C0]) as tf.Tensor4D;
        h = tf.prelu<tf.Tensor>(
          normalise(tf.conv2d(h, stem, 1, "same"), stemN, training),
          stemA as tf.Tensor,
        ) as tf.Tensor4D;
        for (const b of blocks) {
          let r = normalise(h, b.n1, training);
          r = tf.conv2d(r, b.w1, 1, "same");
          r = tf.prelu<tf.Tensor>(normalise(r, b.n2, training), b.a as tf.Tensor) as tf.Tensor4D;
          r = normalise(tf.conv2d(r, b.w2, 2, "same"), b.n3, training);
          const sc = normalise(tf.conv2d(h, b.ws, 2, "same"), b.ns, training);
          h = r.add(sc);
        }
        h = normalise(h, finalN, training);
        const e = h.reshape([-1, flat]).matMul(fc) as tf.Tensor2D;
        return features ? batchNorm(e, features, [0], training) : (e.add(fcb!) as tf.Tensor2D);
      });
  }
  const head = normalInit(rng, [o.embeddingSize, o.numClasses], 0.01, `${id}/head`);
  const parameterCount = [...vars, head].reduce((a, v) => a + v.size, 0);
  return {
    kind: o.kind,
    backbone: vars,
    head,
    embed: (x, training = false) => embed(x, training),
    parameterCount,
    dispose() {
      for (const v of vars) v.dispose();
      for (const v of state) v.dispose();
      head.dispose();
    },
  };
}
