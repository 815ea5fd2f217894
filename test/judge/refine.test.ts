/**
 * Plateau-edge refinement: on seeded step-decay curves (flat + noise, a decay that drops the loss and lets it
 * fall further) the judge's plateau ends at the decay, where the coarse rate test ends it about W/2 early.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { coarseStationary, findStationary, resolveJudgeParams } from "../../src/judge/stationary.ts";
import { rng } from "../schedulers/helpers.ts";

/** Flat at level 10 with a slow within-"epoch" rise and noise, decays at `decays` (x0.6, then an exponential fall). */
function decayCurve(n: number, decays: number[], seed: number, noise: number, stride: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  let point = 0;
  for (let t = 0; t < n; t++) {
    let level = 10;
    for (const d of decays) {
      if (t > d) {
        const tau = t - d;
        level = level * 0.6 - level * 0.15 * (1 - Math.exp(-tau / 400));
      }
    }
    const saw = 0.05 * ((t % 5000) / 5000);
    // interval means held over `stride` steps, like an arcface_torch log
    if (t % stride === 0) point = noise * (r() - 0.5);
    x[t] = level * (1 + saw) + point;
  }
  return x;
}

describe("refined plateau ends", () => {
  it("sit at the decay that ended them (coarse ends sit about W/2 early)", () => {
    const n = 120000;
    const decays = [50000, 85000];
    const x = decayCurve(n, decays, 3, 0.05, 50);
    const p = resolveJudgeParams(n);
    const coarse = coarseStationary(x, p);
    const refined = findStationary(x);
    assert.equal(refined.length, 3, JSON.stringify(refined));
    for (let k = 0; k < 2; k++) {
      assert.ok(decays[k]! - coarse[k]!.end > p.window / 4, `coarse end ${coarse[k]!.end} vs ${decays[k]}`);
      assert.ok(Math.abs(refined[k]!.end - decays[k]!) <= 100, `refined end ${refined[k]!.end} vs ${decays[k]}`);
    }
    assert.equal(refined[2]!.end, n - 1);
  });
  it("property: spans stay ordered, disjoint and inside the sequence; ends land within 2 strides of the decay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 40000, max: 60000 }),
        fc.constantFrom(10, 20, 50),
        fc.double({ min: 0.01, max: 0.1, noNaN: true }),
        (seed, d, stride, noise) => {
          const n = 100000;
          const x = decayCurve(n, [d], seed, noise, stride);
          const spans = findStationary(x);
          for (let k = 0; k < spans.length; k++) {
            const s = spans[k]!;
            assert.ok(s.start >= 0 && s.start <= s.end && s.end < n);
            if (k > 0) assert.ok(s.start > spans[k - 1]!.end);
          }
          const first = spans[0]!;
          assert.ok(Math.abs(first.end - d) <= 2 * stride, `end ${first.end} vs decay ${d}: ${JSON.stringify(spans)}`);
        },
      ),
      { seed: 7, numRuns: 25 },
    );
  });
  it("leaves edges alone where the loss does not step (a flat run to the end, a steady decline)", () => {
    const flat = new Float64Array(50000).fill(4);
    assert.deepEqual(findStationary(flat), [{ start: 0, end: 49999 }]);
    const decline = Float64Array.from({ length: 50000 }, (_, t) => 10 * Math.exp(-t / 5000));
    assert.deepEqual(findStationary(decline), coarseStationary(decline, resolveJudgeParams(50000)));
  });
});
