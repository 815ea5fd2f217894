import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadCurve } from "../../src/ingest/load.ts";
import { FASTFACE_BATCH_PARAMS, fastfaceBatch } from "../../src/schedulers/batch/fastface.ts";
import { HCK_BATCH_PARAMS, hckBatch } from "../../src/schedulers/batch/hck.ts";
import { BatchCurve, feedRangeBatch, hasBatchKernel } from "../../src/schedulers/batch/index.ts";
import { FASTFACE_PARAMS } from "../../src/schedulers/fastface.ts";
import { HCK_PARAMS } from "../../src/schedulers/hck.ts";
import { createScheduler } from "../../src/schedulers/registry.ts";
import type { DecaySink, Scheduler } from "../../src/schedulers/types.ts";
import { prepareCurve } from "../../src/sweep/prepare.ts";
import { holeyCurve } from "./helpers.ts";

/**
 * The multi-configuration kernels (WebAssembly SIMD, the rule replayed from packed bits) against step() one loss
 * at a time, per configuration: same decay indices, same LR after each (bit for bit), same final state (JSON,
 * including the hck ring), same statistic and counter, on random curves with NaN/+Inf/-Inf, random batches of
 * mixed parameters, random batch sizes and lane widths, ranges that start and end anywhere; and on the fixture
 * logs.
 */

const LOGS = fileURLToPath(new URL("../../data/logs/", import.meta.url));

const FASTFACE = [
  "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40",
  "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40,debias=true",
  "fastface:alpha=1,beta=1,lambda=0.3,tau=0.0003,maxDecays=40",
  "fastface:alpha=0.5,beta=0.02,lambda=-1e-4,tau=0,maxDecays=5",
  "fastface:alpha=0.01,beta=0.3,lambda=1e-2,tau=0,maxDecays=3,delta=3",
  "fastface:alpha=0.2,beta=0.2,lambda=1e-2,tau=0.01,maxDecays=0,debias=true",
  "fastface:alpha=0.01,beta=0.01,lambda=2e-3,tau=0.03,maxDecays=40",
  // same statistic and threshold as the first (the kernel shares their lane), another rule
  "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.0005,maxDecays=3,delta=10",
  // warm-ups: no decision during the first N steps (a count, a fraction of T), where the scheduler has them
  ...("warmup" in FASTFACE_PARAMS
    ? [
        "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40,warmup=300",
        "fastface:alpha=0.01,beta=0.3,lambda=1e-2,tau=0,maxDecays=30,warmup=0.2,debias=true",
      ]
    : []),
];
const HCK = [
  "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.002,maxDecays=40",
  "hck:alpha=1,m=2,lambda=0.3,tau=0.0003,maxDecays=40",
  "hck:alpha=0.02,m=20,lambda=1e-2,tau=0,maxDecays=5,delta=3",
  "hck:alpha=0.5,m=64,lambda=-1e-4,tau=0.001,maxDecays=40",
  "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.002,impl=naive",
  "hck:alpha=0.05,m=40,lambda=2e-3,tau=0.03,maxDecays=40",
  "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.0005,maxDecays=3,delta=10",
  ...("warmup" in HCK_PARAMS
    ? [
        "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.002,maxDecays=40,warmup=300",
        "hck:alpha=0.02,m=20,lambda=1e-2,tau=0,maxDecays=30,warmup=0.2",
      ]
    : []),
];

const sink = (): DecaySink => ({ index: [], lr: [] });

/** step() one loss at a time over [from, to). */
function viaStep(s: Scheduler, L: Float64Array, from: number, to: number, out: DecaySink): void {
  for (let i = from; i < to; i++) {
    if (s.step(L[i]!)) {
      out.index.push(i);
      out.lr.push(s.lr);
    }
  }
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v));

