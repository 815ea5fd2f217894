/**
 * The demo job as a library call: a data folder with real logs -> one document whose every chart is valid
 * Vega-Lite and whose headline and tables read the replay results verbatim.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildDemo, DEMO_SCHEDULERS } from "../../src/report/demo.ts";
import type { ReportSection } from "../../src/report/types.ts";
import { vegaLiteSchemaErrors } from "./vl-schema.ts";

const FIXTURES = fileURLToPath(new URL("../../data/", import.meta.url));

function chartIds(sections: readonly ReportSection[]): string[] {
  return sections.flatMap((s) => [...(s.charts ?? []).map((c) => c.id), ...chartIds(s.sections ?? [])]);
}

test("buildDemo: one log -> its run section, summary first, valid specs, headline from the results", async () => {
  const data = mkdtempSync(join(tmpdir(), "fastface-demo-"));
  mkdirSync(join(data, "logs"));
  copyFileSync(join(FIXTURES, "logs/insightface_ms1mv3_r50_multistep.log"), join(data, "logs/ms1mv3.log"));
  const { doc, results } = await buildDemo({ dataDir: data });
  assert.equal(results.length, 1);
  const r = results[0]!;
  assert.deepEqual(
    r.schedulers.map((s) => s.name),
    [...DEMO_SCHEDULERS],
  );
  assert.equal(doc.sections.length, 1);
  const run = doc.sections[0]!;
  assert.equal(run.id, "ms1mv3");
  assert.equal(run.headline?.length, 1 + DEMO_SCHEDULERS.length, "the judge's sentence, then one per scheduler");
  r.schedulers.forEach((s, k) => {
    assert.ok(
      run.headline![k + 1]!.startsWith(`${s.name}: ${s.decays.length === 0 ? "no decay" : `${s.decays.length} decay`}`),
    );
  });
  assert.deepEqual(chartIds(doc.sections), [
    "ms1mv3-main",
    "ms1mv3-evaluations",
    "ms1mv3-detector-fastface",
    "ms1mv3-detector-hck",
  ]);
  const charts = doc.sections.flatMap((s) => s.charts ?? []);
  for (const c of charts) assert.deepEqual(vegaLiteSchemaErrors(c.spec), [], c.id);
  const tables = run.sections!.find((s) => s.id === "ms1mv3-tables")!.tables![0]!;
  const col = (name: string) => tables.columns.indexOf(name);
  r.schedulers.forEach((s, k) => {
    const row = tables.rows[k]!;
    assert.deepEqual(
      [row[col("scheduler")], row[col("decays")], row[col("plateaus removed")], row[col("open-loop lead (steps)")]],
      [s.name, s.decays.length, `${s.removed} / ${r.stationary.length}`, s.openLoopLead],
    );
    assert.equal(row[col("mean detection lag (steps)")], s.detection.meanLag);
  });
});

test("buildDemo: two logs -> both runs, the first at the top, then the runs compared", async () => {
  const data = mkdtempSync(join(tmpdir(), "fastface-demo-"));
  mkdirSync(join(data, "logs"));
  copyFileSync(join(FIXTURES, "logs/insightface_ms1mv3_r50_multistep.log"), join(data, "logs/a_multistep.log"));
  copyFileSync(join(FIXTURES, "real/pocketnet_multistep_kd.log"), join(data, "logs/b_pocketnet.log"));
  const { doc } = await buildDemo({ dataDir: data, schedulers: ["fastface", "multistep"] });
  assert.deepEqual(
    doc.sections.map((s) => s.id),
    ["a_multistep", "b_pocketnet", "compare"],
  );
  const compare = doc.sections[2]!;
  assert.deepEqual(
    compare.charts?.map((c) => c.id),
    ["compare-overlay", "compare-lead"],
  );
  assert.equal(compare.headline?.length, 2, "one sentence per scheduler across the runs");
});

test("buildDemo after `ingest data/logs --out data/curves/`: each run is listed once", async () => {
  const data = mkdtempSync(join(tmpdir(), "fastface-demo-dup-"));
  mkdirSync(join(data, "logs"));
  mkdirSync(join(data, "curves"));
  copyFileSync(join(FIXTURES, "retrain/synthetic_mlp_fastface_quarter.log"), join(data, "logs/quarter.log"));
  const { parseArcfaceLog } = await import("../../src/ingest/arcface-log.ts");
  const { writeCurveFile } = await import("../../src/curve/arrow.ts");
  const { readFileSync } = await import("node:fs");
  const curve = parseArcfaceLog(readFileSync(join(data, "logs/quarter.log"), "utf8"), join(data, "logs/quarter.log"));
  await writeCurveFile(join(data, "curves/quarter.arrow"), curve);
  const { results, warnings } = await buildDemo({ dataDir: data });
  assert.equal(results.length, 1);
  assert.ok(warnings.list.some((w) => /repeat a run already read/.test(w.message)));
});
