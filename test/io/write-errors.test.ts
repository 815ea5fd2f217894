/**
 * Write errors (issue 20 item 6): outputs go through a temporary file renamed into place, so a failure leaves
 * no partial file, and every failure is a typed error naming the path (exit code 3 at the command line).
 * A full disk and a read-only folder are a small tmpfs (mounted when the test runs as root and may mount;
 * skipped with a message otherwise: root ignores file permissions, so chmod cannot make one).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { writeCurveFile } from "../../src/curve/arrow.ts";
import { makeCurve } from "../../src/curve/clean.ts";
import { InputError } from "../../src/errors.ts";
import { writeFileAtomic, writeFileAtomicSync } from "../../src/io/atomic.ts";
import { writeReport } from "../../src/report/write.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LOG = join(ROOT, "data/logs/insightface_ms1mv3_r50_multistep.log");
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    encoding: "utf8",
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
const sweep = (db: string) =>
  cli("sweep", LOG, "--scheduler", "fastface", "--grid", "lambda=1e-5,2e-5", "--out", db, "--workers", "1");
const names = (e: unknown, path: string) => e instanceof InputError && e.path === path && e.exitCode === 3;

let dir = "";
let small = ""; // a 96 KiB tmpfs, or "" when it cannot be mounted
before(() => {
  dir = mkdtempSync(join(tmpdir(), "ff-write-"));
  writeFileSync(join(dir, "file"), "a regular file");
  const m = join(dir, "small");
  mkdirSync(m);
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", m]).status === 0) small = m;
});
after(() => {
  if (small !== "") spawnSync("umount", [small]);
  rmSync(dir, { recursive: true, force: true });
});
const curve = () => makeCurve({ step: [1, 2, 3], loss: [3, 2, 1] }, { name: "r", source: "m", format: "csv" });
const leftovers = (d: string) => readdirSync(d).filter((f) => f.endsWith(".tmp"));

describe("atomic writes", () => {
  it("write, then replace; no temporary file is left", async () => {
    const p = join(dir, "out", "a.txt");
    await writeFileAtomic(p, "one");
    await writeFileAtomic(p, "two");
    writeFileAtomicSync(p, "three");
    assert.equal(readdirSync(join(dir, "out")).join(","), "a.txt");
  });

  it("under a regular file, or onto a folder: a typed error naming the path, the target untouched", async () => {
    const under = join(dir, "file", "x.html");
    await assert.rejects(writeReport(under, "<html>"), (e) => names(e, under));
    const folder = join(dir, "out");
    await assert.rejects(writeFileAtomic(folder, "x"), (e) => names(e, folder) && /cannot be written/.test(String(e)));
    assert.deepEqual(leftovers(folder), []);
    await assert.rejects(writeCurveFile(join(dir, "file", "c.arrow"), curve()), InputError);
    await assert.rejects(writeCurveFile(join(dir, "file", "c.parquet"), curve()), InputError);
  });

  it("a full disk: ENOSPC is a typed error, and neither a truncated output nor a temporary file remains", async (t) => {
    if (small === "") return t.skip("cannot mount a tmpfs here (not root, or no mount permission)");
    const p = join(small, "big.html");
    await assert.rejects(writeReport(p, "x".repeat(400_000)), (e) => names(e, p) && /ENOSPC/.test(String(e)));
    assert.deepEqual(readdirSync(small), []);
  });

  it("a read-only folder: EROFS is a typed error", async (t) => {
    if (small === "") return t.skip("cannot mount a tmpfs here (not root, or no mount permission)");
    assert.equal(spawnSync("mount", ["-o", "remount,ro", small]).status, 0);
    try {
      const p = join(small, "r.arrow");
      await assert.rejects(writeCurveFile(p, curve()), (e) => names(e, p) && /EROFS/.test(String(e)));
    } finally {
      spawnSync("mount", ["-o", "remount,rw", small]);
    }
  });
});

describe("exit codes at the command line", () => {
  it("ingest --out under a regular file and report --out onto a full disk exit 3 naming the path", (t) => {
    const r = cli("ingest", LOG, "--out", join(dir, "file", "c.arrow"));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /file\/c\.arrow: cannot be written/);
    if (small === "") return t.skip("cannot mount a tmpfs here");
    const s = cli("replay", LOG, "--report", join(small, "r.html"));
    assert.equal(s.status, 3, s.stderr);
    assert.match(s.stderr, /r\.html: cannot be written: ENOSPC/);
    assert.deepEqual(readdirSync(small), []);
  });

  it("a sweep on a full disk exits 3 (no unhandled rejection) and leaves no database; a truncated one exits 3", (t) => {
    const db = join(dir, "s.duckdb");
    const ok = sweep(db);
    assert.equal(ok.status, 0, ok.stderr);
    for (const size of [20_000, 300_000]) {
      const bad = join(dir, `t${size}.duckdb`);
      copyFileSync(db, bad);
      truncateSync(bad, size);
      for (const args of [
        ["sweep-top", bad],
        ["report", bad, "--out", join(dir, "r.html")],
      ]) {
        const r = cli(...args);
        assert.ok(r.status === 3 || r.status === 4, `${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
        assert.ok(r.stderr.includes(bad), r.stderr);
      }
    }
    if (small === "") return t.skip("cannot mount a tmpfs here");
    const full = join(small, "s.duckdb");
    const r = sweep(full);
    assert.equal(r.status, 3, r.stderr);
    assert.doesNotMatch(r.stderr, /unhandled|internal error/i);
    assert.ok(!existsSync(full));
  });
});
