/**
 * Hand-made results of the other report kinds (simulate, retrain, sweep), with numbers consistent by hand and
 * no engine involved, for the golden specs and the page tests. Every field a kind's sections read is here;
 * `name` goes into every user-visible string the result carries, so the hostile-name tests can use them.
 */
import type { SimulateResult } from "../../src/simulate/simulate.ts";
import type { SweepReportData } from "../../src/sweep/report-data.ts";
import type { SweepDefinition } from "../../src/sweep/types.ts";
import { type ArmResult, armResult, type RunSummary, verdictOf } from "../../src/train/design.ts";
import type { RetrainResult } from "../../src/train/retrain.ts";

const spread = (mean: number, lo = mean, hi = mean) => ({ mean, min: lo, max: hi, lo, hi });

/** A simulation of two schedulers over 10 grid points of a 1000-step run. */
export function simulateFixture(name = "sim-fixture"): SimulateResult {
  const grid = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
  const loggedStep = [50, 150, 250, 350, 450, 550, 650, 750, 850, 950];
  const curve = (drop: number) =>
    grid.map((s) => Number((2 + 8 * Math.exp(-s / 300) - (s > drop ? 0.5 : 0)).toFixed(4)));
  const ff = curve(400);
  const ms = curve(700);
  return {
    kind: "fastface-simulate",
    version: 1,
    curve: { name, source: `/data/${name}.log`, points: 10, firstStep: 50, lastStep: 950, stride: 100 },
    lr: { from: "log", lr0: 0.1 },
    model: {
      name: "effective",
      params: { a: 1 },
      inSample: { r2: 0.99, mae: 0.05, relMae: 0.021, points: 10 },
      from: "fit (auto)",
      checks: [
        { name: "early-cut", passed: true, value: 3.1, limit: 2.5, detail: "an early LR cut ends above the target" },
      ],
    },
    noise: { sigma: 0.02, blockLength: 3, window: 5, points: 10, enabled: true },
    budget: 1,
    budgetSteps: 1000,
    seeds: 3,
    seed0: 1,
    judge: { window: 200, eps: 1e-5, minLength: 100 },
    target: { loss: 2.1, how: "mean of the last 2 logged losses" },
    logged: {
      stationary: [{ start: 300, end: 600 }],
      stationarySteps: 301,
      step: loggedStep,
      loss: loggedStep.map((s) => Number((2 + 8 * Math.exp(-s / 300)).toFixed(4))),
      lr: loggedStep.map((s) => (s > 600 ? 0.01 : 0.1)),
      model: loggedStep.map((s) => Number((2.05 + 8 * Math.exp(-s / 300)).toFixed(4))),
      modelFinalLoss: 2.2,
      modelTimeToTarget: null,
    },
    grid,
    schedulers: [
      {
        spec: "fastface",
        name: "fastface",
        params: { lambda: 5e-5 },
        curve: {
          model: ff,
          mean: ff,
          lo: ff.map((v) => v - 0.05),
          hi: ff.map((v) => v + 0.05),
          lr: grid.map((s) => (s > 400 ? 0.05 : 0.1)),
        },
        decays: {
          count: spread(1, 1, 1),
          coldStart: spread(0.33, 0, 1),
          coldStartSteps: spread(10, 0, 30),
          rerun: "fastface:warmup=100",
          perSeed: [[{ step: 400, lr: 0.05 }], [{ step: 410, lr: 0.05 }], [{ step: 30, lr: 0.05, coldStart: true }]],
        },
        stationary: { count: spread(1), steps: spread(200), firstSeed: [{ start: 200, end: 400 }] },
        finalLoss: spread(1.9, 1.85, 1.95),
        timeToTarget: { reached: 3, of: 3, fraction: spread(0.8, 0.75, 0.85) },
        nsPerStep: 2,
        ensemble: {
          members: 2,
          reached: 1,
          stepsToTarget: { median: 800, p10: 760, p90: 840 },
          finalLoss: { median: 1.9, p10: 1.85, p90: 2.2 },
          runs: { reached: 3, of: 6 },
          perMember: [],
          verdict: "1/2 members: reaches target; 1/2: not",
        },
      },
      {
        spec: "multistep:milestones=700",
        name: "multistep",
        params: { milestones: [700], gamma: 0.1 },
        curve: { model: ms, mean: ms, lo: ms, hi: ms, lr: grid.map((s) => (s > 700 ? 0.01 : 0.1)) },
        decays: {
          count: spread(1),
          coldStart: spread(0),
          coldStartSteps: spread(0),
          perSeed: [[{ step: 700, lr: 0.01 }], [{ step: 700, lr: 0.01 }], [{ step: 700, lr: 0.01 }]],
        },
        stationary: { count: spread(2, 1, 2), steps: spread(300), firstSeed: [{ start: 300, end: 650 }] },
        finalLoss: spread(2.15),
        timeToTarget: { reached: 0, of: 3, fraction: null },
        nsPerStep: 1,
        ensemble: {
          members: 2,
          reached: 0,
          stepsToTarget: null,
          finalLoss: { median: 2.15, p10: 2.15, p90: 2.15 },
          runs: { reached: 0, of: 6 },
          perMember: [],
          verdict: "2/2 members: not",
        },
      },
    ],
    ensemble: {
      members: [member(name, "effective-1", 0.021), member(name, "floor-2", 0.03)],
      rejected: [{ ...member(name, "annealing-3", 0.09), rejected: "fits the run with relMAE 9.0% (> 5%)" }],
      identifiability: [{ model: "effective", fits: 3, equalQuality: 3, params: [], unpinned: ["a"] }],
      noiseSeeds: 3,
    },
  };
}

