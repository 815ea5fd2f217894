/** `fastface explain` end to end (spawned CLI): JSON, report, the pool, --grid, and the bad-input exits. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "fastface-explain-"));
const MULTISTEP = "data/retrain/synthetic_mlp_multistep_baseline.log";

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a log without an LR column: exit 2, explain needs an LR trace", () => {
  const r = cli("explain", "data/logs/insightface_ms1mv3_r50_multistep.log", "--workers", "0");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /explain needs an LR trace/);
});

test("--json: the ExplainResult contract, best first; the human table names the best and its changes", () => {
  const r = cli("explain", MULTISTEP, "--family", "multistep,constant,plateau-torch", "--json", "--workers", "0");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, "fastface-explain");
  for (const k of ["curve", "logged", "explanations", "verdict", "search"]) assert.ok(k in j, k);
  assert.deepEqual(Object.keys(j.logged.changes[0]).sort(), ["ratio", "step"]);
  const best = j.explanations[0];
  for (const k of ["rule", "params", "matched", "extra", "meanOffset", "maxRelError", "changes"])
    assert.ok(k in best, k);
  assert.equal(best.rule, "multistep");
  assert.deepEqual(Object.keys(best.changes[0]).sort(), ["logged", "loggedRatio", "offset", "ratio", "reproduced"]);
  const h = cli("explain", MULTISTEP, "--family", "multistep,constant", "--workers", "0");
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /verdict: multistep:milestones=620,930 reproduces 2\/2/);
  assert.match(h.stdout, /change by change/);
});

test("--report with the worker pool writes the explain page; --grid adds candidates in sweep's grammar", () => {
  const out = join(tmp, "explain.html");
  const r = cli(
    "explain",
    MULTISTEP,
    "--family",
    "multistep,hck-proto",
    "--grid",
    "hck-proto:m=20,40",
    "--report",
    out,
    "--workers",
    "2",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out));
  const html = readFileSync(out, "utf8");
  assert.match(html, /Explain: synthetic_mlp_multistep_baseline/);
  assert.match(r.stdout, /2 workers/);
});

test("bad options exit 2 with the option named", () => {
  const t = cli("explain", MULTISTEP, "--timing", "later", "--workers", "0");
  assert.equal(t.code, 2);
  assert.match(t.stderr, /--timing 'later'/);
  const g = cli("explain", MULTISTEP, "--grid", "m=1,2", "--workers", "0");
  assert.equal(g.code, 2);
  assert.match(g.stderr, /needs a family prefix/);
  const f = cli("explain", MULTISTEP, "--family", "nosuch", "--workers", "0");
  assert.equal(f.code, 2);
  assert.match(f.stderr, /valid families/);
});
