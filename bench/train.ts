/**
 * Retrain throughput: training samples per second of the default mlp (synthetic 20x20, 300 classes, batch 128)
 * on wasm and cpu, the small cnn on cpu, and the cost of one verification pass (embeddings + 10-fold + TAR).
 * Short runs (a few dozen steps each); the numbers extrapolate a full `fastface retrain`.
 *
 *   node --import tsx bench/train.ts [steps=40]
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, selectBackend } from "../src/train/backend.ts";
import { parseMargin } from "../src/train/margin-loss.ts";
import { createModel } from "../src/train/models.ts";
import { RETRAIN_DEFAULTS } from "../src/train/retrain.ts";
import { SYNTHETIC_DEFAULTS, syntheticFaces } from "../src/train/synthetic-faces.ts";
import { evaluate, type TrainConfig, trainRun } from "../src/train/trainer.ts";

const steps = Number(process.argv[2] ?? 40);
const t0 = performance.now();
const ds = syntheticFaces(SYNTHETIC_DEFAULTS);
console.log(`data: ${ds.description}: generated in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
const perEpoch = Math.floor(ds.train.count / RETRAIN_DEFAULTS.batchSize);

function config(model: "mlp" | "cnn", n: number): TrainConfig {
  return {
    label: "bench",
    scheduler: "constant",
    epochs: n / perEpoch,
    batchSize: RETRAIN_DEFAULTS.batchSize,
    lr: RETRAIN_DEFAULTS.lr,
    momentum: 0.9,
    weightDecay: 5e-4,
    clipNorm: 5,
    margin: parseMargin("arcface"),
    model,
    embeddingSize: RETRAIN_DEFAULTS.embeddingSize,
    width: model === "mlp" ? RETRAIN_DEFAULTS.width : 8,
    seed: 1,
    frequent: 10,
    evalEvery: 1_000_000,
    evalName: "bench",
  };
}

for (const [backend, model, n] of [
  ["wasm", "mlp", steps],
  ["cpu", "mlp", Math.max(5, Math.floor(steps / 4))],
] as Array<[BackendName, "mlp" | "cnn", number]>) {
  await selectBackend(backend);
  const out = trainRun(ds, config(model, n), backend);
  const r = out.result;
  const full = RETRAIN_DEFAULTS.epochs * perEpoch;
  console.log(
    `${backend.padEnd(5)} ${model}: ${r.steps} steps, ${r.samplesPerSecond.toFixed(0)} samples/s (incl. one evaluation), ` +
      `extrapolated default baseline ${full} steps: ${((full * RETRAIN_DEFAULTS.batchSize) / r.samplesPerSecond / 60).toFixed(1)} min, tensors ${r.tensors.afterFirstStep} -> ${r.tensors.atEnd}`,
  );
}

// The cnn on the pure-JS cpu backend (wasm cannot train it): 2 steps of 32 on a small evaluation set.
{
  await selectBackend("cpu");
  const small = syntheticFaces({ ...SYNTHETIC_DEFAULTS, evalIdentities: 10, evalImagesPerIdentity: 4, pairs: 100 });
  const cfg = { ...config("cnn", 2), batchSize: 32, epochs: 2 / Math.floor(small.train.count / 32) };
  const r = trainRun(small, cfg, "cpu").result;
  const full = RETRAIN_DEFAULTS.epochs * perEpoch * RETRAIN_DEFAULTS.batchSize;
  console.log(
    `cpu   cnn: ${r.steps} steps of 32, ${r.samplesPerSecond.toFixed(1)} samples/s (incl. one small evaluation), ` +
      `extrapolated default baseline: ${(full / r.samplesPerSecond / 3600).toFixed(1)} h, tensors ${r.tensors.afterFirstStep} -> ${r.tensors.atEnd}`,
  );
}

await selectBackend("wasm");
const model = createModel({
  kind: "mlp",
  height: ds.height,
  width: ds.width,
  channels: 1,
  numClasses: ds.numClasses,
  embeddingSize: 128,
  width1: 256,
  seed: 1,
});
const t1 = performance.now();
const ev = evaluate(model, ds);
console.log(
  `evaluation (wasm): ${ds.eval.count} images, ${ds.pairs.same.length} pairs: ${(performance.now() - t1).toFixed(0)} ms (accuracy of an untrained mlp ${ev.accuracy.toFixed(3)})`,
);
model.dispose();
console.log(`tf.memory().numTensors at the end: ${tf.memory().numTensors}`);
