import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, FormatError, InputError } from "../../src/errors.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { FORMATS } from "../../src/ingest/formats.ts";
import { loadCurve, loadCurves } from "../../src/ingest/load.ts";
import { LOGS, REAL_TFEVENTS } from "./helpers.ts";

const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

describe("format detection", () => {
  it("sniffs every fixture by content", () => {
    const head = (p: string) => new Uint8Array(readFileSync(p)).subarray(0, 65536);
    assert.equal(detectFormat(head(`${LOGS}fastface_ms1mv3_r100.log`), "f"), "arcface-log");
    assert.equal(detectFormat(head(`${LOGS}insightface_ms1mv3_r50_multistep.log`), "f"), "arcface-log");
    assert.equal(
      detectFormat(head(`${REAL_TFEVENTS}events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2`), "f"),
      "tfevents",
    );
    assert.equal(detectFormat(head(`${FX}trainer_state_nan.json.txt`), "f"), "hf-trainer-state");
    assert.equal(detectFormat(head(`${FX}train.jsonl`), "f"), "jsonl");
    assert.equal(detectFormat(head(`${FX}lightning_metrics.csv`), "f"), "csv");
    assert.equal(detectFormat(head(`${FX}metrics.tsv`), "f"), "tsv");
    assert.equal(detectFormat(head(`${FX}mlruns/0/a1b2c3/metrics/lr`), "f"), "mlflow");
  });

  it("unknown format: the error lists every format tried and why it failed", () => {
    try {
      detectFormat(enc("hello world\nthis is not a training log\n"), "notes.txt");
      assert.fail("expected a FormatError");
    } catch (e) {
      assert.ok(e instanceof FormatError);
      assert.deepEqual(
        e.attempts.map((a) => a.format),
        FORMATS.map((f) => f.name),
      );
      assert.ok(e.attempts.every((a) => a.reason.length > 0));
      assert.match(e.message, /notes\.txt: unknown format; tried:\n {2}- arrow: /);
      assert.equal(e.exitCode, 4);
    }
  });
});

describe("loading files and folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "ff-load-"));

  it("an empty file is an InputError", async () => {
    const p = join(dir, "empty.log");
    writeFileSync(p, "");
    await assert.rejects(loadCurves(p), (e: unknown) => e instanceof InputError && /is empty/.test(e.message));
  });

  it("an empty folder / a folder with nothing usable is an InputError", async () => {
    const empty = join(dir, "nothing");
    mkdirSync(empty);
    await assert.rejects(loadCurves(empty), (e: unknown) => e instanceof InputError && e.exitCode === 3);
    const junk = join(dir, "junk");
    mkdirSync(junk);
    writeFileSync(join(junk, "notes.txt"), "just words\n");
    await assert.rejects(loadCurves(junk), /1 file\(s\) skipped/);
  });

  it("a missing path is an InputError", async () => {
    await assert.rejects(
      loadCurves(join(dir, "nope")),
      (e: unknown) => e instanceof InputError && /does not exist/.test(e.message),
    );
  });

  it("a folder of logs: unreadable files are skipped with a warning", async () => {
    const mixed = join(dir, "mixed");
    mkdirSync(mixed);
    writeFileSync(join(mixed, "a.csv"), "step,loss\n1,2\n2,1\n");
    writeFileSync(join(mixed, "README.txt"), "not data\n");
    const curves = await loadCurves(mixed);
    assert.equal(curves.length, 1);
    assert.ok(curves[0]?.meta.warnings.some((w) => w.code === "W_SKIPPED_FILE"));
  });

  it("--format overrides sniffing; a bad --format is a ConfigError", async () => {
    const p = join(dir, "x.txt");
    writeFileSync(p, "step\tloss\n1\t2\n");
    const [c] = await loadCurves(p, { format: "tsv" });
    assert.equal(c?.meta.format, "tsv");
    await assert.rejects(loadCurves(p, { format: "nope" as never }), ConfigError);
  });

  it("streams a big log through small chunks to the same curve", async () => {
    const p = `${LOGS}insightface_ms1mv3_r50_multistep.log`;
    const [a] = await loadCurves(p, { chunkBytes: 777 });
    const [b] = await loadCurves(p);
    assert.deepEqual(a, b);
  });

  it("loadCurve: one curve; several tags without an obvious loss ask for --tag", async () => {
    const c = await loadCurve(`${LOGS}insightface_ms1mv3_r50_poly.log`);
    assert.equal(c.columns.step.length, 10115);
    await assert.rejects(loadCurve(`${REAL_TFEVENTS}pytorch_duplicate_steps/run_1`), (e: unknown) => {
      return e instanceof ConfigError && /dup_steps\/bar, dup_steps\/foo/.test(e.message);
    });
    const foo = await loadCurve(`${REAL_TFEVENTS}pytorch_duplicate_steps/run_1`, { tag: "dup_steps/foo" });
    assert.equal(foo.meta.tag, "dup_steps/foo");
    await assert.rejects(loadCurve(LOGS), (e: unknown) => e instanceof ConfigError && /holds 3 curves/.test(e.message));
  });
});

describe("CLI", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, "bin/fastface.js"), ...args], { encoding: "utf8", cwd: ROOT });
  const out = mkdtempSync(join(tmpdir(), "ff-cli-"));

  it("ingest writes .arrow files to a folder; inspect --json reads them back", () => {
    const r = run("ingest", `${LOGS}insightface_ms1mv3_r50_multistep.log`, "--out", out, "--json");
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Array<{ points: number; written: string }>;
    assert.equal(summary[0]?.points, 2490);
    assert.equal(summary[0]?.written, join(out, "insightface_ms1mv3_r50_multistep.arrow"));
    const i = run("inspect", join(out, "insightface_ms1mv3_r50_multistep.arrow"), "--json");
    assert.equal(i.status, 0, i.stderr);
    const s = JSON.parse(i.stdout) as Array<Record<string, unknown>>;
    assert.equal(s[0]?.lastStep, 124550);
    assert.equal(s[0]?.lrKnown, false);
    assert.equal((s[0]?.config as Record<string, unknown> | undefined)?.total_step, 124550);
    // refusing to overwrite without --force (exit 3)
    assert.equal(run("ingest", `${LOGS}insightface_ms1mv3_r50_multistep.log`, "--out", out).status, 3);
  });

  it("exit codes: unknown format 4, missing input 3, bad option 2", () => {
    const p = join(out, "notes.txt");
    writeFileSync(p, "nothing here\n");
    const r = run("inspect", p);
    assert.equal(r.status, 4);
    assert.match(r.stderr, /tried:/);
    assert.equal(run("inspect", join(out, "missing.log")).status, 3);
    assert.equal(run("ingest", p, "--format", "nope").status, 2);
  });
});
