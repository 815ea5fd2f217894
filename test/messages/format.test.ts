import assert from "node:assert/strict";
import { test } from "node:test";
import { paramsText, percent } from "../../src/messages/format.ts";

test("percent: decimals, significant digits, no value", () => {
  assert.equal(percent(0.1234), "12.3%");
  assert.equal(percent(0.98765, { decimals: 2 }), "98.77%");
  assert.equal(percent(0.00012345, { significant: 3 }), "0.0123%");
  assert.equal(percent(1), "100.0%");
  for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(percent(v), "-");
});

test("paramsText: k=v joined by ', ', lists by ',' (the -s spec's list syntax), 6 significant digits", () => {
  assert.equal(
    paramsText({ lambda: 2.00001e-5, milestones: [10, 20], debias: true, mode: "min", tau: 1 / 3 }),
    "lambda=0.0000200001, milestones=10,20, debias=true, mode=min, tau=0.333333",
  );
  assert.equal(paramsText({}), "");
});
