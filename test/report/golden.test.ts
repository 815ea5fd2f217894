/**
 * Golden Vega-Lite specs (not HTML) of every chart of every report kind, from hand-made results (fixture.ts,
 * fixtures-kinds.ts): replay (main, evaluations, detectors), compare (overlay, lead), simulate, retrain and
 * sweep (heatmaps, Pareto front, closed-loop scatter). Each is also validated against vega-lite's JSON schema
 * and compiled. Regenerate after an intended change with
 * `UPDATE_GOLDEN=1 node --import tsx --test test/report/golden.test.ts` and review the diff.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileVegaLite } from "../../src/report/compile.ts";
import { replayPage } from "../../src/report/replay-page.ts";
import { retrainSections } from "../../src/report/sections-retrain.ts";
import { simulateSections } from "../../src/report/sections-simulate.ts";
import { sweepSections } from "../../src/report/sections-sweep.ts";
import type { ChartSpec, ReportSection } from "../../src/report/types.ts";
import { fixtureCurve, fixtureResult } from "./fixture.ts";
import { retrainFixture, simulateFixture, sweepFixture } from "./fixtures-kinds.ts";
import { vegaLiteSchemaErrors } from "./vl-schema.ts";

const GOLDEN = new URL("./golden/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

/** Every chart of the sections, sub-sections included, in page order. */
export function chartsOf(sections: readonly ReportSection[]): ChartSpec[] {
  return sections.flatMap((s) => [...(s.charts ?? []), ...chartsOf(s.sections ?? [])]);
}

const other = fixtureResult("r50-other");
other.schedulers[0]!.openLoopLead = 800;
const KINDS: Record<string, ChartSpec[]> = {
  replay: chartsOf(replayPage([{ result: fixtureResult(), curve: fixtureCurve() }]).sections),
  compare: chartsOf(
    replayPage([{ result: fixtureResult(), curve: fixtureCurve() }, { result: other }]).sections,
  ).filter((c) => c.id.startsWith("compare-")),
  simulate: chartsOf(simulateSections(simulateFixture())),
  retrain: chartsOf(retrainSections(retrainFixture())),
  sweep: chartsOf(sweepSections(sweepFixture())),
};

if (update) {
  for (const f of readdirSync(GOLDEN)) rmSync(new URL(f, GOLDEN));
  // Keep regenerated goldens in the repository's JSON style, so `biome check test` stays clean.
  after(() => {
    const biome = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));
    const r = spawnSync(biome, ["format", "--write", fileURLToPath(GOLDEN)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`biome format failed: ${r.stderr}`);
  });
}

test("every kind has its charts", () => {
  assert.deepEqual(Object.fromEntries(Object.entries(KINDS).map(([k, cs]) => [k, cs.map((c) => c.id)])), {
    replay: [
      "r50_fixture-main",
      "r50_fixture-evaluations",
      "r50_fixture-detector-fastface",
      "r50_fixture-detector-hck",
    ],
    compare: ["compare-overlay", "compare-lead"],
    simulate: ["simulate-loss", "simulate-lr"],
    retrain: ["retrain-differences", "retrain-loss", "retrain-lr", "retrain-accuracy"],
    sweep: ["sweep-heat-saved", "sweep-heat-premature", "sweep-pareto-chart", "sweep-sim-scatter-chart"],
  });
});

for (const [kind, charts] of Object.entries(KINDS)) {
  for (const chart of charts) {
    const file = `${kind}--${chart.id}.vl.json`;
    test(`golden spec ${file}`, () => {
      const url = new URL(file, GOLDEN);
      const text = `${JSON.stringify(chart.spec, null, 2)}\n`;
      if (update) writeFileSync(url, text);
      assert.ok(existsSync(url), `missing golden ${url.pathname}: run with UPDATE_GOLDEN=1`);
      assert.deepEqual(chart.spec, JSON.parse(readFileSync(url, "utf8")));
    });

    test(`spec ${file} is valid Vega-Lite and compiles`, () => {
      assert.deepEqual(vegaLiteSchemaErrors(chart.spec), []);
      const compiled = compileVegaLite(chart.spec);
      assert.equal(compiled.error, undefined, compiled.error);
    });
  }
}

test("every golden file belongs to a chart (no stale goldens)", () => {
  const files = new Set(Object.entries(KINDS).flatMap(([k, cs]) => cs.map((c) => `${k}--${c.id}.vl.json`)));
  for (const f of readdirSync(GOLDEN)) assert.ok(files.has(f), `stale golden ${f}`);
});

test("the schema check rejects an invalid spec (the validator is live)", () => {
  assert.notDeepEqual(vegaLiteSchemaErrors({ mark: "no-such-mark", data: { values: [] } }), []);
});

test("specs read the result: decays, plateaus and evaluations come from it verbatim", () => {
  const r = fixtureResult();
  const main = KINDS.replay![0]!.spec as { datasets: Record<string, Array<Record<string, unknown>>> };
  const decays = main.datasets.r50_fixture_decays!;
  for (const s of r.schedulers) {
    for (const d of s.decays)
      assert.ok(decays.some((x) => x.step === d.step && x.lr === d.lr && x.scheduler === s.name));
  }
  const plateaus = main.datasets.r50_fixture_plateaus!;
  assert.deepEqual(
    plateaus.map((p) => [p.start, p.end]),
    r.stationary.map((p) => [p.start, p.end]),
  );
  const evals = (KINDS.replay![1]!.spec as { datasets: Record<string, unknown[]> }).datasets.r50_fixture_evals!;
  assert.equal(evals.length, 8, "Accuracy-Flip of lfw and cfp_fp at 4 steps (XNorm is not charted)");
});

test("smoothing is computed on the logged points and offered as TensorBoard weights", () => {
  const main = KINDS.replay![0]!.spec as {
    params: Array<{ name: string; value?: unknown; bind?: { options: string[]; labels?: string[] } }>;
    datasets: Record<string, Array<Record<string, number>>>;
  };
  const smooth = main.params.find((p) => p.name === "smooth")!;
  assert.deepEqual(smooth.bind!.labels, ["off", "0.6", "0.9", "0.99", "0.999", "scheduler EMA"]);
  assert.equal(smooth.value, "s2");
  const rows = main.datasets.r50_fixture_smooth!;
  // the first point is not pulled towards 0 (debiased), and heavier smoothing is smoother
  assert.equal(rows[0]!.s4, rows[0]!.loss);
  const roughness = (k: string) => rows.slice(1).reduce((a, r, i) => a + Math.abs(r[k]! - rows[i]![k]!), 0);
  assert.ok(roughness("s1") > roughness("s2") && roughness("s2") > roughness("s3"), "smoother with more weight");
  assert.ok(
    main.params.some((p) => p.name === "xmode"),
    "the fixture curve has wall time: x by step or time",
  );
});
