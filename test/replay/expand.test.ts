import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandCurve, expandHold, expandNone } from "../../src/curve/expand.ts";
import { memoryCurve } from "./helpers.ts";

describe("expand", () => {
  const c = memoryCurve([10, 13, 15], [5, 4, 3]);
  it("hold: the first point is one step, point i fills (step[i-1], step[i]]", () => {
    const e = expandHold(c);
    assert.deepEqual(Array.from(e.loss), [5, 4, 4, 4, 3, 3]);
    assert.equal(e.steps, 6);
    assert.equal(e.firstStep, 10);
    assert.equal(e.lastStep, 15);
    assert.equal(e.stepOf(0), 10);
    assert.equal(e.stepOf(5), 15);
    assert.equal(e.indexOf(13), 3);
  });
  it("none: the points as they are", () => {
    const e = expandNone(c);
    assert.deepEqual(Array.from(e.loss), [5, 4, 3]);
    assert.equal(e.stepOf(1), 13);
    assert.equal(e.indexOf(14), 1);
    assert.equal(e.indexOf(15), 2);
    assert.equal(expandCurve(c, "none").steps, 3);
  });
  it("empty curve", () => {
    assert.equal(expandHold(memoryCurve([], [])).steps, 0);
  });
});
