import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError, Warnings } from "../../src/errors.ts";
import type { ParamSource } from "../../src/sweep/grid.ts";
import {
  configId,
  effectiveParams,
  gridConfigs,
  makeConfig,
  parseGrid,
  randomConfigs,
  rangeValues,
} from "../../src/sweep/grid.ts";

const source: ParamSource = {
  name: "toy",
  paramSpecs: {
    lambda: { type: "number", default: 5e-5, doc: "threshold" },
    tau: { type: "number", default: 0.05, min: 0, max: 1, doc: "tolerance" },
    m: { type: "integer", default: 4000, min: 2, doc: "window" },
    impl: { type: "string", default: "running", choices: ["naive", "running"], doc: "impl" },
    debias: { type: "boolean", default: false, doc: "debias" },
    milestones: { type: "number[]", default: [], doc: "milestones" },
  },
};

function configError(fn: () => unknown, code: string, text: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, text);
    return true;
  });
}

describe("grid syntax", () => {
  it("log range: inclusive endpoints, exact decades", () => {
    const def = parseGrid(["lambda=1e-6..1e-4:log:3"], source);
    assert.deepEqual(
      gridConfigs(def).map((c) => c.params.lambda),
      [1e-6, 1e-5, 1e-4],
    );
    const nine = parseGrid(["lambda=1e-6..1e-4:log:9"], source);
    const values = gridConfigs(nine).map((c) => c.params.lambda as number);
    assert.equal(values.length, 9);
    assert.equal(values[0], 1e-6);
    assert.equal(values[4], 1e-5);
    assert.equal(values[8], 1e-4);
    // ratio between neighbours is 10^(1/4)
    for (let i = 1; i < 9; i++) assert.ok(Math.abs(values[i]! / values[i - 1]! - 10 ** 0.25) < 1e-9);
  });

  it("linear range and integer rounding with dedupe", () => {
    const def = parseGrid(["tau=0..0.1:lin:5"], source);
    assert.deepEqual(
      gridConfigs(def).map((c) => c.params.tau),
      [0, 0.025, 0.05, 0.075, 0.1],
    );
    const axis = parseGrid(["m=2..4:lin:5"], source).axes[0]!;
    assert.equal(axis.kind, "range");
    if (axis.kind === "range") assert.deepEqual(rangeValues(axis), [2, 3, 4]);
  });

  it("lists of every parameter type", () => {
    const def = parseGrid(
      ["tau=0.01,0.02,0.05", "impl=naive,running", "debias=true,false", "milestones=10,20;15,30"],
      source,
    );
    assert.deepEqual(
      def.axes.map((a) => a.name),
      ["debias", "impl", "milestones", "tau"],
    );
    const configs = gridConfigs(def);
    assert.equal(configs.length, 3 * 2 * 2 * 2);
    assert.deepEqual(configs[0]!.params, { debias: true, impl: "naive", milestones: [10, 20], tau: 0.01 });
    assert.deepEqual(configs.at(-1)!.params, { debias: false, impl: "running", milestones: [15, 30], tau: 0.05 });
    assert.equal(new Set(configs.map((c) => c.id)).size, configs.length);
  });

  it("the cartesian product is the product of the axis sizes (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 7 }), (a, b) => {
        const taus = Array.from({ length: a }, (_, i) => (i + 1) / 100).join(",");
        const configs = gridConfigs(parseGrid([`tau=${taus}`, `lambda=1e-6..1e-3:log:${b}`], source));
        return configs.length === a * b && new Set(configs.map((c) => c.id)).size === a * b;
      }),
      { seed: 1, numRuns: 40 },
    );
  });

  it("unknown parameter: ConfigError listing the valid names", () => {
    configError(
      () => parseGrid(["lamda=1e-6..1e-4:log:3"], source),
      "E_GRID_PARAM",
      /debias, impl, lambda, lambdaMode/,
    );
  });

  it("empty ranges and empty lists are ConfigErrors", () => {
    configError(
      () => parseGrid(["lambda=1e-4..1e-6:log:3"], source),
      "E_GRID_EMPTY",
      /empty range.*LO 0\.0001 > HI 0\.000001/,
    );
    configError(() => parseGrid(["lambda=1e-6..1e-4:log:0"], source), "E_GRID_EMPTY", /0 points/);
    configError(() => parseGrid(["tau="], source), "E_GRID_EMPTY", /no value/);
    configError(() => parseGrid(["tau=0.1,,0.2"], source), "E_GRID_EMPTY", /empty list item/);
    configError(() => parseGrid(["m=2.2..2.8:lin:3"], source), "E_GRID_EMPTY", /no integer/);
  });

  it("bad values, syntax and duplicates are ConfigErrors", () => {
    // value errors are the scheduler spec's (schedulers/params.ts), named after the --grid argument
    configError(() => parseGrid(["tau=0.1,2"], source), "E_SCHED_PARAM", /^--grid 'tau=0.1,2': .*"2".*<= 1/);
    configError(() => parseGrid(["tau=0..5"], source), "E_SCHED_PARAM", /"5".*<= 1/);
    configError(() => parseGrid(["lambda=0x10"], source), "E_SCHED_PARAM", /"0x10".*a number/);
    configError(() => parseGrid(["lambda=0..1e-4:log:3"], source), "E_GRID_VALUE", /LO > 0/);
    configError(() => parseGrid(["impl=fast"], source), "E_SCHED_PARAM", /naive\|running/);
    configError(() => parseGrid(["m=2.5"], source), "E_SCHED_PARAM", /integer/);
    configError(() => parseGrid(["tau=0.01..0.1:cubic:3"], source), "E_GRID_SYNTAX", /unknown spacing/);
    configError(() => parseGrid(["impl=a..b"], source), "E_GRID_SYNTAX", /string parameter/);
    configError(() => parseGrid(["tau"], source), "E_GRID_SYNTAX", /NAME=/);
    configError(() => parseGrid(["tau=0.1", "tau=0.2"], source), "E_GRID_PARAM", /more than once/);
    configError(() => parseGrid([], source), "E_GRID_SYNTAX", /no --grid/);
    configError(
      () => gridConfigs(parseGrid(["lambda=1e-6..1e-4:log"], source)),
      "E_GRID_SYNTAX",
      /needs a point count/,
    );
  });

  it("lambdaMode only for schedulers with lambda, and only with a lambda", () => {
    const noLambda: ParamSource = { name: "poly", paramSpecs: { power: source.paramSpecs.tau! } };
    configError(() => parseGrid(["lambdaMode=relative"], noLambda), "E_GRID_PARAM", /no 'lambda' parameter/);
    configError(() => parseGrid(["lambdaMode=relative"], source), "E_GRID_PARAM", /give lambda too/);
    const ok = parseGrid(["lambdaMode=absolute,relative", "lambda=1e-7"], source);
    assert.equal(gridConfigs(ok).length, 2);
  });
});

