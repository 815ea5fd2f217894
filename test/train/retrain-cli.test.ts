/**
 * `fastface retrain` as users meet it: the feasibility refusal of the old default candidate (exit 2 with the
 * reasons), and `--candidate-from` resolving a sweep row through sweep-top's ranking.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/errors.ts";
import { pickConfig, splitCandidateFrom } from "../../src/sweep/pick.ts";
import { runSweep } from "../../src/sweep/sweep.ts";
import { syntheticCurve } from "../sweep/synthetic.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/fastface.js");
const TINY = [
  ...["--identities", "12", "--images-per-identity", "12", "--eval-identities", "8", "--image-size", "10"],
  ...["--num-pairs", "400", "--batch-size", "16", "--width", "16", "--embedding-size", "8", "--backend", "wasm"],
];

function fastface(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });
}

describe("retrain CLI", () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fastface-retrain-cli-"));
    db = join(dir, "s.duckdb");
    const curves = [syntheticCurve("a", 6000, { seed: 5 })];
    await runSweep(curves, {
      scheduler: "fastface",
      grid: ["lambda=1e-5..1e-3:log:3", "tau=0.01,0.02"],
      out: db,
      workers: 1,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses the old default candidate on its 310-step run with exit 2 and the reasons, writing nothing", () => {
    const out = join(dir, "refused");
    const r = fastface([
      "retrain",
      "--candidate",
      "fastface:lambda=2e-5,tau=0.03",
      "--steps",
      "1240",
      "--budget",
      "0.25",
      "--out",
      out,
      ...TINY,
    ]);
    assert.equal(r.status, 2, r.stderr);
    // the suggested next attempt into the same --out must not need --force (which would also force the candidate)
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `a refused run left ${out} non-empty`);
    assert.match(r.stderr, /cannot work on a 310-step run/);
    assert.match(r.stderr, /memory: the statistic needs 4741 steps/);
    assert.match(r.stderr, /tolerance: toler = floor\(310 x 0.03\) = 9 steps/);
    assert.match(r.stderr, /probe: \d+ decay\(s\) during the 31-step probe/);
    assert.match(r.stderr, /--force/);
  });

  it("--candidate-from takes sweep-top's row and hands retrain its spec", async () => {
    const top = JSON.parse(fastface(["sweep-top", db, "--k", "all", "--json"]).stdout) as Array<{
      params: Record<string, number>;
    }>;
    const picked = await pickConfig(db, { rank: 2 });
    assert.equal(picked.scheduler, "fastface");
    assert.deepEqual(picked.params, top[1]!.params);
    assert.equal(picked.spec, `fastface:lambda=${top[1]!.params.lambda},tau=${top[1]!.params.tau}`);
    assert.deepEqual(splitCandidateFrom(`${db}#2`), { path: db, rank: 2 });
    assert.throws(() => splitCandidateFrom(`${db}#0`), ConfigError);
    await assert.rejects(pickConfig(db, { rank: 99 }), /has no row 99/);
    // through the CLI: the picked spec is the candidate (a 20-step run is too short for it: refused after the probe)
    const r = fastface([
      "retrain",
      "--candidate-from",
      `${db}#2`,
      "--control",
      "none",
      "--steps",
      "40",
      "--budget",
      "0.5",
      "--seeds",
      "2",
      ...TINY,
    ]);
    assert.match(
      r.stderr,
      new RegExp(`candidate ${picked.spec.replace(/[.+]/g, "\\$&")} from .*#2 \\(--by openLoopLead, curve a\\)`),
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot work on a 20-step run/);
  });
});
