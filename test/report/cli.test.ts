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
import { FormatError, ParseError } from "../../src/errors.ts";
import { sweepReportKind } from "../../src/report/charts-sweep.ts";
import {
  pickReportKind,
  readReportInput,
  replayKind,
  replayShapeProblem,
  retrainKind,
  simulateKind,
} from "../../src/report/kinds.ts";
import { fixtureResult } from "./fixture.ts";

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
    json: { kind: "fastface-retrain", baseline: {}, candidate: {}, verdict: {} },
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
  assert.ok(html.includes("<title>Replay: r50-fixture</title>"));
  const again = cli("report", input, "--out", out);
  assert.equal(again.code, 3, "exists -> exit 3");
  assert.match(again.stderr, /--force/);
  assert.equal(cli("report", input, "--out", out, "--force").code, 0);
  const missing = cli("report", join(tmp, "nope.json"), "--out", join(tmp, "x.html"));
  assert.equal(missing.code, 3);
});

test("fastface report warns when a result has no traces, and still writes the page", () => {
  const r = fixtureResult();
  delete r.traces;
  const input = join(tmp, "notraces.json");
  writeFileSync(input, JSON.stringify(r));
  const res = cli("report", input, "--out", join(tmp, "notraces.html"));
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /W_REPORT_NO_TRACES/);
});

test("fastface demo replays the logs in a data folder and writes one report", () => {
  const data = join(tmp, "data");
  mkdirSync(join(data, "logs"), { recursive: true });
  copyFileSync(join(FIXTURES, "logs/insightface_ms1mv3_r50_multistep.log"), join(data, "logs/r50_multistep.log"));
  const out = join(tmp, "demo.html");
  const res = cli("demo", "--data", data, "--out", out);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /scheduler/);
  for (const s of ["fastface", "hck", "multistep", "plateau-torch", "dlib"]) assert.match(res.stdout, new RegExp(s));
  assert.match(res.stdout, new RegExp(`report: ${out.replace(/[.]/g, "\\.")}`));
  const html = readFileSync(out, "utf8");
  assert.ok(html.includes("r50_multistep: loss"));
  const empty = join(tmp, "empty");
  mkdirSync(empty);
  assert.equal(cli("demo", "--data", empty, "--out", join(tmp, "e.html")).code, 3);
});
