/**
 * What replay says beyond the decays: refusal on curves too short to judge, the LR-floor warning (a schedule
 * that kills the LR at every plateau gets a perfect score and a warning), the final LR, the cold-start note
 * on interval means, and the open-loop caveat.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { formatReplay } from "../../src/cli/commands/replay.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { lrBelowFloor } from "../../src/messages/replay.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { FIXTURES, memoryCurve } from "./helpers.ts";

const codes = (r: { warnings?: Array<{ code: string }> }) => (r.warnings ?? []).map((w) => w.code);

describe("too short to judge", () => {
  for (const n of [1, 2, 5, 20]) {
    it(`${n} point${n === 1 ? "" : "s"}: no plateaus, W_JUDGE_TOO_SHORT with the count needed; schedulers still replay`, () => {
      const step = Array.from({ length: n }, (_, i) => (i + 1) * 1000);
      const loss = step.map((_, i) => 5 - 0.01 * i);
      const r = replayCurve(memoryCurve(step, loss), { schedulers: ["multistep:milestones=0.75", "fastface"] });
      assert.deepEqual(r.stationary, []);
      assert.deepEqual(r.judge!.refused, { points: n, needed: 100 });
      const w = r.warnings!.find((x) => x.code === "W_JUDGE_TOO_SHORT")!;
      assert.match(w.message, new RegExp(`has ${n} logged point`));
      assert.match(w.message, /needs at least 100/);
      assert.ok(!codes(r).includes("W_REPLAY_NO_PLATEAUS"));
      const ms = r.schedulers[0]!;
      if (n > 1) assert.equal(ms.decays.length, 1, "the schedule still replays");
      assert.equal(ms.removed, 0);
      assert.equal(ms.premature, 0);
      assert.match(formatReplay(r), /not judged/);
    });
  }
  it("real short files: Keras CSVLogger (5 epochs), MLflow (10 points), detectron2 (5, 15), mmcv (5), mmengine (11)", async () => {
    for (const [path, points] of [
      ["real/keras_braintumor_training_log.csv", 5],
      ["real/mlflow_swahili/mlruns", 10],
      ["real/detectron2_levi_metrics.json", 5],
      ["real/detectron2_fruits_metrics.json", 15],
      ["real/mmcv_yolov3_balloon.log.json", 5],
      ["real/mmengine_dfine_scalars.json", 11],
    ] as const) {
      const curve = await loadCurve(fileURLToPath(new URL(path, FIXTURES)));
      const r = replayCurve(curve, {});
      assert.deepEqual(r.stationary, [], path);
      assert.deepEqual(r.judge!.refused, { points, needed: 100 }, path);
      assert.ok(codes(r).includes("W_JUDGE_TOO_SHORT"), path);
      assert.equal(r.schedulers.length, 2);
    }
  });
});

describe("final LR and the floor", () => {
  it("a schedule that takes the LR to 1e-18 at each plateau start scores perfectly and is warned about", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("logs/insightface_ms1mv3_r50_multistep.log", FIXTURES)));
    const plain = replayCurve(curve, { schedulers: ["constant"] });
    const starts = plain.stationary.map((p) => p.start + 1);
    const r = replayCurve(curve, { schedulers: [`multistep:milestones=${starts.join(",")},gamma=1e-18`] });
    const s = r.schedulers[0]!;
    assert.equal(s.removed, r.stationary.length);
    assert.equal(s.premature, 0);
    assert.equal(s.belowFloorStep, s.decays[0]!.step);
    assert.ok(s.finalLrRatio < 1e-50);
    const w = r.warnings!.find((x) => x.code === "W_REPLAY_LR_FLOOR")!;
    assert.match(w.message, /below the floor 0.0001 x lr0/);
    assert.match(formatReplay(r), /below 0.0001 x lr0 from step/);
    // a ratio just under the floor is printed so that it reads as under it (not "1.00e-4 ... below the floor 0.0001")
    assert.match(lrBelowFloor("plateau-torch", 0.99995e-4, 9417, 1e-4), /to 9\.999e-5 x lr0, below the floor 0\.0001/);
    assert.match(lrBelowFloor("multistep", 1e-18, 9951, 1e-4), /to 1\.00e-18 x lr0/);
    // the run's own schedule (x0.1 three times) stays above the floor
    const own = replayCurve(curve, { schedulers: ["multistep:milestones=49820,79712,104622"], lr0: 0.1 });
    assert.equal(own.schedulers[0]!.belowFloorStep, undefined);
    assert.ok(Math.abs(own.schedulers[0]!.finalLr - 1e-4) < 1e-15);
    assert.ok(Math.abs(own.schedulers[0]!.finalLrRatio - 1e-3) < 1e-15);
    assert.ok(!codes(own).includes("W_REPLAY_LR_FLOOR"));
    // a custom floor
    assert.ok(
      codes(replayCurve(curve, { schedulers: ["multistep:milestones=49820,79712,104622"], lrFloor: 0.01 })).includes(
        "W_REPLAY_LR_FLOOR",
      ),
    );
  });
});

describe("notes on strided logs", () => {
  it("warns that fastface's cold start uses interval means, unless debias or warmup is set", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("logs/insightface_ms1mv3_r50_poly.log", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["fastface"] });
    assert.ok(codes(r).includes("W_REPLAY_COLD_START"));
    // the warning's horizon is the cold-start criterion the decays are marked by (not a second, shorter 1/alpha)
    const steps = r.schedulers[0]!.coldStart!.steps;
    const note = r.warnings?.find((w) => w.code === "W_REPLAY_COLD_START")?.message ?? "";
    assert.match(note, new RegExp(`first ${steps} steps`), note);
    assert.ok(!codes(replayCurve(curve, { schedulers: ["fastface:debias=true"] })).includes("W_REPLAY_COLD_START"));
    assert.ok(!codes(replayCurve(curve, { schedulers: ["hck"] })).includes("W_REPLAY_COLD_START"));
  });
  it("the human output names T's source and ends with the open-loop caveat", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("logs/fastface_ms1mv3_r100.log", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["fastface"] });
    // no total_step in this log: T counts the steps through the last logged one (the official toler 10116)
    assert.deepEqual(r.totalSteps, { value: 202320, from: "logged" });
    assert.equal(r.schedulers[0]!.toler, 10116);
    const text = formatReplay(r);
    assert.match(text, /T = 202320 \(the last logged step/);
    assert.match(text, /open-loop lead/);
    assert.match(text.trim().split("\n").at(-1)!, /^openLoopLead is open loop: .*closed loop \(`fastface simulate`\)/);
  });
  it("on a 0-based log T is the last step + 1, and the human output says so", async () => {
    // detectron2 metrics.json: iterations 19..299 (0-based), so the run took 300 steps
    const curve = await loadCurve(fileURLToPath(new URL("real/detectron2_balloon_metrics.json", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["fastface"] });
    assert.equal(r.curve.lastStep, 299);
    assert.deepEqual(r.totalSteps, { value: 300, from: "logged" });
    const line = formatReplay(r)
      .split("\n")
      .find((l) => l.startsWith("T = "))!;
    assert.match(line, /^T = 300 \(the last logged step 299 \+ 1, steps read as counted from 0; no total_step/, line);
  });
  it("a HuggingFace trainer_state counts its steps (global_step after the optimizer step): T is the last step", async () => {
    const curve = await loadCurve(fileURLToPath(new URL("real/hf_whisper_trainer_state.json", FIXTURES)));
    const r = replayCurve(curve, { schedulers: ["multistep:milestones=1000"] });
    assert.equal(r.curve.lastStep, 5000);
    assert.deepEqual(r.totalSteps, { value: 5000, from: "logged" });
    // 24 steps precede the first logged point (step 25): the milestone fires at step 1000, as torch's would
    assert.deepEqual(
      r.schedulers[0]!.decays.map((d) => d.step),
      [1000],
    );
  });
});