function assertSame(a: Scheduler[], sa: DecaySink[], b: Scheduler[], sb: DecaySink[], what: string): void {
  for (let i = 0; i < a.length; i++) {
    const name = `${what}, config ${i} (${JSON.stringify(a[i]!.params)})`;
    assert.deepEqual(sb[i]!.index, sa[i]!.index, `${name}: decay indices`);
    assert.deepEqual(sb[i]!.lr, sa[i]!.lr, `${name}: LRs`);
    assert.deepEqual(json(b[i]!.getState()), json(a[i]!.getState()), `${name}: final state`);
    assert.ok(Object.is(b[i]!.statistic, a[i]!.statistic), `${name}: statistic`);
    assert.equal(b[i]!.counter, a[i]!.counter, `${name}: counter`);
  }
}

describe("batch kernels equal step() per configuration", () => {
  it("has kernels for fastface and hck only, each for every parameter its scheduler has", () => {
    assert.ok(hasBatchKernel("fastface") && hasBatchKernel("hck"));
    assert.ok(!hasBatchKernel("plateau-torch"));
    // a parameter added to a scheduler must be taught to its kernel (until then the kernel steps aside)
    const teach =
      "a scheduler parameter the batch kernel does not implement: implement it in src/schedulers/batch/ and add " +
      "it to this test's property (adding the name to the kernel's set alone would make the kernel ignore it)";
    for (const k of Object.keys(FASTFACE_PARAMS)) assert.ok(FASTFACE_BATCH_PARAMS.has(k), `fastface ${k}: ${teach}`);
    for (const k of Object.keys(HCK_PARAMS)) assert.ok(HCK_BATCH_PARAMS.has(k), `hck ${k}: ${teach}`);
  });

  for (const [family, specs] of [
    ["fastface", FASTFACE],
    ["hck", HCK],
  ] as const) {
    it(`${family}: random batches, batch sizes, lane widths and ranges on curves with NaN/Inf (property)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1e6 }),
          fc.integer({ min: 40, max: 9000 }),
          fc.integer({ min: 0, max: 6 }),
          fc.array(fc.constantFrom(...specs), { minLength: 1, maxLength: 19 }),
          fc.constantFrom(1, 2, 4),
          fc.integer({ min: 0, max: 9000 }),
          fc.integer({ min: 0, max: 9000 }),
          fc.constantFrom(0, -1.2, -4),
          fc.integer({ min: 0, max: 3 }),
          (seed, n, holes, batchSpecs, pairs, c1, c2, shift, spikes) => {
            // a shifted curve crosses zero: running sums near zero take the other branch of each Neumaier step
            const L = holeyCurve(n, seed, holes, spikes).map((v) => v + shift);
            const [from, to] = [Math.min(c1, c2, n), Math.min(Math.max(c1, c2), n)];
            const ctx = { totalSteps: n, lr0: 0.1 };
            const a = batchSpecs.map((s) => createScheduler(s, ctx));
            const b = batchSpecs.map((s) => createScheduler(s, ctx));
            const sa = a.map(sink);
            const sb = b.map(sink);
            // the same prefix for both (each scheduler's own fast path), then the range under test
            for (let i = 0; i < a.length; i++) {
              a[i]!.stepRange!(L, 0, from, sa[i]!);
              b[i]!.stepRange!(L, 0, from, sb[i]!);
              viaStep(a[i]!, L, from, to, sa[i]!);
            }
            const run = family === "fastface" ? fastfaceBatch : hckBatch;
            run(b, new BatchCurve(L), from, to, sb, { pairs: pairs as 1 | 2 | 4 });
            assertSame(a, sa, b, sb, `n=${n} [${from}, ${to})`);
          },
        ),
        { seed: 21, numRuns: 60 },
      );
    });
  }

  it("hck: a huge loss entering a small running sum (the other branch of a Neumaier step) ends in the same state", () => {
    // the compensation of a value far larger than the running sum is (v - t) + s, not (s - t) + v; it shows in
    // the final state until the next exact re-sum. The window fills at 20, so [20, 1204) is 37 kernel words.
    const n = 3000;
    const to = 1204;
    const L = Float64Array.from({ length: n }, (_, i) => 1 + Math.sin(i * 0.7) * 0.37);
    for (const spike of [1203, 1195, 1185]) {
      L[spike] = 1e16;
      const specs = ["hck:alpha=1,m=20,lambda=1e-3,tau=0.002", "hck:alpha=0.5,m=20,lambda=1e-3,tau=0.002"];
      const ctx = { totalSteps: n, lr0: 1 };
      const a = specs.map((s) => createScheduler(s, ctx));
      const b = specs.map((s) => createScheduler(s, ctx));
      const sa = a.map(sink);
      const sb = b.map(sink);
      for (let i = 0; i < a.length; i++) a[i]!.stepRange!(L, 0, to, sa[i]!);
      hckBatch(b, new BatchCurve(L), 0, to, sb);
      assertSame(a, sa, b, sb, `spike at ${spike}`);
      assert.notEqual(json(a[0]!.getState()).cNew, 0, "the compensation is not trivial");
      L[spike] = 1;
    }
  });

  it("a range split anywhere equals one uninterrupted batch (restore-then-continue)", () => {
    const L = holeyCurve(20000, 5, 4);
    const specs = [...FASTFACE, ...HCK];
    const ctx = { totalSteps: L.length, lr0: 1 };
    const whole = specs.map((s) => createScheduler(s, ctx));
    const parts = specs.map((s) => createScheduler(s, ctx));
    const sw = whole.map(sink);
    const sp = parts.map(sink);
    const curve = new BatchCurve(L);
    feedRangeBatch(whole, curve, 0, L.length, sw);
    for (const [from, to] of [
      [0, 77],
      [77, 5000],
      [5000, 5001],
      [5001, 13333],
      [13333, L.length],
    ] as const) {
      feedRangeBatch(parts, curve, from, to, sp);
    }
    assertSame(whole, sw, parts, sp, "split");
  });

  it("on the fixture logs (per-step losses as a sweep replays them), with decays inside the kernel's range", async () => {
    for (const file of [
      "fastface_ms1mv3_r100.log",
      "insightface_ms1mv3_r50_multistep.log",
      "insightface_ms1mv3_r50_poly.log",
    ]) {
      const curve = await loadCurve(join(LOGS, file));
      const L = prepareCurve(curve, 0, { expand: "hold", judge: "haar", totalSteps: null }).prepared.losses;
      const ctx = { totalSteps: L.length, lr0: 0.1 };
      const specs = [
        ...[1e-6, 3e-6, 1e-5, 3e-5, 1e-4].flatMap((lambda) =>
          [0.001, 0.01].map((tau) => `fastface:lambda=${lambda},tau=${tau},maxDecays=20`),
        ),
        "fastface:lambda=2e-5,tau=0.01,alpha=0.003,debias=true",
        ...[1e-6, 1e-5, 1e-4].map((lambda) => `hck:m=2000,lambda=${lambda},tau=0.005`),
        "hck:m=4000,lambda=1e-5,tau=0.01,alpha=0.002",
      ];
      const a = specs.map((s) => createScheduler(s, ctx));
      const b = specs.map((s) => createScheduler(s, ctx));
      const sa = a.map(sink);
      const sb = b.map(sink);
      for (let i = 0; i < a.length; i++) a[i]!.stepRange!(L, 0, L.length, sa[i]!);
      feedRangeBatch(b, new BatchCurve(L), 0, L.length, sb);
      assertSame(a, sa, b, sb, file);
      const inside = sa.filter((s) => s.index.some((i) => i > 4100 && i < L.length - 40)).length;
      assert.ok(inside >= 4, `${file}: ${inside} configs decay inside the kernel's range`);
    }
  });
});

describe("BatchCurve", () => {
  it("maps compact positions of finite losses to step indices", () => {
    const c = new BatchCurve(Float64Array.from([1, Number.NaN, 2, Number.POSITIVE_INFINITY, Number.NaN, 3]));
    assert.equal(c.length, 3);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => c.rank(i)),
      [0, 1, 1, 2, 2, 2, 3],
    );
    assert.deepEqual(
      [0, 1, 2].map((q) => c.stepOf(q)),
      [0, 2, 5],
    );
    const g = new Float64Array(3);
    c.writeDecreases(g, 0);
    assert.deepEqual([...g], [0, -1, -1]);
    const all = new BatchCurve(Float64Array.from([3, 2]));
    assert.equal(all.finite, null);
    assert.equal(all.rank(5), 2);
  });
});
