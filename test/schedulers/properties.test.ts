import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  createScheduler,
  restoreScheduler,
  type SchedulerSpec,
  schedulerNames,
} from "../../src/schedulers/registry.ts";
import { noisyCurve, record } from "./helpers.ts";
import { smallSpec } from "./small-specs.ts";

describe("properties of the FastFace rule (fastface, hck)", () => {
  it("LR never increases, at most maxDecays decays, decays at least toler + 1 steps apart", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("fastface", "hck", "fastface-debias"),
        fc.integer({ min: 10, max: 3000 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(0, 1e-4, 1e-3, 1e-2),
        fc.constantFrom(0, 0.002, 0.01, 0.05),
        fc.integer({ min: 0, max: 5 }),
        (kind, n, seed, lambda, tau, maxDecays) => {
          const spec: SchedulerSpec =
            kind === "hck"
              ? { name: "hck", params: { alpha: 0.1, m: 10, lambda, tau, maxDecays } }
              : {
                  name: "fastface",
                  params: { alpha: 0.05, beta: 0.05, lambda, tau, maxDecays, debias: kind !== "fastface" },
                };
          const s = createScheduler(spec, { totalSteps: n, lr0: 1 });
          const r = record(s, noisyCurve(n, seed));
          const toler = Math.floor(n * tau);
          let prev = 1;
          let last = -Infinity;
          let count = 0;
          for (let t = 0; t < n; t++) {
            assert.ok(r.lr[t]! <= prev);
            prev = r.lr[t]!;
            if (r.fired[t]) {
              count++;
              assert.ok(t - last >= toler + 1, `decays at ${last} and ${t}, toler ${toler}`);
              last = t;
            }
          }
          assert.ok(count <= maxDecays);
          assert.equal(s.decays, count);
        },
      ),
      { seed: 1, numRuns: 120 },
    );
  });
});

describe("restore-then-continue equals an uninterrupted run, for every registered scheduler", () => {
  for (const name of schedulerNames()) {
    it(name, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1999 }), (seed, cut) => {
          const n = 2000;
          const L = noisyCurve(n, seed, 0.5);
          const ctx = { totalSteps: n, lr0: 0.1 };
          const full = record(createScheduler(smallSpec(name), ctx), L);
          const a = createScheduler(smallSpec(name), ctx);
          const head = record(a, L.subarray(0, cut));
          const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
          assert.equal(b.t, cut);
          assert.equal(b.lr, a.lr);
          assert.equal(b.decays, a.decays);
          const tail = record(b, L.subarray(cut));
          assert.deepEqual([...head.fired, ...tail.fired], full.fired);
          assert.deepEqual([...head.lr, ...tail.lr], full.lr);
          assert.deepEqual([...head.statistic, ...tail.statistic], full.statistic);
          assert.deepEqual([...head.counter, ...tail.counter], full.counter);
        }),
        { seed: 1, numRuns: 15 },
      );
    });
  }
  it("the SMALL specs exercise decays (so the property is not vacuous)", () => {
    for (const name of schedulerNames()) {
      if (name === "constant") continue;
      const s = createScheduler(smallSpec(name), { totalSteps: 2000, lr0: 0.1 });
      record(s, noisyCurve(2000, 5, 0.5));
      assert.ok(s.decays > 0, `${name} never decayed`);
    }
  });
});
