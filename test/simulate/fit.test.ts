import assert from "node:assert/strict";
import { test } from "node:test";
import { Prng } from "../../src/random.ts";
import { fitModel, metrics, predictSteps } from "../../src/simulate/fit.ts";
import { floor } from "../../src/simulate/floor.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { validateTail } from "../../src/simulate/validate.ts";

// A step schedule (0.1, x0.1 at 40% and 70%) over 20,000 steps, logged every 50 steps.
const T = 20000;
const eta = new Float64Array(T);
for (let i = 0; i < T; i++) eta[i] = 0.1 * 0.1 ** ((i >= 8000 ? 1 : 0) + (i >= 14000 ? 1 : 0));
const step = Float64Array.from({ length: T / 50 }, (_, i) => (i + 1) * 50);
const truth = { Linit: 40, k: 0.002, p: 0.5, a: 1.2, b: 12, q: 0.6, lrRef: 0.1 };

function noisyCurve(seed: number, sigma: number) {
  const clean = predictAt(floor.stepper(truth), eta, step);
  const rng = new Prng(seed);
  return { clean, loss: clean.map((v) => v * Math.exp(sigma * rng.normal())) };
}

test("a curve generated from known floor parameters plus noise is fitted back", () => {
  const { clean, loss } = noisyCurve(7, 0.02);
  const fitted = fitModel(floor, { step, loss }, eta, {
    seed: 3,
    starts: 2,
    iterations: 500,
    maxPoints: 120,
  });
  const pred = predictSteps(floor, fitted.params, eta, step);
  // the fitted curve is within 1.5% of the noise-free one
  assert.ok(metrics(clean, pred).relMae < 0.015, `relMae ${metrics(clean, pred).relMae}`);
  // the floors at the three LRs are identified (a + b * eta^q at eta/lrRef = 1, 0.1, 0.01)
  const fl = (p: Record<string, number>, e: number) => p.a! + p.b! * e ** p.q!;
  for (const e of [1, 0.1, 0.01]) {
    const want = fl(truth, e);
    const got = fl(fitted.params, e);
    assert.ok(Math.abs(got - want) / want < 0.05, `floor at ${e}: ${got} vs ${want}`);
  }
  assert.equal(fitted.params.lrRef, 0.1);
});

test("tail protocol scores only the held-out points", () => {
  const { loss } = noisyCurve(8, 0.01);
  const { validation } = validateTail(floor, { step, loss }, eta, 0.75, {
    seed: 1,
    starts: 2,
    iterations: 400,
    maxPoints: 80,
  });
  assert.equal(validation.protocol, "tail");
  assert.equal(validation.splitStep, 15013); // 50 + 0.75 * (20000 - 50), rounded
  assert.equal(validation.fitPoints + validation.heldOutPoints, step.length);
  assert.equal(validation.fitPoints, 300);
  assert.ok(validation.relMae < 0.1, `relMae ${validation.relMae}`);
});

test("the multi-start fit (screened Latin-hypercube starts + polish) is deterministic for a seed", () => {
  const { loss } = noisyCurve(9, 0.02);
  const opts = { seed: 5, starts: 3, iterations: 60, maxPoints: 60, screen: 16 };
  const a = fitModel(floor, { step, loss }, eta, opts);
  const b = fitModel(floor, { step, loss }, eta, opts);
  assert.deepEqual(a.params, b.params);
  assert.equal(a.objective, b.objective);
});

test("adaptive buckets: more buckets where the loss falls, weights = points x mean loss (mean 1)", async () => {
  const { bucketPoints, bucketPointsAdaptive } = await import("../../src/simulate/schedule.ts");
  // flat loss: nothing falls, so the buckets are the equal-index ones
  const n = 1000;
  const s = Float64Array.from({ length: n }, (_, i) => i + 1);
  const flat = { step: s, loss: new Float64Array(n).fill(3) };
  const fa = bucketPointsAdaptive(flat, 50);
  const fu = bucketPoints(flat, 50);
  assert.deepEqual(Array.from(fa.step), Array.from(fu.step));
  for (const w of fa.weight) assert.ok(Math.abs(w - 1) < 1e-12);
  // a loss that falls 100x in the first 10% and is flat after: with share 0.5 about 55% of the buckets
  // (0.5 * 0.1 + 0.5) cover the first 10% of the points
  const fall = { step: s, loss: Float64Array.from(s, (t) => (t <= 100 ? 100 * 0.01 ** (t / 100) : 1)) };
  const b = bucketPointsAdaptive(fall, 100);
  const early = Array.from(b.step).filter((t) => t <= 100).length;
  assert.ok(early >= 50 && early <= 58, `early buckets ${early} of ${b.step.length}`);
  const mean = Array.from(b.weight).reduce((x, y) => x + y, 0) / b.weight.length;
  assert.ok(Math.abs(mean - 1) < 1e-9);
  // weight ratio of two buckets = ratio of their (count x mean loss); the last bucket is flat at loss 1
  const last = b.step.length - 1;
  const cnt = b.step[last]! - b.step[last - 1]!;
  const w1 = b.weight[last]! / cnt; // weight per point at loss 1
  assert.ok(b.weight[0]! / (b.step[0]! * w1) > 50, "early points weigh more (their loss is higher)");
});
