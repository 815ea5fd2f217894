import assert from "node:assert/strict";
import { test } from "node:test";
import { annealing } from "../../src/simulate/annealing.ts";
import { effective } from "../../src/simulate/effective.ts";
import { blocksToTf } from "../../src/simulate/fit.ts";
import { floor } from "../../src/simulate/floor.ts";
import type { LossModel, ParamValues } from "../../src/simulate/model.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { multipower } from "../../src/simulate/multipower.ts";
import { makeBlocks } from "../../src/simulate/schedule.ts";
import { loadTf } from "../../src/simulate/tf.ts";

// A 3-level step schedule over 3000 steps, evaluated every 150 steps.
const T = 3000;
const eta = new Float64Array(T);
for (let i = 0; i < T; i++) eta[i] = i < 1200 ? 0.1 : i < 2100 ? 0.01 : 0.001;
const evalSteps = Array.from({ length: 20 }, (_, i) => (i + 1) * 150);

const cases: Array<[LossModel, ParamValues, number]> = [
  [multipower, { L0: 1, A: 20, alpha: 0.4, SW: 30, B: 5, C: 0.5, beta: 0.6, gamma: 0.5 }, 1e-4],
  [annealing, { L0: 1, A: 20, alpha: 0.4, SW: 30, C: 0.01, lambda: 0.99 }, 1e-4],
  [floor, { Linit: 40, k: 0.003, p: 0.5, a: 1, b: 10, q: 0.7 }, 1e-4],
  // effective: blocks see the norm at their start, the stepper per step; the norm is slow, so close.
  [
    effective,
    { Linit: 40, u0: 2, kappa: 1e-4, k: 0.003, p: 0.5, a: 1, b: 10, q: 0.7, c: 5, SW: 10, alpha: 0.5, d: 2, r: 0.8 },
    5e-3,
  ],
];

test("the tfjs block form equals the per-step stepper at every evaluation step", async () => {
  const tf = await loadTf();
  const blocks = makeBlocks(eta, evalSteps);
  const tb = blocksToTf(tf, blocks, 0.1, evalSteps);
  for (const [model, raw, tol] of cases) {
    const params = { ...raw, lrRef: 0.1 };
    const p: Record<string, ReturnType<typeof tf.scalar>> = {};
    for (const [k, v] of Object.entries(raw)) p[k] = tf.scalar(v);
    const got = await model.predictTf(tf, p, tb).data();
    const want = predictAt(model.stepper(params), eta, evalSteps);
    for (let i = 0; i < evalSteps.length; i++) {
      const rel = Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!);
      assert.ok(rel < tol, `${model.name} at step ${evalSteps[i]}: ${got[i]} vs ${want[i]} (rel ${rel})`);
    }
  }
});
