/**
 * hck-proto against hand-computed sequences and against a line-by-line port of the commented prototype in
 * amoonfana/FastFace `lr_scheduler.py` (MHLR.my_step's commented block; the same loop in MHLR_temp.py): a loss
 * window `ss` shifted by one, the box-car means `avg` appended, the Haar sum over `avg[i-2m : i-m]` divided by
 * m, `count` and `w_count`, the weight 0.5 / 4 / 1 applied to the LR.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expandCurve } from "../../src/curve/expand.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { hckProto } from "../../src/schedulers/hck-proto.ts";
import { restoreScheduler } from "../../src/schedulers/registry.ts";
import { FIXTURES } from "../replay/helpers.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

interface ProtoOptions {
  m: number;
  thres: number;
  /** The count limit (the prototype's 2 * m). */
  limit?: number;
  /** The consecutive-fire limit (the prototype's 2). */
  wLimit?: number;
  up?: number;
  down?: number;
}

/**
 * The prototype's lines, ported one to one (O(m) per step, as written there). Returns the weight of every step:
 * the factor by which that step's decision multiplies the LR.
 */
function prototypeWeights(y: ArrayLike<number>, o: ProtoOptions): number[] {
  const m = o.m;
  const limit = o.limit ?? 2 * m;
  const wLimit = o.wLimit ?? 2;
  const k1 = new Array<number>(m).fill(1);
  const k2 = new Array<number>(m).fill(1);
  for (let q = Math.floor(m / 2); q < m; q++) k2[q] = -1;
  const ss = new Array<number>(m).fill(0);
  const avg: number[] = [];
  let count = 0;
  let wCount = 0;
  const weights: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let weight = 1;
    if (i < m) {
      ss[i] = y[i]!;
      weights.push(weight);
      continue;
    }
    // ss[:-1] = ss[1:]; ss[-1] = y[i]
    for (let q = 0; q < m - 1; q++) ss[q] = ss[q + 1]!;
    ss[m - 1] = y[i]!;
    let s = 0;
    for (let q = 0; q < m; q++) s += ss[q]! * k1[q]!;
    avg.push(s / m);
    if (i < 2 * m) {
      weights.push(weight);
      continue;
    }
    const sAvg = avg.slice(i - 2 * m, i - m);
    let d = 0;
    for (let q = 0; q < m; q++) d += sAvg[q]! * k2[q]!;
    const diff = d / m;
    if (diff < o.thres) {
      count += 1;
      if (count > limit) {
        weight = o.down ?? 0.5;
        count = 0;
        wCount += 1;
      } else weight = 1;
      if (wCount > wLimit) {
        weight = o.up ?? 4;
        wCount = 0;
      }
    } else {
      weight = 1;
      count = 0;
      wCount = 0;
    }
    weights.push(weight);
  }
  return weights;
}

/** LR after each step from the weights (lr0 1). */
function lrOf(weights: number[]): number[] {
  let lr = 1;
  return weights.map((w) => {
    lr *= w;
    return lr;
  });
}

const ctx = (n: number) => ({ totalSteps: n, lr0: 1 });

describe("hck-proto: hand-computed sequences", () => {
  it("constant loss, m = 2: stationary from index 4; fires at 8, 13, 18 (limit 2m = 4: every 5th step); x0.5, x0.5, x4", () => {
    const r = record(hckProto.create({ m: 2, threshold: 0.06 }, ctx(40)), new Array(24).fill(3));
    assert.deepEqual(firedAt(r.fired), [8, 13, 18, 23]);
    assert.deepEqual([r.lr[8], r.lr[13], r.lr[18], r.lr[23]], [0.5, 0.25, 1, 0.5]);
    assert.ok(Number.isNaN(r.statistic[3]!));
    assert.equal(r.statistic[4], 0);
    assert.deepEqual(r.counter.slice(4, 10), [1, 2, 3, 4, 0, 1]);
  });
  it("countCheck=before compares the count before incrementing it: fires patience + 2 = 6 steps apart", () => {
    const r = record(hckProto.create({ m: 2, countCheck: "before" }, ctx(40)), new Array(24).fill(3));
    assert.deepEqual(firedAt(r.fired), [9, 15, 21]);
  });
  it("L_j = 10 - j, m = 2: means fall by 1 per step, x_j = (a_{j-2} - a_{j-1}) / 2 = 0.5 from j = 4", () => {
    const L = Array.from({ length: 12 }, (_, j) => 10 - j);
    const r = record(hckProto.create({ m: 2 }, ctx(12)), L);
    for (let j = 4; j < 12; j++) assert.equal(r.statistic[j], 0.5);
    assert.deepEqual(firedAt(r.fired), []); // 0.5 >= 0.06: never stationary
    const low = record(hckProto.create({ m: 2, threshold: 1, increaseAfter: 3, increase: 8 }, ctx(40)), L);
    assert.deepEqual(firedAt(low.fired), [8]);
  });
  it("m odd: the older half is floor(m/2) means, the newer the rest; m as a fraction of T", () => {
    const L = Array.from({ length: 20 }, (_, j) => (j % 4) * 1.5);
    const ours = record(hckProto.create({ m: 3, threshold: 0.2 }, ctx(20)), L).statistic;
    const frac = record(hckProto.create({ m: 0.15, threshold: 0.2 }, ctx(20)), L).statistic; // floor(0.15 * 20) = 3
    assert.deepEqual(frac, ours);
    // x_6: means a_j = (L_{j-2} + L_{j-1} + L_j) / 3 for j = 3..5; older a_3, newer a_4 + a_5, over m = 3
    const a = (j: number) => (L[j - 2]! + L[j - 1]! + L[j]!) / 3;
    assert.ok(Math.abs(ours[6]! - (a(3) - a(4) - a(5)) / 3) < 1e-12);
  });
  it("non-finite losses are skipped (no information)", () => {
    const L = [3, 3, Number.NaN, 3, 3, 3, Number.POSITIVE_INFINITY, 3, 3, 3, 3, 3];
    const a = record(hckProto.create({ m: 2 }, ctx(20)), L);
    const b = record(hckProto.create({ m: 2 }, ctx(20)), L.filter(Number.isFinite));
    assert.deepEqual(
      a.statistic.filter((_, i) => Number.isFinite(L[i]!)),
      b.statistic,
    );
  });
  it("bad m is a ConfigError naming the parameter", () => {
    assert.throws(() => hckProto.create({ m: 1.5 }, ctx(100)), /parameter 'm'/);
    assert.throws(() => hckProto.create({ m: 0.001 }, ctx(100)), /parameter 'm'/);
  });
});

