import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/errors.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { FIXTURES, memoryCurve } from "./helpers.ts";

/** 10 points every 100 steps: a decrease, then a long flat stretch. */
function stairCurve() {
  const step: number[] = [];
  const loss: number[] = [];
  for (let i = 1; i <= 200; i++) {
    step.push(i * 100);
    loss.push(i <= 50 ? 10 - 0.1 * i : 5);
  }
  return memoryCurve(step, loss);
}

describe("replayCurve on an in-memory curve", () => {
  const curve = stairCurve();
  const r = replayCurve(curve, {
    schedulers: ["fastface:alpha=0.01,beta=0.01,tau=0.01", "multistep:milestones=10000", "constant"],
    traces: 50,
  });
  it("follows the --json contract", () => {
    assert.deepEqual(Object.keys(r.curve).slice(0, 6), ["name", "format", "points", "firstStep", "lastStep", "steps"]);
    assert.equal(r.curve.points, 200);
    assert.equal(r.curve.firstStep, 100);
    assert.equal(r.curve.lastStep, 20000);
    assert.equal(r.curve.steps, 19901);
    for (const s of r.schedulers) {
      for (const k of ["name", "params", "decays", "removed", "openLoopLead", "nsPerStep"]) assert.ok(k in s, k);
    }
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
  });
  it("finds the flat stretch and scores decays in curve steps", () => {
    assert.equal(r.stationary.length, 1);
    const plateau = r.stationary[0]!;
    assert.ok(plateau.start > 5000 && plateau.start < 7000 && plateau.end === 20000, JSON.stringify(plateau));
    const ff = r.schedulers[0]!;
    assert.equal(ff.params.tau, 0.01);
    assert.ok(ff.decays.length >= 1);
    // tolerance floor(19901 * 0.01) = 199 steps of x < lambda after the flat begins at step 5000
    assert.ok(ff.decays[0]!.step > 5000 && ff.decays[0]!.step < 6000, JSON.stringify(ff.decays));
    assert.equal(ff.decays[0]!.lr, 0.5);
    assert.equal(ff.removed, 1);
    assert.equal(ff.openLoopLead, 20000 - ff.decays[0]!.step);
    // multistep milestone 10000 in training steps; the curve's first step 100 means 100 steps precede index 0
    const ms = r.schedulers[1]!;
    assert.deepEqual(ms.decays, [{ step: 9999, lr: 0.1 }]);
    assert.equal(r.schedulers[2]!.decays.length, 0);
  });
  it("traces share one step axis", () => {
    const t = r.traces!;
    assert.equal(t.step.length, 50);
    assert.equal(t.loss.length, 50);
    assert.equal(t.ema.length, 50);
    assert.equal(t.schedulers.length, 3);
    assert.equal(t.schedulers[0]!.statistic!.length, 50);
    assert.equal(t.schedulers[0]!.threshold, 5e-5);
  });
  it("lr0, --expand none, --total-steps", () => {
    const a = replayCurve(curve, { schedulers: ["multistep:milestones=3"], expand: "none", lr0: 0.1 });
    assert.equal(a.curve.steps, 200);
    assert.deepEqual(a.schedulers[0]!.decays, [{ step: 300, lr: 0.1 * 0.1 }]);
    const b = replayCurve(curve, { schedulers: ["fastface"], totalSteps: 1000 });
    assert.equal(b.schedulers[0]!.toler, 50);
  });
  it("the header total_step is offered as a hint", () => {
    const c = memoryCurve([1, 2, 3], [3, 2, 1], { config: { total_step: 500 } });
    const w = replayCurve(c, {}).warnings ?? [];
    assert.ok(w.some((x) => x.code === "W_REPLAY_TOTAL_STEP_HINT" && x.message.includes("--total-steps 500")));
  });
  it("bad options are ConfigErrors", () => {
    assert.throws(() => replayCurve(curve, { totalSteps: 0 }), ConfigError);
    assert.throws(() => replayCurve(curve, { lr0: 0 }), ConfigError);
    assert.throws(() => replayCurve(curve, { expand: "linear" as never }), ConfigError);
    assert.throws(() => replayCurve(curve, { schedulers: ["nope"] }), ConfigError);
    assert.throws(() => replayCurve(curve, { judge: "haar:eps=x" }), ConfigError);
    // hold would build 60M values: refused with a hint to use --expand none, which works
    const sparse = memoryCurve([0, 60_000_000], [2, 1]);
    assert.throws(() => replayCurve(sparse, {}), /use --expand none/);
    assert.equal(replayCurve(sparse, { expand: "none" }).curve.steps, 2);
  });
});

describe("replay of every fixture log", () => {
  const logs = fileURLToPath(new URL("logs/", FIXTURES));
  for (const f of readdirSync(logs).filter((x) => x.endsWith(".log"))) {
    it(f, async () => {
      const curve = await loadCurve(`${logs}${f}`);
      const r = replayCurve(curve, { traces: 100 });
      assert.equal(r.schedulers.length, 2);
      assert.equal(r.curve.steps, r.curve.lastStep - r.curve.firstStep + 1);
      for (const s of r.schedulers) {
        assert.ok(s.decays.length <= 8);
        for (let k = 1; k < s.decays.length; k++) assert.ok(s.decays[k]!.lr < s.decays[k - 1]!.lr);
      }
      JSON.stringify(r);
    });
  }
  it("plateaus a person sees on the multistep log: before the LR steps at 49820 and 79712, and the tail", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("logs/insightface_ms1mv3_r50_multistep.log", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["constant"] });
    assert.equal(r.stationary.length, 3);
    const [a, b, c] = r.stationary;
    assert.ok(a!.start < 20000 && a!.end > 40000 && a!.end < 49820);
    assert.ok(b!.start > 49820 && b!.end > 70000 && b!.end < 79712);
    assert.ok(c!.start > 100000 && c!.end === 124550);
  });
});

describe("fastface replay CLI", () => {
  it("--json on a fixture log", () => {
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const log = fileURLToPath(new URL("logs/insightface_ms1mv3_r50_multistep.log", FIXTURES));
    const out = spawnSync(
      process.execPath,
      ["--import", "tsx", main, "replay", log, "-s", "multistep", "--total-steps", "124550", "--json"],
      {
        encoding: "utf8",
      },
    );
    assert.equal(out.status, 0, out.stderr);
    const r = JSON.parse(out.stdout);
    assert.deepEqual(
      r.schedulers[0].decays.map((d: { step: number }) => d.step),
      [49820, 79712, 109604],
    );
    const bad = spawnSync(process.execPath, ["--import", "tsx", main, "replay", log, "-s", "fastface:lamda=1"], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /valid parameters: alpha, beta, lambda/);
  });
});
