import assert from "node:assert/strict";
import { test } from "node:test";
import { fitModel, metrics, predictSteps } from "../../src/simulate/fit.ts";
import { floor } from "../../src/simulate/floor.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { Prng } from "../../src/simulate/prng.ts";
import { loadTf } from "../../src/simulate/tf.ts";
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

test("a curve generated from known floor parameters plus noise is fitted back", async () => {
  const tf = await loadTf();
  const { clean, loss } = noisyCurve(7, 0.02);
  const fitted = await fitModel(tf, floor, { step, loss }, eta, {
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

test("tail protocol scores only the held-out points", async () => {
  const tf = await loadTf();
  const { loss } = noisyCurve(8, 0.01);
  const { validation } = await validateTail(tf, floor, { step, loss }, eta, 0.75, {
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
