import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createScheduler, schedulerNames } from "../../src/schedulers/registry.ts";
import type { DecaySink, Scheduler } from "../../src/schedulers/types.ts";
import { holeyCurve } from "./helpers.ts";

/**
 * The `stepRange` fast paths (locals, chunks with rollback, no per-step checks) against step() one loss at a
 * time: same decays, same LR after each, and the same state afterwards, on curves with non-finite losses, over
 * ranges split at arbitrary points (so a range starts mid-chunk, mid-cold-start or mid-window).
 */
const SPECS: Record<string, string[]> = {
  fastface: [
    "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40",
    "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40,debias=true",
    "fastface:alpha=1,beta=1,lambda=0.3,tau=0.0003,maxDecays=40",
    "fastface:alpha=0.5,beta=0.02,lambda=-1e-4,tau=0,maxDecays=5",
    "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40,warmup=3000",
    "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=40,debias=true,warmup=0.3",
  ],
  hck: [
    "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.002,maxDecays=40",
    "hck:alpha=1,m=2,lambda=0.3,tau=0.0003,maxDecays=40",
    "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.002,maxDecays=40,warmup=2500",
  ],
  "hck-proto": [
    "hck-proto:m=20,threshold=0.02",
    "hck-proto:m=7,threshold=0.05,countCheck=before,increaseAfter=3",
    "hck-proto:m=2,threshold=1,patience=1",
  ],
  multistep: ["multistep:milestones=0.2,0.5,0.7"],
  poly: ["poly:power=2,warmup=50"],
  cosine: ["cosine"],
  constant: ["constant"],
  "plateau-torch": ["plateau-torch:patience=30,cooldown=5"],
  "plateau-keras": ["plateau-keras:patience=30,cooldown=5"],
  dlib: ["dlib:thresh=60,shrink=0.5"],
};

function viaStep(s: Scheduler, L: Float64Array): DecaySink {
  const sink: DecaySink = { index: [], lr: [] };
  for (let i = 0; i < L.length; i++) {
    if (s.step(L[i]!)) {
      sink.index.push(i);
      sink.lr.push(s.lr);
    }
  }
  return sink;
}

function viaRanges(s: Scheduler, L: Float64Array, cuts: number[]): DecaySink {
  const sink: DecaySink = { index: [], lr: [] };
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < L.length).sort((a, b) => a - b), L.length];
  for (let b = 0; b + 1 < bounds.length; b++) s.stepRange!(L, bounds[b]!, bounds[b + 1]!, sink);
  return sink;
}

const same = (a: unknown, b: unknown) => assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

describe("stepRange equals step() one loss at a time", () => {
  for (const name of schedulerNames()) {
    for (const spec of SPECS[name] ?? []) {
      it(spec, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 1e6 }),
            fc.integer({ min: 100, max: 12000 }),
            fc.integer({ min: 0, max: 6 }),
            fc.array(fc.integer({ min: 0, max: 12000 }), { maxLength: 4 }),
            (seed, n, holes, cuts) => {
              const L = holeyCurve(n, seed, holes);
              const ctx = { totalSteps: n, lr0: 0.1 };
              const a = createScheduler(spec, ctx);
              const b = createScheduler(spec, ctx);
              assert.ok(b.stepRange, `${name} has a stepRange fast path`);
              const want = viaStep(a, L);
              const got = viaRanges(b, L, cuts);
              assert.deepEqual(got.index, want.index);
              assert.deepEqual(got.lr, want.lr);
              same(b.getState(), a.getState());
              assert.equal(Object.is(b.statistic, a.statistic) || b.statistic === a.statistic, true);
              assert.equal(b.counter, a.counter);
            },
          ),
          { seed: 1, numRuns: 25 },
        );
      });
    }
  }
  it("the specs fire decays on these curves (so the property is not vacuous)", () => {
    for (const name of ["fastface", "hck", "hck-proto"]) {
      for (const spec of SPECS[name]!) {
        const s = createScheduler(spec, { totalSteps: 12000, lr0: 1 });
        const d = viaStep(s, holeyCurve(12000, 3, 4));
        assert.ok(d.index.length > 1, `${spec} fired ${d.index.length}`);
      }
    }
  });
});
