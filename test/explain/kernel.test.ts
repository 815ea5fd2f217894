/**
 * The explain kernel: the rules it reads from their events change the LR only there (EVENT_EXACT), matching is
 * local and order-preserving, and the sweep pool's workers score exactly as this thread does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareExplain } from "../../src/explain/explain.ts";
import { type Candidate, EVENT_EXACT, matchChanges } from "../../src/explain/kernel.ts";
import { localEvaluator } from "../../src/explain/search.ts";
import { createScheduler } from "../../src/schedulers/registry.ts";
import { poolEvaluator } from "../../src/sweep/explain-pool.ts";
import { noisyCurve } from "../schedulers/helpers.ts";
import { syntheticLog } from "./synthetic.ts";

const SPECS: Record<string, string> = {
  fastface: "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.01",
  hck: "hck:alpha=0.1,m=20,lambda=1e-3,tau=0.01",
  "hck-proto": "hck-proto:m=10,threshold=0.02",
  "mhlr-7279bad": "mhlr-7279bad:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.01",
  multistep: "multistep:milestones=0.2,0.5",
  constant: "constant",
  "plateau-torch": "plateau-torch:patience=30",
  "plateau-keras": "plateau-keras:patience=30",
  "plateau-optax": "plateau-optax:patience=5,accumulation_size=10",
  dlib: "dlib:thresh=60,shrink=0.5",
};

describe("EVENT_EXACT: the LR changes only where step() reports a change", () => {
  for (const rule of EVENT_EXACT) {
    it(rule, () => {
      let changes = 0;
      for (const seed of [1, 2, 3]) {
        const L = noisyCurve(3000, seed, 0.5);
        const s = createScheduler(SPECS[rule]!, { totalSteps: 3000, lr0: 0.1 });
        let lr = s.lr;
        for (let i = 0; i < L.length; i++) {
          const fired = s.step(L[i]!);
          if (s.lr !== lr) {
            assert.ok(fired, `${rule}: LR changed at ${i} without an event`);
            changes++;
          }
          lr = s.lr;
        }
      }
      assert.ok(rule === "constant" || changes > 0, `${rule} never changed the LR`);
    });
  }
});

describe("matchChanges", () => {
  const ch = (point: number, ratio: number, slack = 0) => ({
    point,
    step: point * 10,
    ratio,
    ratioLo: ratio - slack,
    ratioHi: ratio + slack,
  });
  it("pairs within one logged point with a compatible ratio, never crossing, most matches first", () => {
    const logged = [ch(10, 0.5, 0.01), ch(20, 0.5, 0.01), ch(30, 4, 0.05)];
    const rep = [ch(9, 0.5), ch(21, 0.5), ch(30, 0.5), ch(31, 4)];
    assert.deepEqual(matchChanges(logged, rep), [
      { a: 0, b: 0 },
      { a: 1, b: 1 },
      { a: 2, b: 3 },
    ]);
    assert.deepEqual(matchChanges([ch(10, 0.5)], [ch(12, 0.5)]), []);
    assert.deepEqual(matchChanges([ch(10, 0.5)], [ch(10, 0.25)]), []);
  });
});

describe("the sweep pool's workers score as this thread does", () => {
  it("poolEvaluator(2) equals localEvaluator on a synthetic log", async () => {
    const { curve } = syntheticLog("hck-proto:m=150,threshold=0.004", { timing: "official" });
    const { input, trace: tr } = prepareExplain(curve);
    const cands: Candidate[] = [
      { rule: "hck-proto", params: { m: 150, threshold: 0.004 }, lr0: 0.1 },
      { rule: "fastface", params: { lambda: 3e-4, tau: 0.02 }, lr0: 0.1 },
      { rule: "hck", params: { m: 3 }, lr0: 0.1 }, // refused (odd m): ranks last, does not fail the batch
      { rule: "multistep", params: { milestones: [5000] }, lr0: 0.1, timing: "immediate" },
    ];
    const local = localEvaluator();
    await local.start(input);
    const pool = poolEvaluator(2);
    try {
      await pool.start(input);
      assert.deepEqual(await pool.evaluate(cands), await local.evaluate(cands));
      const [a, b] = [await pool.detail(cands.slice(0, 2)), await local.detail(cands.slice(0, 2))];
      assert.deepEqual(
        a.map((d) => ({ ...d, lr: [...d.lr] })),
        b.map((d) => ({ ...d, lr: [...d.lr] })),
      );
      assert.equal(a[0]!.matched, tr.changes.length);
    } finally {
      await pool.close();
    }
  });
});
