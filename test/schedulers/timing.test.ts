/**
 * The LR timing option: `official` is what amoonfana/FastFace's MHLR does inside torch's _LRScheduler
 * (the weight decided from loss L_k is applied by the next my_step call: logged at step k+1, trained with from
 * step k+2), `immediate` trains step k+1 with it. The reference below is the official training loop written
 * out (opt.step(), my_step(loss), log get_last_lr()), sharing no code with src/.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createScheduler,
  createTimed,
  defaultTiming,
  parseSchedulerSpec,
  schedulerNames,
} from "../../src/schedulers/registry.ts";
import { parseTiming, TimedLr } from "../../src/schedulers/timing.ts";
import { runClosedLoop } from "../../src/simulate/closed-loop.ts";
import { floor } from "../../src/simulate/floor.ts";
import { noisyCurve } from "./helpers.ts";

/** torch _LRScheduler + MHLR (alpha, beta, lambd, tau, delta), one param group, as in lr_scheduler.py/train.py. */
function officialLoop(
  losses: Float64Array,
  lr0: number,
  total: number,
  p = { alpha: 0.05, beta: 0.05, lambd: 1e-3, tau: 0.002, delta: 2 },
) {
  const w1 = 1 - p.alpha + 1 - p.beta;
  const w2 = (1 - p.alpha) * (1 - p.beta);
  const w3 = p.alpha * p.beta;
  const toler = Math.floor(total * p.tau);
  let groupLr = lr0;
  let weight = 1;
  let count = 0;
  let power = 0;
  let lastEpoch = -1;
  let Lt1 = 0;
  let D = 0;
  let D1 = 0;
  let D2 = 0;
  const schedStep = () => {
    lastEpoch += 1;
    groupLr = groupLr * weight; // get_lr(): group["lr"] * self.weight
  };
  schedStep(); // _LRScheduler.__init__ calls step() once
  const trained: number[] = [];
  const logged: number[] = [];
  for (let i = 0; i < losses.length; i++) {
    trained.push(groupLr); // opt.step() with the group's current LR
    const loss = losses[i]!;
    schedStep(); // my_step: super().step() first
    const t = lastEpoch - 1;
    if (t < 1) {
      Lt1 = loss;
    } else {
      D = t < 2 ? p.alpha * (Lt1 - loss) : w1 * D1 - w2 * D2 + w3 * (Lt1 - loss);
      if (D < p.lambd) {
        if (count < toler) {
          weight = 1;
          count += 1;
        } else {
          weight = 1 / p.delta;
          count = 0;
          power += 1;
        }
        if (power > 8) weight = 1;
      } else {
        weight = 1;
        count = 0;
      }
      D2 = D1;
      D1 = D;
      Lt1 = loss;
    }
    logged.push(groupLr); // log(..., lr_scheduler.get_last_lr()[0])
  }
  return { trained, logged };
}

