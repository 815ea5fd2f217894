/**
 * The explain report kind: its golden Vega-Lite spec (validated against vega-lite's schema), the sections it
 * builds from a hand-made result, and its detection by `fastface report`. Regenerate after an intended change with
 * `UPDATE_GOLDEN=1 node --import tsx --test test/report/explain-golden.test.ts` and review the diff.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { explainKind, pickReportKind, readReportInput } from "../../src/report/kinds.ts";
import { explainChart, explainSections, explainShapeProblem } from "../../src/report/sections-explain.ts";
import { explainFixture } from "./explain-fixture.ts";
import { vegaLiteSchemaErrors } from "./vl-schema.ts";

const GOLDEN = new URL("./golden-explain/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

if (update) {
  after(() => {
    const biome = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));
    const r = spawnSync(biome, ["format", "--write", fileURLToPath(GOLDEN)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`biome format failed: ${r.stderr}`);
  });
}

test("golden spec of the explain LR chart, valid Vega-Lite", () => {
  const chart = explainChart(explainFixture(), "fixture-explain-lr");
  const file = new URL(`${chart.id}.vl.json`, GOLDEN);
  if (update) writeFileSync(file, `${JSON.stringify(chart.spec, null, 2)}\n`);
  assert.ok(existsSync(file), `missing golden ${file.pathname}: run with UPDATE_GOLDEN=1`);
  assert.deepEqual(chart.spec, JSON.parse(readFileSync(file, "utf8")));
  assert.deepEqual(vegaLiteSchemaErrors(chart.spec), []);
});

test("the chart reads the result: logged LR, each explanation's LR, a marker per change of the best", () => {
  const r = explainFixture();
  const spec = explainChart(r, "x").spec as { layer: Array<{ data: { values: Array<Record<string, unknown>> } }> };
  const [lines, logged, markers] = spec.layer;
  assert.equal(logged!.data.values.length, r.trace!.step.length);
  assert.equal(lines!.data.values.length, r.trace!.step.length * 2);
  assert.deepEqual(
    markers!.data.values.map((m) => [m.step, m.status]),
    [
      [1000, "matched"],
      [2000, "matched"],
      [3000, "matched"],
    ],
  );
});

test("sections: verdict and ranking, then the best one's change-by-change table and the released rule", () => {
  const sections = explainSections(explainFixture());
  assert.equal(sections.length, 2);
  assert.equal(sections[0]!.paragraphs![0], explainFixture().verdict);
  assert.equal(sections[0]!.tables![0]!.rows.length, 2);
  assert.equal(sections[1]!.tables![0]!.rows.length, 3);
  assert.match(sections[1]!.paragraphs![0]!, /reproduces 0 of the 3 logged changes/);
});

test("fastface report picks the explain kind for an explain JSON, and says what a broken one lacks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fastface-explain-report-"));
  const f = join(dir, "explain.json");
  writeFileSync(f, JSON.stringify(explainFixture()));
  assert.equal(pickReportKind(await readReportInput(f)), explainKind);
  assert.match(explainShapeProblem({ kind: "fastface-explain", curve: { name: "x" } }) ?? "", /logged.changes/);
});
