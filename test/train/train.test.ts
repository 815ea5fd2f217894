import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { readCurveFile } from "../../src/curve/arrow.ts";
import { BackendError, EXIT, VerdictError } from "../../src/errors.ts";
import { explainCurve } from "../../src/explain/explain.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { pickReportKind, retrainKind } from "../../src/report/kinds.ts";
import { renderReportHtml } from "../../src/report/page.ts";
import { retrainSections, retrainTitle } from "../../src/report/sections-retrain.ts";
import { selectBackend } from "../../src/train/backend.ts";
import { parseMargin } from "../../src/train/margin-loss.ts";
import { createModel } from "../../src/train/models.ts";
import { RETRAIN_DEFAULTS, type RetrainResult, retrain } from "../../src/train/retrain.ts";
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
    // The per-step LR column shows what the log line shows, the LR the next step trains with: it drops at the
    // decay steps (step 48 is index 47; step 49 is the first to train with 0.003)
    const lr = out.curve.columns.lr!;
    assert.ok(Math.abs(lr[46]! - 0.03) < 1e-12 && Math.abs(lr[47]! - 0.003) < 1e-12);
    assert.equal(out.curve.meta.stepCounts, true);
  });

  it("fastface's decision reaches the optimizer two steps later by default (official), one with immediate", () => {
    const ds = syntheticFaces(DATA);
    const cfg = { ...CONFIG, scheduler: "fastface:alpha=0.5,beta=0.5,lambda=1000,tau=0.1", epochs: 0, steps: 30 };
    for (const [timing, lag] of [
      [undefined, 2],
      ["immediate", 1],
    ] as const) {
      const run = trainRun(ds, { ...cfg, ...(timing ? { lrTiming: timing } : {}) }, "wasm");
      const lr = run.curve.columns.lr!;
      const decays = run.result.decays.map((d) => d.step);
      assert.ok(decays.length >= 2, `decays ${decays}`);
      // lr[i] is the LR step i + 2 trains with (the column shows the next step's LR, as the log line does)
      const usedAt = (step: number) => lr[step - 2]!;
      for (const k of decays.filter((d) => d >= 2 && d + lag <= 30)) {
        // the step that decided (k) and, under the official timing, the next one still train with the old LR
        assert.ok(usedAt(k + lag) < usedAt(k + lag - 1), `${timing ?? "default"}: decided at ${k}`);
        if (lag === 2) assert.equal(usedAt(k + 1), usedAt(k));
      }
    }
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

describe("mlp-bn: BatchNorm in training and evaluation", () => {
  it("trains with batch statistics, evaluates with running statistics, keeps memory flat", async () => {
    await selectBackend("wasm");
    const ds = syntheticFaces(DATA);
    const before = tf.memory().numTensors;
    const out = trainRun(ds, { ...CONFIG, model: "mlp-bn", epochs: 2, evalEvery: 0, evalAt: [0.5, 1] }, "wasm");
    assert.equal(out.result.evaluations.length, 2);
    assert.equal(out.result.tensors.atEnd, out.result.tensors.afterFirstStep);
    assert.equal(tf.memory().numTensors, before);
    const model = createModel({
      kind: "mlp-bn",
      height: 12,
      width: 12,
      channels: 1,
      numClasses: 4,
      embeddingSize: 8,
      width1: 16,
      seed: 1,
    });
    const x = tf.randomNormal([6, 144], 0, 1, "float32", 3) as tf.Tensor2D;
    const evalBefore = model.embed(x).arraySync() as number[][];
    const train = model.embed(x, true).arraySync() as number[][];
    const evalAfter = model.embed(x).arraySync() as number[][];
    // running stats start at mean 0 / var 1: evaluation differs from the batch-normalised training output, and
    // one training call moves the running statistics (evaluation changes)
    assert.notDeepEqual(evalBefore, train);
    assert.notDeepEqual(evalBefore, evalAfter);
    // the features BatchNorm of a training batch has mean ~0 per dimension (weight fixed at 1, bias 0)
    for (let j = 0; j < 8; j++) assert.ok(Math.abs(train.reduce((a, r) => a + r[j]!, 0) / 6) < 1e-4);
    x.dispose();
    model.dispose();
  });
});

describe("retrain: a tiny design (3 arms, 2 seeds, wasm, two worker threads)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fastface-retrain-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it("writes every run's log and curve, a verdict with intervals, and the report reads the result", async () => {
    const out = path.join(dir, "run");
    let result: RetrainResult | undefined;
    try {
      result = await retrain({
        ...RETRAIN_DEFAULTS,
        candidate: "fastface:scale=auto",
        controls: ["compressed"],
        steps: 96,
        budget: 0.25,
        seeds: 2,
        dataset: { kind: "synthetic", options: DATA },
        model: "mlp-bn",
        backend: "wasm",
        margin: CONFIG.margin,
        batchSize: 32,
        embeddingSize: 16,
        width: 32,
        frequent: 4,
        workers: 2,
        force: true,
        out,
        plateaus: (curve) => {
          const judged = replayCurve(curve, { schedulers: ["constant"] });
          return judged.judge?.refused ? null : judged.stationary;
        },
      });
    } catch (err) {
      assert.ok(err instanceof VerdictError, String(err));
      assert.equal(err.exitCode, EXIT.verdictFails);
      result = err.result as RetrainResult;
    }
    assert.equal(result.kind, "fastface-retrain");
    assert.equal(result.version, 2);
    assert.deepEqual(
      result.arms.map((a) => [a.name, a.role, a.steps, a.runs.map((r) => r.seed)]),
      [
        ["baseline", "baseline", 96, [1, 2]],
        ["candidate", "candidate", 24, [1, 2]],
        ["compressed", "control", 24, [1, 2]],
      ],
    );
    // scale=auto was resolved from the probe, found infeasible on 24 steps, and ran only because of force
    const f = result.feasibility!;
    assert.ok(f.scale?.text.startsWith("fastface:alpha="));
    assert.equal(f.forced, true);
    assert.ok(result.warnings.some((w) => w.code === "W_INFEASIBLE"));
    assert.equal(result.arms[1]!.scheduler, f.scale!.text);
    // the probe is the candidate's own first steps (same seed, data order and LR, no decision yet)
    const probe = await readCurveFile(path.join(out, "probe", "curve.arrow"));
    const cand = await readCurveFile(path.join(out, "candidate-s1", "curve.arrow"));
    const firstDecay = result.arms[1]!.runs[0]!.decaySteps[0] ?? Infinity;
    for (let i = 0; i < Math.min(probe.columns.loss.length, firstDecay + 1); i++) {
      assert.equal(cand.columns.loss[i], probe.columns.loss[i], `step ${i + 1}`);
    }
    // every run: a training.log read back by the ingest parser and a curve of its steps
    for (const arm of result.arms) {
      for (const run of arm.runs) {
        const dirRun = path.join(out, `${arm.name}-s${run.seed}`);
        const log = parseArcfaceLog(readFileSync(path.join(dirRun, "training.log"), "utf8"), "x");
        assert.equal(log.meta.config.total_step, arm.steps);
        const curve = await readCurveFile(path.join(dirRun, "curve.arrow"));
        assert.equal(curve.columns.step.length, arm.steps);
        assert.ok(run.accuracy > 0.4 && run.accuracy <= 1);
        // the judge refuses curves under 100 points: no plateau figure rather than 0 %
        assert.equal(run.plateau, undefined);
        assert.equal(run.evaluations.length, 3);
      }
    }
    // same seed, same data order and initial weights: baseline and compressed train identically until the
    // compressed schedule's first milestone (step 12 of 24)
    const b1 = await readCurveFile(path.join(out, "baseline-s1", "curve.arrow"));
    const c1 = await readCurveFile(path.join(out, "compressed-s1", "curve.arrow"));
    for (let i = 0; i < 12; i++) assert.equal(b1.columns.loss[i], c1.columns.loss[i]);
    assert.notEqual(b1.columns.loss[20], c1.columns.loss[20]);
    // fastface replay and fastface explain read the files back through the CLI's loader: the baseline's log
    // is explained by the rule that wrote it (multistep decays at 48 and 72 of 96 steps), and replay finds the
    // candidate's logged decays in its curve.arrow
    const logged = await loadCurve(path.join(out, "baseline-s1", "training.log"));
    assert.equal(logged.meta.format, "arcface-log");
    const ex = await explainCurve(logged, { families: ["multistep", "cosine", "fastface"], tracePoints: 0 });
    assert.equal(ex.explanations[0]!.rule, "multistep", ex.verdict);
    // a log line shows the LR of the next step (arcface_torch's get_last_lr()): steps 49 and 73 train decayed
    assert.deepEqual(
      ex.logged.changes.map((c) => c.step),
      [48, 72],
    );
    // curve.arrow is the same curve as training.log: the baseline's rule replayed on it decays where training
    // did (steps 48 and 72, not one step early) and explain reads the same LR changes from its lr column
    const baseArrow = await loadCurve(path.join(out, "baseline-s1", "curve.arrow"));
    assert.equal(baseArrow.meta.stepCounts, true);
    const base = result.arms[0]!;
    const rebase = replayCurve(baseArrow, { schedulers: [base.scheduler], totalSteps: base.steps });
    assert.deepEqual(
      rebase.schedulers[0]!.decays.map((x) => x.step),
      base.runs[0]!.decaySteps,
    );
    assert.deepEqual(base.runs[0]!.decaySteps, [48, 72]);
    const exArrow = await explainCurve(baseArrow, { families: ["multistep"], tracePoints: 0 });
    assert.deepEqual(
      exArrow.logged.changes.map((c) => c.step),
      [48, 72],
    );
    assert.equal(exArrow.explanations[0]!.spec, ex.explanations[0]!.spec);
    const arrow = await loadCurve(path.join(out, "candidate-s1", "curve.arrow"));
    assert.equal(arrow.columns.step.length, 24);
    const replayed = replayCurve(arrow, { schedulers: [result.arms[1]!.scheduler], totalSteps: 24 });
    assert.deepEqual(
      replayed.schedulers[0]!.decays.map((x) => x.step),
      result.arms[1]!.runs[0]!.decaySteps,
      "replay of the candidate's rule on its own curve decides where training did",
    );
    // the verdict: paired differences with bounds (two seeds: t with 1 df)
    const v = result.verdict;
    assert.equal(v.diff.n, 2);
    assert.ok(v.diff.lower95 !== null && v.diff.upper95 !== null && v.diff.lower95 <= v.diff.mean);
    assert.equal(v.holds, v.diff.lower95 > -1);
    assert.equal(v.vsBestControl!.control, "compressed");
    assert.ok(["beats", "ties", "loses"].includes(v.vsBestControl!.outcome));
    assert.ok(result.cpuSeconds > 0 && result.wallSeconds > 0);
    assert.ok(!existsSync(path.join(out, "report.html")), "train renders no HTML: the CLI draws the page");
    assert.ok(!existsSync(path.join(out, "result.json")), "the CLI writes result.json");
    // the report kind accepts the JSON and draws every section
    const doc = JSON.parse(JSON.stringify(result));
    assert.equal(pickReportKind({ path: "r.json", ext: ".json", json: doc }), retrainKind);
    const html = renderReportHtml({ title: retrainTitle(doc), sections: retrainSections(doc) });
    for (const id of ["retrain-differences", "retrain-loss", "retrain-lr", "retrain-accuracy"])
      assert.ok(html.includes(id), id);
  });
});
