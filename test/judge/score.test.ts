import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scoreDecays } from "../../src/judge/score.ts";

describe("scoreDecays", () => {
  const spans = [
    { start: 10, end: 20 },
    { start: 30, end: 40 },
    { start: 50, end: 60 },
  ];
  it("removed = first decay inside at d < e; saved = e - d; premature = decays outside", () => {
    // 15 removes [10,20] (saves 5), 18 is a second decay inside (no extra credit), 25 is premature,
    // 40 is inside [30,40] but at its end (not removed), 70 is premature
    assert.deepEqual(scoreDecays(spans, [15, 18, 25, 40, 70]), { removed: 1, openLoopLead: 5, premature: 2 });
  });
  it("maps indices to curve steps for the saving", () => {
    assert.deepEqual(
      scoreDecays(spans, [52], (i) => 100 + 10 * i),
      { removed: 1, openLoopLead: 80, premature: 0 },
    );
  });
  it("unsorted input and no plateaus", () => {
    assert.deepEqual(scoreDecays(spans, [55, 12]), { removed: 2, openLoopLead: 13, premature: 0 });
    assert.deepEqual(scoreDecays([], [1, 2]), { removed: 0, openLoopLead: 0, premature: 2 });
  });
});
