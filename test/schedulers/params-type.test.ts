/**
 * Typed parameters: `ParamsOf<typeof SPEC>` is derived from a scheduler's `as const` spec table, so a read needs
 * no cast and a wrong type is a compile error. `npm test` runs `tsc` over test/ too: the `@ts-expect-error`
 * lines below fail the typecheck when the derived type loosens (e.g. to `ParamValue`), the asserts pin values.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COSINE_PARAMS } from "../../src/schedulers/cosine.ts";
import { fastface, fastfaceParams } from "../../src/schedulers/fastface.ts";
import { hck, hckParams, hckState } from "../../src/schedulers/hck.ts";
import { numberParam, resolveParams } from "../../src/schedulers/params.ts";
import type { ParamsOf } from "../../src/schedulers/types.ts";

const ctx = { totalSteps: 1000, lr0: 1 };

describe("typed parameters", () => {
  it("fastface and hck parameters have their declared types", () => {
    const p = fastfaceParams(fastface.create({ lambda: "2e-5", debias: "yes" }, ctx));
    const alpha: number = p.alpha;
    const debias: boolean = p.debias;
    // @ts-expect-error alpha is a number, not a string
    const wrong: string = p.alpha;
    assert.equal(alpha, 0.001);
    assert.equal(p.lambda, 2e-5);
    assert.equal(debias, true);
    assert.equal(typeof wrong, "number");
    const s = hck.create({ m: 100 }, ctx);
    const h = hckParams(s);
    const impl: "running" | "naive" = h.impl;
    // @ts-expect-error impl is one of its choices
    const other: "fast" = h.impl;
    assert.equal(impl, "running");
    assert.equal(other, "running");
    assert.equal(hckState(s).ring.length, 0);
    assert.throws(() => hckParams(fastface.create({}, ctx)), /expected a hck scheduler, got 'fastface'/);
  });

  it("a parameter without a default is optional; resolveParams returns the derived type", () => {
    const p: ParamsOf<typeof COSINE_PARAMS> = resolveParams("cosine", COSINE_PARAMS, { eta_min: "0.5" });
    const tMax: number | undefined = p.T_max;
    // @ts-expect-error T_max may be absent
    const sure: number = p.T_max;
    assert.equal(tMax, undefined);
    assert.equal(sure, undefined);
    assert.equal(p.eta_min, 0.5);
  });

  it("numberParam: checked reads by name for code generic over schedulers", () => {
    assert.equal(numberParam({ tau: 0.05 }, "tau"), 0.05);
    assert.equal(numberParam({}, "m", 4000), 4000);
    assert.throws(() => numberParam({ impl: "naive" }, "impl"), /not a number/);
    assert.throws(() => numberParam({}, "m"), /not a number/);
  });
});
