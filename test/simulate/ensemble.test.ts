/**
 * Ensembles: `simulate --json` keeps its contract and adds per scheduler `ensemble: {members, reached,
 * stepsToTarget, finalLoss}` and `checks` per fitted model; cold-start decays are named; identifiability flags
 * what a run cannot pin down; every command raises one error code for one bad option.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, Warnings } from "../../src/errors.ts";
import { Prng } from "../../src/random.ts";
import { coldStartSteps } from "../../src/schedulers/cold-start.ts";
import { parseSchedulerSpec } from "../../src/schedulers/registry.ts";
import { fitModel } from "../../src/simulate/fit.ts";
import { fitInput, fitSettings } from "../../src/simulate/fit-input.ts";
import { floor } from "../../src/simulate/floor.ts";
import { identifiability } from "../../src/simulate/identifiability.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { sde } from "../../src/simulate/sde.ts";
import { simulateSettings } from "../../src/sweep/sim-plan.ts";
import { syntheticCurve } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fastface-ens-"));
const T = 12000;
const eta = Float64Array.from({ length: T }, (_, i) => 0.1 * 0.1 ** ((i >= 6000 ? 1 : 0) + (i >= 9000 ? 1 : 0)));
const steps = Array.from({ length: T / 20 }, (_, i) => (i + 1) * 20);
const TRUTH = { a: 1, c: 300, SW: 50, alpha: 0.6, b: 8, q: 0.6, k: 0.01, p: 0.8, u0: 1, kappa: 2e-4, lrRef: 0.1 };
const clean = predictAt(sde.stepper(TRUTH), eta, steps);
const rng = new Prng(3);
const loss = clean.map((v) => v * Math.exp(0.01 * rng.normal()));
const log = join(dir, "run.csv");
writeFileSync(log, `step,loss,lr\n${steps.map((s, i) => `${s},${loss[i]},${eta[s - 1]}`).join("\n")}\n`);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const FAST = ["--starts", "2", "--iterations", "120", "--points", "80"];

test("simulate --json: per-scheduler ensemble outcome, checks per fitted model, cold-start decays named", () => {
  const r = cli([
    "simulate",
    log,
    "--model",
    "sde,floor",
    "--fit-seeds",
    "2",
    "--seeds",
    "2",
    "-s",
    "fastface",
    "-s",
    "multistep",
    ...FAST,
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.kind, "fastface-simulate");
  // the old contract is still there
  for (const k of ["curve", "lr", "model", "noise", "budget", "target", "logged", "grid", "schedulers"])
    assert.ok(k in j, k);
  for (const c of j.model.checks) assert.deepEqual(Object.keys(c).slice(0, 2), ["name", "passed"]);
  const members = j.ensemble.members;
  assert.ok(members.length >= 1);
  for (const m of [...members, ...j.ensemble.rejected]) {
    assert.deepEqual(
      m.checks.map((c: { name: string }) => c.name),
      ["early-cut", "tiny-lr", "monotone"],
    );
    assert.equal(typeof m.inSample.relMae, "number");
  }
  for (const m of members)
    assert.ok(
      m.checks.every((c: { passed: boolean }) => c.passed),
      m.id,
    );
  for (const s of j.schedulers) {
    const e = s.ensemble;
    assert.equal(e.members, members.length);
    assert.ok(e.reached >= 0 && e.reached <= e.members);
    for (const q of [e.finalLoss, ...(e.stepsToTarget ? [e.stepsToTarget] : [])]) {
      assert.deepEqual(Object.keys(q), ["median", "p10", "p90"]);
      assert.ok(q.p10 <= q.median && q.median <= q.p90);
    }
    assert.equal(e.stepsToTarget === null, e.reached === 0);
    assert.equal(e.perMember.length, members.length);
    assert.match(e.verdict, /^\d+\/\d+ members: /);
    assert.equal(s.decays.perSeed.length, members.length * 2);
    assert.equal(s.timeToTarget.of, members.length * 2);
  }
  const ff = j.schedulers[0];
  assert.ok(ff.decays.coldStartSteps.min >= 4744);
  for (const run of ff.decays.perSeed)
    for (const d of run)
      assert.equal(d.coldStart === true, d.step <= ff.decays.coldStartSteps.max || d.coldStart === true);
  // human output says what the members say
  const h = cli(["simulate", log, "--model", "sde", "--fit-seeds", "1", "--seeds", "1", "-s", "fastface", ...FAST]);
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /fastface: 1\/1 members: /);
});

test("cold-start criterion: 4.74 / alpha for the double EMA, longer while the official start's ramp exceeds lambda", () => {
  assert.equal(coldStartSteps(parseSchedulerSpec("fastface")), 4744);
  assert.equal(coldStartSteps(parseSchedulerSpec("fastface:alpha=0.01,beta=0.002")), 2372);
  // a first difference of -1 (the loss rises by 1 at step 1): the ramp alpha g1 t (1-alpha)^(t-1) stays above
  // lambda = 5e-5 until ~11k steps
  const withRamp = coldStartSteps(parseSchedulerSpec("fastface"), -1);
  assert.ok(withRamp > 10000 && withRamp < 13000, `${withRamp}`);
  assert.equal(coldStartSteps(parseSchedulerSpec("fastface:debias=true"), -1), 4744);
  assert.equal(coldStartSteps(parseSchedulerSpec("hck:m=2000")), 1999 + Math.ceil(Math.log(20) / 0.001));
  assert.equal(coldStartSteps(parseSchedulerSpec("multistep")), 0);
});

test("identifiability: a constant-LR run cannot separate the floor's a, b and q", () => {
  const flat = new Float64Array(T).fill(0.1);
  const at = Float64Array.from(steps);
  const truth = { Linit: 40, k: 0.002, p: 0.5, a: 1.2, b: 12, q: 0.6, lrRef: 0.1 };
  const y = predictAt(floor.stepper(truth), flat, at).map((v) => v * Math.exp(0.01 * rng.normal()));
  const curve = syntheticCurve("flat", at, y, new Float64Array(at.length).fill(0.1));
  const input = fitInput(curve, {}, new Warnings());
  const fits = [1, 2, 3].map((seed) =>
    fitModel(floor, input.points, input.lr.eta, { seed, starts: 2, iterations: 200, maxPoints: 100 }),
  );
  const id = identifiability(floor, input, fits);
  assert.ok(id.unpinned.includes("q"), JSON.stringify(id.unpinned));
  // the steps schedule pins the floors at three LRs down
  const steps2 = syntheticCurve(
    "steps",
    at,
    loss,
    Float64Array.from(at, (s) => eta[s - 1]!),
  );
  const input2 = fitInput(steps2, {}, new Warnings());
  const f2 = fitModel(floor, input2.points, input2.lr.eta, { seed: 1, starts: 2, iterations: 200, maxPoints: 100 });
  assert.ok(identifiability(floor, input2, [f2]).params.find((p) => p.name === "b")!.pinned);
});

test("one error code for one bad option: --starts 0 in fit, simulate and sweep --simulate", () => {
  for (const cmd of ["fit", "simulate"]) {
    const r = cli([cmd, log, "--starts", "0"]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--starts must be an integer >= 1; got 0/);
  }
  assert.throws(
    () => simulateSettings({ starts: 0 }),
    (e: unknown) => e instanceof ConfigError && e.code === "E_SIMULATE_OPTION" && /--starts must be/.test(e.message),
  );
  assert.throws(
    () => fitSettings({ points: 1.5 }),
    (e: unknown) => e instanceof ConfigError && e.code === "E_SIMULATE_OPTION",
  );
  const two = cli(["fit", log, log]);
  assert.equal(two.code, 2);
  assert.match(two.err, /--joint/);
});
