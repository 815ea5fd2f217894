import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { countNonFinite, holdNonFinite, makeCurve, medianGap } from "../../src/curve/clean.ts";
import { ParseError, Warnings } from "../../src/errors.ts";

const meta = { name: "t", source: "mem", format: "csv" as const };

/** Reference rule written differently: a Map where each new step first deletes every step >= it. */
function reference(steps: number[], losses: number[]): Array<[number, number]> {
  const kept = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const k of [...kept.keys()]) if (k >= s) kept.delete(k);
    kept.set(s, losses[i] as number);
  });
  return [...kept.entries()].sort((a, b) => a[0] - b[0]);
}

describe("makeCurve", () => {
  it("keeps a clean curve as is and computes the stride", () => {
    const w = new Warnings();
    const c = makeCurve({ step: [10, 20, 30, 40], loss: [4, 3, 2, 1], lr: [0.1, 0.1, 0.01, 0.01] }, meta, w);
    assert.deepEqual(Array.from(c.columns.step), [10, 20, 30, 40]);
    assert.deepEqual(Array.from(c.columns.lr ?? []), [0.1, 0.1, 0.01, 0.01]);
    assert.equal(c.meta.stride, 10);
    assert.equal(c.meta.aggregation, "instant");
    assert.equal(w.list.length, 0);
  });

  it("resumed run: the latest segment wins, with a warning", () => {
    const w = new Warnings();
    const c = makeCurve({ step: [10, 20, 30, 40, 20, 30, 40, 50], loss: [9, 8, 7, 6, 8.5, 7.5, 6.5, 5.5] }, meta, w);
    assert.deepEqual(Array.from(c.columns.step), [10, 20, 30, 40, 50]);
    assert.deepEqual(Array.from(c.columns.loss), [9, 8.5, 7.5, 6.5, 5.5]);
    assert.ok(w.has("W_RESUMED_RUN"));
    assert.match(w.list[0]?.message ?? "", /dropped 3 earlier point/);
    assert.deepEqual(c.meta.warnings, w.list);
  });

  it("duplicate step: the latest value wins, with a warning", () => {
    const w = new Warnings();
    const c = makeCurve({ step: [1, 2, 2, 3], loss: [1, 2, 22, 3] }, meta, w);
    assert.deepEqual(Array.from(c.columns.loss), [1, 22, 3]);
    assert.ok(w.has("W_DUPLICATE_STEPS"));
  });

  it("NaN / Inf losses are kept and counted", () => {
    const w = new Warnings();
    const c = makeCurve({ step: [1, 2, 3, 4, 5], loss: [1, Number.NaN, Infinity, -Infinity, Number.NaN] }, meta, w);
    assert.equal(c.columns.loss.length, 5);
    assert.ok(Number.isNaN(c.columns.loss[1]));
    assert.deepEqual(c.meta.nonFinite, { nan: 2, posInf: 1, negInf: 1 });
    assert.ok(w.has("W_NONFINITE_LOSS"));
  });

  it("drops non-finite steps and rounds non-integer ones", () => {
    const w = new Warnings();
    const c = makeCurve({ step: [1, Number.NaN, 2.4, Infinity, 3], loss: [1, 2, 3, 4, 5] }, meta, w);
    assert.deepEqual(Array.from(c.columns.step), [1, 2, 3]);
    assert.deepEqual(Array.from(c.columns.loss), [1, 3, 5]);
    assert.ok(w.has("W_BAD_STEP") && w.has("W_NONINTEGER_STEP"));
  });

  it("columns of different lengths are a ParseError", () => {
    assert.throws(() => makeCurve({ step: [1, 2], loss: [1] }, meta), ParseError);
    assert.throws(() => makeCurve({ step: [1, 2], loss: [1, 2], lr: [1] }, meta), ParseError);
  });

  it("empty input gives an empty curve with stride 1", () => {
    const c = makeCurve({ step: [], loss: [] }, meta);
    assert.equal(c.columns.step.length, 0);
    assert.equal(c.meta.stride, 1);
  });

  it("holdNonFinite: the documented downstream rule (last finite value; leading ones take the first)", () => {
    const r = holdNonFinite([Number.NaN, -Infinity, 3, Infinity, Number.NaN, 2, Number.NaN]);
    assert.deepEqual(Array.from(r.values), [3, 3, 3, 3, 3, 2, 2]);
    assert.equal(r.replaced, 5);
    const none = holdNonFinite([Number.NaN, Infinity]);
    assert.equal(none.replaced, 0);
    assert.ok(!Number.isFinite(none.values[0]!) && !Number.isFinite(none.values[1]!));
  });

  it("medianGap and countNonFinite", () => {
    assert.equal(medianGap(new Float64Array([0, 10, 20, 50])), 10);
    assert.equal(medianGap(new Float64Array([0, 10, 30, 60])), 20);
    assert.deepEqual(countNonFinite([1, Number.NaN, Infinity]), { nan: 1, posInf: 1, negInf: 0 });
  });

  it("property: matches the reference latest-wins rule; steps strictly increasing integers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.double({ noNaN: false })), { maxLength: 80 }),
        (pts) => {
          const steps = pts.map((p) => p[0]);
          const losses = pts.map((p) => p[1]);
          const c = makeCurve({ step: steps, loss: losses }, meta);
          const ref = reference(steps, losses);
          assert.deepEqual(
            Array.from(c.columns.step),
            ref.map((r) => r[0]),
          );
          assert.deepEqual(
            Array.from(c.columns.loss),
            ref.map((r) => r[1]),
          );
          for (let i = 1; i < c.columns.step.length; i++) assert.ok(c.columns.step[i]! > c.columns.step[i - 1]!);
          const nf = countNonFinite(c.columns.loss);
          assert.deepEqual(c.meta.nonFinite, nf);
        },
      ),
      { seed: 1, numRuns: 300 },
    );
  });
});
