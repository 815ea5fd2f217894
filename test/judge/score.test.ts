import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { scoreDecays } from "../../src/judge/score.ts";

describe("scoreDecays", () => {
  const spans = [
    { start: 10, end: 20 },
    { start: 30, end: 40 },
    { start: 50, end: 60 },
  ];
  it("removed = first decay in [s, e + tol]; lead = e - d; premature = decays outside every window", () => {
    // 15 removes [10,20] (lead 5), 18 is a second decay inside, 25 is premature, 40 is at the end of [30,40]
    // (it ended the plateau: removed, lead 0), 70 is premature
    const s = scoreDecays(spans, [15, 18, 25, 40, 70]);
    assert.equal(s.removed, 2);
    assert.equal(s.openLoopLead, 5);
    assert.equal(s.premature, 2);
    assert.deepEqual(s.lags, [5, 10, null]);
    assert.equal(s.meanLag, 7.5);
    assert.deepEqual(s.verdicts, [
      { plateau: 0, removes: true },
      { plateau: 0, removes: false },
      { plateau: -1, removes: false },
      { plateau: 1, removes: true },
      { plateau: -1, removes: false },
    ]);
  });
  it("a decay just after the end (within the tolerance) ended the plateau: removed, not premature", () => {
    const s = scoreDecays(spans, [22, 63], (i) => i, 3);
    assert.equal(s.removed, 2);
    assert.equal(s.premature, 0);
    assert.equal(s.openLoopLead, 0);
    assert.deepEqual(s.lags, [12, null, 13]);
    // one step further is premature
    assert.equal(scoreDecays(spans, [24], (i) => i, 3).premature, 1);
  });
  it("each decay is credited once, even where two windows overlap", () => {
    const adjacent = [
      { start: 10, end: 20 },
      { start: 21, end: 40 },
    ];
    const s = scoreDecays(adjacent, [22], (i) => i, 5);
    assert.equal(s.removed, 1);
    assert.deepEqual(s.lags, [12, null]);
    const two = scoreDecays(adjacent, [22, 30], (i) => i, 5);
    assert.equal(two.removed, 2);
    assert.deepEqual(two.lags, [12, 9]);
  });
  it("maps indices to curve steps for the lead and the lags", () => {
    const s = scoreDecays(spans, [52], (i) => 100 + 10 * i);
    assert.equal(s.removed, 1);
    assert.equal(s.openLoopLead, 80);
    assert.deepEqual(s.lags, [null, null, 20]);
  });
  it("unsorted input (verdicts in the given order) and no plateaus", () => {
    const s = scoreDecays(spans, [55, 12]);
    assert.equal(s.removed, 2);
    assert.equal(s.openLoopLead, 13);
    assert.deepEqual(s.verdicts, [
      { plateau: 2, removes: true },
      { plateau: 0, removes: true },
    ]);
    const none = scoreDecays([], [1, 2]);
    assert.equal(none.removed, 0);
    assert.equal(none.premature, 2);
    assert.equal(none.meanLag, null);
  });
  it("property: a decay at each plateau's end removes every plateau, with no premature decay", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 500 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 0, max: 50 }),
        (gapsAndLengths, tol) => {
          const sp: Array<{ start: number; end: number }> = [];
          let t = 0;
          for (const [gap, len] of gapsAndLengths) {
            const start = t + gap;
            sp.push({ start, end: start + len });
            t = start + len + 1;
          }
          const s = scoreDecays(
            sp,
            sp.map((p) => p.end),
            (i) => i,
            tol,
          );
          assert.equal(s.removed, sp.length);
          assert.equal(s.premature, 0);
          assert.equal(s.openLoopLead, 0);
          assert.deepEqual(
            s.lags,
            sp.map((p) => p.end - p.start),
          );
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});
