/**
 * mhlr-7279bad against hand-computed sequences and against a port of the initial commit's class
 * (amoonfana/FastFace 7279bad `lr_scheduler.py`, MHLR) together with the torch `_LRScheduler` mechanics it
 * relies on: `__init__` steps once (last_epoch 0), every `my_step` first calls `super().step()` (last_epoch += 1,
 * group lr = group lr * weight, with the weight of the previous call), then updates the EMAs and the weight;
 * the training loop logs `get_last_lr()` after `my_step`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expandCurve } from "../../src/curve/expand.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { fastface } from "../../src/schedulers/fastface.ts";
import { mhlr7279bad } from "../../src/schedulers/mhlr-7279bad.ts";
import { defaultTiming, restoreScheduler } from "../../src/schedulers/registry.ts";
import { FIXTURES } from "../replay/helpers.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

interface Opts {
  alpha: number;
  beta: number;
  lambd: number;
  tau: number;
  delta: number;
  totalSteps: number;
  lr: number;
}

/** The 7279bad class and torch's `_LRScheduler.step`, ported: returns `get_last_lr()` after each `my_step`. */
function initialCommitLogged(losses: ArrayLike<number>, o: Opts): number[] {
  const self = {
    alpha: o.alpha,
    beta: o.beta,
    toler: Math.trunc(o.totalSteps * o.tau),
    thres: o.lambd,
    decay: o.delta,
    weight: 1,
    count: 0,
    L_t: 0,
    L_t_1: 0,
    D_t: 0,
    D_t_1: 0,
    D_EMA_t: 0,
    D_EMA_t_1: 0,
    last_epoch: -1,
    group_lr: o.lr,
  };
  // _LRScheduler.__init__ -> _initial_step(): last_epoch = 0, lr = get_lr() with weight 1
  const superStep = () => {
    self.last_epoch += 1;
    self.group_lr = self.group_lr * self.weight;
  };
  superStep();
  const logged: number[] = [];
  for (let i = 0; i < losses.length; i++) {
    const loss = losses[i]!;
    // my_step(loss)
    superStep();
    const t = self.last_epoch - 1;
    if (t < 1) {
      self.L_t_1 = loss;
    } else {
      self.L_t = loss;
      if (t < 2) {
        self.D_t = self.alpha * (self.L_t_1 - self.L_t);
        self.D_EMA_t = self.D_t;
      } else {
        self.D_t = (1 - self.alpha) * self.D_t_1 + self.alpha * (self.L_t_1 - self.L_t);
        self.D_EMA_t = self.beta * self.D_t + (1 - self.beta) * self.D_EMA_t_1;
      }
      if (self.D_EMA_t < self.thres) {
        if (self.count < self.toler) {
          self.weight = 1;
          self.count += 1;
        } else {
          self.weight = 1 / self.decay;
          self.count = 0;
        }
      }
      self.L_t_1 = self.L_t;
      self.D_t_1 = self.D_t;
      self.D_EMA_t_1 = self.D_EMA_t;
    }
    logged.push(self.group_lr);
  }
  return logged;
}

