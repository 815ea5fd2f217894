/**
 * `fastface:scale=auto`: the paper's ratios recomputed from the paper's own log (data/logs/fastface_ms1mv3_r100.log,
 * amoonfana/FastFace MS1MV3 r100, T = 202,320), the rule returning the paper's setting on the paper's run, and
 * the grammar around it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/errors.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { probeStats, statisticResponse } from "../../src/train/feasibility.ts";
import { PAPER_RATIOS, scaleAuto, splitScale } from "../../src/train/scale.ts";

const LOG = fileURLToPath(new URL("../../data/logs/fastface_ms1mv3_r100.log", import.meta.url));
const T = 202_320;

function paperProbe() {
  const c = parseArcfaceLog(readFileSync(LOG, "utf8"), "fastface_ms1mv3_r100");
  const first: number[] = [];
  for (let i = 0; i < c.columns.step.length; i++) if (c.columns.step[i]! <= 0.1 * T) first.push(c.columns.loss[i]!);
  return probeStats(first, c.meta.stride);
}

describe("scale=auto", () => {
  it("the paper's ratios, measured on the paper's run with the paper's defaults", () => {
    const p = paperProbe();
    const r = statisticResponse({ name: "fastface", params: {} }, T)!;
    const rel = (a: number, b: number) => Math.abs(a / b - 1);
    assert.ok(rel(5e-5 / p.decrease, PAPER_RATIOS.rho) < 0.01, `rho ${5e-5 / p.decrease}`);
    assert.ok(rel(5e-5 / (p.noise * r.gain), PAPER_RATIOS.z) < 0.01, `z ${5e-5 / (p.noise * r.gain)}`);
    assert.ok(rel(Math.floor(T * 0.05) / r.memory, PAPER_RATIOS.k) < 0.01);
    assert.ok(rel(r.memory / T, PAPER_RATIOS.memoryFraction) < 0.01);
  });
  it("returns the paper's setting on the paper's run", () => {
    const s = scaleAuto("fastface:scale=auto", T, paperProbe());
    const p = s.spec.params;
    assert.ok(Math.abs((p.alpha as number) / 0.001 - 1) < 0.02, String(p.alpha));
    assert.equal(p.beta, p.alpha);
    assert.ok(Math.abs((p.lambda as number) / 5e-5 - 1) < 0.02, String(p.lambda));
    assert.ok(Math.abs((p.tau as number) / 0.05 - 1) < 0.02, String(p.tau));
    assert.ok(s.ratios.every((x) => x.kept));
  });
  /** A 100-step probe of a 1,000-step run whose loss is noisy against its decrease. */
  const SHORT_NOISY = { steps: 100, decrease: 0.1, decreaseSe: 0.001, noise: 1.5, first: 50, last: 42 };
  it("on a short noisy run it caps the memory and says what it gave up", () => {
    const s = scaleAuto("fastface:scale=auto", 1000, SHORT_NOISY);
    const byName = new Map(s.ratios.map((x) => [x.name, x]));
    assert.equal(byName.get("rho")!.kept, true);
    assert.equal(byName.get("z")!.kept, false);
    assert.ok(byName.get("M/T")!.here <= 0.126);
    assert.equal(s.spec.params.debias, true);
    // toler capped at a quarter of the run
    assert.ok(Math.floor(1000 * (s.spec.params.tau as number)) <= 250);
  });
  it("user parameters win; the grammar is the shared one", () => {
    const s = scaleAuto("fastface:scale=auto,delta=10", 1000, SHORT_NOISY);
    assert.equal(s.spec.params.delta, 10);
    assert.deepEqual(splitScale("fastface:scale=auto,delta=10"), { scale: "auto", rest: "fastface:delta=10" });
    assert.deepEqual(splitScale("fastface:lambda=1e-4"), { scale: null, rest: "fastface:lambda=1e-4" });
    assert.deepEqual(splitScale("fastface:scale=auto"), { scale: "auto", rest: "fastface" });
    assert.throws(() => splitScale("fastface:scale=2"), ConfigError);
    assert.throws(() => splitScale("hck:scale=auto"), ConfigError);
    assert.throws(() => scaleAuto("fastface:scale=auto,nope=1", 1000, paperProbe()), ConfigError);
  });
});
