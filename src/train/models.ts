/**
 * The networks retrain can train, written with raw tfjs variables (no tfjs-layers) so the training step controls
 * every tensor:
 * - `mlp`: flattened image -> Linear -> PReLU -> Linear -> PReLU -> Linear -> embedding. Works on every backend.
 * - `cnn`: a small IResNet-style network: 3x3 stem conv, two improved residual blocks
 *   (norm -> conv3x3 -> norm -> PReLU -> conv3x3 (stride 2) -> norm, plus a 1x1 strided shortcut), a final norm
 *   and a linear embedding layer, as in insightface's iresnet. Normalisation is a per-sample layer norm instead of
 *   batch norm (identical in training and evaluation, no running statistics). Needs convolution gradients, which
 *   tfjs-wasm does not have: refused there with a BackendError naming the missing kernel.
 * The classifier weight W [embedding, classes] is normalised per class in the margin softmax (src/train/trainer.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { BackendError, ConfigError } from "../errors.ts";
import { E, msg } from "../messages/train.ts";
import { hasKernel } from "./backend.ts";
import { Rng } from "./rng.ts";

export type ModelKind = "mlp" | "cnn";

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
}

export interface Model {
  kind: ModelKind;
  /** Backbone parameters (gradient clipping applies to these, as in arcface_torch). */
  backbone: tf.Variable[];
  /** Classifier weight [embeddingSize, numClasses] (PartialFC's weight, transposed). */
  head: tf.Variable;
  /** Raw (unnormalised) embeddings [B, E] of flattened images [B, H*W*C]. */
  embed(x: tf.Tensor2D): tf.Tensor2D;
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
  if (kind !== "cnn") return;
  for (const k of CNN_GRAD_KERNELS) {
    if (!hasKernel(k, backend)) throw new BackendError(msg.missingKernel(kind, backend, k), E.missingKernel);
  }
}

function normalInit(rng: Rng, shape: number[], std: number, name: string): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
  return ownedVariable(tf.tensor(v, shape), name);
}

function constInit(shape: number[], value: number, name: string): tf.Variable {
  return ownedVariable(tf.fill(shape, value), name);
}

/** A trainable variable from an initial tensor, which is then released (the variable keeps the data). */
function ownedVariable(init: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}

let modelCounter = 0;

/**
 * Build a model with seeded initial weights (He-normal layers, N(0, 0.01) classifier as PartialFC).
 *
 * @example
 * const model = createModel({ kind: "mlp", height: 20, width: 20, channels: 1, numClasses: 500,
 *   embeddingSize: 128, width1: 256, seed: 1 });
 */
export function createModel(o: ModelOptions): Model {
  if (o.kind !== "mlp" && o.kind !== "cnn") throw new ConfigError(msg.unknownModel(String(o.kind)));
  assertTrainable(o.kind);
  const rng = new Rng(o.seed);
  const id = `m${++modelCounter}`;
  const vars: tf.Variable[] = [];
  const add = (v: tf.Variable) => {
    vars.push(v);
    return v;
  };
  const D = o.height * o.width * o.channels;
  let embed: (x: tf.Tensor2D) => tf.Tensor2D;
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
  } else {
    const C0 = o.channels;
    const c1 = o.width1 > 64 ? 16 : Math.max(8, o.width1);
    const conv = (k: number, cin: number, cout: number, name: string) =>
      add(normalInit(rng, [k, k, cin, cout], Math.sqrt(2 / (k * k * cin)), `${id}/${name}`)) as tf.Variable<tf.Rank.R4>;
    const norm = (c: number, name: string) => ({
      g: add(constInit([c], 1, `${id}/${name}/g`)),
      b: add(constInit([c], 0, `${id}/${name}/b`)),
    });
    const layerNorm = (x: tf.Tensor4D, p: { g: tf.Variable; b: tf.Variable }) => {
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
    const fcb = add(constInit([o.embeddingSize], 0, `${id}/fcb`));
    embed = (x) =>
      tf.tidy(() => {
        let h = x.reshape([-1, o.height, o.width, C0]) as tf.Tensor4D;
        h = tf.prelu<tf.Tensor>(layerNorm(tf.conv2d(h, stem, 1, "same"), stemN), stemA as tf.Tensor) as tf.Tensor4D;
        for (const b of blocks) {
          let r = layerNorm(h, b.n1);
          r = tf.conv2d(r, b.w1, 1, "same");
          r = tf.prelu<tf.Tensor>(layerNorm(r, b.n2), b.a as tf.Tensor) as tf.Tensor4D;
          r = layerNorm(tf.conv2d(r, b.w2, 2, "same"), b.n3);
          const sc = layerNorm(tf.conv2d(h, b.ws, 2, "same"), b.ns);
          h = r.add(sc);
        }
        h = layerNorm(h, finalN);
        return h.reshape([-1, flat]).matMul(fc).add(fcb) as tf.Tensor2D;
      });
  }
  const head = normalInit(rng, [o.embeddingSize, o.numClasses], 0.01, `${id}/head`);
  const parameterCount = [...vars, head].reduce((a, v) => a + v.size, 0);
  return {
    kind: o.kind,
    backbone: vars,
    head,
    embed,
    parameterCount,
    dispose() {
      for (const v of vars) v.dispose();
      head.dispose();
    },
  };
}
