import assert from "node:assert/strict";
import { test } from "node:test";
import { Prng } from "../../src/random.ts";
import { BlockBootstrap, blockLengthOf, movingAverage, noiseFromResiduals } from "../../src/simulate/noise.ts";

test("moving average shrinks at the edges", () => {
  assert.deepEqual([...movingAverage(Float64Array.from([1, 2, 3]), 3)], [1.5, 2, 2.5]);
});

test("block length follows the autocorrelation", () => {
  const rng = new Prng(1);
  const white = Float64Array.from({ length: 4000 }, () => rng.normal());
  assert.ok(blockLengthOf(white) <= 2, `white: ${blockLengthOf(white)}`);
  // AR(1) with phi = 0.9: integrated autocorrelation time (1 + phi) / (1 - phi) = 19
  const ar = new Float64Array(20000);
  for (let i = 1; i < ar.length; i++) ar[i] = 0.9 * ar[i - 1]! + rng.normal();
  const b = blockLengthOf(ar);
  assert.ok(b >= 12 && b <= 22, `ar(1): ${b}`);
});

test("the bootstrap is seeded and resamples whole blocks of the residuals", () => {
  const values = Float64Array.from({ length: 100 }, (_, i) => i);
  const a = new BlockBootstrap({ values, blockLength: 5 }, 42);
  const b = new BlockBootstrap({ values, blockLength: 5 }, 42);
  const xs = Array.from({ length: 50 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 50 }, () => b.next()),
  );
  for (let k = 0; k < 50; k += 5) {
    for (let j = 1; j < 5; j++) assert.equal(xs[k + j], xs[k]! + j); // consecutive within a block
  }
  const c = new BlockBootstrap({ values, blockLength: 5 }, 43);
  assert.notDeepEqual(
    Array.from({ length: 50 }, () => c.next()),
    xs,
  );
});

test("noise from residuals removes the slow misfit", () => {
  const rng = new Prng(2);
  const pred = Float64Array.from({ length: 1000 }, (_, i) => 10 - i / 200);
  // observed = prediction * 1.1 (slow misfit) * white noise of 1%
  const obs = pred.map((p) => p * 1.1 * Math.exp(0.01 * rng.normal()));
  const n = noiseFromResiduals(obs, pred);
  assert.ok(Math.abs(n.sigma - 0.01) < 0.002, `sigma ${n.sigma}`);
  assert.equal(n.values.length, 1000);
});
