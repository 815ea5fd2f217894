import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { runScheduler } from "../../src/replay/loop.ts";
import { fastface } from "../../src/schedulers/fastface.ts";
import { createScheduler } from "../../src/schedulers/registry.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

/**
 * Independent reference of the official MHLR rule, written from the issue text: arrays for x, the counter and
 * the decay list; no shared code with src/.
 */
function referenceFastface(
  L: ArrayLike<number>,
  p: { alpha: number; beta: number; lambda: number; tau: number; delta: number; maxDecays: number },
  T: number,
) {
  const toler = Math.floor(T * p.tau);
  const w1 = 1 - p.alpha + (1 - p.beta);
  const w2 = (1 - p.alpha) * (1 - p.beta);
  const w3 = p.alpha * p.beta;
  const x: number[] = [0];
  const stat: number[] = [Number.NaN];
  const decays: number[] = [];
  const lr: number[] = [1];
  let count = 0;
  let power = 0;
  let cur = 1;
  for (let t = 1; t < L.length; t++) {
    const g = L[t - 1]! - L[t]!;
    x[t] = t === 1 ? p.alpha * g : w1 * x[t - 1]! - w2 * x[t - 2]! + w3 * g;
    stat[t] = x[t]!;
    if (x[t]! < p.lambda) {
      if (count < toler) count += 1;
      else {
        count = 0;
        power += 1;
        if (power <= p.maxDecays) {
          decays.push(t);
          cur /= p.delta;
        }
      }
    } else count = 0;
    lr[t] = cur;
  }
  return { stat, decays, lr };
}

describe("fastface: golden sequence by hand", () => {
  // alpha = beta = 0.5: w1 = 1, w2 = 0.25, w3 = 0.25; T = 20, tau = 0.1 -> toler = 2; lambda = 0.7
  // L = 10 8 7 7 7 7 7 -> x = -, 1, 1.25, 1, 0.6875, 0.4375, 0.265625
  const L = [10, 8, 7, 7, 7, 7, 7];
  const params = { alpha: 0.5, beta: 0.5, lambda: 0.7, tau: 0.1, delta: 2, maxDecays: 8 };
  it("statistic, counter and the decay at t = 6", () => {
    const r = record(fastface.create(params, { totalSteps: 20, lr0: 1 }), L);
    assert.deepEqual(r.statistic.slice(1), [1, 1.25, 1, 0.6875, 0.4375, 0.265625]);
    assert.ok(Number.isNaN(r.statistic[0]));
    assert.deepEqual(r.counter, [0, 0, 0, 0, 1, 2, 0]);
    assert.deepEqual(firedAt(r.fired), [6]);
    assert.deepEqual(r.lr, [1, 1, 1, 1, 1, 1, 0.5]);
  });
  it("maxDecays = 0: the counter cycles but nothing fires", () => {
    const r = record(fastface.create({ ...params, maxDecays: 0 }, { totalSteps: 20, lr0: 1 }), L);
    assert.deepEqual(firedAt(r.fired), []);
    assert.equal(r.counter[6], 0);
  });
  it("lr0 scales the LR", () => {
    const s = fastface.create(params, { totalSteps: 20, lr0: 0.02 });
    for (const v of L) s.step(v);
    assert.equal(s.lr, 0.01);
  });
});

describe("fastface matches the independent reference step for step", () => {
  it("random curves and parameters (official defaults and small alphas)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3000 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(0.001, 0.01, 0.1, 0.5),
        fc.constantFrom(0.001, 0.02, 0.3),
        fc.constantFrom(5e-5, 1e-3, -1e-4),
        fc.constantFrom(0.001, 0.01, 0.05),
        (n, seed, alpha, beta, lambda, tau) => {
          const L = noisyCurve(n, seed);
          const p = { alpha, beta, lambda, tau, delta: 2, maxDecays: 3 };
          const ref = referenceFastface(L, p, n);
          const rec = record(fastface.create(p, { totalSteps: n, lr0: 1 }), L);
          assert.deepEqual(firedAt(rec.fired), ref.decays);
          for (let t = 1; t < n; t++) assert.equal(rec.statistic[t], ref.stat[t]);
          // the stepRange fast path gives the same decays
          const run = runScheduler(fastface.create(p, { totalSteps: n, lr0: 1 }), L);
          assert.deepEqual(run.decayIndices, ref.decays);
        },
      ),
      { seed: 1, numRuns: 60 },
    );
  });
});

