/**
 * Replay names cold-start decays (issue 13 item 4): a decay before the scheduler's statistic has warmed up
 * (src/schedulers/cold-start.ts) is marked, counted and comes with the spec that holds decisions back that long.
 * Known answer on the real r50 poly log: the official fastface start fires twice in its first 12,678 steps
 * (steps 5079 and 10138) on a curve with no plateau there; debias=true and warmup=N remove both.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadCurve } from "../../src/ingest/load.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { coldStartSteps, firstLossDiff, warmedUpSpec } from "../../src/schedulers/cold-start.ts";
import { FIXTURES, memoryCurve } from "./helpers.ts";

const POLY = fileURLToPath(new URL("logs/insightface_ms1mv3_r50_poly.log", FIXTURES));

describe("replay: cold-start decays", () => {
  it("marks the official fastface start's decays on the poly log and offers the warmed-up rerun", async () => {
    const curve = await loadCurve(POLY);
    const r = replayCurve(curve, { schedulers: ["fastface", "fastface:debias=true", "multistep"] });
    const [official, debiased, multistep] = r.schedulers;
    assert.deepEqual(
      official!.decays.map((d) => [d.step, d.coldStart === true]),
      [
        [5079, true],
        [10138, true],
      ],
    );
    const cold = official!.coldStart!;
    assert.equal(cold.decays, 2);
    assert.ok(cold.steps > 10138 - 20, `warm-up ends after the last cold decay (${cold.steps})`);
    assert.equal(cold.rerun, `fastface:warmup=${cold.steps}`);
    // the rerun it proposes has no cold-start decay left
    const again = replayCurve(curve, { schedulers: [cold.rerun!] }).schedulers[0]!;
    assert.equal(again.decays.filter((d) => d.coldStart).length, 0);
    assert.equal(
      again.decays.every((d) => d.step - r.curve.firstStep >= cold.steps),
      true,
    );
    // debias=true has no ramp: only the weight criterion, no decay inside it
    assert.equal(debiased!.coldStart?.decays, 0);
    assert.equal(debiased!.coldStart?.rerun, undefined);
    // a fixed schedule has no statistic
    assert.equal(multistep!.coldStart, undefined);
    assert.ok(multistep!.decays.every((d) => d.coldStart === undefined));
  });

  it("marks exactly the decays whose per-step index lies before the warm-up (hck: window plus EMA memory)", () => {
    const n = 30_000;
    const steps = Array.from({ length: n }, (_, i) => i + 1);
    // a flat loss from the start: hck fires as soon as its window is full
    const loss = steps.map(() => 5);
    const r = replayCurve(memoryCurve(steps, loss), { schedulers: ["hck:m=100,alpha=0.01,tau=0.005"] });
    const s = r.schedulers[0]!;
    const warm = coldStartSteps({ name: "hck", params: { m: 100, alpha: 0.01, tau: 0.005 } });
    assert.equal(s.coldStart?.steps, warm);
    // decays on both sides of the warm-up
    assert.ok(s.decays.some((d) => d.coldStart) && s.decays.some((d) => !d.coldStart), JSON.stringify(s.decays));
    for (const d of s.decays) assert.equal(d.coldStart === true, d.step - 1 < warm, `decay at ${d.step}`);
    assert.equal(s.coldStart?.decays, s.decays.filter((d) => d.step - 1 < warm).length);
  });

  it("firstLossDiff skips non-finite losses; warmedUpSpec needs a warmup parameter", () => {
    assert.equal(firstLossDiff(Float64Array.of(Number.NaN, 5, Number.POSITIVE_INFINITY, 4.5)), 0.5);
    assert.equal(firstLossDiff([3]), undefined);
    assert.equal(
      warmedUpSpec({ name: "fastface", params: { lambda: 2e-5 } }, 100.2),
      "fastface:lambda=0.00002,warmup=101",
    );
    assert.equal(warmedUpSpec({ name: "fastface", params: {} }, 0), undefined);
    assert.equal(warmedUpSpec({ name: "multistep", params: {} }, 100), undefined);
  });
});