function member(name: string, id: string, relMae: number) {
  return {
    id,
    model: id.split("-")[0]!,
    from: `fit of ${name}`,
    fitSeeds: [1],
    params: { a: 1 },
    inSample: { r2: 0.99, mae: 0.05, relMae, points: 10 },
    checks: [
      { name: "monotone" as const, passed: true, value: 0, limit: 0.01, detail: "a constant LR never raises the loss" },
    ],
  };
}

/**
 * A retrain experiment (version 2): baseline at 400 steps, candidate and one control at 100, three paired
 * seeds, summarised and judged by the design's own functions (armResult, verdictOf) from hand-made accuracies:
 * candidate - baseline = -0.2, -0.5, +0.1 points (mean -0.2), the verdict holds at tolerance 1.
 */
export function retrainFixture(name = "synthetic-fixture"): RetrainResult {
  const run = (seed: number, steps: number, accuracy: number, decaySteps: number[]): RunSummary => {
    const step = Array.from({ length: 10 }, (_, i) => Math.round(((i + 1) * steps) / 10));
    const lrAt = (s: number) => 0.1 * 0.1 ** decaySteps.filter((d) => d < s).length;
    return {
      seed,
      accuracy,
      accuracyStd: 0.012,
      tar: accuracy - 0.2,
      decays: decaySteps.length,
      decaySteps,
      wallSeconds: steps / 20,
      finalLoss: 3.2,
      evaluations: [0.25, 0.5, 1].map((f, i) => ({
        step: Math.round(f * steps),
        accuracy: accuracy - 0.06 + 0.03 * i,
        std: 0.01,
        tar: 0.5,
        xnorm: 20,
      })),
      plateau: { share: 0.4 + 0.05 * seed, spans: [{ start: Math.round(0.3 * steps), end: Math.round(0.5 * steps) }] },
      traces: {
        step,
        loss: step.map((s) => Number((3 + 10 * Math.exp(-s / (steps / 3)) + 0.01 * seed).toFixed(4))),
        lr: step.map(lrAt),
      },
    };
  };
  const baselinePlan = {
    name: "baseline",
    role: "baseline" as const,
    scheduler: "multistep:milestones=0.5,0.75",
    steps: 400,
  };
  const baseRuns = [run(1, 400, 0.9, [200, 300]), run(2, 400, 0.905, [200, 300]), run(3, 400, 0.898, [200, 300])];
  const candRuns = [run(1, 100, 0.898, [40]), run(2, 100, 0.9, [45]), run(3, 100, 0.899, [38, 70])];
  const ctrlRuns = [run(1, 100, 0.89, [50, 75]), run(2, 100, 0.894, [50, 75]), run(3, 100, 0.889, [50, 75])];
  const arms: ArmResult[] = [
    armResult(baselinePlan, baseRuns, null),
    armResult(
      { name: "candidate", role: "candidate", scheduler: "fastface:alpha=0.01,beta=0.01,lambda=0.01", steps: 100 },
      candRuns,
      baseRuns,
    ),
    armResult(
      { name: "compressed", role: "control", scheduler: "multistep:milestones=0.5,0.75", steps: 100 },
      ctrlRuns,
      baseRuns,
    ),
  ];
  return {
    kind: "fastface-retrain",
    version: 2,
    design: {
      seeds: 3,
      firstSeed: 1,
      budget: 0.25,
      tolerance: 1,
      backend: "wasm",
      steps: { baseline: 400, candidate: 100 },
      model: "mlp-bn",
      parameters: 12345,
      dataset: name,
      evalAt: [0.25, 0.5, 1],
      lrTiming: null,
      workers: 2,
      batchSize: 32,
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-3,
      clipNorm: 5,
      embeddingSize: 16,
      width: 32,
      margin: { s: 64, m1: 1, m2: 0, m3: 0.4, impl: "arcface_torch", easyMargin: false },
    },
    backend: { name: "wasm", reason: "fixture", skipped: [] },
    arms,
    verdict: verdictOf(arms, 1),
    feasibility: {
      scheduler: "fastface:alpha=0.01,beta=0.01,lambda=0.01",
      steps: 100,
      probe: { steps: 20, decrease: 0.3, decreaseSe: 0.02, noise: 0.5, first: 40, last: 35, decays: [] },
      statistic: { gain: 0.02, memory: 25, noise: 0.01, lambda: 0.01, toler: 50 },
      checks: [
        {
          name: "memory",
          value: 25,
          limit: 25,
          ok: true,
          severity: "refuse",
          why: "the statistic's memory fits the run",
        },
        {
          name: "plateau",
          value: 1,
          limit: 1,
          ok: true,
          severity: "warn",
          why: "lambda is one statistic noise deviation",
        },
      ],
      ok: true,
      forced: false,
      scale: null,
    },
    wallSeconds: 60,
    cpuSeconds: 110,
    machine: { cores: 2, loadStart: 1, loadEnd: 1.5 },
    warnings: [],
  };
}

