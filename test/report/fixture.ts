/**
 * A hand-made ReplayResult for the report tests (no replay engine involved). Its numbers are consistent by
 * hand: plateaus [900, 1900] and [2600, 3600]; fastface decays at 1500 and 3000 remove both (400 + 600 steps
 * saved); hck at 1800 and 3400 (100 + 200); multistep at 2000 (outside every plateau: premature) and 3000
 * (removes the second: 600).
 */
import { makeCurve } from "../../src/curve/clean.ts";
import type { Curve } from "../../src/curve/curve.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import type { ReplayResult } from "../../src/replay/types.ts";
import type { ReplayRun } from "../../src/report/replay-data.ts";

export const XSS_NAME = "<img src=x onerror=alert(1)>";
/** Other hostile strings: they close a script, open a comment, break an attribute or a Vega expression. */
export const HOSTILE = {
  tag: "</script><script>alert('tag')</script>",
  configKey: "<b onmouseover=alert(1)>key",
  configValue: '" onload="alert(2)" x=\'<!--',
  column: "loss'); alert(3); ('",
  benchmark: "lfw<svg/onload=alert(4)>",
};

/** Piecewise-constant LR: 1 halved (or multiplied by `factor`) at each decay step. */
function lrTrace(steps: number[], decays: number[], factor: number): number[] {
  return steps.map((s) => factor ** decays.filter((d) => s > d).length);
}

export function fixtureResult(name = "r50-fixture"): ReplayResult {
  const step: number[] = [];
  for (let s = 20; s <= 4000; s += 20) step.push(s);
  const loss = step.map((s) => {
    const level = s < 1500 ? 9 : s < 3000 ? 6 : 4;
    return Number((level + 3 * Math.exp(-(s % 1500) / 300) + 0.2 * Math.sin(s / 7)).toFixed(4));
  });
  const ema: number[] = [];
  loss.forEach((v, i) => {
    ema.push(Number((i === 0 ? v : 0.9 * (ema[i - 1] as number) + 0.1 * v).toFixed(4)));
  });
  const statistic = (phase: number) =>
    step.map((s) => Number((4e-4 * Math.exp(-((s + phase) % 1500) / 250) - 1e-5).toExponential(4)));
  const counter = (stat: number[]) => {
    let c = 0;
    return stat.map((x) => {
      c = x < 5e-5 ? Math.min(c + 20, 199) : 0;
      return c;
    });
  };
  const ffStat = statistic(0);
  const hckStat = statistic(300);
  return {
    curve: {
      name,
      format: "arcface-log",
      points: step.length,
      firstStep: 20,
      lastStep: 4000,
      steps: 3981,
      source: `/data/logs/${name}.log`,
      stride: 10,
      aggregation: "mean-of-interval",
      config: { lr: 0.1, batch_size: 128, num_epoch: 20, total_step: 4000, network: "r50" },
      evaluations: [1000, 2000, 3000, 4000].flatMap((step, i) => [
        { name: "lfw", metric: "Accuracy-Flip", value: 0.99 + 0.002 * i, std: 0.00277, step },
        { name: "lfw", metric: "XNorm", value: 22 + i, step },
        { name: "cfp_fp", metric: "Accuracy-Flip", value: 0.9 + 0.02 * i, std: 0.01, step },
      ]),
    },
    judge: {
      name: "haar",
      params: { window: 400, eps: 1e-5, minLength: 200, band: 4, refine: 1 },
      tolerance: 20,
      minPoints: 15,
    },
    totalSteps: { value: 4000, from: "header" },
    lrFloor: 1e-4,
    stationary: [
      { start: 900, end: 1900 },
      { start: 2600, end: 3600 },
    ],
    schedulers: [
      {
        name: "fastface",
        params: { alpha: 0.001, beta: 0.001, lambda: 5e-5, tau: 0.05, delta: 2, maxDecays: 8 },
        decays: [
          { step: 1500, lr: 0.5, plateau: 0, removes: true },
          { step: 3000, lr: 0.25, plateau: 1, removes: true },
        ],
        removed: 2,
        openLoopLead: 1000,
        premature: 0,
        detection: { lags: [600, 400], meanLag: 500 },
        finalLr: 0.25,
        finalLrRatio: 0.25,
        nsPerStep: 2.1,
      },
      {
        name: "hck",
        params: { alpha: 0.001, m: 400, lambda: 5e-5, tau: 0.05, delta: 2, impl: "running" },
        decays: [
          { step: 1800, lr: 0.5, plateau: 0, removes: true },
          { step: 3400, lr: 0.25, plateau: 1, removes: true },
        ],
        removed: 2,
        openLoopLead: 300,
        premature: 0,
        detection: { lags: [900, 800], meanLag: 850 },
        finalLr: 0.25,
        finalLrRatio: 0.25,
        nsPerStep: 3.4,
      },
      {
        name: "multistep",
        params: { milestones: [2000, 3000], gamma: 0.1 },
        decays: [
          { step: 2000, lr: 0.1, plateau: null, removes: false, rate: 3.2e-5 },
          { step: 3000, lr: 0.01, plateau: 1, removes: true },
        ],
        removed: 1,
        openLoopLead: 600,
        premature: 1,
        detection: { lags: [null, 400], meanLag: 400 },
        finalLr: 0.01,
        finalLrRatio: 0.01,
        nsPerStep: 1.2,
      },
    ],
    traces: {
      step,
      loss,
      ema,
      loggedLr: lrTrace(step, [2000, 3000], 0.1).map((v) => Number((0.1 * v).toPrecision(6))),
      schedulers: [
        {
          name: "fastface",
          lr: lrTrace(step, [1500, 3000], 0.5),
          statistic: ffStat,
          threshold: 5e-5,
          counter: counter(ffStat),
          toler: 199,
        },
        {
          name: "hck",
          lr: lrTrace(step, [1800, 3400], 0.5),
          statistic: hckStat,
          threshold: 5e-5,
          counter: counter(hckStat),
          toler: 199,
        },
        { name: "multistep", lr: lrTrace(step, [2000, 3000], 0.1) },
      ],
    },
  };
}

