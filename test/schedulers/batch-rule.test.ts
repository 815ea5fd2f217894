import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RuleLane, replayBits } from "../../src/schedulers/batch/rule.ts";
import { DecayRule } from "../../src/schedulers/decide.ts";

/**
 * rule.ts (the decision rule replayed from packed bits, run lengths in closed form) against decide.ts's DecayRule
 * applied one step at a time: random stationary/non-stationary sequences with long runs and flicker, tolerances
 * from 0 to past a word, counters that start anywhere, maxDecays reached or not, and held-back prefixes.
 */

/** Pack two lanes' bits (one boolean per step, multiple of 32 steps) in the kernels' layout (rule.ts). */
function pack(lanes: [boolean[], boolean[]]): Int32Array {
  const words = lanes[0].length / 32;
  const out = new Int32Array(words * 2);
  for (let w = 0; w < words; w++) {
    let hi = 0;
    let lo = 0;
    for (let s = 0; s < 32; s++) {
      for (let j = 0; j < 2; j++) {
        if (!lanes[j]![w * 32 + s]) continue;
        if (s < 16) hi |= 1 << (2 * (15 - s) + j);
        else lo |= 1 << (2 * (31 - s) + j);
      }
    }
    out[2 * w] = lo;
    out[2 * w + 1] = hi;
  }
  return out;
}

/** A sequence of runs: long stationary stretches, long breaks and single-step flicker. */
const sequence = fc
  .array(fc.tuple(fc.boolean(), fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 150 }))), {
    maxLength: 40,
  })
  .map((runs) => runs.flatMap(([b, n]) => Array.from({ length: n }, () => b)));

describe("the rule replayed from packed bits equals DecayRule.decide step by step", () => {
  it("random sequences, tolerances, starting counters, maxDecays and held-back prefixes (property)", () => {
    fc.assert(
      fc.property(
        sequence,
        sequence,
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom(0, 3),
        (a, b, toler, maxDecays, events, count0, quiet, offset) => {
          const n = Math.max(32, Math.ceil(Math.max(a.length, b.length) / 32) * 32);
          const bits: [boolean[], boolean[]] = [
            Array.from({ length: n }, (_, i) => a[i] ?? false),
            Array.from({ length: n }, (_, i) => b[i] ?? true),
          ];
          const packed = pack(bits);
          const count = Math.min(count0, toler);
          for (const odd of [0, 1]) {
            const want = { index: [] as number[], lr: [] as number[] };
            const ref = new DecayRule({ lambda: 0.5, toler, maxDecays });
            ref.count = count;
            ref.events = events;
            let lr = 1;
            bits[odd]!.forEach((stationary, q) => {
              if (q < quiet) return;
              if (ref.decide(stationary ? 0 : 1)) {
                lr /= 3;
                want.index.push(q + offset);
                want.lr.push(lr);
              }
            });
            const got = { index: [] as number[], lr: [] as number[] };
            const lane = new RuleLane({ count, events, lr: 1, toler, maxDecays, delta: 3 }, got);
            lane.quietUntil = quiet;
            replayBits(lane, packed, 0, 2, n / 32, odd, 0, null, offset);
            assert.deepEqual(got, want);
            assert.equal(lane.count, ref.count);
            assert.equal(lane.events, ref.events);
            assert.equal(lane.lr, lr);
          }
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it("maps compact positions to step indices", () => {
    const got = { index: [] as number[], lr: [] as number[] };
    const lane = new RuleLane({ count: 0, events: 0, lr: 1, toler: 1, maxDecays: 8, delta: 2 }, got);
    const bits: [boolean[], boolean[]] = [Array.from({ length: 32 }, (_, i) => i < 4), Array(32).fill(false)];
    const stepOf = Int32Array.from({ length: 32 }, (_, q) => 10 * q);
    replayBits(lane, pack(bits), 0, 2, 1, 0, 0, stepOf, 0);
    assert.deepEqual(got, { index: [10, 30], lr: [0.5, 0.25] });
  });
});
