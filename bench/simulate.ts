/**
 * Simulate benchmarks.
 *   node --import tsx bench/simulate.ts            speed, fit (r50 poly: floor, effective) and ensemble (npm run bench)
 *   node --import tsx bench/simulate.ts speed      closed-loop runs of 250k, 500k and 1M steps (linear in steps)
 *   node --import tsx bench/simulate.ts fit [LOG] [MODELS]
 *                                                  the fit before (tfjs autodiff, bench/peers/fit-tfjs.ts) and now
 *                                                  (analytic gradients) on the same inputs: CPU seconds, ratio,
 *                                                  objective, in-sample relMAE, largest parameter difference
 *   node --import tsx bench/simulate.ts accuracy   the three validation protocols (in-sample, tail, cross) of every
 *                                                  model on every fixture log (markdown table)
 *   node --import tsx bench/simulate.ts joint [MODELS]
 *                                                  joint fits of the r50 pair (poly + multistep): leave-one-run-out
 *                                                  cross-schedule relMAE both ways and the joint fit's checks, per
 *                                                  model and fit seed (1, 2, 3)
 *   node --import tsx bench/simulate.ts ensemble   the cost of a 9-member (sde, effective, floor x 3 fit seeds),
 *                                                  4-scheduler simulate of the 202k-step FastFace log (3 noise seeds
 *                                                  per member): fit and closed-loop CPU seconds
 */

import os from "node:os";
import type { Curve } from "../src/curve/curve.ts";
import { Warnings } from "../src/errors.ts";
import { loadCurve } from "../src/ingest/load.ts";
import { Prng } from "../src/random.ts";
import { parseSchedulerSpec } from "../src/schedulers/registry.ts";
import { runClosedLoop } from "../src/simulate/closed-loop.ts";
import { epochLengthOf } from "../src/simulate/epoch.ts";
import { fitModel } from "../src/simulate/fit.ts";
import { fitInput, fitRun, fitSettings } from "../src/simulate/fit-input.ts";
import { fitJointRuns, type JointRun } from "../src/simulate/joint.ts";
import { resolveStepLr } from "../src/simulate/lr.ts";
import type { ParamValues } from "../src/simulate/model.ts";
import { getModel, modelNames } from "../src/simulate/registry.ts";
import { simulate } from "../src/simulate/simulate.ts";
import { inSample, usablePoints, validateCross, validateTail } from "../src/simulate/validate.ts";
import { fitModelTf, loadTf, PREDICT_TF } from "./peers/fit-tfjs.ts";

const FIXTURES = new URL("../data/logs/", import.meta.url).pathname;

function speed(): void {
  const model = getModel("effective");
  const params: ParamValues = {
    Linit: 45,
    u0: 5,
    kappa: 1e-3,
    k: 1e-3,
    p: 0.6,
    a: 0.01,
    b: 9.4,
    q: 0.95,
    c: 2000,
    SW: 700,
    alpha: 0.75,
    lrRef: 0.1,
  };
  const rng = new Prng(1);
  const noise = { values: Float64Array.from({ length: 10000 }, () => 0.03 * rng.normal()), blockLength: 20 };
  console.log(`closed loop, model effective, fastface scheduler, noise on, judge on (best of 3); ${load()}`);
  console.log("steps      seconds   ns/step");
  const rows: Array<[number, number]> = [];
  const once = (steps: number) =>
    runClosedLoop({
      model,
      params,
      scheduler: parseSchedulerSpec("fastface"),
      ctx: { totalSteps: steps, lr0: 0.1 },
      steps,
      stride: 10,
      noise,
      seed: 1,
      target: 1.5,
      grid: Array.from({ length: 400 }, (_, i) => Math.round(((i + 1) * steps) / 400)),
      judge: { window: Math.round(steps * 0.06), eps: 1.5 / steps, minLength: Math.round(steps * 0.04) },
    });
  once(200_000); // warm-up (JIT)
  for (const steps of [250_000, 500_000, 1_000_000]) {
    let s = Number.POSITIVE_INFINITY;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      once(steps);
      s = Math.min(s, (performance.now() - t0) / 1000);
    }
    rows.push([steps, s]);
    console.log(`${String(steps).padEnd(10)} ${s.toFixed(3).padStart(7)}   ${((s * 1e9) / steps).toFixed(1)}`);
  }
  const [a, b] = [rows[0]!, rows[rows.length - 1]!];
  console.log(`time ratio 1M / 250k = ${(b[1] / a[1]).toFixed(2)} (linear: 4.00)`);
}

const SPECS: Record<string, string | undefined> = {
  "insightface_ms1mv3_r50_poly.log": undefined,
  "insightface_ms1mv3_r50_multistep.log": "multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1",
  "fastface_ms1mv3_r100.log": undefined,
};
const CROSS: Record<string, string> = {
  "insightface_ms1mv3_r50_poly.log": "insightface_ms1mv3_r50_multistep.log",
  "insightface_ms1mv3_r50_multistep.log": "insightface_ms1mv3_r50_poly.log",
  "fastface_ms1mv3_r100.log": "insightface_ms1mv3_r50_poly.log",
};

