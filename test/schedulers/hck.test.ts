import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../src/errors.ts";
import { runScheduler } from "../../src/replay/loop.ts";
import { hck } from "../../src/schedulers/hck.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

/** Independent reference: the EMA array, then both half sums by slicing, then the rule. */
function referenceHck(L: ArrayLike<number>, p: { alpha: number; m: number; lambda: number; tau: number }, T: number) {
  const n = L.length;
  const LE: number[] = [];
  for (let t = 0; t < n; t++) LE.push(t === 0 ? L[0]! : p.alpha * L[t]! + (1 - p.alpha) * LE[t - 1]!);
  const h = p.m / 2;
  const toler = Math.floor(T * p.tau);
  const stat: number[] = [];
  const scale: number[] = [];
  const decays: number[] = [];
  let count = 0;
  let events = 0;
  for (let t = 0; t < n; t++) {
    if (t < p.m - 1) {
      stat.push(Number.NaN);
      scale.push(Number.NaN);
      continue;
    }
    const old = LE.slice(t - p.m + 1, t - h + 1).reduce((a, b) => a + b, 0);
    const nw = LE.slice(t - h + 1, t + 1).reduce((a, b) => a + b, 0);
    const x = (old - nw) / (h * h);
    stat.push(x);
    scale.push((Math.abs(old) + Math.abs(nw)) / (h * h));
    if (x < p.lambda) {
      if (count < toler) count++;
      else {
        count = 0;
        events++;
        if (events <= 8) decays.push(t);
      }
    } else count = 0;
  }
  return { stat, scale, decays, LE };
}

describe("hck: golden sequence by hand", () => {
  it("m = 4, alpha = 1: x_t = (L[t-3] + L[t-2] - L[t-1] - L[t]) / 4", () => {
    // L = 8 7 6 5 5 5 5: x_3 = (8+7-6-5)/4 = 1, x_4 = 0.75, x_5 = 0.25, x_6 = 0
    // lambda = 0.5, T = 10, tau = 0.1 -> toler = 1: t5 count 1, t6 fires
    const for2 = hck.create({ alpha: 1, m: 4, lambda: 0.5, tau: 0.1 }, { totalSteps: 10, lr0: 1 });
    const r = record(for2, [8, 7, 6, 5, 5, 5, 5]);
    assert.deepEqual(r.statistic.slice(3), [1, 0.75, 0.25, 0]);
    assert.ok(r.statistic.slice(0, 3).every(Number.isNaN));
    assert.deepEqual(r.counter, [0, 0, 0, 0, 0, 1, 0]);
    assert.deepEqual(firedAt(r.fired), [6]);
    assert.equal(r.lr[6], 0.5);
  });
  it("m = 2, alpha = 0.5: LE = 4, 3, 2.5; x = LE_{t-1} - LE_t", () => {
    const r = record(hck.create({ alpha: 0.5, m: 2, lambda: -1 }, { totalSteps: 10, lr0: 1 }), [4, 2, 2]);
    assert.deepEqual(r.statistic.slice(1), [1, 0.5]);
  });
  it("odd m is a ConfigError", () => {
    assert.throws(() => hck.create({ m: 5 }, { totalSteps: 10, lr0: 1 }), ConfigError);
  });
});

describe("hck: running == naive == reference", () => {
  it("statistics agree within 1e-9 relative (to the half sums) and decisions agree", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 2500 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(2, 4, 10, 64, 300),
        fc.constantFrom(0.001, 0.05, 1),
        fc.constantFrom(1e-4, 5e-5, 0),
        (n, seed, m, alpha, lambda) => {
          const L = noisyCurve(n, seed);
          const p = { alpha, m, lambda, tau: 0.01 };
          const ref = referenceHck(L, p, n);
          const run = record(hck.create({ ...p, impl: "running" }, { totalSteps: n, lr0: 1 }), L);
          const naive = record(hck.create({ ...p, impl: "naive" }, { totalSteps: n, lr0: 1 }), L);
          for (let t = 0; t < n; t++) {
            if (t < m - 1) {
              assert.ok(Number.isNaN(run.statistic[t]) && Number.isNaN(naive.statistic[t]));
              continue;
            }
            const tol = 1e-9 * ref.scale[t]!;
            assert.ok(Math.abs(run.statistic[t]! - ref.stat[t]!) <= tol, `running t=${t}`);
            assert.ok(Math.abs(naive.statistic[t]! - ref.stat[t]!) <= tol, `naive t=${t}`);
          }
          assert.deepEqual(firedAt(run.fired), ref.decays);
          assert.deepEqual(firedAt(naive.fired), ref.decays);
          assert.deepEqual(runScheduler(hck.create(p, { totalSteps: n, lr0: 1 }), L).decayIndices, ref.decays);
        },
      ),
      { seed: 1, numRuns: 50 },
    );
  });
  it("long run (40k steps, m = 4000): running stays within 1e-9 relative of naive", () => {
    const n = 40000;
    const L = noisyCurve(n, 11, 2);
    const run = record(hck.create({ m: 4000 }, { totalSteps: n, lr0: 1 }), L);
    const ref = referenceHck(L, { alpha: 0.001, m: 4000, lambda: 5e-5, tau: 0.05 }, n);
    let worst = 0;
    for (let t = 3999; t < n; t++) worst = Math.max(worst, Math.abs(run.statistic[t]! - ref.stat[t]!) / ref.scale[t]!);
    assert.ok(worst < 1e-9, `worst relative error ${worst}`);
  });
});

describe("hck: non-finite losses are skipped", () => {
  it("same statistics as without them", () => {
    const L = Array.from(noisyCurve(600, 5));
    const p = { alpha: 0.1, m: 20, lambda: 1e-3, tau: 0.02 };
    const clean = record(hck.create(p, { totalSteps: 600, lr0: 1 }), L);
    const dirty = [...L.slice(0, 5), Number.NaN, ...L.slice(5, 300), Number.NEGATIVE_INFINITY, ...L.slice(300)];
    const rec = record(hck.create(p, { totalSteps: 600, lr0: 1 }), dirty);
    const kept = rec.statistic.filter((_, i) => i !== 5 && i !== 301);
    assert.deepEqual(kept, clean.statistic);
  });
});
