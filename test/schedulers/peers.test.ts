import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { constant } from "../../src/schedulers/constant.ts";
import { cosine } from "../../src/schedulers/cosine.ts";
import { countStepsWithoutDecrease, dlib, erfc, probit } from "../../src/schedulers/dlib.ts";
import { multistep } from "../../src/schedulers/multistep.ts";
import { plateauKeras } from "../../src/schedulers/plateau-keras.ts";
import { plateauTorch } from "../../src/schedulers/plateau-torch.ts";
import { poly } from "../../src/schedulers/poly.ts";
import { firedAt, noisyCurve, record, rng } from "./helpers.ts";

const zeros = (n: number) => new Array<number>(n).fill(0);
const close = (a: number[], b: number[], tol = 1e-12) =>
  assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol), `${a} != ${b}`);

describe("multistep (torch MultiStepLR)", () => {
  it("milestones 3,5 gamma 0.1: LR 1,1,1,.1,.1,.01...; decays fire at indices 2 and 4", () => {
    const r = record(multistep.create({ milestones: [3, 5], gamma: 0.1 }, { totalSteps: 10, lr0: 1 }), zeros(7));
    close(r.lr, [1, 1, 0.1, 0.1, 0.01, 0.01, 0.01]);
    assert.deepEqual(firedAt(r.fired), [2, 4]);
  });
  it("fractions of T: milestones=0.3,0.5 with T = 10 are steps 3 and 5", () => {
    const r = record(multistep.create({ milestones: [0.3, 0.5] }, { totalSteps: 10, lr0: 1 }), zeros(7));
    assert.deepEqual(firedAt(r.fired), [2, 4]);
  });
  it("a repeated milestone applies gamma twice (torch Counter)", () => {
    const r = record(multistep.create({ milestones: [2, 2], gamma: 0.5 }, { totalSteps: 10, lr0: 1 }), zeros(3));
    close(r.lr, [1, 0.25, 0.25]);
  });
  it("stepOffset shifts the torch step counter", () => {
    const s = multistep.create({ milestones: [3, 5] }, { totalSteps: 10, lr0: 1, stepOffset: 2 });
    assert.deepEqual(firedAt(record(s, zeros(5)).fired), [0, 2]);
  });
});

describe("poly (arcface_torch PolynomialLRWarmup)", () => {
  it("T = 10, warmup 2, power 1: 1 (quirk), .5, 1, .875, ..., 0; no events during the warmup", () => {
    const r = record(poly.create({ power: 1, warmup: 2 }, { totalSteps: 10, lr0: 1 }), zeros(11));
    close(r.lr, [0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]);
    // events when LR falls through 1/2 (index 5: exactly 0.5), 1/4 (index 7), 1/8 (index 8), 0 (index 9)
    assert.deepEqual(firedAt(r.fired), [5, 7, 8, 9]);
  });
  it("power 2 without warmup: lr0 (1 - t/T)^2", () => {
    const r = record(poly.create({ power: 2 }, { totalSteps: 4, lr0: 0.1 }), zeros(4));
    close(r.lr, [0.1 * 0.75 ** 2, 0.1 * 0.25, 0.1 * 0.0625, 0]);
  });
});

describe("cosine (torch CosineAnnealingLR)", () => {
  it("T_max 4: (1 + cos(pi t / 4)) / 2, rising again after T_max; events at each halving", () => {
    const r = record(cosine.create({ T_max: 4 }, { totalSteps: 100, lr0: 1 }), zeros(5));
    const f = (t: number) => (1 + Math.cos((Math.PI * t) / 4)) / 2;
    close(r.lr, [f(1), f(2), f(3), f(4), f(5)]);
    assert.deepEqual(firedAt(r.fired), [1, 2, 3]);
  });
  it("eta_min is a floor", () => {
    const r = record(cosine.create({ eta_min: 0.1 }, { totalSteps: 2, lr0: 1 }), zeros(2));
    close(r.lr, [0.55, 0.1]);
  });
});

describe("constant", () => {
  it("never changes", () => {
    const r = record(constant.create({}, { totalSteps: 5, lr0: 0.3 }), [5, 4, 3]);
    assert.deepEqual(r.lr, [0.3, 0.3, 0.3]);
    assert.deepEqual(firedAt(r.fired), []);
  });
});

describe("plateau-torch (torch ReduceLROnPlateau)", () => {
  it("abs threshold 0, patience 2, cooldown 1, factor 0.5: reductions at 4 and 10", () => {
    // 5 4 | 4 4 4 (bad 1,2,3 > 2 -> reduce at 4) | 4 (bad 1, cooldown -> 0) 4 (bad 1) 3 (better) 3 3 3 (bad 1,2,3)
    const s = plateauTorch.create(
      { patience: 2, factor: 0.5, threshold: 0, threshold_mode: "abs", cooldown: 1 },
      { totalSteps: 100, lr0: 1 },
    );
    const r = record(s, [5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3]);
    assert.deepEqual(firedAt(r.fired), [4, 10]);
    assert.deepEqual(r.counter, [0, 0, 1, 2, 0, 0, 1, 0, 1, 2, 0]);
    assert.equal(r.lr[10], 0.25);
  });
  it("rel threshold: 9.5 is not better than 10 * (1 - 0.1)", () => {
    const s = plateauTorch.create({ patience: 0, threshold: 0.1 }, { totalSteps: 100, lr0: 1 });
    assert.deepEqual(firedAt(record(s, [10, 9.5, 8.9]).fired), [1]);
  });
  it("min_lr floor and eps: a reduction smaller than eps is not applied", () => {
    const s = plateauTorch.create({ patience: 0, factor: 0.5, min_lr: 0.3 }, { totalSteps: 100, lr0: 1 });
    const r = record(s, [1, 1, 1, 1]);
    assert.deepEqual(firedAt(r.fired), [1, 2]);
    close(r.lr, [1, 0.5, 0.3, 0.3]);
  });
  it("max mode", () => {
    const s = plateauTorch.create({ mode: "max", patience: 1, threshold: 0 }, { totalSteps: 100, lr0: 1 });
    assert.deepEqual(firedAt(record(s, [1, 2, 2, 2]).fired), [3]);
  });
});

