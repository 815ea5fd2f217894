/**
 * The fit's analytic form: every model on blocks equals its per-step stepper, its forward-mode derivatives equal
 * central differences, and the objective's gradient (sawtooth and bounded reparameterisation included) equals
 * both central differences and tfjs's autodiff of the same expression (the fit before, bench/peers/fit-tfjs.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTf, PREDICT_TF, tfObjective } from "../../bench/peers/fit-tfjs.ts";
import { Prng } from "../../src/random.ts";
import { annealing } from "../../src/simulate/annealing.ts";
import { effective } from "../../src/simulate/effective.ts";
import { fitData, toFitBlocks } from "../../src/simulate/fit-data.ts";
import { floor } from "../../src/simulate/floor.ts";
import type { LossModel, ParamValues } from "../../src/simulate/model.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { multipower } from "../../src/simulate/multipower.ts";
import { Objective, singleRunProblem } from "../../src/simulate/objective.ts";
import { makeBlocks } from "../../src/simulate/schedule.ts";
import { sde } from "../../src/simulate/sde.ts";

// A 3-level step schedule over 3000 steps, evaluated every 150 steps; and a smooth (poly) one.
const T = 3000;
const stepEta = new Float64Array(T);
for (let i = 0; i < T; i++) stepEta[i] = i < 1200 ? 0.1 : i < 2100 ? 0.01 : 0.001;
const polyEta = Float64Array.from({ length: T }, (_, i) => 0.1 * (1 - i / T) ** 2 + 1e-5);
const evalSteps = Array.from({ length: 20 }, (_, i) => (i + 1) * 150);

const cases: Array<[LossModel, ParamValues, number]> = [
  [multipower, { L0: 1, A: 20, alpha: 0.4, SW: 30, B: 5, C: 0.5, beta: 0.6, gamma: 0.5 }, 1e-9],
  [annealing, { L0: 1, A: 20, alpha: 0.4, SW: 30, C: 0.01, lambda: 0.99 }, 1e-9],
  [floor, { Linit: 40, k: 0.003, p: 0.5, a: 1, b: 10, q: 0.7 }, 1e-9],
  // effective: blocks see the norm at their start, the stepper per step; the norm is slow, so close.
  [
    effective,
    { Linit: 40, u0: 2, kappa: 1e-4, k: 0.003, p: 0.5, a: 1, b: 10, q: 0.7, c: 5, SW: 10, alpha: 0.5, d: 2, r: 0.8 },
    5e-3,
  ],
  [sde, { a: 1, c: 300, SW: 20, alpha: 0.6, b: 8, q: 0.6, k: 0.003, p: 0.8, u0: 2, kappa: 1e-4 }, 5e-3],
];

function thetaOf(model: LossModel, p: ParamValues): Float64Array {
  const scale = { s1Max: 1000, steps: T, lossFirst: 40, lossLast: 2, lossMin: 1, lossMax: 40 };
  return Float64Array.from(model.paramDefs(scale), (d) => p[d.name]!);
}

test("every model on blocks equals its per-step stepper at every evaluation step (step schedule)", () => {
  const fb = toFitBlocks(makeBlocks(stepEta, evalSteps), 0.1, evalSteps);
  for (const [model, raw, tol] of cases) {
    const pred = new Float64Array(evalSteps.length);
    model.predict(thetaOf(model, raw), fb, pred);
    const want = predictAt(model.stepper({ ...raw, lrRef: 0.1 }), stepEta, evalSteps);
    for (let i = 0; i < evalSteps.length; i++) {
      const rel = Math.abs(pred[i]! - want[i]!) / Math.abs(want[i]!);
      assert.ok(rel < tol, `${model.name} at step ${evalSteps[i]}: ${pred[i]} vs ${want[i]} (rel ${rel})`);
    }
  }
});

test("analytic derivatives equal central differences for every model and parameter (both schedules)", () => {
  for (const eta of [stepEta, polyEta]) {
    const fb = toFitBlocks(makeBlocks(eta, evalSteps, 10), 0.1, evalSteps);
    for (const [model, raw] of cases) {
      const th = thetaOf(model, raw);
      const P = th.length;
      const N = evalSteps.length;
      const pred = new Float64Array(N);
      const jac = new Float64Array(N * P);
      model.predict(th, fb, pred, jac);
      const up = new Float64Array(N);
      const dn = new Float64Array(N);
      for (let p = 0; p < P; p++) {
        const h = Math.abs(th[p]!) * 1e-6;
        const a = Float64Array.from(th);
        a[p] = th[p]! + h;
        model.predict(a, fb, up);
        a[p] = th[p]! - h;
        model.predict(a, fb, dn);
        for (let n = 0; n < N; n++) {
          const fd = (up[n]! - dn[n]!) / (2 * h);
          const an = jac[n * P + p]!;
          const scale = Math.max(Math.abs(fd), (1e-6 * Math.abs(pred[n]!)) / Math.abs(th[p]!));
          assert.ok(
            Math.abs(an - fd) <= 1e-5 * scale + 1e-9,
            `${model.name} d pred[${n}] / d ${model.paramDefs({ s1Max: 1000, steps: T, lossFirst: 40, lossLast: 2, lossMin: 1, lossMax: 40 })[p]!.name}: ${an} vs ${fd}`,
          );
        }
      }
    }
  }
});

// A noisy curve from the floor model with an epoch sawtooth, for the objective tests.
const STEPS = 20000;
const fitEta = new Float64Array(STEPS);
for (let i = 0; i < STEPS; i++) fitEta[i] = 0.1 * 0.1 ** ((i >= 8000 ? 1 : 0) + (i >= 14000 ? 1 : 0));
const fitSteps = Float64Array.from({ length: STEPS / 50 }, (_, i) => (i + 1) * 50);
const rng = new Prng(4);
const clean = predictAt(
  floor.stepper({ Linit: 40, k: 0.002, p: 0.5, a: 1.2, b: 12, q: 0.6, lrRef: 0.1 }),
  fitEta,
  fitSteps,
);
const fitLoss = clean.map(
  (v, i) => v * (1 - 0.05 * Math.exp(-((fitSteps[i]! - 1) % 2000) / 300)) * Math.exp(0.02 * rng.normal()),
);
const fitOpts = { maxPoints: 80, epochSteps: 2000 };

test("the objective's gradient equals central differences and tfjs autodiff (every model, with the sawtooth)", async () => {
  const tf = await loadTf();
  for (const [model] of cases) {
    const data = fitData({ step: fitSteps, loss: fitLoss }, fitEta, fitOpts);
    const problem = singleRunProblem(model, data);
    const f = new Objective(problem);
    const r = new Prng(11);
    const u = problem.defs.map(() => 1.2 * r.normal());
    const g = new Float64Array(u.length);
    const value = f.evaluate(u, g);
    const norm = Math.sqrt(g.reduce((acc, x) => acc + x * x, 0));
    for (let i = 0; i < u.length; i++) {
      const h = 1e-6;
      const a = [...u];
      a[i] = u[i]! + h;
      const up = f.evaluate(a);
      a[i] = u[i]! - h;
      const fd = (up - f.evaluate(a)) / (2 * h);
      assert.ok(
        Math.abs(g[i]! - fd) <= 1e-5 * Math.abs(fd) + 1e-6 * norm,
        `${model.name} ${problem.defs[i]!.name}: ${g[i]} vs ${fd}`,
      );
    }
    if (!PREDICT_TF[model.name]) continue; // a model newer than the tfjs fit
    const peer = await tfObjective(tf, model, { step: fitSteps, loss: fitLoss }, fitEta, fitOpts, u);
    assert.deepEqual(
      peer.defs.map((d) => d.name),
      problem.defs.map((d) => d.name),
    );
    assert.ok(
      Math.abs(peer.objective - value) <= 2e-3 * value,
      `${model.name} objective ${value} vs tfjs ${peer.objective}`,
    );
    for (let i = 0; i < u.length; i++) {
      assert.ok(
        Math.abs(peer.grad[i]! - g[i]!) <= 2e-3 * norm + 1e-7,
        `${model.name} d/d ${problem.defs[i]!.name}: ${g[i]} vs tfjs ${peer.grad[i]}`,
      );
    }
  }
});
