/**
 * `fastface sweep --simulate`: closed-loop metrics per (curve, config) against a hand-set `floor` model (no fit),
 * equal to what `simulate()` reports for the same scheduler config and seeds; deterministic; NULL without
 * --simulate; a different closed-loop setting on --resume is refused and leaves the file untouched.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sweepSimulateOptionsFrom } from "../../src/cli/commands/sweep-simulate.ts";
import type { Curve } from "../../src/curve/curve.ts";
import { ConfigError, Warnings } from "../../src/errors.ts";
import { parseJudgeSpec } from "../../src/judge/stationary.ts";
import { mulberry32 } from "../../src/random.ts";
import { sweepSections } from "../../src/report/sections-sweep.ts";
import { formatSchedulerSpec } from "../../src/schedulers/registry.ts";
import { FloorStepper, floor } from "../../src/simulate/floor.ts";
import { resolveStepLr } from "../../src/simulate/lr.ts";
import { type ModelFile, parseModelFile } from "../../src/simulate/model-file.ts";
import { simulate } from "../../src/simulate/simulate.ts";
import { inSample, usablePoints } from "../../src/simulate/validate.ts";
import { topK } from "../../src/sweep/rank.ts";
import { sweepReportData } from "../../src/sweep/report-data.ts";
import { openDb, queryRows, SIM_COLUMNS } from "../../src/sweep/store.ts";
import { runSweep, type SweepOptions } from "../../src/sweep/sweep.ts";

const PARAMS = { Linit: 20, k: 0.004, p: 0.5, a: 1, b: 10, q: 1, lrRef: 0.1 };
const STEPS = 12000;
const STRIDE = 10;

/** A run under a step schedule (0.1, x0.1 at 6000 and 9000) whose loss is the floor model times seeded noise. */
function floorRun(withLr: boolean): Curve {
  const n = STEPS / STRIDE;
  const step = new Float64Array(n);
  const loss = new Float64Array(n);
  const lr = new Float64Array(n);
  const stepper = new FloorStepper(PARAMS);
  const rand = mulberry32(7);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let eta = 0.1;
    for (; s < (i + 1) * STRIDE; s++) {
      eta = s < 6000 ? 0.1 : s < 9000 ? 0.01 : 0.001;
      stepper.next(eta);
    }
    step[i] = s;
    loss[i] = stepper.loss * Math.exp((rand() - 0.5) * 0.04);
    lr[i] = eta;
  }
  return {
    columns: withLr ? { step, loss, lr } : { step, loss },
    meta: {
      name: withLr ? "floor-run" : "no-lr",
      source: "synthetic:floor",
      format: "synthetic",
      stride: STRIDE,
      aggregation: "instant",
      config: {},
      evaluations: [],
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      warnings: [],
    },
  };
}

const MODEL: ModelFile = parseModelFile(
  {
    kind: "fastface-model",
    version: 3,
    model: "floor",
    params: PARAMS,
    fittedOn: { name: "hand-set", source: "test", lastStep: STEPS, lr: "log" },
    inSample: { r2: 1, mae: 0, relMae: 0, points: 1 },
  },
  "model.json",
);

const GRID = ["lambda=1e-3,1e-2", "tau=0.02,0.05"];

async function rows(db: string): Promise<Array<Record<string, unknown>>> {
  const { conn, close } = await openDb(db, true);
  try {
    return await queryRows(conn, "SELECT * FROM results ORDER BY curve_id, config_id");
  } finally {
    close();
  }
}

