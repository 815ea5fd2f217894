import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../src/errors.ts";
import {
  coarseStationary,
  findStationary,
  judgeStationary,
  minimumPoints,
  parseJudgeSpec,
  relativeRates,
  resolveJudgeParams,
} from "../../src/judge/stationary.ts";
import { noisyCurve } from "../schedulers/helpers.ts";

/** Direct O(n W) reference of r_t on the indices with a full window. */
function referenceRate(L: ArrayLike<number>, W: number, t: number): number {
  const h = Math.floor(W / 2);
  let a = 0;
  let b = 0;
  for (let i = t - h; i < t; i++) a += L[i]!;
  for (let i = t; i < t + h; i++) b += L[i]!;
  return (a / h - b / h) / h / ((a + b) / (2 * h));
}

describe("haar judge: relative rates", () => {
  it("golden: L = 4 3 2 1, W = 2 -> r = 1/3.5, 1/2.5, 1/1.5 (edges copy the nearest)", () => {
    const r = relativeRates(Float64Array.from([4, 3, 2, 1]), 2);
    const want = [1 / 3.5, 1 / 3.5, 1 / 2.5, 1 / 1.5];
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(r[i]! - want[i]!) < 1e-15, `r[${i}] = ${r[i]}`);
  });
  it("prefix sums equal the direct definition on random curves", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 600 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 2, max: 80 }),
        (n, seed, W) => {
          const L = noisyCurve(n, seed);
          const r = relativeRates(L, W);
          const h = Math.min(Math.floor(W / 2), Math.floor(n / 2));
          for (let t = h; t <= n - h && t < n; t++) {
            const ref = referenceRate(L, 2 * h, t);
            assert.ok(Math.abs(r[t]! - ref) <= 1e-9 * Math.max(1, Math.abs(ref)), `t=${t}`);
          }
        },
      ),
      { seed: 1, numRuns: 60 },
    );
  });
});

describe("haar judge: stationary subsequences", () => {
  // decrease 0..999, flat 1000..2999, sharp drop, decrease 3000..3999, flat 4000..5999
  const L = new Float64Array(6000);
  for (let t = 0; t < 6000; t++) {
    if (t < 1000) L[t] = 10 - 0.004 * t;
    else if (t < 3000) L[t] = 6;
    else if (t < 4000) L[t] = 4 - 0.002 * (t - 3000);
    else L[t] = 2;
  }
  it("coarse runs: ends pulled in by about W/2 around the changes", () => {
    const spans = coarseStationary(L, resolveJudgeParams(6000, { window: 100, eps: 1e-5, minLength: 500 }));
    assert.equal(spans.length, 2);
    const [a, b] = spans;
    assert.ok(a!.start >= 1040 && a!.start <= 1050 && Math.abs(a!.end - 2950) <= 2, JSON.stringify(spans));
    assert.ok(b!.start >= 4040 && b!.start <= 4050 && b!.end === 5999, JSON.stringify(spans));
  });
  it("refined: the first flat ends at the drop (2999) and the flats start where the ramps end", () => {
    const spans = findStationary(L, { window: 100, eps: 1e-5, minLength: 500 });
    assert.equal(spans.length, 2);
    const [a, b] = spans;
    assert.equal(a!.end, 2999);
    assert.ok(a!.start >= 990 && a!.start <= 1000, JSON.stringify(spans));
    assert.ok(b!.start >= 3990 && b!.start <= 4000 && b!.end === 5999, JSON.stringify(spans));
    assert.deepEqual(
      findStationary(L, { window: 100, eps: 1e-5, minLength: 500, refine: 0 }),
      coarseStationary(L, resolveJudgeParams(6000, { window: 100, eps: 1e-5, minLength: 500 })),
    );
  });
  it("minLength drops short runs", () => {
    assert.equal(findStationary(L, { window: 100, eps: 1e-5, minLength: 1950 }).length, 1);
  });
  it("non-finite losses hold the last finite value", () => {
    const dirty = Float64Array.from(L);
    dirty[2000] = Number.NaN;
    dirty[5000] = Number.POSITIVE_INFINITY;
    assert.deepEqual(
      findStationary(dirty, { window: 100, eps: 1e-5, minLength: 500 }),
      findStationary(L, { window: 100, eps: 1e-5, minLength: 500 }),
    );
  });
  it("defaults are relative to n: W = 6% of n, eps = 1.5 / n, M = 3% of n, band 4, refined", () => {
    assert.deepEqual(resolveJudgeParams(200000), {
      window: 12000,
      eps: 1.5 / 200000,
      minLength: 6000,
      band: 4,
      refine: 1,
    });
    assert.deepEqual(resolveJudgeParams(1000, { window: 0.1, minLength: 50, refine: 0 }), {
      window: 100,
      eps: 1.5e-3,
      minLength: 50,
      band: 4,
      refine: 0,
    });
  });
  it("refuses below 3 points per half window: 100 points for the default window", () => {
    assert.equal(minimumPoints(124451), 100);
    assert.equal(minimumPoints(5), 100);
    assert.equal(minimumPoints(10000, { window: 0.1 }), 60);
    assert.equal(minimumPoints(10000, { window: 2000 }), 30);
    for (const points of [1, 2, 5, 20, 99]) {
      const flat = new Float64Array(points).fill(3);
      const v = judgeStationary(flat);
      assert.deepEqual(v.spans, [], `${points} points`);
      assert.deepEqual(v.refused, { points, needed: 100 });
    }
    // 20 logged points held over 20,000 steps are still 20 points
    const held = new Float64Array(20000).fill(3);
    assert.deepEqual(judgeStationary(held, {}, { points: 20 }).refused, { points: 20, needed: 100 });
    const ok = judgeStationary(held, {}, { points: 100 });
    assert.equal(ok.refused, undefined);
    assert.deepEqual(ok.spans, [{ start: 0, end: 19999 }]);
    assert.deepEqual(findStationary(new Float64Array(0)), []);
    assert.deepEqual(findStationary(Float64Array.from([Number.NaN, Number.NaN])), []);
  });
});

describe("judge spec", () => {
  it("parses haar with any subset of params", () => {
    assert.deepEqual(parseJudgeSpec("haar"), { name: "haar", params: {} });
    assert.deepEqual(parseJudgeSpec("haar:window=2000,eps=1e-6,minLength=0.05"), {
      name: "haar",
      params: { window: 2000, eps: 1e-6, minLength: 0.05 },
    });
    assert.deepEqual(parseJudgeSpec("haar:band=2.5,refine=0"), { name: "haar", params: { band: 2.5, refine: 0 } });
  });
  it("errors name what is valid", () => {
    assert.throws(
      () => parseJudgeSpec("dtw"),
      (e: unknown) => e instanceof ConfigError && e.message.includes("haar"),
    );
    assert.throws(
      () => parseJudgeSpec("haar:w=3"),
      (e: unknown) => e instanceof ConfigError && e.message.includes("window, eps, minLength, band, refine"),
    );
    assert.throws(() => parseJudgeSpec("haar:refine=2"), ConfigError);
    assert.throws(() => parseJudgeSpec("haar:window=-3"), ConfigError);
    assert.throws(() => parseJudgeSpec("haar:minLength=2.5"), ConfigError);
  });
});
