/**
 * Golden Vega-Lite specs (not HTML) of the replay charts for the hand-made result in fixture.ts, each also
 * validated against vega-lite's JSON schema. Regenerate after an intended change with
 * `UPDATE_GOLDEN=1 node --import tsx --test test/report/golden.test.ts` and review the diff.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { replaySections } from "../../src/report/charts-replay.ts";
import type { ChartSpec } from "../../src/report/types.ts";
import { fixtureResult } from "./fixture.ts";
import { vegaLiteSchemaErrors } from "./vl-schema.ts";

const GOLDEN = new URL("./golden/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

const charts: ChartSpec[] = replaySections(fixtureResult()).flatMap((s) => s.charts ?? []);

if (update) {
  // Keep regenerated goldens in the repository's JSON style, so `biome check test` stays clean.
  after(() => {
    const biome = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));
    const r = spawnSync(biome, ["format", "--write", fileURLToPath(GOLDEN)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`biome format failed: ${r.stderr}`);
  });
}

test("the fixture yields the loss, two detector and the LR charts", () => {
  assert.deepEqual(
    charts.map((c) => c.id),
    ["r50-fixture-loss", "r50-fixture-statistic-fastface", "r50-fixture-statistic-hck", "r50-fixture-lr"],
  );
});

for (const chart of charts) {
  test(`golden spec ${chart.id}`, () => {
    const file = new URL(`${chart.id}.vl.json`, GOLDEN);
    const text = `${JSON.stringify(chart.spec, null, 2)}\n`;
    if (update) writeFileSync(file, text);
    assert.ok(existsSync(file), `missing golden ${file.pathname}: run with UPDATE_GOLDEN=1`);
    assert.deepEqual(chart.spec, JSON.parse(readFileSync(file, "utf8")));
  });

  test(`spec ${chart.id} is valid Vega-Lite`, () => {
    assert.deepEqual(vegaLiteSchemaErrors(chart.spec), []);
  });
}

test("every golden file belongs to a chart (no stale goldens)", () => {
  const ids = new Set(charts.map((c) => `${c.id}.vl.json`));
  for (const f of readdirSync(GOLDEN)) assert.ok(ids.has(f), `stale golden ${f}`);
});

test("the schema check rejects an invalid spec (the validator is live)", () => {
  assert.notDeepEqual(vegaLiteSchemaErrors({ mark: "no-such-mark", data: { values: [] } }), []);
});

test("specs read the result: decay markers and plateau rectangles come from it verbatim", () => {
  const r = fixtureResult();
  const lr = charts.find((c) => c.id === "r50-fixture-lr")!.spec as { layer: Array<{ layer?: unknown[] }> };
  const json = JSON.stringify(lr);
  for (const s of r.schedulers) {
    for (const d of s.decays) assert.ok(json.includes(`{"step":${d.step},"lr":${d.lr},"scheduler":"${s.name}"}`));
  }
  const loss = JSON.stringify(charts[0]!.spec);
  for (const sp of r.stationary) assert.ok(loss.includes(`{"start":${sp.start},"end":${sp.end}`));
});
