import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { lttbIndices } from "../../src/curve/downsample.ts";
import { expandCurve } from "../../src/curve/expand.ts";
import { runScheduler, sampleScheduler, traceScheduler } from "../../src/replay/loop.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { emaAt, emaSeries, sampleIndices } from "../../src/replay/traces.ts";
import { createScheduler, schedulerNames } from "../../src/schedulers/registry.ts";
import { smallSpec } from "../schedulers/small-specs.ts";
import { memoryCurve } from "./helpers.ts";

/** A seeded noisy decreasing curve with flat stretches and, optionally, non-finite values. */
function curveValues(n: number, seed: number, holes = 0): Float64Array {
  let s = seed;
  const r = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 + 8 * Math.exp(-i / (n / 4)) + 0.3 * (r() - 0.5);
  for (let h = 0; h < holes; h++) out[Math.floor(r() * n)] = [Number.NaN, Number.POSITIVE_INFINITY][h % 2]!;
  return out;
}

describe("sampleScheduler: one pass, values at the sampled indices", () => {
  for (const name of schedulerNames()) {
    it(`${name}: equals traceScheduler at the indices and runScheduler's decays`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 200, max: 4000 }),
          fc.integer({ min: 1, max: 1e6 }),
          fc.integer({ min: 0, max: 4 }),
          fc.integer({ min: 3, max: 300 }),
          (n, seed, holes, points) => {
            const L = curveValues(n, seed, holes);
            const ctx = { totalSteps: n, lr0: 0.1 };
            const idx = sampleIndices(L, points);
            const sm = sampleScheduler(createScheduler(smallSpec(name), ctx), L, idx);
            const tr = traceScheduler(createScheduler(smallSpec(name), ctx), L);
            const run = runScheduler(createScheduler(smallSpec(name), ctx), L);
            assert.deepEqual(sm.decayIndices, run.decayIndices);
            assert.deepEqual(sm.lrAfter, run.lrAfter);
            assert.deepEqual(
              sm.lr,
              idx.map((i) => tr.lr[i]),
            );
            assert.deepEqual(
              sm.statistic,
              idx.map((i) => tr.statistic[i]),
            );
            assert.deepEqual(
              sm.counter,
              idx.map((i) => tr.counter[i]),
            );
          },
        ),
        { seed: 1, numRuns: 15 },
      );
    });
  }
});

describe("sampleIndices uses the report's MinMax-LTTB", () => {
  it("exactly `points` ascending indices, both ends kept, same as lttbIndices on (index, loss)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 20000 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 3, max: 500 }),
        (n, seed, points) => {
          const L = curveValues(n, seed);
          const idx = sampleIndices(L, points);
          assert.equal(idx.length, Math.min(n, points));
          for (let k = 1; k < idx.length; k++) assert.ok(idx[k]! > idx[k - 1]!);
          assert.equal(idx[0], 0);
          assert.equal(idx[idx.length - 1], n - 1);
          if (n > points) {
            const x = Array.from({ length: n }, (_, i) => i);
            assert.deepEqual(idx, lttbIndices(x, L, points));
          }
        },
      ),
      { seed: 1, numRuns: 40 },
    );
  });
  it("non-finite losses stay candidates (the last finite value stands in)", () => {
    const L = curveValues(5000, 3, 40);
    const idx = sampleIndices(L, 400);
    assert.equal(idx.length, 400);
    assert.equal(idx[idx.length - 1], 4999);
  });
  it("emaAt equals emaSeries at the indices", () => {
    const L = curveValues(3000, 9, 6);
    const idx = sampleIndices(L, 100);
    const full = emaSeries(L, 0.01);
    assert.deepEqual(
      emaAt(L, 0.01, idx),
      idx.map((i) => full[i]),
    );
  });
});

describe("replayCurve traces", () => {
  it("read every series at the sampled indices of the per-step loss", () => {
    const n = 3000;
    const L = curveValues(n, 5);
    const step = Array.from({ length: n }, (_, i) => i + 1);
    const curve = memoryCurve(step, Array.from(L));
    const specs = [smallSpec("fastface"), smallSpec("hck"), smallSpec("plateau-torch")];
    const r = replayCurve(curve, { schedulers: specs, traces: 200 });
    const ex = expandCurve(curve, "hold");
    const idx = sampleIndices(ex.loss, 200);
    const t = r.traces!;
    assert.deepEqual(
      t.step,
      idx.map((i) => ex.stepOf(i)),
    );
    const ema = emaSeries(ex.loss, 0.05);
    assert.deepEqual(
      t.ema,
      idx.map((i) => ema[i]),
    );
    specs.forEach((spec, k) => {
      const tr = traceScheduler(createScheduler(spec, { totalSteps: n, lr0: 1 }), ex.loss);
      const got = t.schedulers[k]!;
      assert.deepEqual(
        got.lr,
        idx.map((i) => tr.lr[i]),
      );
      assert.deepEqual(
        got.statistic,
        idx.map((i) => tr.statistic[i]),
      );
    });
  });
});