describe("sweep --simulate", () => {
  let dir: string;
  const curve = floorRun(true);
  const base = (out: string, extra: Partial<SweepOptions> = {}): SweepOptions => ({
    scheduler: "fastface",
    grid: GRID,
    out,
    workers: 1,
    simulate: { modelFrom: MODEL, seeds: 3, seed: 5 },
    ...extra,
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "fastface-sweep-sim-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("stores the closed-loop metrics, equal to simulate() for the same config and seeds", async () => {
    const out = join(dir, "sim.duckdb");
    const summary = await runSweep([curve], base(out));
    assert.equal(summary.committed, 4);
    const stored = await rows(out);
    assert.equal(stored.length, 4);
    const warnings = new Warnings();
    const lr = resolveStepLr(curve, undefined, warnings);
    const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
    const fitted = { model: floor, params: PARAMS, inSample: inSample(floor, PARAMS, points, lr.eta), from: "test" };
    let decaying = 0;
    for (const r of stored) {
      const params = JSON.parse(String(r.params)) as Record<string, number>;
      const spec = formatSchedulerSpec({ name: "fastface", params });
      const sim = simulate(
        curve,
        lr.eta,
        { from: lr.from, lr0: lr.lr0 },
        fitted,
        { schedulers: [spec], budget: 1, seeds: 3, seed0: 5, judge: parseJudgeSpec("haar").params },
        warnings,
      );
      const s = sim.schedulers[0]!;
      assert.equal(r.simDecays, s.decays.count.mean, spec);
      assert.equal(r.simFinalLoss, s.finalLoss.mean, spec);
      assert.equal(r.simFinalLossLo, s.finalLoss.lo, spec);
      assert.equal(r.simFinalLossHi, s.finalLoss.hi, spec);
      assert.equal(r.timeToTarget, s.timeToTarget.fraction === null ? null : s.timeToTarget.fraction.mean, spec);
      assert.equal(r.simReached, s.timeToTarget.reached / s.timeToTarget.of, spec);
      assert.equal(r.simPlateaus, s.stationary.count.mean, spec);
      assert.equal(r.simLoggedPlateaus, sim.logged.stationary.length, spec);
      assert.equal(r.simPlateausRemoved, sim.logged.stationary.length - s.stationary.count.mean, spec);
      assert.ok(Number(r.simNsPerStep) > 0);
      if (s.decays.count.mean > 0) decaying++;
    }
    assert.ok(decaying > 0, "some configuration decays in closed loop");
    assert.ok(
      stored.some((r) => r.timeToTarget !== null) && stored.some((r) => r.timeToTarget === null),
      "the grid has configs that reach the logged final loss and configs that do not",
    );
    // the report page shows the closed-loop metrics
    const sections = sweepSections(await sweepReportData(out));
    const ids = sections.map((x) => x.id);
    for (const id of ["sweep-sim", "sweep-sim-top", "sweep-sim-scatter"]) assert.ok(ids.includes(id), id);
    const simTop = sections.find((x) => x.id === "sweep-sim-top")!;
    assert.equal(simTop.tables![0]!.rows.length, 4);
    // the definition records the closed-loop settings and the curve's model
    const { conn, close } = await openDb(out, true);
    try {
      const def = JSON.parse(String((await queryRows(conn, "SELECT definition FROM sweep"))[0]!.definition));
      assert.equal(def.simulate.seeds, 3);
      assert.equal(def.simulate.source, "file");
      assert.deepEqual(def.simulate.models[0].params, PARAMS);
      // sweep-top ranks by the closed-loop metrics, smaller time to target first
      const top = await topK(conn, { by: "simFinalLoss", k: null });
      const losses = top.map((t) => t.sim!.simFinalLoss);
      assert.deepEqual(
        losses,
        [...losses].sort((a, b) => a - b),
      );
      const ttt = (await topK(conn, { by: "timeToTarget", k: null })).map((t) => t.sim!.timeToTarget);
      const reached = ttt.filter((v): v is number => v !== null);
      assert.deepEqual(ttt, [...reached.sort((a, b) => a - b), ...ttt.filter((v) => v === null)]);
    } finally {
      close();
    }
  });

  it("is deterministic for a seed (1 worker vs 2 workers)", async () => {
    const a = join(dir, "det-a.duckdb");
    const b = join(dir, "det-b.duckdb");
    await runSweep([curve], base(a));
    await runSweep([curve], base(b, { workers: 2 }));
    const strip = (rs: Array<Record<string, unknown>>) =>
      rs.map((r) => Object.fromEntries(SIM_COLUMNS.filter(([n]) => n !== "simNsPerStep").map(([n]) => [n, r[n]])));
    assert.deepEqual(strip(await rows(a)), strip(await rows(b)));
    // another seed gives other noise
    const c = join(dir, "det-c.duckdb");
    await runSweep([curve], base(c, { simulate: { modelFrom: MODEL, seeds: 3, seed: 6 } }));
    assert.notDeepEqual(strip(await rows(a)), strip(await rows(c)));
  });

  it("refuses --resume with other simulate settings (file untouched); same settings resume", async () => {
    const out = join(dir, "resume.duckdb");
    await runSweep([curve], base(out));
    const bytes = readFileSync(out);
    for (const other of [
      { modelFrom: MODEL, seeds: 4, seed: 5 },
      { modelFrom: MODEL, seeds: 3, seed: 5, budget: 0.5 },
      { modelFrom: { ...MODEL, params: { ...PARAMS, k: 0.005 } }, seeds: 3, seed: 5 },
    ]) {
      await assert.rejects(runSweep([curve], base(out, { resume: true, simulate: other })), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, "E_SWEEP_DEFINITION");
        assert.match(err.message, /simulate/);
        return true;
      });
    }
    // without --simulate it is another sweep as well
    await assert.rejects(
      runSweep([curve], { ...base(out, { resume: true }), simulate: undefined as never }),
      /simulate/,
    );
    assert.deepEqual(readFileSync(out), bytes);
    const again = await runSweep([curve], base(out, { resume: true }));
    assert.equal(again.computed, 0);
    assert.equal(again.committed, 4);
  });

  it("NULL metrics without --simulate; --by a closed-loop metric is then an error", async () => {
    const out = join(dir, "plain.duckdb");
    const opts = base(out);
    delete opts.simulate;
    await runSweep([curve], opts);
    const stored = await rows(out);
    assert.equal(stored.length, 4);
    for (const r of stored) for (const [n] of SIM_COLUMNS) assert.equal(r[n], null);
    assert.ok(!sweepSections(await sweepReportData(out)).some((x) => x.id.startsWith("sweep-sim")));
    const { conn, close } = await openDb(out, true);
    try {
      await assert.rejects(topK(conn, { by: "timeToTarget", k: 3 }), /without --simulate/);
    } finally {
      close();
    }
  });

  it("a log without LR needs --lr-schedule (the message of fastface fit)", async () => {
    const noLr = floorRun(false);
    await assert.rejects(runSweep([noLr], base(join(dir, "nolr.duckdb"))), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, "E_NO_LR");
      assert.match(err.message, /--lr-schedule/);
      return true;
    });
    const out = join(dir, "lrspec.duckdb");
    const sim = { modelFrom: MODEL, seeds: 2, seed: 5, lrSchedule: "multistep:lr=0.1,milestones=6000,9000,gamma=0.1" };
    const s = await runSweep([noLr], base(out, { simulate: sim }));
    assert.equal(s.committed, 4);
    for (const r of await rows(out)) assert.equal(typeof r.simFinalLoss, "number");
  });

  it("CLI: closed-loop options need --simulate; --model and --model-from exclude each other", async () => {
    await assert.rejects(sweepSimulateOptionsFrom({ simulate: false, seed: 1, seeds: 5 }), /--seeds .*--simulate/);
    await assert.rejects(
      sweepSimulateOptionsFrom({ simulate: true, seed: 1, model: "floor", "model-from": "m.json" }),
      /give one of them/,
    );
    assert.equal(await sweepSimulateOptionsFrom({ simulate: false, seed: 1 }), null);
    const o = await sweepSimulateOptionsFrom({ simulate: true, seed: 3, model: "floor", seeds: 2 });
    assert.equal(o?.model, "floor");
    assert.equal(o?.seeds, 2);
    assert.equal(o?.seed, 3);
  });
});
