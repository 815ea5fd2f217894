/**
 * Retrain cost. The goal: the default design of `fastface retrain` (6 arms x 3 paired seeds: 27,000 training
 * steps plus a 100-step probe, 54 evaluations) finishes in under 15 minutes on this 2-core machine.
 *
 *   node --import tsx bench/train.ts [steps=200]   per-step CPU cost of the default model on wasm (one thread),
 *                                                   the mlp and the pure-JS cpu backend for comparison, one
 *                                                   evaluation, data generation, and the design's cost
 *                                                   extrapolated from them (CPU seconds / 2 cores)
 *   node --import tsx bench/train.ts design        runs the whole default design (two worker threads) and prints
 *                                                   its wall and CPU time, the machine's load and the verdict
 *
 * CPU time is what a shared machine cannot inflate much; wall time is printed with the 1-minute load average.
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { VerdictError } from "../src/errors.ts";
import { type BackendName, selectBackend } from "../src/train/backend.ts";
import { parseMargin } from "../src/train/margin-loss.ts";
import { createModel, type ModelKind } from "../src/train/models.ts";
import { probeSteps, RETRAIN_DEFAULTS, type RetrainResult, retrain } from "../src/train/retrain.ts";
import { SYNTHETIC_DEFAULTS, syntheticFaces } from "../src/train/synthetic-faces.ts";
import { evaluate, type TrainConfig, trainRun } from "../src/train/trainer.ts";

const D = RETRAIN_DEFAULTS;
const load = () => os.loadavg()[0]!.toFixed(1);
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

if (process.argv[2] === "design") {
  console.log(`default design: load ${load()} at start, ${D.workers} workers on ${os.availableParallelism()} cores`);
  const t0 = performance.now();
  let r: RetrainResult;
  try {
    r = await retrain({
      ...D,
      dataset: { kind: "synthetic", options: SYNTHETIC_DEFAULTS },
      margin: parseMargin(D.margin),
      log: () => {},
    });
  } catch (err) {
    if (!(err instanceof VerdictError)) throw err;
    r = err.result as RetrainResult;
  }
  const wall = (performance.now() - t0) / 1000;
  console.log(
    `default design: ${(wall / 60).toFixed(1)} min wall, ${(r.cpuSeconds / 60).toFixed(1)} min CPU (all threads); ` +
      `1-min load ${r.machine.loadStart.toFixed(1)} -> ${r.machine.loadEnd.toFixed(1)}; ` +
      `idle-machine estimate CPU / ${D.workers} = ${(r.cpuSeconds / D.workers / 60).toFixed(1)} min (goal < 15 min)`,
  );
  console.log(`verdict: ${r.verdict.holds ? "holds" : "does not hold"}. ${r.verdict.sentence}`);
  process.exit(0);
}

const steps = Number(process.argv[2] ?? 200);
let c0 = cpuNow();
const ds = syntheticFaces(SYNTHETIC_DEFAULTS);
const genCpu = cpuNow() - c0;
console.log(`data: ${ds.description}: ${genCpu.toFixed(2)} s CPU to generate`);

function config(model: ModelKind, n: number): TrainConfig {
  return {
    label: "bench",
    scheduler: "constant",
    epochs: 0,
    steps: n,
    batchSize: D.batchSize,
    lr: D.lr,
    momentum: D.momentum,
    weightDecay: D.weightDecay,
    clipNorm: D.clipNorm,
    margin: parseMargin(D.margin),
    model,
    embeddingSize: D.embeddingSize,
    width: D.width,
    seed: 1,
    frequent: D.frequent,
    evalEvery: 0,
    evalAt: [],
    evalName: "bench",
  };
}

/** CPU milliseconds per training step (the first 10 steps, which compile and warm up, are left out). */
function msPerStep(backend: BackendName, model: ModelKind, n: number): number {
  trainRun(ds, config(model, 10), backend);
  const c = cpuNow();
  trainRun(ds, config(model, n), backend);
  return ((cpuNow() - c) / n) * 1000;
}

await selectBackend("wasm");
const perStep = msPerStep("wasm", D.model, steps);
console.log(`wasm ${D.model} (default): ${perStep.toFixed(1)} ms CPU per step of ${D.batchSize} (load ${load()})`);
console.log(
  `wasm mlp:    ${msPerStep("wasm", "mlp", Math.ceil(steps / 2)).toFixed(1)} ms CPU per step (load ${load()})`,
);
await selectBackend("cpu");
console.log(
  `cpu  ${D.model}: ${msPerStep("cpu", D.model, Math.max(10, Math.floor(steps / 10))).toFixed(1)} ms CPU per step (pure-JS kernels; load ${load()})`,
);

await selectBackend("wasm");
const model = createModel({
  kind: D.model,
  height: ds.height,
  width: ds.width,
  channels: 1,
  numClasses: ds.numClasses,
  embeddingSize: D.embeddingSize,
  width1: D.width,
  seed: 1,
});
c0 = cpuNow();
evaluate(model, ds);
const evalCpu = cpuNow() - c0;
model.dispose();
console.log(`evaluation: ${ds.eval.count} images, ${ds.pairs.same.length} pairs: ${evalCpu.toFixed(2)} s CPU`);

const candidate = Math.round(D.budget * D.steps);
const arms = 2 + D.controls.length;
const designSteps = D.seeds * (D.steps + (arms - 1) * candidate) + probeSteps(candidate);
const evaluations = D.seeds * arms * D.evalAt.length;
const designCpu = (designSteps * perStep) / 1000 + evaluations * evalCpu + D.workers * genCpu;
console.log(
  `default design (${arms} arms x ${D.seeds} seeds): ${designSteps.toLocaleString("en-US")} steps, ${evaluations} evaluations: ` +
    `${(designCpu / 60).toFixed(1)} min CPU -> ${(designCpu / D.workers / 60).toFixed(1)} min on ${D.workers} idle cores (goal < 15 min)`,
);
console.log(`tf.memory().numTensors at the end: ${tf.memory().numTensors}`);