describe("mhlr-7279bad: hand-computed", () => {
  it("alpha = beta = 1/2, lambda 1, toler 2: E_t = 0.25, 0.375, ...; fires after 2 stationary steps; the weight sticks", () => {
    // L: 4, 3, 2 (g = 1, 1): D_1 = 0.5, E_1 = 0.5; D_2 = 0.75, E_2 = 0.625
    const s = mhlr7279bad.create({ alpha: 0.5, beta: 0.5, lambda: 1, tau: 0.5 }, { totalSteps: 4, lr0: 1 });
    const r = record(s, [4, 3, 2, 2, 2]);
    assert.deepEqual(r.statistic.slice(1, 3), [0.5, 0.625]);
    // stationary at t = 1, 2 (count 1, 2); t = 3 (E = 0.5) fires: count = toler, weight 1/2; t = 4 (E = 0.34375)
    // is stationary again with count 0 < toler: weight 1, the LR stays
    assert.deepEqual(firedAt(r.fired), [3]);
    assert.deepEqual(r.lr, [1, 1, 1, 0.5, 0.5]);
  });
  it("a non-stationary step keeps the weight: after a fire the LR halves every step until a stationary one", () => {
    // stationary, stationary, stationary (fire), then the loss drops sharply (E >= lambda) for 3 steps
    const s = mhlr7279bad.create({ alpha: 0.5, beta: 0.5, lambda: 0.6, tau: 0.5 }, { totalSteps: 4, lr0: 1 });
    const r = record(s, [1, 1, 1, 1, -10, -20, -30, -30, -30, -30, -30, -30]);
    assert.deepEqual(r.lr.slice(0, 8), [1, 1, 1, 0.5, 0.25, 0.125, 0.0625, 0.03125]);
    assert.ok(r.lr[11]! <= r.lr[7]!);
  });
  it("count is never reset by a non-stationary step (it counts stationary steps in total)", () => {
    const s = mhlr7279bad.create({ alpha: 1, beta: 1, lambda: 0.5, tau: 0.5 }, { totalSteps: 6, lr0: 1 });
    // alpha = beta = 1: E_t = L_{t-1} - L_t. Decreases 0 (stationary) and 1 (not) alternate.
    const r = record(s, [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    // t = 7 fires (count 3 = toler); t = 8 is not stationary, so the weight 1/2 sticks; t = 9 resets it
    assert.deepEqual(r.counter.slice(1), [1, 1, 2, 2, 3, 3, 0, 0, 1]);
    assert.deepEqual(firedAt(r.fired), [7, 8]);
  });
});

describe("mhlr-7279bad equals the initial commit's lines", () => {
  const opts = (tau: number, n: number): Opts => ({
    alpha: 0.05,
    beta: 0.05,
    lambd: 1e-3,
    tau,
    delta: 2,
    totalSteps: n,
    lr: 0.02,
  });
  it("on noisy curves: the logged LR is our LR one step earlier (the official timing)", () => {
    let fires = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const n = 4000;
      const L = noisyCurve(n, seed, 0.3);
      const want = initialCommitLogged(L, opts(0.01, n));
      const s = mhlr7279bad.create({ alpha: 0.05, beta: 0.05, lambda: 1e-3, tau: 0.01 }, { totalSteps: n, lr0: 0.02 });
      const r = record(s, L);
      fires += s.decays;
      // get_last_lr() after my_step(L_k) applies the weights decided at steps < k
      assert.deepEqual(want, [0.02, ...r.lr.slice(0, n - 1)], `seed ${seed}`);
    }
    assert.ok(fires > 10, `only ${fires} decays: the comparison would be vacuous`);
  });
  it("its registry timing is official (the MHLR code path), like fastface and hck-proto", () => {
    assert.equal(defaultTiming("mhlr-7279bad"), "official");
    assert.equal(defaultTiming("hck-proto"), "official");
  });
  it("on the FastFace fixture log: the same LR at every step, and not the released rule's", () => {
    const text = readFileSync(fileURLToPath(new URL("logs/fastface_ms1mv3_r100.log", FIXTURES)), "utf8");
    const L = expandCurve(parseArcfaceLog(text, "fastface.log"), "hold").loss;
    const o: Opts = { alpha: 0.001, beta: 0.001, lambd: 5e-5, tau: 0.05, delta: 2, totalSteps: 202320, lr: 0.02 };
    const want = initialCommitLogged(L, o);
    const s = mhlr7279bad.create({}, { totalSteps: 202320, lr0: 0.02 });
    const r = record(s, L);
    assert.deepEqual(want, [0.02, ...r.lr.slice(0, L.length - 1)]);
    assert.equal(s.decays, 11);
    const released = record(fastface.create({}, { totalSteps: 202320, lr0: 0.02 }), L);
    assert.notDeepEqual(firedAt(r.fired), firedAt(released.fired));
  });
});

describe("mhlr-7279bad state", () => {
  it("restore-then-continue equals an uninterrupted run, also while the weight sticks", () => {
    const L = [1, 1, 1, 1, -10, -20, -30, -30, -30, -30, -30, -30];
    const params = { alpha: 0.5, beta: 0.5, lambda: 0.6, tau: 0.5 };
    const full = record(mhlr7279bad.create(params, { totalSteps: 4, lr0: 1 }), L);
    for (let cut = 0; cut < L.length; cut++) {
      const a = mhlr7279bad.create(params, { totalSteps: 4, lr0: 1 });
      record(a, L.slice(0, cut));
      const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
      assert.deepEqual(record(b, L.slice(cut)).lr, full.lr.slice(cut), `cut ${cut}`);
    }
  });
});