describe("plateau-keras (Keras ReduceLROnPlateau)", () => {
  it("min_delta 0, patience 2, cooldown 1, factor 0.5: reductions at 3, 5 and 9", () => {
    const s = plateauKeras.create({ patience: 2, factor: 0.5, min_delta: 0, cooldown: 1 }, { totalSteps: 100, lr0: 1 });
    const r = record(s, [5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3]);
    assert.deepEqual(firedAt(r.fired), [3, 5, 9]);
    assert.deepEqual(r.counter, [0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    assert.equal(r.lr[9], 0.125);
  });
  it("min_delta: an improvement smaller than min_delta counts as waiting", () => {
    const s = plateauKeras.create({ patience: 1, min_delta: 0.5 }, { totalSteps: 100, lr0: 1 });
    assert.deepEqual(firedAt(record(s, [10, 9.8]).fired), [1]);
  });
  it("no reduction once lr <= min_lr", () => {
    const s = plateauKeras.create({ patience: 1, factor: 0.5, min_lr: 0.5 }, { totalSteps: 100, lr0: 1 });
    const r = record(s, [1, 1, 1, 1]);
    assert.deepEqual(firedAt(r.fired), [1]);
  });
});

describe("dlib (dnn_trainer count_steps_without_decrease)", () => {
  it("erfc and probit match tabulated values", () => {
    const table: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3.5, 7.430983723414128e-7],
      [-1, 1.8427007929497148],
    ];
    for (const [x, v] of table) assert.ok(Math.abs(erfc(x) - v) <= 1e-13 * Math.max(1, v) + 1e-20, `erfc(${x})`);
    assert.ok(Math.abs(probit(0.975) - 1.959963984540054) < 1e-9);
    assert.ok(Math.abs(probit(0.51) - 0.02506890825871106) < 1e-9);
  });

  /** Exact OLS per suffix: count = largest j with P(slope of the newest j values, reversed, > 0) < p. */
  function referenceCount(values: number[], p: number): number {
    let count = 0;
    for (let j = 3; j <= values.length; j++) {
      const ys = values.slice(values.length - j).reverse();
      const n = ys.length;
      const xm = (n - 1) / 2;
      const ym = ys.reduce((a, b) => a + b, 0) / n;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < n; i++) {
        sxy += (i - xm) * (ys[i]! - ym);
        sxx += (i - xm) ** 2;
      }
      const slope = sxy / sxx;
      let rss = 0;
      for (let i = 0; i < n; i++) rss += (ys[i]! - (ym + slope * (i - xm))) ** 2;
      const se = Math.sqrt(rss / (n - 2) / sxx);
      const prob = 0.5 * erfc(-(slope / se) / Math.SQRT2);
      if (prob < p) count = j;
    }
    return count;
  }

  it("count_steps_without_decrease agrees with an exact OLS reference on noisy windows", () => {
    const r = rng(3);
    for (let trial = 0; trial < 30; trial++) {
      const n = 20 + Math.floor(r() * 200);
      const slope = (r() - 0.5) * 0.02;
      const values = Array.from({ length: n }, (_, i) => 5 + slope * i + (r() - 0.5));
      const got = countStepsWithoutDecrease(Float64Array.from(values), 0, n, n, 0.51);
      assert.equal(got, referenceCount(values, 0.51), `trial ${trial}`);
    }
  });
  it("an increasing window is never decreasing: count = its length; a clean decrease: 0", () => {
    const up = Float64Array.from({ length: 10 }, (_, i) => i);
    assert.equal(countStepsWithoutDecrease(up, 0, 10, 10, 0.51), 10);
    const down = Float64Array.from({ length: 10 }, (_, i) => 10 - i);
    assert.equal(countStepsWithoutDecrease(down, 0, 10, 10, 0.51), 0);
  });
  it("shrinks on a flat noisy loss, never on a steady decrease", () => {
    const flat = Float64Array.from(noisyCurve(3000, 9, 1)).map((v, i) => 3 + (v - Math.floor(v)) + 0 * i);
    const s = dlib.create({ thresh: 100, shrink: 0.5 }, { totalSteps: 3000, lr0: 1 });
    const fired = firedAt(record(s, flat).fired);
    assert.ok(fired.length >= 2, `fired ${fired}`);
    for (let k = 1; k < fired.length; k++) assert.ok(fired[k]! - fired[k - 1]! >= 100);
    const down = Float64Array.from({ length: 3000 }, (_, i) => 10 - 0.002 * i + 0.01 * Math.sin(i));
    assert.deepEqual(firedAt(record(dlib.create({ thresh: 100 }, { totalSteps: 3000, lr0: 1 }), down).fired), []);
  });
  it("stops shrinking below min_lr (default lr0 * 1e-3)", () => {
    const flat = Float64Array.from({ length: 20000 }, (_, i) => 3 + 0.5 * Math.sin(i * 12.9898));
    const s = dlib.create({ thresh: 50, shrink: 0.1 }, { totalSteps: 20000, lr0: 1 });
    record(s, flat);
    assert.equal(s.decays, 4);
  });
});
