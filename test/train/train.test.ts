import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { readCurveFile } from "../../src/curve/arrow.ts";
import { BackendError, EXIT, VerdictError } from "../../src/errors.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { selectBackend } from "../../src/train/backend.ts";
import { parseMargin } from "../../src/train/margin-loss.ts";
import { createModel } from "../../src/train/models.ts";
import { decideVerdict, type RetrainResult, retrain } from "../../src/train/retrain.ts";
import { type SyntheticOptions, syntheticFaces } from "../../src/train/synthetic-faces.ts";
import { type RunOutput, type TrainConfig, trainRun } from "../../src/train/trainer.ts";

// A tiny configuration: 16 identities x 16 images of 12x12, 96 steps; a few seconds on wasm.
const DATA: Partial<SyntheticOptions> = {
  seed: 3,
  identities: 16,
  imagesPerIdentity: 16,
  evalIdentities: 12,
  evalImagesPerIdentity: 8,
  imageSize: 12,
  difficulty: 0.2,
  pairs: 1200,
};
const CONFIG: TrainConfig = {
  label: "tiny",
  scheduler: "multistep:milestones=0.5,0.75",
  epochs: 12,
  batchSize: 32,
  lr: 0.03,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  margin: parseMargin("arcface"),
  model: "mlp",
  embeddingSize: 32,
  width: 64,
  seed: 1,
  frequent: 4,
  evalEvery: 0,
  evalName: "synthetic",
};

describe("retrain: one training run (wasm, tiny)", () => {
  let out: RunOutput;
  let tensorsBefore = -1;
  let tensorsAfter = -1;
  before(async () => {
    await selectBackend("wasm");
    tensorsBefore = tf.memory().numTensors;
    out = trainRun(syntheticFaces(DATA), CONFIG, "wasm");
    tensorsAfter = tf.memory().numTensors;
  });

  it("learns: the loss falls and verification accuracy is above chance", () => {
    const loss = out.curve.columns.loss;
    const mean = (a: number, b: number) => loss.slice(a, b).reduce((x, y) => x + y, 0) / (b - a);
    assert.equal(loss.length, 96);
    assert.ok(mean(86, 96) < mean(0, 10) - 3, `first ${mean(0, 10)} last ${mean(86, 96)}`);
    // Chance is 0.5 with a standard deviation of sqrt(0.25 / 1200) = 0.0144 over 1200 pairs: 0.56 is > 4 sigma.
    assert.ok(out.result.accuracy > 0.56, `accuracy ${out.result.accuracy}`);
    assert.ok(out.result.evaluations.length >= 12);
  });

  it("keeps tensor memory flat over the run", () => {
    assert.ok(out.result.tensors.afterFirstStep > 0);
    assert.equal(out.result.tensors.atEnd, out.result.tensors.afterFirstStep);
    // Model, momentum buffers and every intermediate are released when the run ends.
    assert.equal(tensorsAfter, tensorsBefore);
  });

  it("writes the scheduler's decays into training.log (read back by the ingest parser)", () => {
    assert.deepEqual(
      out.result.decays.map((d) => d.step),
      [48, 72],
    );
    const curve = parseArcfaceLog(out.log, "tiny/training.log");
    const lrAt = (step: number) => curve.columns.lr![Array.from(curve.columns.step).indexOf(step)]!;
    assert.equal(curve.columns.step[0], 8); // first line at 2 x frequent
    assert.ok(Math.abs(lrAt(44) - 0.03) < 1e-9);
    assert.ok(Math.abs(lrAt(48) - 0.003) < 1e-9);
    assert.ok(Math.abs(lrAt(72) - 0.0003) < 1e-9);
    assert.equal(curve.meta.config.total_step, 96);
    // The per-step LR column (the LR each step used) drops right after the decay steps.
    const lr = out.curve.columns.lr!;
    assert.ok(Math.abs(lr[47]! - 0.03) < 1e-12 && Math.abs(lr[48]! - 0.003) < 1e-12);
  });

  it("refuses the cnn on wasm, naming the missing gradient kernel", () => {
    assert.throws(
      () =>
        createModel({
          kind: "cnn",
          height: 12,
          width: 12,
          channels: 1,
          numClasses: 4,
          embeddingSize: 8,
          width1: 8,
          seed: 1,
        }),
      (err: unknown) => err instanceof BackendError && /Conv2DBackprop(Filter|Input)/.test(err.message),
    );
  });
});

describe("retrain: verdict", () => {
  const run = (accuracy: number, steps: number) => ({ accuracy, tar: 0.5, steps, wallSeconds: steps / 10 });
  it("holds when candidate >= baseline - tolerance points", () => {
    assert.equal(decideVerdict(run(0.9, 100), run(0.891, 25), 1).holds, true);
    assert.equal(decideVerdict(run(0.9, 100), run(0.89, 25), 1).holds, true); // exactly -1 point
    assert.equal(decideVerdict(run(0.9, 100), run(0.8899, 25), 1).holds, false);
    assert.equal(decideVerdict(run(0.9, 100), run(0.95, 25), 0).holds, true);
    const v = decideVerdict(run(0.9, 100), run(0.88, 25), 1);
    assert.ok(Math.abs(v.accuracyDelta + 2) < 1e-9);
    assert.equal(v.stepRatio, 0.25);
    assert.equal(v.timeRatio, 0.25);
  });
});

describe("retrain: baseline and candidate in two worker threads", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fastface-retrain-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it("writes logs, curves, result and report; a failed verdict throws VerdictError (exit 5)", async () => {
    const out = path.join(dir, "run");
    let result: RetrainResult | undefined;
    await assert.rejects(
      retrain({
        candidate: "fastface:lambda=2e-5,tau=0.03",
        baseline: CONFIG.scheduler,
        budget: 0.125,
        epochs: 12,
        dataset: { kind: "synthetic", options: DATA },
        model: "mlp",
        backend: "wasm",
        seed: 1,
        tolerance: 0,
        margin: CONFIG.margin,
        batchSize: 32,
        lr: 0.03,
        embeddingSize: 32,
        width: 64,
        momentum: 0.9,
        weightDecay: 5e-4,
        clipNorm: 5,
        frequent: 4,
        out,
        parallel: true,
      }),
      (err: unknown) => {
        if (!(err instanceof VerdictError)) return false;
        result = err.result as RetrainResult;
        return err.exitCode === EXIT.verdictFails;
      },
    );
    assert.ok(result);
    assert.equal(result.baseline.steps, 96);
    assert.equal(result.candidate.steps, 12);
    assert.equal(result.verdict.holds, false);
    const curve = await readCurveFile(path.join(out, "candidate", "curve.arrow"));
    assert.equal(curve.columns.step.length, 12);
    const log = parseArcfaceLog(readFileSync(path.join(out, "baseline", "training.log"), "utf8"), "b");
    assert.equal(log.columns.step[log.columns.step.length - 1], 96);
    const saved = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8")) as RetrainResult;
    assert.equal(saved.kind, "fastface-retrain");
    assert.ok(!existsSync(path.join(out, "report.html")), "train renders no HTML: the CLI draws the page");
  });
});
