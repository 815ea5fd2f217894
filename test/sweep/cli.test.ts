/**
 * The sweep database as users meet it: a second sweep into the same file is refused without touching it,
 * `sweep-top --json` prints rows of a fixed shape, Parquet export, and the CLI's exit codes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { writeCurveFile } from "../../src/curve/arrow.ts";
import { ConfigError, InputError } from "../../src/errors.ts";
import { sweepSections } from "../../src/report/sections-sweep.ts";
import { sweepReportData } from "../../src/sweep/report-data.ts";
import { openDb, queryRows } from "../../src/sweep/store.ts";
import { runSweep } from "../../src/sweep/sweep.ts";
import { vegaLiteSchemaErrors } from "../report/vl-schema.ts";
import { syntheticCurve } from "./synthetic.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/fastface.js");

function digest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

describe("sweep database and CLI", () => {
  let dir: string;
  let db: string;
  const curves = [syntheticCurve("a", 12000, { seed: 5 }), syntheticCurve("b", 9000, { seed: 6, phases: 2 })];
  const grid = ["lambda=1e-5..1e-3:log:3", "tau=0.01,0.02"];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fastface-sweep-cli-"));
    db = join(dir, "s.duckdb");
    const parquet = join(dir, "s.parquet");
    const s = await runSweep(curves, { scheduler: "fastface", grid, out: db, workers: 1, parquet });
    assert.equal(s.committed, 12);
    assert.equal(s.parquet, parquet);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("tables and columns users query", async () => {
    const { conn, close } = await openDb(db, true);
    try {
      const cols = await queryRows(
        conn,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'results'",
      );
      const names = cols.map((c) => String(c.column_name));
      for (const c of [
        "curve",
        "content_hash",
        "config_id",
        "params",
        "p_lambda",
        "p_tau",
        "decays",
        "removed",
        "openLoopLead",
      ]) {
        assert.ok(names.includes(c), `results has ${c}`);
      }
      for (const c of ["plateaus", "premature", "nsPerStep", "lambdaEff", "decaySteps"]) assert.ok(names.includes(c));
      const sweep = await queryRows(conn, "SELECT scheduler, judge, expand FROM sweep");
      assert.deepEqual(sweep, [{ scheduler: "fastface", judge: "haar", expand: "hold" }]);
      const n = await queryRows(conn, "SELECT count(*) AS n, count(DISTINCT config_id) AS k FROM results");
      assert.deepEqual(n, [{ n: 12, k: 6 }]);
      const pq = await queryRows(conn, `SELECT count(*) AS n FROM read_parquet('${join(dir, "s.parquet")}')`);
      assert.equal(pq[0]!.n, 12);
    } finally {
      close();
    }
  });

  it("another definition into the same file: ConfigError naming what differs, file untouched", async () => {
    const before = digest(db);
    await assert.rejects(
      () =>
        runSweep(curves, {
          scheduler: "fastface",
          grid: ["lambda=1e-5..1e-3:log:4", "tau=0.01,0.02"],
          out: db,
          workers: 1,
          resume: true,
        }),
      (e: unknown) => e instanceof ConfigError && e.code === "E_SWEEP_DEFINITION" && /differs in: grid/.test(e.message),
    );
    await assert.rejects(
      () => runSweep([curves[0]!], { scheduler: "fastface", grid, out: db, workers: 1, resume: true }),
      (e: unknown) => e instanceof ConfigError && /differs in: curves/.test(e.message),
    );
    await assert.rejects(
      () => runSweep(curves, { scheduler: "fastface", grid, out: db, workers: 1 }),
      (e: unknown) => e instanceof InputError && e.code === "E_SWEEP_EXISTS" && /--resume/.test(e.message),
    );
    assert.equal(digest(db), before);
    assert.ok(!existsSync(`${db}.wal`));
  });

  it("CLI: wrong definition exits 2, unknown grid parameter exits 2 listing valid names", async () => {
    const csv = join(dir, "a.arrow");
    await writeCurveFile(csv, curves[0]!);
    const other = join(dir, "other.duckdb");
    await runSweep([curves[0]!], { scheduler: "fastface", grid: ["tau=0.01"], out: other, workers: 1 });
    const before = digest(other);
    const wrong = spawnSync(
      process.execPath,
      [BIN, "sweep", csv, "--scheduler", "fastface", "--grid", "tau=0.02", "--out", other, "--resume"],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(wrong.status, 2, wrong.stderr);
    assert.match(wrong.stderr, /different sweep \(differs in: grid\)/);
    assert.equal(digest(other), before);
    const unknown = spawnSync(
      process.execPath,
      [BIN, "sweep", csv, "--scheduler", "fastface", "--grid", "lamda=1e-5", "--out", join(dir, "x.duckdb")],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no parameter 'lamda'; valid names: alpha, beta, debias, delta, lambda, lambdaMode/);
    assert.ok(!existsSync(join(dir, "x.duckdb")), "nothing written on a bad grid");
  });

  it("sweep-top --json: an array of rows with curve, params and the metrics; --k per curve, --k all", () => {
    const top = spawnSync(process.execPath, [BIN, "sweep-top", db, "--by", "openLoopLead", "--k", "2", "--json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(top.status, 0, top.stderr);
    const rows = JSON.parse(top.stdout) as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, 4);
    for (const r of rows) {
      assert.equal(typeof r.curve, "string");
      assert.equal(typeof r.params, "object");
      assert.deepEqual(Object.keys(r.params as object).sort(), ["lambda", "tau"]);
      for (const k of ["decays", "removed", "openLoopLead", "plateaus", "premature", "nsPerStep", "rank"]) {
        assert.equal(typeof r[k], "number", k);
      }
      assert.ok(Array.isArray(r.decaySteps));
      assert.equal(r.decays, (r.decaySteps as unknown[]).length);
    }
    assert.deepEqual(
      rows.map((r) => [r.curve, r.rank]),
      [
        ["a", 1],
        ["a", 2],
        ["b", 1],
        ["b", 2],
      ],
    );
    assert.ok((rows[0]!.openLoopLead as number) >= (rows[1]!.openLoopLead as number));
    const all = spawnSync(process.execPath, [BIN, "sweep-top", db, "--k", "all", "--json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal((JSON.parse(all.stdout) as unknown[]).length, 12);
  });

  it("report sections from the sweep summary: overview, heatmaps over lambda x tau, Pareto front; valid Vega-Lite", async () => {
    const summary = await sweepReportData(db);
    assert.equal(summary.heatmap?.configs.length, summary.progress.configs, "one row per configuration");
    assert.equal(summary.progress.configs, 6);
    const sections = sweepSections(summary);
    assert.deepEqual(
      sections.map((x) => x.id),
      ["sweep-overview"],
    );
    const overview = sections[0]!;
    assert.deepEqual(
      overview.charts!.map((c) => c.id),
      ["sweep-heat-saved", "sweep-heat-premature", "sweep-pareto-chart"],
    );
    assert.deepEqual(
      overview.sections!.map((x) => x.id),
      ["sweep-pareto-table", "sweep-robust", "sweep-top", "sweep-facts"],
    );
    const cells = (overview.charts![0]!.spec.datasets as Record<string, unknown[]>).sweep_heatmap!;
    assert.equal(cells.length, 3 * 2, "one cell per (lambda, tau)");
    const pareto = overview.sections![0]!;
    const front = (pareto.tables![0]!.rows as unknown[][]).map((r) => [r[2], r[3]] as [number, number]);
    assert.ok(front.length >= 1);
    for (let i = 1; i < front.length; i++) {
      assert.ok(
        front[i]![1] > front[i - 1]![1] && front[i]![0] > front[i - 1]![0],
        "front: more premature buys more steps",
      );
    }
    for (const chart of overview.charts ?? []) assert.deepEqual(vegaLiteSchemaErrors(chart.spec), [], chart.id);
  });
});
