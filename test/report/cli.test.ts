/**
 * `fastface report` input dispatch and the `report` / `demo` commands end to end (spawned CLI).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { FormatError, InputError, ParseError, Warnings } from "../../src/errors.ts";
import { DEMO_SCHEDULERS } from "../../src/report/demo.ts";
import {
  buildReport,
  pickReportKind,
  readReportInput,
  replayKind,
  replayShapeProblem,
  retrainKind,
  simulateKind,
} from "../../src/report/kinds.ts";
import { sweepReportKind } from "../../src/report/sections-sweep.ts";
import { fixtureResult } from "./fixture.ts";
import { simulateFixture } from "./fixtures-kinds.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../../data/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "fastface-report-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("replay JSON (one result or an array) is recognised as a replay report", async () => {
  const one = join(tmp, "one.json");
  writeFileSync(one, JSON.stringify(fixtureResult()));
  assert.equal(pickReportKind(await readReportInput(one)), replayKind);
  const two = join(tmp, "two.json");
  writeFileSync(two, JSON.stringify([fixtureResult("a"), fixtureResult("b")]));
  assert.equal(pickReportKind(await readReportInput(two)), replayKind);
});

test("the dispatch table: tagged simulate / retrain JSON and .duckdb files go to their kinds", () => {
  const sim = { path: "s.json", ext: ".json", json: { kind: "fastface-simulate", schedulers: [], grid: [] } };
  assert.equal(pickReportKind(sim), simulateKind);
  const re = {
    path: "r.json",
    ext: ".json",
    json: { kind: "fastface-retrain", design: {}, arms: [], verdict: {} },
  };
  assert.equal(pickReportKind(re), retrainKind);
  assert.equal(pickReportKind({ path: "sweep.duckdb", ext: ".duckdb" }), sweepReportKind);
});

test("a replay result missing a field is named", () => {
  const r = fixtureResult() as unknown as Record<string, unknown>;
  delete r.stationary;
  assert.match(replayShapeProblem(r) ?? "", /"stationary"/);
  assert.equal(replayShapeProblem(fixtureResult()), null);
});

test("malformed JSON is a ParseError with the file and line", async () => {
  const bad = join(tmp, "bad.json");
  writeFileSync(bad, '{\n  "curve": {\n    "name": "x",,\n  }\n}\n');
  const input = await readReportInput(bad);
  assert.throws(
    () => pickReportKind(input),
    (e: unknown) => e instanceof ParseError && e.location.file === bad && e.location.line === 3,
  );
});

test("JSON of another kind is a FormatError listing what was tried", async () => {
  const other = join(tmp, "other.json");
  writeFileSync(other, JSON.stringify({ hello: 1 }));
  assert.throws(
    () => pickReportKind(readReportInputSync(other)),
    (e: unknown) => e instanceof FormatError && /replay/.test(e.message) && /"curve"/.test(e.message),
  );
});

test("a folder or an unreadable file given to report is an InputError naming it (exit 3), not an internal error", async () => {
  const dir = join(tmp, "a-folder");
  mkdirSync(dir, { recursive: true });
  await assert.rejects(readReportInput(dir), (e: unknown) => e instanceof InputError && e.message.includes(dir));
  const r = cli("report", dir, "--out", join(tmp, "folder.html"));
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /a-folder: is a folder/);
});

function readReportInputSync(path: string) {
  return { path, ext: ".json", json: JSON.parse(readFileSync(path, "utf8")) as unknown };
}

test("fastface report writes the HTML, refuses to overwrite without --force", () => {
  const input = join(tmp, "replay.json");
  writeFileSync(input, JSON.stringify(fixtureResult()));
  const out = join(tmp, "out", "r.html");
  const first = cli("report", input, "--out", out);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim(), out);
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("<title>r50-fixture</title>"), "the run's name, not the folder's");
  const again = cli("report", input, "--out", out);
  assert.equal(again.code, 3, "exists -> exit 3");
  assert.match(again.stderr, /--force/);
  assert.equal(cli("report", input, "--out", out, "--force").code, 0);
  const missing = cli("report", join(tmp, "nope.json"), "--out", join(tmp, "x.html"));
  assert.equal(missing.code, 3);
});

test("fastface report warns when a result has no traces and no readable source, and still writes the page", () => {
  const r = fixtureResult();
  delete r.traces;
  const input = join(tmp, "notraces.json");
  writeFileSync(input, JSON.stringify(r));
  const out = join(tmp, "notraces.html");
  const res = cli("report", input, "--out", out);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /W_REPORT_NO_TRACES/);
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("fastface replay /data/logs/r50-fixture.log --report"), "the page says how to get charts");
  assert.ok(html.includes("fastface: 2 decays from step 1,500"), "and still gives the headline");
});

test("fastface report recomputes the traces of a result whose source is readable (same decays)", () => {
  const log = join(FIXTURES, "logs/insightface_ms1mv3_r50_multistep.log");
  const replay = cli("replay", log, "-s", "fastface", "-s", "multistep", "--json");
  assert.equal(replay.code, 0, replay.stderr);
  const input = join(tmp, "ms-notraces.json");
  writeFileSync(input, replay.stdout);
  assert.equal((JSON.parse(replay.stdout) as { traces?: unknown }).traces, undefined);
  const out = join(tmp, "ms-recomputed.html");
  const res = cli("report", input, "--out", out);
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stderr, /W_REPORT_NO_TRACES/);
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("they were recomputed from"), "the page says where the traces come from");
  assert.ok(html.includes('"insightface_ms1mv3_r50_multistep_loss"'), "the loss chart's data is there");
});

test("several results compare on one page: fastface report a.json b.json, replay a.log b.log --report", () => {
  const a = join(tmp, "a.json");
  const b = join(tmp, "b.json");
  writeFileSync(a, JSON.stringify(fixtureResult("run-a")));
  writeFileSync(b, JSON.stringify(fixtureResult("run-b")));
  const out = join(tmp, "ab.html");
  const res = cli("report", a, b, "--out", out);
  assert.equal(res.code, 0, res.stderr);
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("<h2>2 runs compared</h2>"));
  assert.ok(html.includes('id="chart-compare-overlay"'));
  for (const run of ["run_a", "run_b"]) assert.ok(html.includes(`id="chart-${run.replace("_", "-")}-main"`), run);
  const logs = ["logs/insightface_ms1mv3_r50_multistep.log", "real/pocketnet_multistep_kd.log"].map((f) =>
    join(FIXTURES, f),
  );
  const page = join(tmp, "two-logs.html");
  const replay = cli("replay", ...logs, "-s", "fastface", "--report", page, "--json");
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as unknown[]).length, 2, "--json with two inputs prints an array");
  const two = readFileSync(page, "utf8");
  assert.ok(two.includes("<h2>2 runs compared</h2>"));
  assert.ok(two.includes("pocketnet_multistep_kd"));
});

test("inputs of different kinds stack on one page, each under its own heading", async () => {
  const warnings = new Warnings();
  const sim = join(tmp, "sim.json");
  writeFileSync(sim, JSON.stringify(simulateFixture()));
  const rep = join(tmp, "rep.json");
  writeFileSync(rep, JSON.stringify(fixtureResult()));
  const { doc, kinds } = await buildReport([await readReportInput(rep), await readReportInput(sim)], warnings);
  assert.deepEqual(
    kinds.map((k) => k.name),
    [replayKind.name, simulateKind.name],
  );
  assert.deepEqual(
    doc.sections.map((s) => s.title),
    ["r50-fixture", "Simulation: sim-fixture"],
  );
});

test("fastface demo replays the logs in a data folder and writes one report", () => {
  const data = join(tmp, "data");
  mkdirSync(join(data, "logs"), { recursive: true });
  copyFileSync(join(FIXTURES, "logs/insightface_ms1mv3_r50_multistep.log"), join(data, "logs/r50_multistep.log"));
  const out = join(tmp, "demo.html");
  const res = cli("demo", "--data", data, "--out", out);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /scheduler/);
  for (const s of DEMO_SCHEDULERS) assert.match(res.stdout, new RegExp(s.split(":")[0]!));
  assert.match(res.stdout, new RegExp(`report: ${out.replace(/[.]/g, "\\.")}`));
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("<h2>r50_multistep</h2>"));
  assert.ok(html.includes('id="chart-r50-multistep-main"'));
  const empty = join(tmp, "empty");
  mkdirSync(empty);
  assert.equal(cli("demo", "--data", empty, "--out", join(tmp, "e.html")).code, 3);
});