/** The machine's load average (1 min), printed with every figure: the 2 cores are shared. */
const load = () => `load average ${os.loadavg()[0]!.toFixed(1)}`;

/** CPU seconds (user + system) of a call. */
async function cpuSeconds<T>(f: () => T | Promise<T>): Promise<{ value: T; cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}

/** Largest relative difference between two parameter sets (log space for positive values). */
function paramDiff(a: ParamValues, b: ParamValues): { name: string; diff: number } {
  let worst = { name: "-", diff: 0 };
  for (const k of Object.keys(a)) {
    const x = a[k]!;
    const y = b[k]!;
    const d = x > 0 && y > 0 ? Math.abs(Math.log(x / y)) : Math.abs(x - y);
    if (d > worst.diff) worst = { name: k, diff: d };
  }
  return worst;
}

async function fitSpeed(only?: string, models?: string): Promise<void> {
  const tf = await loadTf();
  const opts = { seed: 1, starts: 3, iterations: 300, maxPoints: 200 };
  console.log(
    `fit before (tfjs ${tf.getBackend()} autodiff) vs now (analytic gradients), CLI defaults, seed 1; ${load()}`,
  );
  console.log(
    "| log | model | tfjs CPU s | analytic CPU s | speed-up | objective tfjs / analytic | in-sample relMAE tfjs / analytic | largest param diff (log) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [file, spec] of Object.entries(SPECS)) {
    if (only && !file.includes(only)) continue;
    const curve = await loadCurve(FIXTURES + file);
    const eta = resolveStepLr(curve, spec, new Warnings()).eta;
    const epochSteps = epochLengthOf(curve);
    const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
    const fitOpts = { ...opts, ...(epochSteps ? { epochSteps } : {}) };
    for (const name of models ? models.split(",") : modelNames()) {
      const model = getModel(name);
      fitModel(model, points, eta, { ...fitOpts, iterations: 10, starts: 1 }); // warm-up (JIT)
      if (!PREDICT_TF[name]) {
        const now = await cpuSeconds(() => fitModel(model, points, eta, fitOpts));
        console.log(`| ${file} | ${name} | (no tfjs peer) | ${now.cpu.toFixed(2)} | - | - | - | - |`);
        continue;
      }
      const old = await cpuSeconds(() => fitModelTf(tf, model, points, eta, fitOpts));
      const now = await cpuSeconds(() => fitModel(model, points, eta, fitOpts));
      const insOld = inSample(model, old.value.params, points, eta).relMae;
      const insNow = inSample(model, now.value.params, points, eta).relMae;
      const d = paramDiff(old.value.params, now.value.params);
      console.log(
        `| ${file} | ${name} | ${old.cpu.toFixed(2)} | ${now.cpu.toFixed(2)} | ${(old.cpu / now.cpu).toFixed(1)}x | ${old.value.objective.toPrecision(4)} / ${now.value.objective.toPrecision(4)} | ${(insOld * 100).toFixed(2)}% / ${(insNow * 100).toFixed(2)}% | ${d.name} ${d.diff.toFixed(3)} |`,
      );
    }
  }
}

async function accuracy(only?: string): Promise<void> {
  const opts = { seed: 1, starts: 3, iterations: 300, maxPoints: 200 };
  const runs = new Map<string, { curve: Curve; eta: Float64Array; epochSteps: number | undefined }>();
  for (const [file, spec] of Object.entries(SPECS)) {
    const curve = await loadCurve(FIXTURES + file);
    runs.set(file, { curve, eta: resolveStepLr(curve, spec, new Warnings()).eta, epochSteps: epochLengthOf(curve) });
  }
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  console.log(
    "| log | model | in-sample R^2 | in-sample relMAE | tail (0.8) R^2 | tail relMAE | cross target | cross R^2 | cross relMAE | fit s |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const [file, run] of runs) {
    if (only && !file.includes(only)) continue;
    const points = usablePoints({ step: run.curve.columns.step, loss: run.curve.columns.loss });
    for (const name of process.argv[3] ? process.argv[3].split(",") : modelNames()) {
      const model = getModel(name);
      const t0 = performance.now();
      const fitOpts = { ...opts, ...(run.epochSteps ? { epochSteps: run.epochSteps } : {}) };
      const fitted = fitModel(model, points, run.eta, fitOpts);
      const secs = (performance.now() - t0) / 1000;
      const ins = inSample(model, fitted.params, points, run.eta);
      const tail = validateTail(model, points, run.eta, 0.8, fitOpts).validation;
      const other = runs.get(CROSS[file]!)!;
      const otherPts = usablePoints({ step: other.curve.columns.step, loss: other.curve.columns.loss });
      const crossParams = { ...fitted.params, ...(other.epochSteps ? { epochSteps: other.epochSteps } : {}) };
      const cross = validateCross(model, crossParams, ins.points, otherPts, other.eta, true);
      console.log(
        `| ${file} | ${name} | ${ins.r2.toFixed(4)} | ${pct(ins.relMae)} | ${tail.r2.toFixed(4)} | ${pct(tail.relMae)} | ${CROSS[file]} | ${cross.r2.toFixed(4)} | ${pct(cross.relMae)} | ${secs.toFixed(0)} |`,
      );
      console.error(`${file} ${name}: ${JSON.stringify(fitted.params)}`);
    }
  }
}