describe("config ids", () => {
  it("deterministic, independent of key order, sensitive to values and scheduler", () => {
    const a = configId("fastface", { lambda: 1e-5, tau: 0.05 });
    assert.equal(a, configId("fastface", { tau: 0.05, lambda: 1e-5 }));
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.notEqual(a, configId("fastface", { lambda: 1e-5, tau: 0.06 }));
    assert.notEqual(a, configId("hck", { lambda: 1e-5, tau: 0.05 }));
    assert.equal(makeConfig("fastface", { tau: 0.05, lambda: 1e-5 }).id, a);
  });
});

describe("random search", () => {
  it("same seed, same configs; another seed, other configs; within bounds; log-uniform", () => {
    const def = parseGrid(["lambda=1e-6..1e-2:log", "tau=0.01..0.09:lin", "m=10..20", "impl=naive,running"], source);
    const a = randomConfigs(def, 2000, 7);
    const b = randomConfigs(def, 2000, 7);
    assert.deepEqual(a, b);
    assert.notDeepEqual(randomConfigs(def, 50, 8), a.slice(0, 50));
    assert.equal(new Set(a.map((c) => c.id)).size, 2000);
    let lowDecades = 0;
    for (const c of a) {
      const l = c.params.lambda as number;
      const t = c.params.tau as number;
      const m = c.params.m as number;
      assert.ok(l >= 1e-6 && l <= 1e-2);
      assert.ok(t >= 0.01 && t <= 0.09);
      assert.ok(Number.isInteger(m) && m >= 10 && m <= 20);
      if (l < 1e-4) lowDecades++;
    }
    // log-uniform: half of the draws fall in the lower two of four decades (binomial sd ~ 22)
    assert.ok(Math.abs(lowDecades - 1000) < 120, `lower half holds ${lowDecades}`);
  });

  it("fewer distinct configs than asked: all of them and a warning", () => {
    const def = parseGrid(["impl=naive,running", "debias=true,false"], source);
    const w = new Warnings();
    const configs = randomConfigs(def, 10, 1, w);
    assert.equal(configs.length, 4);
    assert.ok(w.has("W_SWEEP_RANDOM_DUPLICATES"));
  });
});

describe("effective params", () => {
  it("relative lambda is scaled by the loss scale, absolute is not; lambdaMode is removed", () => {
    assert.deepEqual(effectiveParams({ lambda: 1e-6, lambdaMode: "relative", tau: 0.05 }, 40), {
      lambda: 1e-6 * 40,
      tau: 0.05,
    });
    assert.deepEqual(effectiveParams({ lambda: 1e-6, lambdaMode: "absolute" }, 40), { lambda: 1e-6 });
    assert.deepEqual(effectiveParams({ lambda: 1e-6 }, 40), { lambda: 1e-6 });
  });
});