/** The fixture's logged points (the traces' steps), with wall time: 0.5 s per step from a fixed start. */
export function fixtureCurve(): NonNullable<ReplayRun["curve"]> {
  const r = fixtureResult();
  const step = Float64Array.from(r.traces!.step);
  return {
    step,
    loss: Float64Array.from(r.traces!.loss),
    wallTime: Float64Array.from(step, (s) => 1_700_000_000 + 0.5 * s),
  };
}

/** The fixture with every user-visible string hostile (name, tag, config, evaluation and column names). */
export function hostileResult(): ReplayResult {
  const r = fixtureResult(XSS_NAME);
  (r.curve as { tag?: string }).tag = HOSTILE.tag;
  r.curve.config = { [HOSTILE.configKey]: HOSTILE.configValue, loss_column: HOSTILE.column };
  r.curve.evaluations = [
    { name: HOSTILE.benchmark, metric: HOSTILE.column, value: 0.9, step: 1000 },
    { name: HOSTILE.benchmark, metric: HOSTILE.column, value: 0.95, step: 3000 },
  ];
  r.warnings = [{ code: "W_FIXTURE", message: `a warning naming ${HOSTILE.tag}` }];
  return r;
}

function curveOf(name: string, step: number[], loss: number[], lr?: number[]): Curve {
  return makeCurve(
    { step: Float64Array.from(step), loss: Float64Array.from(loss), ...(lr ? { lr: Float64Array.from(lr) } : {}) },
    { name, source: `/edge/${name}.csv`, format: "csv" },
  );
}

/**
 * Runs at the edges the page must draw without a console warning, replayed for real: no LR column, NaN
 * losses, one point, two points, no traces; and a result whose traced losses are all NaN.
 */
export function edgeRuns(): ReplayRun[] {
  const steps = Array.from({ length: 400 }, (_, i) => (i + 1) * 10);
  const smooth = steps.map((s) => 2 + 6 * Math.exp(-s / 800) + 0.05 * Math.sin(s / 30));
  const withNan = smooth.map((v, i) => (i % 37 === 5 ? Number.NaN : i === 100 ? Number.POSITIVE_INFINITY : v));
  const curves: Curve[] = [
    curveOf("no-lr", steps, smooth),
    curveOf(
      "nan-losses",
      steps,
      withNan,
      steps.map((s) => (s > 2000 ? 0.01 : 0.1)),
    ),
    curveOf("one-point", [100], [3.5], [0.1]),
    curveOf("two-points", [100, 200], [3.5, 3.4]),
  ];
  const runs: ReplayRun[] = curves.map((c) => ({
    result: replayCurve(c, { schedulers: ["fastface", "hck", "multistep"], traces: 300 }),
    curve: c.columns,
  }));
  runs.push({ result: replayCurve(curves[0]!, { schedulers: ["fastface"] }) });
  runs[runs.length - 1]!.result.curve.name = "no-traces";
  // ingest refuses a curve without a finite loss, but a result file can still hold one (another tool, an old
  // fastface): the no-LR run with every traced loss NaN
  const allNan = structuredClone(runs[0]!.result);
  allNan.curve.name = "all-nan";
  allNan.traces!.loss = allNan.traces!.loss.map(() => Number.NaN);
  allNan.traces!.ema = allNan.traces!.ema.map(() => Number.NaN);
  runs.splice(2, 0, { result: allNan });
  return runs;
}
