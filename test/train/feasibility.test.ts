/**
 * The feasibility checks: the statistic's noise gain and memory measured on the scheduler equal an independent
 * two-EMA computation (a Python loop over D_t, E_t), and the old default candidate (the paper's alpha = beta =
 * 0.001, toler = floor(310 x 0.03) = 9 on a 310-step run) is refused for the reasons the issue measured.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../../src/random.ts";
import { parseSchedulerSpec } from "../../src/schedulers/registry.ts";
import { checkFeasibility, probeStats, statisticResponse } from "../../src/train/feasibility.ts";

/** A probe like the old default's first 31 steps: the margin loss jumps 46.6 -> 68.4 at step 2, then falls. */
function jumpyProbe(n: number, slope = 0.8, noise = 1): Float64Array {
  const r = new Rng(7);
  const out = new Float64Array(n);
  out[0] = 46.6;
  for (let t = 1; t < n; t++) out[t] = 68.4 - slope * (t - 1) + noise * r.normal();
  return out;
}

describe("statistic response", () => {
  it("fastface: gain and memory equal an independent two-EMA computation", () => {
    // Python: impulse response of x_t = w1 x_{t-1} - w2 x_{t-2} + w3 (e_{t-1} - e_t), L2 norm; step response of
    // D_t = (1-a) D + a, E_t = b D + (1-b) E until E >= 0.95
    const slow = statisticResponse({ name: "fastface", params: { alpha: 0.001, beta: 0.001 } }, 1e6)!;
    assert.ok(Math.abs(slow.gain / 1.5823254257968518e-5 - 1) < 1e-9, String(slow.gain));
    assert.equal(slow.memory, 4741);
    const fast = statisticResponse({ name: "fastface", params: { alpha: 0.05, beta: 0.05 } }, 1e6)!;
    assert.ok(Math.abs(fast.gain / 0.005806548893049207 - 1) < 1e-9, String(fast.gain));
    assert.equal(fast.memory, 92);
  });
  it("rules without a lambda statistic get none", () => {
    assert.equal(statisticResponse({ name: "multistep", params: {} }, 1000), null);
  });
});

describe("probe statistics", () => {
  it("recovers the slope and the noise of a noisy line", () => {
    const r = new Rng(3);
    const loss = Float64Array.from({ length: 2000 }, (_, t) => 40 - 0.01 * t + 0.5 * r.normal());
    const p = probeStats(loss);
    assert.ok(Math.abs(p.decrease - 0.01) < 3 * p.decreaseSe + 1e-4, `${p.decrease} +- ${p.decreaseSe}`);
    assert.ok(Math.abs(p.noise / 0.5 - 1) < 0.06, String(p.noise));
    // means of 10 steps: the noise is scaled back to one step
    const means = Float64Array.from({ length: 200 }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 10; j++) s += loss[i * 10 + j]!;
      return s / 10;
    });
    assert.ok(Math.abs(probeStats(means, 10).noise / 0.5 - 1) < 0.15);
    assert.ok(Math.abs(probeStats(means, 10).decrease - 0.01) < 1e-3);
  });
});

describe("feasibility", () => {
  it("refuses the old default candidate on its 310-step run: memory, tolerance, decays in the probe", () => {
    const probe = jumpyProbe(31);
    const f = checkFeasibility(
      parseSchedulerSpec("fastface:lambda=2e-5,tau=0.03"),
      310,
      probe,
      0.02,
      "fastface:lambda=2e-5,tau=0.03",
    );
    assert.equal(f.ok, false);
    const byName = new Map(f.checks.map((c) => [c.name, c]));
    assert.equal(byName.get("memory")!.ok, false);
    assert.equal(byName.get("memory")!.value, 4741);
    assert.equal(byName.get("tolerance")!.ok, false);
    assert.equal(byName.get("tolerance")!.value, 9);
    // the official cold start turns the jump into a negative statistic: a decay every toler + 1 steps
    assert.deepEqual(f.probe.decays, [11, 21, 31]); // as the old default run logged: steps 11, 21, ..., 81
    assert.equal(byName.get("probe")!.ok, false);
    assert.match(byName.get("probe")!.why, /3 decay\(s\) during the 31-step probe/);
  });
  it("passes a setting whose memory, tolerance and noise fit the run", () => {
    // 2,000 steps; probe of 200 falling at 0.05 per step with noise 0.5
    const r = new Rng(11);
    const probe = Float64Array.from({ length: 200 }, (_, t) => 50 - 0.05 * t + 0.5 * r.normal());
    const spec = parseSchedulerSpec("fastface:alpha=0.05,beta=0.05,lambda=0.004,tau=0.1,debias=true");
    const f = checkFeasibility(spec, 2000, probe, 0.1, "x");
    assert.deepEqual(
      f.checks.filter((c) => !c.ok).map((c) => c.name),
      [],
      JSON.stringify(f.checks, null, 1),
    );
    assert.equal(f.ok, true);
  });
  it("fixed schedules are not checked", () => {
    const f = checkFeasibility(parseSchedulerSpec("cosine"), 100, jumpyProbe(20), 0.1, "cosine");
    assert.equal(f.ok, true);
    assert.equal(f.checks.length, 0);
  });
});
