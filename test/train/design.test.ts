/**
 * The experiment design: which arms train, and the verdict computed from hand-made paired runs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.ts";
import { type ArmPlan, armResult, outcomeOf, planArms, type RunSummary, verdictOf } from "../../src/train/design.ts";
import { summarize } from "../../src/train/paired.ts";

function runs(accuracies: number[], wall = 10): RunSummary[] {
  return accuracies.map((accuracy, i) => ({
    seed: i + 1,
    accuracy,
    accuracyStd: 0.01,
    tar: 0.2,
    decays: 2,
    decaySteps: [50, 75],
    wallSeconds: wall,
    finalLoss: 20,
    evaluations: [],
    traces: { step: [], loss: [], lr: [] },
  }));
}

function arms(base: number[], cand: number[], controls: Record<string, number[]> = {}) {
  const plan = (name: string, role: ArmPlan["role"], steps: number): ArmPlan => ({
    name,
    role,
    scheduler: name,
    steps,
  });
  const b = armResult(plan("baseline", "baseline", 400), runs(base, 40), null);
  const out = [b, armResult(plan("candidate", "candidate", 100), runs(cand), b.runs)];
  for (const [name, acc] of Object.entries(controls))
    out.push(armResult(plan(name, "control", 100), runs(acc), b.runs));
  return out;
}

describe("arms of a design", () => {
  it("baseline at full steps, candidate and controls at the budget; names unique", () => {
    const a = planArms({
      baseline: "multistep:milestones=0.5,0.75",
      candidate: "fastface:lambda=1e-3",
      controls: ["compressed", "poly", "cosine", "constant", "cosine:eta_min=0.001"],
      steps: 4000,
      candidateSteps: 1000,
    });
    assert.deepEqual(
      a.map((x) => [x.name, x.role, x.steps]),
      [
        ["baseline", "baseline", 4000],
        ["candidate", "candidate", 1000],
        ["compressed", "control", 1000],
        ["poly", "control", 1000],
        ["cosine", "control", 1000],
        ["constant", "control", 1000],
        ["cosine-2", "control", 1000],
      ],
    );
    assert.equal(a[2]!.scheduler, "multistep:milestones=0.5,0.75");
  });
  it("a bad spec fails before anything trains", () => {
    assert.throws(
      () =>
        planArms({ baseline: "multistep", candidate: "fastface:nope=1", controls: [], steps: 10, candidateSteps: 5 }),
      ConfigError,
    );
    assert.throws(
      () =>
        planArms({ baseline: "multistep", candidate: "fastface", controls: ["cosinus"], steps: 10, candidateSteps: 5 }),
      ConfigError,
    );
  });
});

describe("verdict", () => {
  it("holds when the lower bound of candidate - baseline is above -tolerance", () => {
    // d = -0.5, -0.3, -0.4 points: mean -0.4, sd 0.1, lower -0.4 - 2.92 * 0.0577 = -0.5686 > -1
    const v = verdictOf(arms([0.9, 0.91, 0.92], [0.895, 0.907, 0.916]), 1);
    assert.equal(v.holds, true);
    assert.ok(Math.abs(v.diff.mean + 0.4) < 1e-9);
    assert.ok(Math.abs(v.diff.lower95! + 0.5685854460848) < 1e-6);
    assert.equal(v.diff.unit, "points");
    assert.equal(v.stepRatio, 0.25);
    assert.equal(v.timeRatio, 0.25);
    assert.match(v.sentence, /Non-inferiority holds/);
  });
  it("does not hold when the mean is fine but the seeds disagree", () => {
    // d = +1, -2, 0: mean -0.333, sd 1.528, lower -0.333 - 2.92 * 0.882 = -2.91 < -1
    const v = verdictOf(arms([0.9, 0.91, 0.92], [0.91, 0.89, 0.92]), 1);
    assert.equal(v.holds, false);
    assert.ok(v.diff.lower95! < -2.5 && v.diff.lower95! > -3);
    assert.match(v.sentence, /does not hold/);
  });
  it("one seed: no interval, no verdict", () => {
    const v = verdictOf(arms([0.9], [0.95]), 1);
    assert.equal(v.holds, false);
    assert.equal(v.diff.lower95, null);
    assert.match(v.sentence, /one seed/);
    assert.equal(v.vsBestControl, null);
  });
  it("compares with the best control: beats / ties / loses", () => {
    const v = verdictOf(
      arms([0.9, 0.91, 0.92], [0.9, 0.91, 0.92], { constant: [0.8, 0.81, 0.8], cosine: [0.885, 0.894, 0.906] }),
      1,
    );
    assert.equal(v.vsBestControl!.control, "cosine");
    assert.equal(v.vsBestControl!.outcome, "beats"); // d = 1.5, 1.6, 1.4
    assert.equal(outcomeOf(summarize([-1.5, -1.6, -1.4])), "loses");
    assert.equal(outcomeOf(summarize([1, -1, 0.5])), "ties");
    assert.equal(outcomeOf(summarize([1])), "undecided");
  });
});