describe("hck-proto equals the prototype's lines", () => {
  const cases: Array<[string, ProtoOptions, Record<string, number | string>]> = [
    ["prototype constants (2m, w_count > 2, 0.5, 4)", { m: 20, thres: 0.01 }, { m: 20, threshold: 0.01 }],
    [
      "the FastFace log's variant (w_count > 3)",
      { m: 16, thres: 0.01, wLimit: 3 },
      { m: 16, threshold: 0.01, increaseAfter: 3 },
    ],
    [
      "odd m, own limits",
      { m: 15, thres: 0.003, limit: 11, up: 3, down: 0.25 },
      { m: 15, threshold: 0.003, patience: 11, increase: 3, delta: 4 },
    ],
  ];
  for (const [name, o, params] of cases) {
    it(name, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const L = noisyCurve(3000, seed, 0.05);
        const want = prototypeWeights(L, o);
        const r = record(hckProto.create(params, ctx(3000)), L);
        const got = r.lr.map((lr, i) => lr / (i === 0 ? 1 : r.lr[i - 1]!));
        assert.deepEqual(firedAt(r.fired), firedAt(want.map((w) => w !== 1)), `seed ${seed}`);
        const wl = lrOf(want);
        r.lr.forEach((lr, i) => {
          assert.ok(Math.abs(lr - wl[i]!) <= 1e-15 * wl[i]!, `lr at ${i}`);
        });
        assert.ok(got.length === want.length);
      }
    });
  }
  it("the fixtures fire, and rise (so the comparison is not vacuous)", () => {
    const L = noisyCurve(3000, 1, 0.05);
    for (const [, o] of cases) {
      const w = prototypeWeights(L, o);
      const fires = w.filter((x) => x !== 1).length;
      assert.ok(fires >= 3, `${JSON.stringify(o)} fired ${fires}`);
      assert.ok(
        w.some((x) => x > 1),
        `${JSON.stringify(o)} never rose`,
      );
    }
  });
  it("on the FastFace fixture log with m = 400 (the port's O(m) cost keeps m small here)", () => {
    const text = readFileSync(fileURLToPath(new URL("logs/fastface_ms1mv3_r100.log", FIXTURES)), "utf8");
    const L = expandCurve(parseArcfaceLog(text, "fastface.log"), "hold").loss;
    const want = prototypeWeights(L, { m: 400, thres: 0.2 });
    const r = record(hckProto.create({ m: 400, threshold: 0.2 }, ctx(L.length)), L);
    const fires = firedAt(r.fired);
    assert.ok(fires.length >= 5, `fired ${fires.length}`);
    assert.deepEqual(fires, firedAt(want.map((w) => w !== 1)));
  });
});

describe("hck-proto on the FastFace fixture log", () => {
  it("increaseAfter=3 decides at the 12 steps the log shows one step later (cross-checked with a numpy port)", () => {
    const text = readFileSync(fileURLToPath(new URL("logs/fastface_ms1mv3_r100.log", FIXTURES)), "utf8");
    const ex = expandCurve(parseArcfaceLog(text, "fastface.log"), "hold");
    const r = record(hckProto.create({ increaseAfter: 3 }, ctx(202320)), ex.loss);
    const steps = firedAt(r.fired).map(ex.stepOf);
    assert.deepEqual(
      steps,
      [54272, 72865, 94819, 113103, 135859, 143860, 151861, 159862, 175825, 183826, 191827, 199828],
    );
    const ratios = firedAt(r.fired).map((i) => r.lr[i]! / r.lr[i - 1]!);
    assert.deepEqual(ratios, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 4, 0.5, 0.5, 0.5, 4]);
  });
});

describe("hck-proto state", () => {
  it("restore-then-continue equals an uninterrupted run at every phase (filling, warming, firing)", () => {
    const L = noisyCurve(600, 9, 0.05);
    const full = record(hckProto.create({ m: 10, threshold: 0.02 }, ctx(600)), L);
    assert.ok(full.fired.filter(Boolean).length >= 3);
    for (const cut of [0, 5, 10, 15, 20, 21, 33, 250, 599]) {
      const a = hckProto.create({ m: 10, threshold: 0.02 }, ctx(600));
      record(a, L.subarray(0, cut));
      const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
      const tail = record(b, L.subarray(cut));
      assert.deepEqual(tail.lr, full.lr.slice(cut), `cut ${cut}`);
      assert.deepEqual(tail.statistic, full.statistic.slice(cut), `cut ${cut}`);
    }
  });
});
