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
      for (const k of [
        "name",
        "params",
        "decays",
        "removed",
        "openLoopLead",
        "premature",
        "detection",
        "finalLr",
        "finalLrRatio",
        "nsPerStep",
      ]) {
        assert.ok(k in s, k);
      }
      assert.equal(s.detection.lags.length, r.stationary.length);
    }
    assert.deepEqual(Object.keys(r.judge!), ["name", "params", "tolerance", "minPoints"]);
    assert.equal(r.judge!.tolerance, 200);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
  });
  it("finds the flat stretch and scores decays in curve steps", () => {
    assert.equal(r.stationary.length, 1);
    const plateau = r.stationary[0]!;
    // the flat begins with the point at step 5000, which holds the steps 4901..5000
    assert.ok(plateau.start >= 4901 && plateau.start < 5200 && plateau.end === 20000, JSON.stringify(plateau));
    const ff = r.schedulers[0]!;
    assert.equal(ff.params.tau, 0.01);
    assert.ok(ff.decays.length >= 1);
    // tolerance floor(19901 * 0.01) = 199 steps of x < lambda after the flat begins at step 5000
    assert.ok(ff.decays[0]!.step > 5000 && ff.decays[0]!.step < 6000, JSON.stringify(ff.decays));
    assert.equal(ff.decays[0]!.lr, 0.5);
    assert.equal(ff.removed, 1);
    assert.equal(ff.openLoopLead, 20000 - ff.decays[0]!.step);
    assert.deepEqual(ff.detection, {
      lags: [ff.decays[0]!.step - plateau.start],
      meanLag: ff.decays[0]!.step - plateau.start,
    });
    assert.equal(ff.decays[0]!.plateau, 0);
    assert.equal(ff.decays[0]!.removes, true);
    assert.equal(ff.finalLr, ff.decays.at(-1)!.lr);
    // multistep milestone 10000 in training steps; the curve's first step 100 means 100 steps precede index 0
    const ms = r.schedulers[1]!;
    assert.deepEqual(ms.decays, [{ step: 9999, lr: 0.1, plateau: 0, removes: true }]);
    assert.equal(ms.finalLrRatio, 0.1);
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
    assert.deepEqual(
      a.schedulers[0]!.decays.map((d) => [d.step, d.lr]),
      [[300, 0.1 * 0.1]],
    );
    assert.deepEqual(a.totalSteps, { value: 200, from: "points" });
    const b = replayCurve(curve, { schedulers: ["fastface"], totalSteps: 1000 });
    assert.equal(b.schedulers[0]!.toler, 50);
  });
  it("T: the header's total_step, else the last logged step, unless --total-steps", () => {
    const c = memoryCurve([1, 2, 3], [3, 2, 1], { config: { total_step: 500 } });
    const r1 = replayCurve(c, { schedulers: ["fastface"] });
    assert.deepEqual(r1.totalSteps, { value: 500, from: "header" });
    assert.equal(r1.schedulers[0]!.toler, 25);
    assert.deepEqual(replayCurve(c, { totalSteps: 40 }).totalSteps, { value: 40, from: "option" });
    // 100 steps precede the first point of the stair curve (format "synthetic" counts steps from 0)
    assert.deepEqual(r.totalSteps, { value: 20001, from: "logged" });
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
  it("plateaus a person sees on the multistep log end at the LR steps 49820 and 79712; the tail runs to the end", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("logs/insightface_ms1mv3_r50_multistep.log", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["constant"] });
    assert.equal(r.stationary.length, 3);
    const [a, b, c] = r.stationary;
    const tol = r.judge!.tolerance;
    assert.equal(tol, 100);
    assert.ok(a!.start < 20000 && Math.abs(a!.end - 49820) <= tol, JSON.stringify(a));
    assert.ok(b!.start > 49820 && Math.abs(b!.end - 79712) <= tol, JSON.stringify(b));
    assert.ok(c!.start > 104622 && c!.end === 124550, JSON.stringify(c));
  });
});

describe("fastface replay CLI", () => {
  it("--json on a fixture log", () => {
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const log = fileURLToPath(new URL("logs/insightface_ms1mv3_r50_multistep.log", FIXTURES));
    const out = spawnSync(process.execPath, ["--import", "tsx", main, "replay", log, "-s", "multistep", "--json"], {
      encoding: "utf8",
    });
    assert.equal(out.status, 0, out.stderr);
    const r = JSON.parse(out.stdout);
    // T = 124550 from the header: the default milestones 0.4/0.64/0.88 of T (109604 is the default's third
    // decay, not the run's: the log decayed at 104622, data/known-decays.json)
    assert.deepEqual(r.totalSteps, { value: 124550, from: "header" });
    assert.deepEqual(
      r.schedulers[0].decays.map((d: { step: number }) => d.step),
      [49820, 79712, 109604],
    );
    const human = spawnSync(process.execPath, ["--import", "tsx", main, "replay", log, "-s", "multistep"], {
      encoding: "utf8",
    });
    assert.match(human.stdout, /T = 124550 \(from the log header's total_step\)/);
    assert.match(human.stdout, /openLoopLead is open loop/);
    const bad = spawnSync(process.execPath, ["--import", "tsx", main, "replay", log, "-s", "fastface:lamda=1"], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /valid parameters: alpha, beta, lambda/);
  });
});
