/**
 * The cases of issue 15 "real-world logs": options that do not apply, gzip, headerless CSV, Git LFS pointers,
 * table aggregation metadata, Parquet column types, and the loss-column report in the CLI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { readCurvesParquet, sqlString, writeCurveParquet } from "../../src/curve/arrow.ts";
import { ConfigError, FastfaceError, InputError, ParseError } from "../../src/errors.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { loadCurve, loadCurves } from "../../src/ingest/load.ts";
import { openDuckDb } from "../../src/io/duckdb.ts";
import { LOGS, REAL, TFEVENTS } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ff-newcomer-"));
const arr = (a: Float64Array | undefined) => (a === undefined ? undefined : Array.from(a));
// the bin: dist/ when it is up to date (`npm test` builds first), else the sources through tsx
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "bin/fastface.js"), ...args], {
    encoding: "utf8",
    cwd: ROOT,
  });
const LOG = `${LOGS}insightface_ms1mv3_r50_poly.log`;

describe("options that do not apply to a format are an error (exit 2) naming the options that do", () => {
  it("--tag / --loss-col on an arcface log", async () => {
    for (const opts of [{ tag: "loss" }, { lossCol: "loss" }]) {
      await assert.rejects(loadCurves(LOG, opts), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.exitCode, 2);
        assert.equal(e.code, "E_OPTION_NOT_APPLICABLE");
        assert.match(e.message, /does not apply to arcface-log files; options that apply to arcface-log: none/);
        return true;
      });
    }
    const r = cli("ingest", LOG, "--tag", "loss");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--tag does not apply to arcface-log/);
  });

  it("--loss-col on an event file lists --tag and --salvage; --tag on a CSV lists the column options", async () => {
    await assert.rejects(
      loadCurves(`${TFEVENTS}pytorch_simple_value_strict/run_1`, { lossCol: "x" }),
      /--tag, --salvage/,
    );
    await assert.rejects(loadCurves(`${FX}metrics.tsv`, { tag: "x" }), /--step-col, --loss-col, --lr-col/);
  });

  it("in a folder an option is fine when it applies to one of the formats found", async () => {
    const folder = join(dir, "mixed");
    mkdirSync(folder);
    copyFileSync(LOG, join(folder, "training.log"));
    copyFileSync(`${REAL}detectron2_levi_metrics.json`, join(folder, "metrics.json"));
    const curves = await loadCurves(folder, { lossCol: "loss_cls" });
    assert.equal(curves.find((c) => c.meta.format === "detectron2")?.meta.lossColumn?.name, "loss_cls");
    await assert.rejects(loadCurves(folder, { tag: "x" }), ConfigError);
  });
});

describe("gzip-compressed logs are read transparently (streamed)", () => {
  it("training.log.gz and metrics.csv.gz give the same curves as the plain files", async () => {
    const gz = join(dir, "training.log.gz");
    writeFileSync(gz, gzipSync(readFileSync(LOG)));
    const plain = await loadCurve(LOG);
    const packed = await loadCurve(gz, { chunkBytes: 4096 });
    assert.equal(packed.meta.format, "arcface-log");
    assert.deepEqual(arr(packed.columns.step), arr(plain.columns.step));
    assert.deepEqual(arr(packed.columns.loss), arr(plain.columns.loss));
    assert.deepEqual(packed.meta.evaluations, plain.meta.evaluations);
    const csv = join(dir, "lightning.csv.gz");
    writeFileSync(csv, gzipSync(readFileSync(`${REAL}lightning_opal_metrics.csv`)));
    const [a] = await loadCurves(csv);
    const [b] = await loadCurves(`${REAL}lightning_opal_metrics.csv`);
    assert.equal(a?.meta.format, "csv");
    assert.equal(a?.meta.name, "lightning");
    assert.deepEqual(arr(a?.columns.loss), arr(b?.columns.loss));
  });

  it("a cut gzip keeps the points before the cut with a warning; corrupt gzip is a ParseError", async () => {
    const full = gzipSync(readFileSync(LOG));
    const cut = join(dir, "cut.log.gz");
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    const c = await loadCurve(cut);
    assert.ok(c.columns.step.length > 100);
    assert.ok(c.meta.warnings.some((w) => w.code === "W_GZIP_TRUNCATED"));
    const bad = join(dir, "bad.log.gz");
    const corrupt = Buffer.from(full);
    corrupt.fill(0x55, 20, 400);
    writeFileSync(bad, corrupt);
    await assert.rejects(loadCurve(bad), (e: unknown) => e instanceof FastfaceError && /gzip/.test(e.message));
  });
});

describe("headerless CSV", () => {
  const file = join(dir, "noheader.csv");
  writeFileSync(file, "0,0.1,7,2.50\n10,0.1,7,2.25\n20,0.05,7,2.00\n");

  it("--step-col 0 --loss-col 3 (0-based positions) reads it, with or without --format", async () => {
    for (const opts of [
      { stepCol: "0", lossCol: "3", lrCol: "1" },
      { format: "csv" as const, stepCol: "0", lossCol: "3" },
    ]) {
      const c = await loadCurve(file, opts);
      assert.deepEqual(arr(c.columns.step), [0, 10, 20]);
      assert.deepEqual(arr(c.columns.loss), [2.5, 2.25, 2.0]);
    }
    assert.deepEqual(
      arr((await loadCurve(file, { stepCol: "0", lossCol: "3", lrCol: "1" })).columns.lr),
      [0.1, 0.1, 0.05],
    );
  });

  it("without them the error says how (sniffing and --format csv alike)", async () => {
    await assert.rejects(loadCurve(file), /headerless table\? name the columns by position: --step-col 0 --loss-col 1/);
    await assert.rejects(loadCurve(file, { format: "csv" }), (e: unknown) => {
      assert.ok(e instanceof ParseError);
      assert.match(e.message, /line 1.*headerless table.*--step-col 0 --loss-col 1/s);
      return true;
    });
  });
});

describe("a Git LFS pointer is named as such", () => {
  const pointer =
    "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
  it("loading it says to run `git lfs pull` (exit 3), with or without --format", async () => {
    const file = join(dir, "training.log");
    writeFileSync(file, pointer);
    for (const opts of [{}, { format: "arcface-log" as const }]) {
      await assert.rejects(loadCurve(file, opts), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.exitCode, 3);
        assert.match(e.message, /Git LFS pointer \(oid sha256:4d7a2146\w+, 12345 bytes\).*git lfs pull/);
        return true;
      });
    }
    assert.throws(() => detectFormat(new TextEncoder().encode(pointer), "x"), /Git LFS pointer/);
  });

  it("in a folder it is skipped with that reason", async () => {
    const folder = join(dir, "lfs");
    mkdirSync(folder);
    writeFileSync(join(folder, "big.log"), pointer);
    copyFileSync(LOG, join(folder, "training.log"));
    const curves = await loadCurves(folder);
    assert.equal(curves.length, 1);
    assert.ok(curves[0]?.meta.warnings.some((w) => w.code === "W_SKIPPED_FILE" && /git lfs pull/.test(w.message)));
  });
});

describe("aggregation metadata of tables", () => {
  it("a CSV / TSV / JSONL loss is `unknown` (the file does not say); a Lightning `*_step` column is `instant`", async () => {
    assert.equal((await loadCurve(`${FX}metrics.tsv`)).meta.aggregation, "unknown");
    assert.equal((await loadCurve(`${FX}train.jsonl`)).meta.aggregation, "unknown");
    assert.equal((await loadCurve(`${FX}keras_history.csv`)).meta.aggregation, "unknown");
    const step = join(dir, "lightning_step.csv");
    writeFileSync(step, "step,train_loss_step,epoch\n0,2.5,0\n1,2.4,0\n");
    assert.equal((await loadCurve(step)).meta.aggregation, "instant");
    // formats whose writer is known keep their convention
    assert.equal((await loadCurve(LOG)).meta.aggregation, "mean-of-interval");
  });

  it("the README's canonical-curve rule names every aggregation and says what a table gets", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const rule = readme.split("\n- ").find((b) => b.startsWith("**The canonical curve**")) ?? "";
    for (const a of ["mean-of-interval", "median-of-window", "instant", "unknown"]) {
      assert.ok(rule.includes(`\`${a}\``), `README's canonical-curve rule names \`${a}\``);
    }
    assert.doesNotMatch(rule, /`instant` otherwise/, "a CSV / JSONL loss is `unknown`, not `instant`");
  });
});

describe("Parquet written by ingest --out", () => {
  it("step INT64, wallTime TIMESTAMP; DuckDB reads the same types back; the curve round-trips", async () => {
    const curve = await loadCurve(LOG);
    const file = join(dir, "one.parquet");
    await writeCurveParquet(file, curve);
    const { conn: con, close } = await openDuckDb();
    try {
      const rows = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRows();
      const types = Object.fromEntries(rows.map((r) => [String(r[0]), String(r[1])]));
      assert.deepEqual(types, { step: "BIGINT", loss: "DOUBLE", lr: "DOUBLE", epoch: "DOUBLE", wallTime: "TIMESTAMP" });
      const first = (
        await con.runAndReadAll(`SELECT epoch("wallTime") FROM read_parquet(${sqlString(file)}) LIMIT 1`)
      ).getRows()[0]?.[0];
      assert.equal(Number(first), curve.columns.wallTime?.[0]);
    } finally {
      close();
    }
    const [back] = await readCurvesParquet(file);
    assert.deepEqual(arr(back?.columns.step), arr(curve.columns.step));
    assert.deepEqual(arr(back?.columns.wallTime), arr(curve.columns.wallTime));
  });

  it("several curves in one file get a `curve` name column (VARCHAR) and come back apart", async () => {
    const r = cli("ingest", `${TFEVENTS}pytorch_simple_value_strict`, "--out", join(dir, "runs.parquet"), "--json");
    assert.equal(r.status, 0, r.stderr);
    const summaries = JSON.parse(r.stdout) as Array<{ name: string; points: number; written: string }>;
    assert.equal(summaries.length, 3);
    assert.ok(summaries.every((s) => s.written.endsWith("runs.parquet")));
    const { conn: con, close } = await openDuckDb();
    try {
      const lit = sqlString(join(dir, "runs.parquet"));
      const rows = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit})`)).getRows();
      assert.equal(String(rows[0]?.[0]), "curve");
      assert.equal(String(rows[0]?.[1]), "VARCHAR");
      assert.equal(String(rows.find((x) => x[0] === "step")?.[1]), "BIGINT");
      const counts = (
        await con.runAndReadAll(
          `SELECT curve, count(*)::INTEGER FROM read_parquet(${lit}) GROUP BY curve ORDER BY curve`,
        )
      ).getRows();
      assert.deepEqual(
        counts.map((x) => [String(x[0]), Number(x[1])]),
        summaries.map((s) => [s.name, s.points]).sort(),
      );
    } finally {
      close();
    }
    const back = await loadCurves(join(dir, "runs.parquet"));
    assert.deepEqual(
      back.map((c) => [c.meta.name, c.columns.step.length]),
      summaries.map((s) => [s.name, s.points]),
    );
  });
});

describe("the loss column choice is reported", () => {
  it("human output names the column, why, and the alternatives; --json has lossColumn", () => {
    const file = `${REAL}detectron2_fruits_metrics.json`;
    const human = cli("ingest", file);
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      human.stdout,
      /loss column 'total_loss' \(the format's total loss\); other loss-like columns: .*loss_box_reg/,
    );
    const json = cli("ingest", file, "--json");
    const [s] = JSON.parse(json.stdout) as Array<{ lossColumn: { name: string; why: string; alternatives: string[] } }>;
    assert.equal(s?.lossColumn.name, "total_loss");
    assert.ok(s?.lossColumn.alternatives.includes("loss_cls"));
    const inspect = cli("inspect", file);
    assert.match(inspect.stdout, /loss column {2}total_loss: the format's total loss; others: /);
  });

  it("replay's human output names the loss column it replayed (the command that acts on it)", () => {
    const file = `${REAL}detectron2_fruits_metrics.json`;
    const r = cli("replay", file, "-q");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /loss column 'total_loss' \(the format's total loss\); other loss-like columns: .*loss_cls/);
    const picked = cli("replay", file, "-q", "--loss-col", "loss_cls");
    assert.match(picked.stdout, /loss column 'loss_cls' \(chosen with --loss-col/);
    const log = cli("replay", LOG, "-q");
    assert.doesNotMatch(log.stdout, /loss column/, "one loss, nothing to choose: no line");
  });

  it("a guess among components gets W_LOSS_GUESSED", async () => {
    const file = join(dir, "components.csv");
    writeFileSync(file, "step,loss_cls,loss_box\n0,1.0,2.0\n1,0.9,1.8\n");
    const c = await loadCurve(file);
    assert.equal(c.meta.lossColumn?.name, "loss_cls");
    assert.deepEqual(c.meta.lossColumn?.alternatives, ["loss_box"]);
    assert.ok(c.meta.warnings.some((w) => w.code === "W_LOSS_GUESSED" && /--loss-col/.test(w.message)));
  });
});
