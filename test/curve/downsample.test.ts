/**
 * Display downsampling: MinMax-LTTB keeps the ends and the extremes, returns ascending indices of finite
 * points, and at most `target` of them; change-point reduction of a step schedule is lossless.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { changeIndices, lttbIndices, vertexIndices } from "../../src/curve/downsample.ts";

test("lttbIndices: the hand-computed 4 -> 3 case keeps the peak", () => {
  assert.deepEqual(lttbIndices([0, 1, 2, 3], [1, 5, 2, 2], 3), [0, 1, 3]);
});

test("lttbIndices: short series are returned whole; non-finite points are skipped", () => {
  assert.deepEqual(lttbIndices([0, 1, 2], [1, Number.NaN, 3], 10), [0, 2]);
  assert.deepEqual(lttbIndices([], [], 10), []);
});

test("lttbIndices on 200k points: <= target, ascending, ends kept, global min and max kept", () => {
  const n = 200_000;
  const x = Float64Array.from({ length: n }, (_, i) => i * 10);
  const y = Float64Array.from({ length: n }, (_, i) => 5 * Math.exp(-i / 50_000) + 0.01 * Math.sin(i));
  y[123_457] = 40; // a spike
  y[77_777] = -3; // a dip
  const idx = lttbIndices(x, y, 1000);
  assert.ok(idx.length <= 1000 && idx.length >= 900);
  for (let k = 1; k < idx.length; k++) assert.ok((idx[k] as number) > (idx[k - 1] as number));
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], n - 1);
  assert.ok(idx.includes(123_457), "spike survives");
  assert.ok(idx.includes(77_777), "dip survives");
});

test("lttbIndices property: subset of finite indices, ascending, bounded", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN)), { maxLength: 3000 }),
      fc.integer({ min: 3, max: 200 }),
      (ys, target) => {
        const xs = ys.map((_, i) => i);
        const idx = lttbIndices(xs, ys, target);
        assert.ok(idx.length <= Math.max(target, ys.filter(Number.isFinite).length <= target ? ys.length : target));
        for (let k = 0; k < idx.length; k++) {
          assert.ok(Number.isFinite(ys[idx[k] as number]));
          if (k > 0) assert.ok((idx[k] as number) > (idx[k - 1] as number));
        }
      },
    ),
    { seed: 1, numRuns: 200 },
  );
});

test("changeIndices: keeps both sides of every change and the ends", () => {
  assert.deepEqual(changeIndices([0, 1, 2, 3, 4], [1, 1, 0.5, 0.5, 0.5]), [0, 1, 2, 4]);
  assert.deepEqual(changeIndices([0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1]), [0, 5]);
});

test("changeIndices is lossless: a step-after replay of the kept points gives every original value", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(1, 0.5, 0.25, 0.1), { minLength: 3, maxLength: 500 }), (ys) => {
      const xs = ys.map((_, i) => i);
      const idx = changeIndices(xs, ys, 10_000);
      let k = 0;
      for (let i = 0; i < ys.length; i++) {
        while (k + 1 < idx.length && (idx[k + 1] as number) <= i) k++;
        assert.equal(ys[idx[k] as number], ys[i]);
      }
    }),
    { seed: 1, numRuns: 200 },
  );
});

test("changeIndices falls back to LTTB when the series changes at every point", () => {
  const xs = Array.from({ length: 5000 }, (_, i) => i);
  const ys = xs.map((i) => Math.cos(i / 1000));
  assert.ok(changeIndices(xs, ys, 100).length <= 100);
});

test("vertexIndices keeps the corners of a sawtooth and nothing else", () => {
  assert.deepEqual(vertexIndices([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 0, 0]), [0, 3, 4, 5]);
  assert.deepEqual(vertexIndices([0, 1, 2], [5, 5, 5]), [0, 2]);
  assert.deepEqual(vertexIndices([0, 10, 30, 60], [0, 1, 3, 6]), [0, 3], "irregular x, one slope");
});

test("vertexIndices is lossless: linear interpolation of the kept points gives every original value", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 300 }), (resets) => {
      // a tolerance counter: +1 per step, reset to 0 where resets[i] === 0
      const ys: number[] = [];
      let c = 0;
      for (const r of resets) {
        c = r === 0 ? 0 : c + 1;
        ys.push(c);
      }
      const xs = ys.map((_, i) => i);
      const idx = vertexIndices(xs, ys, 10_000);
      for (let k = 0; k + 1 < idx.length; k++) {
        const a = idx[k] as number;
        const b = idx[k + 1] as number;
        for (let i = a; i <= b; i++) {
          const lin = (ys[a] as number) + (((ys[b] as number) - (ys[a] as number)) * (i - a)) / (b - a);
          assert.ok(Math.abs(lin - (ys[i] as number)) < 1e-9);
        }
      }
      assert.equal(idx[0], 0);
      assert.equal(idx[idx.length - 1], ys.length - 1);
    }),
    { seed: 1, numRuns: 200 },
  );
});
