import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { curveFromArrowIPC, curveToArrowIPC, readCurveFile, sqlString, writeCurveFile } from "../../src/curve/arrow.ts";
import { makeCurve } from "../../src/curve/clean.ts";
import { ConfigError, ParseError, Warnings } from "../../src/errors.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { loadCurves } from "../../src/ingest/load.ts";
import { openDuckDb } from "../../src/io/duckdb.ts";
import { LOGS } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "ff-arrow-"));
const log = parseArcfaceLog(readFileSync(`${LOGS}insightface_ms1mv3_r50_poly.log`, "utf8"), "poly.log");
const w = new Warnings();
const odd = makeCurve(
  { step: [1, 2, 2, 5], loss: [Number.NaN, Infinity, -Infinity, 0.5], epoch: [0, 0, 0, 1] },
  {
    name: "odd 'quoted' \"name\"",
    source: "mem",
    format: "synthetic",
    tag: "a/b",
    config: { note: "it's", n: 3, f: false },
    evaluations: [{ name: "lfw", metric: "Accuracy-Flip", value: 0.99, std: 0.01, step: 5 }],
  },
  w,
);

describe("curve files", () => {
  it("curve -> Arrow IPC -> curve is identical (log curve with lr / epoch / wallTime, config, evaluations)", () => {
    const bytes = curveToArrowIPC(log);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), "ARROW1");
    assert.deepEqual(curveFromArrowIPC(bytes, "x.arrow"), log);
  });

  it("curve -> Arrow -> curve keeps NaN / ±Inf losses, warnings, quotes", () => {
    assert.deepEqual(curveFromArrowIPC(curveToArrowIPC(odd), "x"), odd);
  });

  it("curve -> Parquet -> curve is identical", async () => {
    for (const c of [log, odd]) {
      const p = join(dir, `${c === log ? "log" : "odd"}.parquet`);
      await writeCurveFile(p, c);
      assert.equal(readFileSync(p).subarray(0, 4).toString(), "PAR1");
      assert.deepEqual(await readCurveFile(p), c);
    }
  });

  it("writeCurveFile / readCurveFile by extension; loadCurves reads curve files too", async () => {
    const p = join(dir, "log.arrow");
    await writeCurveFile(p, log);
    assert.deepEqual(await readCurveFile(p), log);
    const [back] = await loadCurves(p);
    assert.deepEqual(back, log);
    await assert.rejects(writeCurveFile(join(dir, "x.txt"), log), ConfigError);
  });

  it("Arrow data that is not a fastface curve is rejected by curveFromArrowIPC, read by the loader", async () => {
    const t = tableFromArrays({
      global_step: BigInt64Array.from([0n, 100n, 200n]),
      train_loss: Float32Array.from([3, 2.5, 2]),
      name: ["a", "b", "c"],
    });
    const bytes = tableToIPC(t, "file");
    assert.throws(() => curveFromArrowIPC(bytes, "t.arrow"), ParseError);
    const p = join(dir, "plain.feather");
    writeFileSync(p, bytes);
    const [c] = await loadCurves(p);
    assert.equal(c?.meta.format, "arrow");
    assert.deepEqual(Array.from(c?.columns.step ?? []), [0, 100, 200]);
    assert.deepEqual(Array.from(c?.columns.loss ?? []), [3, 2.5, 2]);
  });

  it("a Parquet table from elsewhere goes through column discovery (nulls are empty cells)", async () => {
    const p = join(dir, "plain.parquet");
    const { conn: con, close } = await openDuckDb();
    try {
      await con.run(
        `COPY (SELECT * FROM (VALUES (0::BIGINT, 3.0, 0.1), (10, NULL, 0.1), (10, 2.5, NULL), (20, 2.0, 0.01)) t(step, loss, lr)) TO ${sqlString(p)} (FORMAT parquet)`,
      );
    } finally {
      close();
    }
    const [c] = await loadCurves(p);
    assert.equal(c?.meta.format, "parquet");
    assert.deepEqual(Array.from(c?.columns.step ?? []), [0, 10, 20]);
    assert.deepEqual(Array.from(c?.columns.loss ?? []), [3, 2.5, 2]);
    assert.deepEqual(Array.from(c?.columns.lr ?? []), [0.1, 0.1, 0.01]);
  });

  it("garbage after an Arrow / Parquet magic is a ParseError", async () => {
    const a = join(dir, "bad.arrow");
    writeFileSync(a, "ARROW1\0\0garbage");
    await assert.rejects(loadCurves(a), ParseError);
    const q = join(dir, "bad.parquet");
    writeFileSync(q, "PAR1garbagePAR1");
    await assert.rejects(loadCurves(q), ParseError);
  });
});