describe("LR timing", () => {
  const L = noisyCurve(8000, 21, 0.5);
  const ctx = { totalSteps: 8000, lr0: 0.02 };
  const spec = "fastface:alpha=0.05,beta=0.05,lambda=1e-3,tau=0.002,maxDecays=8";

  it("official = the MHLR loop: the LR each step trains with and the LR each log line shows", () => {
    const ref = officialLoop(L, 0.02, 8000);
    const t = createTimed(spec, ctx);
    assert.equal(t.timing, "official");
    const trained: number[] = [];
    const logged: number[] = [];
    let decided = 0;
    for (let i = 0; i < L.length; i++) {
      trained.push(t.lr);
      if (t.step(L[i]!)) decided++;
      logged.push(t.lr);
    }
    assert.ok(decided >= 3, "the case is not trivial");
    for (let i = 0; i < L.length; i++) {
      assert.ok(Math.abs(trained[i]! - ref.trained[i]!) <= 1e-15, `trained LR at step ${i}`);
      assert.ok(Math.abs(logged[i]! - ref.logged[i]!) <= 1e-15, `logged LR at step ${i}`);
    }
  });

  it("a decision from the loss of step k: logged at k+1 and trained with from k+2 (official), trained from k+1 (immediate)", () => {
    const s = createScheduler(spec, ctx);
    const fired: number[] = [];
    for (let i = 0; i < L.length; i++) if (s.step(L[i]!)) fired.push(i);
    const k = fired[0]!;
    for (const [timing, lag] of [
      ["official", 2],
      ["immediate", 1],
    ] as const) {
      const t = new TimedLr(createScheduler(spec, ctx), timing);
      assert.equal(t.lag, lag);
      const trained: number[] = [];
      for (let i = 0; i < L.length; i++) {
        trained.push(t.lr);
        t.step(L[i]!);
      }
      assert.equal(trained[k + lag - 1], 0.02, `${timing}: step ${k + lag - 1} still trains with lr0`);
      assert.equal(trained[k + lag], 0.01, `${timing}: step ${k + lag} trains with the new LR`);
    }
  });

  it("NaN: the official MHLR never decays again after one NaN loss (NaN < lambd is false); fastface skips it", () => {
    const s = createScheduler(spec, ctx);
    let first = -1;
    for (let i = 0; i < L.length && first < 0; i++) if (s.step(L[i]!)) first = i;
    const at = Math.max(2, first - 10);
    const dirty = Float64Array.from(L);
    dirty[at] = Number.NaN;
    const ref = officialLoop(dirty, 0.02, 8000);
    const after = ref.trained.slice(at);
    assert.ok(
      after.every((v) => v === 0.02),
      "the official LR never changes after the NaN",
    );
    const clean = officialLoop(L, 0.02, 8000).trained;
    assert.ok(clean[7999]! < 0.02, "without the NaN it decays");
    const t = createTimed(spec, ctx);
    let last = 0;
    for (let i = 0; i < dirty.length; i++) {
      t.step(dirty[i]!);
      last = t.lr;
    }
    assert.ok(last < 0.02, "fastface keeps deciding after the NaN");
  });

  it("defaults: official for the rules ported from the MHLR code, immediate for every other scheduler; names parse", () => {
    const official = new Set(["fastface", "hck-proto", "mhlr-7279bad"]);
    for (const name of schedulerNames()) {
      assert.equal(defaultTiming(name), official.has(name) ? "official" : "immediate", name);
    }
    assert.equal(parseTiming("Immediate"), "immediate");
    assert.equal(parseTiming("k+2"), undefined);
  });

  it("the closed loop of src/simulate uses it: official trains one step later than immediate", () => {
    const params = { Linit: 40, k: 0.002, p: 0.5, a: 1.2, b: 12, q: 0.6, lrRef: 0.1 };
    const grid = Array.from({ length: 30000 }, (_, i) => i + 1);
    const run = (timing?: "official" | "immediate") =>
      runClosedLoop({
        model: floor,
        params,
        scheduler: parseSchedulerSpec("fastface:lambda=1e-4,tau=0.02"),
        ctx: { totalSteps: 30000, lr0: 0.1 },
        steps: 30000,
        stride: 10,
        seed: 1,
        target: 3,
        grid,
        ...(timing ? { timing } : {}),
      });
    const off = run("official");
    const imm = run("immediate");
    assert.ok(imm.decays.length >= 1);
    const d = imm.decays[0]!.step; // decided from the loss of step d (1-based)
    assert.equal(imm.lr[d - 1], 0.1); // step d trained with lr0
    assert.equal(imm.lr[d], 0.05); // step d+1 with the new LR
    // same noise-free model: the official run is identical up to step d+1, then one step behind
    assert.equal(off.decays[0]!.step, d);
    assert.equal(off.lr[d], 0.1);
    assert.equal(off.lr[d + 1], 0.05);
    // the default for fastface is official
    const dflt = run();
    assert.deepEqual([...dflt.lr], [...off.lr]);
  });
});
