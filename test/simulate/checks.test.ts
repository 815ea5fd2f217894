/**
 * The physical checks: their verdicts equal the invariants evaluated independently (per-step loops over explicit
 * schedules) for random valid parameters of every registered model; the fits that enter an ensemble pass them;
 * `--model auto` never picks a model that fails one; on the r50 poly log the absurd schedule (LR / 250 at
 * step 10) no longer learns under any ensemble member.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Warnings } from "../../src/errors.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { physicalChecks } from "../../src/simulate/checks.ts";
import { fitEnsemble } from "../../src/simulate/ensemble.ts";
import { fitInput, fitSettings } from "../../src/simulate/fit-input.ts";
import type { FitScale, ParamValues } from "../../src/simulate/model.ts";
import { getModel, modelNames } from "../../src/simulate/registry.ts";
import { simulate } from "../../src/simulate/simulate.ts";
import { fitAuto } from "../../src/simulate/validate.ts";

const DATA = new URL("../../data/logs/", import.meta.url).pathname;
const T = 6000;
const SCALE: FitScale = { s1Max: 2000, steps: T, lossFirst: 45, lossLast: 2, lossMin: 1.5, lossMax: 48 };
// a poly-like logged schedule held over 100-step blocks (few LR changes, so multipower stays cheap), lr0 = 0.1
const ETA = Float64Array.from({ length: T }, (_, i) => 0.1 * (1 - Math.floor(i / 100) / (T / 100)) ** 2 + 1e-6);

/** The invariants written out independently: plain per-step loops over the model's stepper. */
function direct(model: string, params: ParamValues): Record<string, boolean> {
  const m = getModel(model);
  const p = { ...params };
  const run = (lr: (i: number) => number, at: number[]) => {
    const s = m.stepper(p, {});
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < T && k < at.length; i++) {
      const v = s.next(lr(i));
      if (i + 1 === at[k]) {
        out.push(v);
        k++;
      }
    }
    return out;
  };
  const cut = Math.round(0.01 * T);
  const [l1, lCut, lEnd] = run((i) => ETA[i]!, [1, cut, T]) as [number, number, number];
  const early = run((i) => (i < cut ? ETA[i]! : 0.1 * 0.01), [T])[0]!;
  const tiny = run(() => 0.1 * 1e-3, [T])[0]!;
  const first = Math.round(0.02 * T);
  const grid = Array.from({ length: 200 }, (_, i) => Math.round(first + ((i + 1) * (T - first)) / 200));
  let rise = 0;
  for (const f of [1, 0.1, 0.01]) {
    const c = run(() => 0.1 * f, grid);
    let min = Number.POSITIVE_INFINITY;
    for (const v of c) {
      if (!Number.isFinite(v)) rise = Number.POSITIVE_INFINITY;
      min = Math.min(min, v);
      rise = Math.max(rise, (v - min) / Math.abs(min));
    }
  }
  return {
    "early-cut": early >= lEnd * (lCut / lEnd) ** 0.25,
    "tiny-lr": tiny >= l1 * (lEnd / l1) ** 0.1,
    monotone: rise <= 0.01,
  };
}

test("check verdicts equal the invariants evaluated directly, for random valid parameters of every model", () => {
  for (const name of modelNames()) {
    const defs = getModel(name).paramDefs(SCALE);
    const arb = fc.tuple(...defs.map(() => fc.double({ min: 0.05, max: 0.95, noNaN: true })));
    fc.assert(
      fc.property(arb, (us) => {
        const params: ParamValues = { lrRef: 0.1 };
        defs.forEach((d, i) => {
          const t = us[i]!;
          params[d.name] = d.log
            ? d.complement
              ? 1 - Math.exp(Math.log(1 - d.hi) + (Math.log(1 - d.lo) - Math.log(1 - d.hi)) * t)
              : Math.exp(Math.log(d.lo) + (Math.log(d.hi) - Math.log(d.lo)) * t)
            : d.lo + (d.hi - d.lo) * t;
        });
        const got = Object.fromEntries(physicalChecks(getModel(name), params, ETA).map((c) => [c.name, c.passed]));
        assert.deepEqual(got, direct(name, params), `${name} ${JSON.stringify(params)}`);
      }),
      { seed: 7, numRuns: 25 },
    );
  }
});

test("on the r50 poly log: auto picks a physical model; ensemble members pass the checks; LR/250 at step 10 does not learn", async () => {
  const curve = await loadCurve(`${DATA}insightface_ms1mv3_r50_poly.log`);
  const warnings = new Warnings();
  const input = fitInput(curve, {}, warnings);
  const opts = { seed: 1, starts: 3, iterations: 300, maxPoints: 200, epochSteps: input.epochSteps! };
  const auto = fitAuto(input.points, input.lr.eta, opts, 0.8, ["floor", "effective", "sde"]);
  assert.ok(
    auto.checks.every((c) => c.passed),
    `auto chose ${auto.fitted.model}: ${JSON.stringify(auto.checks)}`,
  );
  // floor and effective (seed 1) fail on this log (the c ~ 0.03 fit); auto did not take them
  const floorChecks = auto.candidates.find((c) => c.model === "floor")?.checks;
  if (floorChecks) assert.ok(floorChecks.some((c) => !c.passed));
  const ens = fitEnsemble(input, ["floor", "effective", "sde"], fitSettings({}), 3);
  assert.ok(ens.members.length >= 1);
  for (const m of ens.members)
    assert.ok(
      m.checks.every((c) => c.passed),
      m.id,
    );
  assert.ok(
    ens.rejected.some((m) => m.id === "effective#1" && /tiny-lr/.test(m.rejected!)),
    "the c ~ 0.03 fit is out",
  );
  const r = simulate(
    curve,
    input.lr.eta,
    { from: input.lr.from, lr0: input.lr.lr0 },
    ens.members,
    { schedulers: ["multistep:milestones=10,gamma=0.004", "cosine"], budget: 1, seeds: 1, seed0: 1, noNoise: true },
    warnings,
  );
  const [cut, cosine] = r.schedulers as [(typeof r.schedulers)[0], (typeof r.schedulers)[0]];
  for (let i = 0; i < cut.ensemble.perMember.length; i++) {
    const bad = cut.ensemble.perMember[i]!.finalLoss;
    const good = cosine.ensemble.perMember[i]!.finalLoss;
    assert.ok(bad > 2 * r.target.loss, `LR/250 at step 10 ends at ${bad}, target ${r.target.loss}`);
    assert.ok(bad > good, `LR/250 at step 10 (${bad}) ends above cosine (${good})`);
  }
});