async function ensembleCost(): Promise<void> {
  const curve = await loadCurve(`${FIXTURES}fastface_ms1mv3_r100.log`);
  const warnings = new Warnings();
  const input = fitInput(curve, {}, warnings);
  const settings = fitSettings({});
  const lastStep = input.points.step[input.points.step.length - 1]!;
  const fits = await cpuSeconds(() =>
    ["sde", "effective", "floor"].flatMap((name) =>
      [1, 2, 3].map((seed) => {
        const f = fitRun(input, name, { ...settings, seed });
        return {
          id: `${name}#${seed}`,
          model: getModel(name),
          params: f.fitted.params,
          inSample: f.inSample,
          from: `fit (${name}, seed ${seed})`,
          checks: f.checks,
        };
      }),
    ),
  );
  const schedulers = ["fastface", "hck", "multistep", "cosine"];
  const sim = await cpuSeconds(() =>
    simulate(
      curve,
      input.lr.eta,
      { from: input.lr.from, lr0: input.lr.lr0 },
      fits.value,
      { schedulers, budget: 1, seeds: 3, seed0: 1 },
      warnings,
    ),
  );
  const runs = schedulers.length * fits.value.length * 3;
  console.log(
    `ensemble cost on ${curve.meta.name} (${lastStep} steps), ${fits.value.length} members, ${schedulers.length} schedulers, 3 noise seeds`,
  );
  console.log(
    `fits: ${fits.cpu.toFixed(1)} s CPU (${fits.wall.toFixed(1)} s wall), ${(fits.cpu / fits.value.length).toFixed(2)} s per fit`,
  );
  console.log(
    `closed loop: ${runs} runs of ${lastStep} steps: ${sim.cpu.toFixed(1)} s CPU (${sim.wall.toFixed(1)} s wall), ${((sim.cpu * 1e9) / (runs * lastStep)).toFixed(0)} ns per simulated step (judge included)`,
  );
  console.log(`total: ${(fits.cpu + sim.cpu).toFixed(1)} s CPU (goal < 120 s on 2 cores); ${load()}`);
}

async function jointBench(models?: string): Promise<void> {
  const runs: JointRun[] = [];
  for (const file of ["insightface_ms1mv3_r50_poly.log", "insightface_ms1mv3_r50_multistep.log"]) {
    const curve = await loadCurve(FIXTURES + file);
    runs.push({ name: curve.meta.name, input: fitInput(curve, { lrSchedule: SPECS[file] }, new Warnings()) });
  }
  console.log(
    "joint fit of the r50 pair, leave-one-run-out (own parameters calibrated on the held-out run's first 10%)",
  );
  console.log(
    "| model | per run | seed | multistep -> poly relMAE | poly -> multistep relMAE | joint in-sample poly / multistep | checks | CPU s |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const name of models ? models.split(",") : modelNames()) {
    for (const seed of [1, 2, 3]) {
      const r = await cpuSeconds(() =>
        fitJointRuns(runs, name, { seed, starts: 3, iterations: 300, maxPoints: 200, calibrate: 0.1 }),
      );
      const { fit, folds, checks } = r.value;
      const failed = [...new Set(checks.flatMap((c) => c.checks.filter((x) => !x.passed).map((x) => x.name)))];
      console.log(
        `| ${name} | ${fit.perRun.join(", ")} | ${seed} | ${(folds[0]!.predicted.relMae * 100).toFixed(1)}% | ${(folds[1]!.predicted.relMae * 100).toFixed(1)}% | ${fit.runs.map((x) => `${(x.inSample.relMae * 100).toFixed(1)}%`).join(" / ")} | ${failed.length > 0 ? `fails ${failed.join(", ")}` : "pass"} | ${r.cpu.toFixed(1)} |`,
      );
    }
  }
}

if (process.argv[2] === "accuracy") await accuracy(process.argv[4]);
else if (process.argv[2] === "joint") await jointBench(process.argv[3]);
else if (process.argv[2] === "ensemble") await ensembleCost();
else if (process.argv[2] === "fit") await fitSpeed(process.argv[3], process.argv[4]);
else if (process.argv[2] === "speed") speed();
else {
  // `npm run bench`: the closed loop, the fit against its tfjs peer on one log, the ensemble cost
  speed();
  await fitSpeed("r50_poly", "floor,effective");
  await ensembleCost();
}
