import assert from "node:assert/strict";
import { test } from "node:test";
import { Prng } from "../../src/random.ts";
import { parseSchedulerSpec } from "../../src/schedulers/registry.ts";
import { runClosedLoop } from "../../src/simulate/closed-loop.ts";
import { floor } from "../../src/simulate/floor.ts";
import { predictAt } from "../../src/simulate/model.ts";

const params = { Linit: 40, k: 0.002, p: 0.5, a: 1.2, b: 12, q: 0.6, lrRef: 0.1 };
const rng = new Prng(5);
const noise = { values: Float64Array.from({ length: 500 }, () => 0.02 * rng.normal()), blockLength: 3 };
const grid = Array.from({ length: 50 }, (_, i) => (i + 1) * 1000);

function run(spec: string, seed: number, withNoise = true) {
  return runClosedLoop({
    model: floor,
    params,
    scheduler: parseSchedulerSpec(spec),
    ctx: { totalSteps: 50000, lr0: 0.1 },
    steps: 50000,
    stride: 10,
    ...(withNoise ? { noise } : {}),
    seed,
    target: 3,
    grid,
    judge: { window: 4000, eps: 2e-6, minLength: 3000 },
  });
}

test("a closed-loop run with a seed is deterministic", () => {
  const a = run("fastface:lambda=1e-4,tau=0.02", 11);
  const b = run("fastface:lambda=1e-4,tau=0.02", 11);
  assert.deepEqual(a.decays, b.decays);
  assert.deepEqual([...a.observed], [...b.observed]);
  assert.equal(a.reachStep, b.reachStep);
  assert.deepEqual(a.stationary, b.stationary);
  const c = run("fastface:lambda=1e-4,tau=0.02", 12);
  assert.notDeepEqual([...c.observed], [...a.observed]);
});

test("a fixed schedule without noise reproduces the model under that schedule", () => {
  const r = run("multistep:milestones=20000,35000,gamma=0.1", 1, false);
  assert.deepEqual(
    r.decays.map((d) => d.step),
    [20000, 35000],
  );
  const eta = new Float64Array(50000);
  for (let i = 0; i < eta.length; i++) eta[i] = 0.1 * 0.1 ** ((i >= 20000 ? 1 : 0) + (i >= 35000 ? 1 : 0));
  const want = predictAt(floor.stepper(params), eta, grid);
  for (let i = 0; i < grid.length; i++) assert.ok(Math.abs(r.loss[i]! - want[i]!) < 1e-12);
  assert.deepEqual([...r.observed], [...r.loss]);
  // the loss first falls below the target after the second decay
  assert.ok(r.reachStep !== null && r.reachStep > 35000);
});

test("an adaptive scheduler decays on plateaus of the model and reaches a lower loss than no decay", () => {
  const ff = run("fastface:lambda=1e-4,tau=0.02", 3);
  const flat = run("constant", 3);
  assert.ok(ff.decays.length >= 1);
  assert.ok(ff.finalLoss < flat.finalLoss);
  assert.equal(flat.decays.length, 0);
});
