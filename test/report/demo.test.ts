/**
 * The demo job as a library call: a data folder with one real log -> one document whose every chart is valid
 * Vega-Lite and whose overview reads the replay results verbatim.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildDemo, DEMO_SCHEDULERS } from "../../src/report/demo.ts";
import { vegaLiteSchemaErrors } from "./vl-schema.ts";

const FIXTURES = fileURLToPath(new URL("../../data/", import.meta.url));

test("buildDemo: one log -> overview + run sections, valid specs, table rows from the results", async () => {
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
  assert.equal(doc.sections[0]?.id, "overview");
  const rows = doc.sections[0]?.tables?.[0]?.rows ?? [];
  assert.equal(rows.length, DEMO_SCHEDULERS.length);
  r.schedulers.forEach((s, k) => {
    assert.deepEqual(rows[k], [
      r.curve.name,
      s.name,
      s.decays.length,
      `${s.removed} / ${r.stationary.length}`,
      s.openLoopLead,
    ]);
  });
  const charts = doc.sections.flatMap((s) => s.charts ?? []);
  assert.deepEqual(
    charts.map((c) => c.id),
    ["overview-steps-saved", "ms1mv3-loss", "ms1mv3-statistic-fastface", "ms1mv3-statistic-hck", "ms1mv3-lr"],
  );
  for (const c of charts) assert.deepEqual(vegaLiteSchemaErrors(c.spec), [], c.id);
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
