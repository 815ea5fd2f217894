import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { Warning } from "../../src/errors.ts";
import { ConfigError } from "../../src/errors.ts";
import * as M from "../../src/messages/train.ts";
import { selectBackend } from "../../src/train/backend.ts";
import { marginLogits, marginLoss, marginTarget, parseMargin } from "../../src/train/margin-loss.ts";

// Hand-made cosine logits: 2 samples, 3 classes; labels 0 and 2.
const COS = [
  [0.8, 0.3, -0.2],
  [0.1, -0.5, -0.9],
];
const LABELS = [0, 2];

function closedFormLoss(targets: number[], s: number): number {
  let total = 0;
  COS.forEach((row, i) => {
    const logits = row.map((c, j) => s * (j === LABELS[i] ? targets[i]! : c));
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((a, z) => a + Math.exp(z - m), 0));
    total += lse - logits[LABELS[i]!]!;
  });
  return total / COS.length;
}

describe("margin loss (arcface_torch CombinedMarginLoss)", () => {
  before(async () => {
    await selectBackend("cpu");
  });
  const cos = () => tf.tensor2d(COS);
  const oh = () => tf.oneHot(tf.tensor1d(LABELS, "int32"), 3).toFloat() as tf.Tensor2D;

  it("ArcFace preset: target cos(acos(c) + 0.5), scaled by 64", async () => {
    const cfg = parseMargin("arcface");
    assert.deepEqual([cfg.s, cfg.m1, cfg.m2, cfg.m3], [64, 1, 0.5, 0]);
    const t0 = Math.cos(Math.acos(0.8) + 0.5);
    const t1 = Math.cos(Math.acos(-0.9) + 0.5);
    assert.ok(Math.abs(marginTarget(0.8, cfg) - t0) < 1e-12);
    const logits = marginLogits(cos(), oh(), cfg).arraySync();
    assert.ok(Math.abs(logits[0]![0]! - 64 * t0) < 1e-3);
    assert.ok(Math.abs(logits[0]![1]! - 64 * 0.3) < 1e-4);
    assert.ok(Math.abs(logits[1]![2]! - 64 * t1) < 1e-3);
    const loss = (await marginLoss(cos(), oh(), cfg).data())[0]!;
    assert.ok(Math.abs(loss - closedFormLoss([t0, t1], 64)) < 1e-3, `${loss}`);
  });

  it("ArcFace (arcface_torch): gradient flows straight through: s * (softmax - onehot) / B", () => {
    const cfg = parseMargin("arcface");
    const g = tf
      .grad((c: tf.Tensor) => marginLoss(c as tf.Tensor2D, oh(), cfg))(cos())
      .arraySync() as number[][];
    const targets = [Math.cos(Math.acos(0.8) + 0.5), Math.cos(Math.acos(-0.9) + 0.5)];
    COS.forEach((row, i) => {
      const logits = row.map((c, j) => 64 * (j === LABELS[i] ? targets[i]! : c));
      const m = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - m));
      const sum = e.reduce((a, b) => a + b, 0);
      row.forEach((_, j) => {
        const expected = (64 * (e[j]! / sum - (j === LABELS[i] ? 1 : 0))) / COS.length;
        assert.ok(Math.abs(g[i]![j]! - expected) < 1e-3, `grad[${i}][${j}] ${g[i]![j]} vs ${expected}`);
      });
    });
  });

  it("CosFace preset: target c - 0.4", async () => {
    const cfg = parseMargin("cosface");
    const loss = (await marginLoss(cos(), oh(), cfg).data())[0]!;
    assert.ok(Math.abs(loss - closedFormLoss([0.8 - 0.4, -0.9 - 0.4], 64)) < 1e-3);
  });

  it("legacy ArcFace: threshold cos(pi - m) and the sinmm fallback; easy margin", async () => {
    const cfg = parseMargin("arcface", { impl: "legacy" });
    // 0.8 > cos(pi - 0.5) = -0.8776: cos(theta + m); -0.9 is below it: c - sin(pi - m) * m.
    const t0 = Math.cos(Math.acos(0.8) + 0.5);
    const t1 = -0.9 - Math.sin(Math.PI - 0.5) * 0.5;
    assert.ok(Math.abs(marginTarget(-0.9, cfg) - t1) < 1e-12);
    const loss = (await marginLoss(cos(), oh(), cfg).data())[0]!;
    assert.ok(Math.abs(loss - closedFormLoss([t0, t1], 64)) < 1e-3);
    const easy = parseMargin("arcface", { impl: "legacy", easyMargin: true });
    assert.equal(marginTarget(-0.9, easy), -0.9);
    const lossEasy = (await marginLoss(cos(), oh(), easy).data())[0]!;
    assert.ok(Math.abs(lossEasy - closedFormLoss([t0, -0.9], 64)) < 1e-3);
  });

  it("combinations: m1 != 1 without m3 is refused; m3 > 0 ignores m2 with a warning", () => {
    assert.throws(() => parseMargin("0.9,0.4,0"), ConfigError);
    assert.throws(() => parseMargin("sphereface"), ConfigError);
    const warnings: Warning[] = [];
    const cfg = parseMargin("1,0.3,0.2", {}, warnings);
    assert.equal(marginTarget(0.5, cfg), 0.5 - 0.2);
    assert.equal(warnings[0]?.code, M.W_MARGIN_IGNORED);
  });
});