describe("fastface: cold start and the two-EMA form", () => {
  it("x_t equals E_t of D_t = (1-a) D + a g, E_t = b D_t + (1-b) E once the cold start has decayed", () => {
    const alpha = 0.001;
    const beta = 0.001;
    const n = 60000;
    const L = noisyCurve(n, 7);
    const rec = record(fastface.create({ alpha, beta }, { totalSteps: n, lr0: 1 }), L);
    let D = 0;
    let E = 0;
    let maxLate = 0;
    let early = 0;
    for (let t = 1; t < n; t++) {
      D = (1 - alpha) * D + alpha * (L[t - 1]! - L[t]!);
      E = beta * D + (1 - beta) * E;
      const diff = Math.abs(rec.statistic[t]! - E);
      // the cold-start term decays like t (1 - alpha)^t; bound it by the first-step gap
      if (t === 1) early = diff;
      if (t > 40000) maxLate = Math.max(maxLate, diff);
    }
    assert.ok(early > 1e-6, "the official cold start differs from the two-EMA form at t = 1");
    assert.ok(maxLate < 1e-12, `late difference ${maxLate}`);
  });
  it("debias=true: a constant decrease g gives statistic g from t = 1 on (bias corrected)", () => {
    const n = 5000;
    const L = Float64Array.from({ length: n }, (_, i) => 100 - 0.003 * i);
    const rec = record(fastface.create({ debias: true }, { totalSteps: n, lr0: 1 }), L);
    for (let t = 1; t < n; t++) assert.ok(Math.abs(rec.statistic[t]! - 0.003) < 1e-9, `t=${t}: ${rec.statistic[t]}`);
    // without debias the statistic starts at alpha * g and approaches g slowly
    const raw = record(fastface.create({}, { totalSteps: n, lr0: 1 }), L);
    assert.ok(Math.abs(raw.statistic[1]! - 0.001 * 0.003) < 1e-15);
  });
});

describe("fastface: the official cold-start ramp", () => {
  it("one first difference g_1, then a flat loss: x_t = alpha g_1 t (1 - alpha)^(t-1) (alpha = beta), peak g_1 / e", () => {
    const alpha = 0.001;
    const n = 3000;
    const L = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 10 : 11)); // g_1 = -1
    const rec = record(fastface.create({ alpha, beta: alpha }, { totalSteps: n, lr0: 1 }), L);
    for (const t of [1, 2, 10, 500, 1000, 2999]) {
      const want = alpha * -1 * t * (1 - alpha) ** (t - 1);
      assert.ok(Math.abs(rec.statistic[t]! - want) <= 1e-9 * Math.abs(want), `t=${t}: ${rec.statistic[t]} vs ${want}`);
    }
    assert.ok(Math.abs(rec.statistic[1000]! - -1 / Math.E) < 1e-3);
    // debias=true starts from the zero state: the same input leaves a small, decaying weighted mean instead
    const deb = record(fastface.create({ alpha, beta: alpha, debias: true }, { totalSteps: n, lr0: 1 }), L);
    assert.equal(deb.statistic[1], -1);
    assert.ok(Math.abs(deb.statistic[1000]!) < 0.01, String(deb.statistic[1000]));
  });
});

describe("fastface: non-finite losses carry no information", () => {
  it("a NaN or Infinity is skipped: same statistics and decisions as without it", () => {
    const L = Array.from(noisyCurve(4000, 3));
    const p = { alpha: 0.05, beta: 0.05, lambda: 1e-3, tau: 0.01 };
    const clean = record(fastface.create(p, { totalSteps: 4000, lr0: 1 }), L);
    const dirty = [...L.slice(0, 1000), Number.NaN, ...L.slice(1000, 2000), Number.POSITIVE_INFINITY, ...L.slice(2000)];
    const rec = record(fastface.create(p, { totalSteps: 4000, lr0: 1 }), dirty);
    assert.ok(Number.isNaN(rec.statistic[1000]));
    const kept = rec.statistic.filter((_, i) => i !== 1000 && i !== 2001);
    assert.deepEqual(kept, clean.statistic);
    const keptFired = rec.fired.filter((_, i) => i !== 1000 && i !== 2001);
    assert.deepEqual(keptFired, clean.fired);
  });
});

describe("warmup=N (ours): no decision during the first N steps", () => {
  const L = noisyCurve(20000, 5, 0.05);
  const ctx = { totalSteps: 20000, lr0: 1 };
  for (const name of ["fastface", "hck"]) {
    it(`${name}: same statistic, counter held at 0, first decay at index >= N; warmup=0 is the official rule`, () => {
      const base = `${name}:lambda=1e-3,tau=0.01,maxDecays=40${name === "hck" ? ",m=200" : ""}`;
      const off = record(createScheduler(base, ctx), L);
      const zero = record(createScheduler(`${base},warmup=0`, ctx), L);
      assert.deepEqual(zero, off);
      const firstOff = off.fired.indexOf(true);
      assert.ok(firstOff >= 0 && firstOff < 15000, "the case is not trivial");
      const N = firstOff + 500;
      const w = record(createScheduler(`${base},warmup=${N}`, ctx), L);
      for (let i = 0; i < N; i++) {
        assert.equal(w.fired[i], false, `index ${i}`);
        assert.equal(w.counter[i], 0, `counter at ${i}`);
      }
      assert.deepEqual(w.statistic, off.statistic);
      assert.ok(w.fired.indexOf(true) >= N);
      // a fraction of T
      const frac = record(createScheduler(`${base},warmup=0.5`, ctx), L);
      assert.ok(frac.fired.indexOf(true) === -1 || frac.fired.indexOf(true) >= 10000);
    });
  }
});