/** A 3 x 2 grid of fastface over lambda and tau on two curves, with the closed loop. */
export function sweepFixture(curveName = "curve-a"): SweepReportData {
  const axes: SweepDefinition["grid"]["axes"] = [
    { name: "lambda", type: "number", kind: "values", values: [1e-5, 5e-5, 1e-4] },
    { name: "tau", type: "number", kind: "values", values: [0.02, 0.05] },
  ];
  const definition: SweepDefinition = {
    version: 3,
    scheduler: "fastface",
    grid: { scheduler: "fastface", base: { alpha: 0.001 }, axes },
    random: null,
    judge: "",
    expand: "hold",
    totalSteps: null,
    lr0: 1,
    curves: [
      { name: curveName, hash: "0123456789abcdef" },
      { name: "curve-b", hash: "fedcba9876543210" },
    ],
    simulate: {
      budget: 1,
      seeds: 2,
      seed: 1,
      noise: true,
      lrSchedule: null,
      source: "auto",
      fit: { starts: 3, iterations: 300, points: 200 },
      epochSteps: null,
      models: [
        {
          name: curveName,
          hash: "0123456789abcdef",
          model: "effective",
          params: { a: 1 },
          lr0: 0.1,
          target: 2.1,
          budgetSteps: 1000,
          lastStep: 1000,
          loggedPlateaus: 2,
          relMae: 0.02,
        },
        {
          name: "curve-b",
          hash: "fedcba9876543210",
          model: "floor",
          params: { a: 2 },
          lr0: 0.1,
          target: 1.9,
          budgetSteps: 800,
          lastStep: 800,
          loggedPlateaus: 1,
          relMae: 0.03,
        },
      ],
    },
  };
  const configs = [1e-5, 5e-5, 1e-4].flatMap((lambda, i) =>
    [0.02, 0.05].map((tau, j) => ({ lambda, tau, id: `cfg${i}${j}`, saved: 100 * (i + 1) + 10 * j, premature: i })),
  );
  const row = (curve: string, c: (typeof configs)[number], rank: number) => ({
    curve,
    curveId: curve === curveName ? 0 : 1,
    configId: c.id,
    params: { alpha: 0.001, lambda: c.lambda, tau: c.tau },
    decays: 2,
    decaySteps: [300, 600],
    removed: 1,
    openLoopLead: c.saved,
    plateaus: 2,
    premature: c.premature,
    nsPerStep: 2,
    lambdaEff: c.lambda,
    rank,
    sim: {
      simDecays: 2,
      simFinalLoss: 2 - c.saved / 1000,
      simFinalLossLo: 1.9 - c.saved / 1000,
      simFinalLossHi: 2.1 - c.saved / 1000,
      timeToTarget: c.premature > 1 ? null : 0.9 - c.saved / 1000,
      simReached: c.premature > 1 ? 0 : 1,
      simPlateaus: 1,
      simLoggedPlateaus: 2,
      simPlateausRemoved: 1,
      simNsPerStep: 50,
    },
  });
  const byLead = [...configs].sort((a, b) => b.saved - a.saved);
  return {
    kind: "fastface-sweep-summary",
    path: "/sweeps/fixture.duckdb",
    definition,
    progress: { done: 12, configs: 6, total: 12 },
    curves: [
      { name: curveName, steps: 1000, plateaus: 2, lossScale: 5.5 },
      { name: "curve-b", steps: 800, plateaus: 1, lossScale: 4.25 },
    ],
    heatmap: {
      x: axes[0]!,
      y: axes[1]!,
      configs: configs.map((c) => ({ x: c.lambda, y: c.tau, saved: c.saved, premature: c.premature })),
    },
    pareto: configs.map((c) => ({
      configId: c.id,
      params: { alpha: 0.001, lambda: c.lambda, tau: c.tau },
      openLoopLead: 2 * c.saved,
      premature: 2 * c.premature,
      onFront: c.id.endsWith("1"),
    })),
    robust: configs
      .filter((c) => c.premature === 0)
      .map((c) => ({
        configId: c.id,
        params: { alpha: 0.001, lambda: c.lambda, tau: c.tau },
        curves: 2,
        minOpenLoopLead: c.saved,
        meanOpenLoopLead: c.saved,
        totalRemoved: 2,
        totalPremature: 0,
      })),
    top: [curveName, "curve-b"].flatMap((curve) => byLead.slice(0, 5).map((c, k) => row(curve, c, k + 1))),
    transfer: null,
    sim: {
      models: definition.simulate!.models,
      best: [curveName, "curve-b"].flatMap((curve) => byLead.slice(0, 5).map((c, k) => row(curve, c, k + 1))),
      points: configs.map((c) => ({
        curve: curveName,
        params: { alpha: 0.001, lambda: c.lambda, tau: c.tau },
        openLoopLead: c.saved,
        loss: 2 - c.saved / 1000,
        timeToTarget: c.premature > 1 ? null : 0.9 - c.saved / 1000,
      })),
    },
  };
}
