/**
 * Crash safety: a `fastface sweep` child process killed with SIGKILL after some batches were committed, then
 * `--resume`, ends with exactly the results of an uninterrupted sweep (nothing lost, nothing duplicated).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { writeCurveFile } from "../../src/curve/arrow.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { runSweep } from "../../src/sweep/sweep.ts";
import { resultRows } from "./rows.ts";
import { syntheticCurve } from "./synthetic.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/fastface.js");
const GRID = ["--grid", "lambda=1e-6..1e-3:log:25", "--grid", "tau=0.002,0.005,0.01,0.02", "--grid", "alpha=1e-3,3e-3"];
const TOTAL = 2 * 25 * 4 * 2;

describe("sweep resume after kill -9", () => {
  let dir: string;
  let curves: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fastface-sweep-"));
    curves = [join(dir, "a.arrow"), join(dir, "b.arrow")];
    await writeCurveFile(curves[0]!, syntheticCurve("a", 40000, { seed: 3, phases: 3 }));
    await writeCurveFile(curves[1]!, syntheticCurve("b", 30000, { seed: 4, phases: 2, scale: 0.3 }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("killed mid-run, resumed: equal to an uninterrupted sweep", async () => {
    // the uninterrupted reference runs in-process (same library the CLI calls)
    const ref = join(dir, "ref.duckdb");
    const loaded = await Promise.all(curves.map((c) => loadCurve(c)));
    const options = { scheduler: "fastface", grid: GRID.filter((g) => g !== "--grid"), workers: 2 };
    const full = await runSweep(loaded, { ...options, out: ref });
    assert.equal(full.committed, TOTAL);

    const killed = join(dir, "killed.duckdb");
    const args = [BIN, "sweep", ...curves, "--scheduler", "fastface", ...GRID, "--out", killed, "--workers", "2"];
    const child = spawn(process.execPath, [...args, "--batch-size", "4", "--verbose"], { cwd: ROOT });
    let commits = 0;
    let stderr = "";
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      commits = (stderr.match(/^committed /gm) ?? []).length;
      if (commits >= 3 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
    const { signal } = await exit;
    assert.equal(signal, "SIGKILL", `the child finished before it was killed:\n${stderr}`);

    const partial = await resultRows(killed);
    assert.ok(partial.length >= 12, `at least the 3 committed batches survive (got ${partial.length})`);
    assert.ok(partial.length < TOTAL, "the kill came before the end");

    const resumed = spawnSync(process.execPath, [...args, "--resume", "--json"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(resumed.status, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as {
      alreadyDone: number;
      computed: number;
      committed: number;
      total: number;
    };
    assert.equal(summary.total, TOTAL);
    assert.equal(summary.alreadyDone, partial.length);
    assert.equal(summary.alreadyDone + summary.computed, TOTAL);
    assert.equal(summary.committed, TOTAL);

    const want = await resultRows(ref);
    const got = await resultRows(killed);
    assert.equal(want.length, TOTAL);
    assert.equal(new Set(got.map((r) => `${r.curve}/${r.config_id}`)).size, got.length, "no duplicates");
    assert.deepEqual(got, want);

    const again = await runSweep(loaded, { ...options, out: killed, resume: true });
    assert.equal(again.computed, 0);
    assert.equal(again.committed, TOTAL);
  });
});
