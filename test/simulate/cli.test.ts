import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Prng } from "../../src/random.ts";
import { floor } from "../../src/simulate/floor.ts";
import { predictAt } from "../../src/simulate/model.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fastface-sim-"));

// A synthetic run: 12,000 steps, LR 0.1 x0.1 at 6000 and 9000, logged every 20 steps (with and without LR).
const T = 12000;
const eta = new Float64Array(T);
for (let i = 0; i < T; i++) eta[i] = 0.1 * 0.1 ** ((i >= 6000 ? 1 : 0) + (i >= 9000 ? 1 : 0));
const steps = Array.from({ length: T / 20 }, (_, i) => (i + 1) * 20);
const clean = predictAt(floor.stepper({ Linit: 40, k: 0.003, p: 0.5, a: 1, b: 12, q: 0.6, lrRef: 0.1 }), eta, steps);
const rng = new Prng(9);
const loss = clean.map((v) => v * Math.exp(0.01 * rng.normal()));
const withLr = join(dir, "run.csv");
const noLr = join(dir, "nolr.csv");
writeFileSync(withLr, `step,loss,lr\n${steps.map((s, i) => `${s},${loss[i]},${eta[s - 1]}`).join("\n")}\n`);
writeFileSync(noLr, `step,loss\n${steps.map((s, i) => `${s},${loss[i]}`).join("\n")}\n`);

const FAST = ["--starts", "1", "--iterations", "60", "--points", "60"];
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("fit --json prints model, params, inSample and (with --validate) the tail validation", () => {
  const model = join(dir, "model.json");
  const r = cli(["fit", withLr, "--model", "floor", ...FAST, "--validate", "--tail", "0.8", "--out", model, "--json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.model, "floor");
  for (const k of ["Linit", "k", "p", "a", "b", "q", "lrRef"]) assert.equal(typeof j.params[k], "number");
  for (const k of ["r2", "mae", "relMae"]) assert.equal(typeof j.inSample[k], "number");
  assert.equal(j.validation.protocol, "tail");
  for (const k of ["r2", "mae", "relMae", "fitPoints", "heldOutPoints"]) assert.equal(typeof j.validation[k], "number");
  assert.equal(j.validation.fitPoints + j.validation.heldOutPoints, steps.length);
  const file = JSON.parse(readFileSync(model, "utf8"));
  assert.equal(file.kind, "fastface-model");

  // cross: the model applied to the LR-less copy under --lr-schedule, state seeded with its first loss
  const c = cli([
    "fit",
    noLr,
    "--model-from",
    model,
    "--lr-schedule",
    "multistep:lr=0.1,milestones=6000,9000,gamma=0.1",
    "--validate",
    "--json",
  ]);
  assert.equal(c.code, 0, c.err);
  const cj = JSON.parse(c.out);
  assert.equal(cj.validation.protocol, "cross");
  assert.deepEqual(cj.validation.seeded, { step: 20, loss: loss[0] });
  assert.match(c.err, /W_SEEDED_STATE/);

  // simulate against the saved model: JSON result with one entry per scheduler
  const s = cli(["simulate", withLr, "--model-from", model, "--scheduler", "fastface", "--seeds", "2", "--json"]);
  assert.equal(s.code, 0, s.err);
  const sj = JSON.parse(s.out);
  assert.equal(sj.kind, "fastface-simulate");
  assert.equal(sj.schedulers.length, 1);
  assert.equal(sj.schedulers[0].decays.perSeed.length, 2);
  assert.equal(sj.grid.length, sj.schedulers[0].curve.mean.length);
});

test("a log without an LR column needs --lr-schedule (exit 2, names the option)", () => {
  const r = cli(["fit", noLr, "--model", "floor", ...FAST, "--json"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--lr-schedule/);
  assert.equal(r.out, "");
});
