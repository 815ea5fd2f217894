import assert from "node:assert/strict";
import { test } from "node:test";
import type { Curve } from "../../src/curve/curve.ts";
import { ConfigError, Warnings } from "../../src/errors.ts";
import * as M from "../../src/messages/simulate.ts";
import { resolveStepLr, splitLr } from "../../src/simulate/lr.ts";

function curve(withLr: boolean, config: Record<string, number> = {}): Curve {
  const step = Float64Array.from({ length: 10 }, (_, i) => (i + 1) * 10);
  return {
    columns: {
      step,
      loss: step.map((s) => 10 / s),
      ...(withLr ? { lr: step.map((s) => (s <= 50 ? 0.1 : 0.01)) } : {}),
    },
    meta: {
      name: "t",
      source: "t.log",
      format: "synthetic",
      stride: 10,
      aggregation: "mean-of-interval",
      config,
      evaluations: [],
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      warnings: [],
    },
  };
}

test("lr= is split off a spec whose scheduler has no lr parameter", () => {
  const r = splitLr("multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1");
  assert.equal(r.lr, 0.1);
  assert.deepEqual(r.spec, { name: "multistep", params: { milestones: [49820, 79712, 104622], gamma: 0.1 } });
  assert.equal(splitLr("constant").lr, undefined);
});

test("a log without an LR column and without --lr-schedule is a ConfigError naming the option", () => {
  assert.throws(
    () => resolveStepLr(curve(false), undefined, new Warnings()),
    (e: unknown) => e instanceof ConfigError && e.code === "E_NO_LR" && e.message.includes("--lr-schedule"),
  );
});

test("the logged LR column is held backwards per step", () => {
  const r = resolveStepLr(curve(true), undefined, new Warnings());
  assert.equal(r.from, "log");
  assert.equal(r.eta.length, 100);
  assert.equal(r.eta[49], 0.1); // step 50
  assert.equal(r.eta[50], 0.01); // step 51
  assert.equal(r.lr0, 0.1);
});

test("--lr-schedule multistep: milestone M keeps steps 1..M at lr and decays from step M+1", () => {
  const w = new Warnings();
  const r = resolveStepLr(curve(false), "multistep:lr=0.1,milestones=30,60,gamma=0.1", w);
  assert.equal(r.eta[29], 0.1); // step 30
  assert.ok(Math.abs(r.eta[30]! - 0.01) < 1e-15); // step 31
  assert.ok(Math.abs(r.eta[60]! - 0.001) < 1e-15); // step 61
  assert.equal(w.list.length, 0);
  // no lr anywhere: relative LRs with a warning; the header's lr is used when present
  const w2 = new Warnings();
  assert.equal(resolveStepLr(curve(false), "multistep:milestones=30", w2).lr0, 1);
  assert.ok(w2.has(M.W_RELATIVE_LR));
  assert.equal(resolveStepLr(curve(false, { lr: 0.2 }), "multistep:milestones=30", new Warnings()).lr0, 0.2);
});
