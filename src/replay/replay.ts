/**
 * `replayCurve`: a logged curve x schedulers -> ReplayResult (the stable `--json` contract of issue #3).
 *
 * The curve is expanded to a per-step sequence (`hold` or `none`), the judge finds the stationary
 * subsequences on it (looking ahead, edges refined to the change points; none when the curve has too few
 * points), every scheduler is run over it once (timed), and its decays are scored against the plateaus with
 * the end tolerance (one logged stride + one `frequent` interval). T (for tolerances and fractional milestones)
 * is `totalSteps` when given, else the log header's total_step, else the last logged step (`resolveTotalSteps`).
 */

import { requireFiniteLoss } from "../curve/clean.ts";
import type { Curve } from "../curve/curve.ts";
import { type ExpandMode, expandCurve } from "../curve/expand.ts";
import { ConfigError, InputError, Warnings } from "../errors.ts";
import { scoreDecays } from "../judge/score.ts";
import { judgeStationary, parseJudgeSpec, relativeRates } from "../judge/stationary.ts";
import { endToleranceIndices, endToleranceSteps } from "../judge/tolerance.ts";
import {
  badExpand,
  badLr0,
  badLrFloor,
  badTotalSteps,
  badTraces,
  coldStartIntervalMeans,
  E_REPLAY_EMPTY,
  E_REPLAY_OPTION,
  emptyCurve,
  judgeTooShort,
  lrBelowFloor,
  nonFiniteLosses,
  noPlateaus,
  tooLongToHold,
  W_JUDGE_TOO_SHORT,
  W_REPLAY_COLD_START,
  W_REPLAY_LR_FLOOR,
  W_REPLAY_NO_PLATEAUS,
  W_REPLAY_NON_FINITE,
} from "../messages/replay.ts";
import { coldStartSteps, firstLossDiff, warmedUpSpec } from "../schedulers/cold-start.ts";
import { createScheduler, parseSchedulerSpec, resolvedParams, type SchedulerSpec } from "../schedulers/registry.ts";
import type { SchedulerContext } from "../schedulers/types.ts";
import { runScheduler, sampleScheduler } from "./loop.ts";
import { buildTraces, sampleIndices, type TracedScheduler } from "./traces.ts";
import type { ReplayResult, SchedulerReplay } from "./types.ts";

export interface ReplayOptions {
  /** Scheduler specs (`name:k=v,...`); default fastface + hck with official defaults. */
  schedulers?: readonly string[];
  expand?: ExpandMode;
  /** T override (default: the log header's total_step, else the last logged step; see resolveTotalSteps). */
  totalSteps?: number;
  /** Initial LR; LRs are relative (1.0) when absent. */
  lr0?: number;
  /** Judge spec, default `haar`. */
  judge?: string;
  /** Number of trace points (LTTB); no traces when absent or 0. */
  traces?: number;
  /** LR floor as a fraction of lr0 (default LR_FLOOR_RATIO): a decay below it is warned about. */
  lrFloor?: number;
}

/** Default LR floor of the final-LR check: 1e-4 x lr0. */
export const LR_FLOOR_RATIO = 1e-4;

export const DEFAULT_SCHEDULERS: readonly string[] = ["fastface", "hck"];

/** Largest per-step sequence `hold` builds (8 bytes per step: 400 MB). */
export const MAX_HOLD_STEPS = 50_000_000;

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Training steps that precede per-step index 0, for fixed schedules: with `hold`, index 0 is the curve's
 * first step; curves flagged `stepCounts` (arcface logs, HF trainer_state, fastface retrain) count global steps
 * from 1 (the point at step s is the s-th step, s - 1 precede it), other formats from 0. With `none` the indices
 * are points, and fixed schedules count points from 0.
 */
export function stepOffsetOf(curve: Curve, mode: ExpandMode, firstStep: number): number {
  if (mode !== "hold") return 0;
  const off = curve.meta.stepCounts === true ? firstStep - 1 : firstStep;
  return Number.isInteger(off) && off > 0 ? off : 0;
}

/**
 * T for a replay: the option when given; with `none`, the number of points (indices are points); else the log
 * header's total_step (arcface_torch logs echo the planned run length); else the steps through the last logged
 * one (the steps before the first logged point count: stepOffset + per-step values).
 * @example resolveTotalSteps(curve, ex) // { value: 124550, from: "header" } for a 2021 arcface_torch log
 */
export function resolveTotalSteps(
  curve: Curve,
  ex: { mode: ExpandMode; steps: number; firstStep: number },
  override?: number,
): ReplayResult["totalSteps"] {
  if (override !== undefined) return { value: override, from: "option" };
  if (ex.mode === "none") return { value: Math.max(1, ex.steps), from: "points" };
  const header = Number(curve.meta.config?.total_step);
  if (Number.isInteger(header) && header > 0) return { value: header, from: "header" };
  return { value: Math.max(1, stepOffsetOf(curve, ex.mode, ex.firstStep) + ex.steps), from: "logged" };
}

/** Finite losses among the logged points (what the judge counts). */
export function finitePoints(curve: Curve): number {
  const loss = curve.columns.loss;
  let k = 0;
  for (let i = 0; i < loss.length; i++) if (Number.isFinite(loss[i]!)) k++;
  return k;
}

/** The first fastface spec that starts from the official cold start at step 0 (no debias, no warmup). */
function officialColdStart(specs: readonly SchedulerSpec[]): SchedulerSpec | undefined {
  for (const sp of specs) {
    if (sp.name !== "fastface") continue;
    const p = resolvedParams(sp);
    if (p.debias === true || (typeof p.warmup === "number" && p.warmup > 0)) continue;
    return sp;
  }
  return undefined;
}

/**
 * Replay schedulers over a logged curve.
 * @example const r = replayCurve(curve, { schedulers: ["fastface:lambda=2e-5", "hck:m=2000"] }); r.schedulers[0].decays
 */
export function replayCurve(curve: Curve, opts: ReplayOptions = {}): ReplayResult {
  const expand = opts.expand ?? "hold";
  if (expand !== "hold" && expand !== "none") throw new ConfigError(badExpand(String(expand)), E_REPLAY_OPTION);
  if (opts.totalSteps !== undefined && !(Number.isSafeInteger(opts.totalSteps) && opts.totalSteps > 0)) {
    throw new ConfigError(badTotalSteps(opts.totalSteps), E_REPLAY_OPTION);
  }
  if (opts.lr0 !== undefined && !(Number.isFinite(opts.lr0) && opts.lr0 > 0)) {
    throw new ConfigError(badLr0(opts.lr0), E_REPLAY_OPTION);
  }
  const specs = (opts.schedulers && opts.schedulers.length > 0 ? opts.schedulers : DEFAULT_SCHEDULERS).map(
    parseSchedulerSpec,
  );
  const judge = parseJudgeSpec(opts.judge ?? "haar");
  const steps = curve.columns.step;
  const span = steps.length > 0 ? steps[steps.length - 1]! - steps[0]! + 1 : 0;
  if (expand === "hold" && span > MAX_HOLD_STEPS) {
    throw new ConfigError(tooLongToHold(span, MAX_HOLD_STEPS), E_REPLAY_OPTION);
  }
  if (opts.traces !== undefined && !(Number.isSafeInteger(opts.traces) && opts.traces >= 0 && opts.traces <= 1e7)) {
    throw new ConfigError(badTraces(opts.traces), E_REPLAY_OPTION);
  }
  if (steps.length > 0) requireFiniteLoss(curve);
  const ex = expandCurve(curve, expand);
  if (ex.steps === 0)
    throw new InputError(curve.meta.source || curve.meta.name, emptyCurve(curve.meta.name), E_REPLAY_EMPTY);

  const warnings = new Warnings();
  const lrFloor = opts.lrFloor ?? LR_FLOOR_RATIO;
  if (!(Number.isFinite(lrFloor) && lrFloor >= 0 && lrFloor < 1)) {
    throw new ConfigError(badLrFloor(opts.lrFloor), E_REPLAY_OPTION);
  }
  const totalSteps = resolveTotalSteps(curve, ex, opts.totalSteps);
  const T = totalSteps.value;
  let nonFinite = 0;
  for (let i = 0; i < ex.loss.length; i++) if (!Number.isFinite(ex.loss[i]!)) nonFinite++;
  if (nonFinite > 0) warnings.add(W_REPLAY_NON_FINITE, nonFiniteLosses(nonFinite));
  const coldSpec = officialColdStart(specs);
  if (coldSpec !== undefined && curve.meta.aggregation === "mean-of-interval" && curve.meta.stride > 1) {
    // the horizon is the cold-start criterion that marks its decays (src/schedulers/cold-start.ts)
    const steps = coldStartSteps(coldSpec, firstLossDiff(ex.loss));
    warnings.add(W_REPLAY_COLD_START, coldStartIntervalMeans(curve.meta.stride, steps));
  }

  const ctx: SchedulerContext = { totalSteps: T, lr0: opts.lr0 ?? 1 };
  const offset = stepOffsetOf(curve, ex.mode, ex.firstStep);
  if (offset > 0) ctx.stepOffset = offset;
  const verdict = judgeStationary(ex.loss, judge.params, { points: finitePoints(curve) });
  const jp = verdict.params;
  const spans = verdict.spans;
  if (verdict.refused) {
    warnings.add(W_JUDGE_TOO_SHORT, judgeTooShort(verdict.refused.points, verdict.refused.needed));
  } else if (spans.length === 0) warnings.add(W_REPLAY_NO_PLATEAUS, noPlateaus());
  const tolIdx = endToleranceIndices(curve, ex.mode);
  let rates: Float64Array | undefined;
  // the judge's rate over the W steps before index i (the window centred at i - W/2 ends at i)
  const rateBefore = (i: number) => {
    rates ??= relativeRates(ex.loss, jp.window);
    return rates[Math.max(0, i - Math.floor(jp.window / 2))]!;
  };

  // with traces, the untimed warm-up pass is also the pass that records the sampled diagnostics
  const idx =
    opts.traces !== undefined && opts.traces > 0 ? sampleIndices(ex.loss, Math.floor(opts.traces)) : undefined;
  const traced: TracedScheduler[] = [];
  const g1 = firstLossDiff(ex.loss);
  const schedulers: SchedulerReplay[] = specs.map((spec) => {
    const cold = coldStartSteps(spec, g1);
    // one untimed warm-up pass on a throwaway instance, so nsPerStep measures JIT-compiled code
    const warm = createScheduler(spec, ctx);
    if (idx) traced.push({ scheduler: warm, samples: sampleScheduler(warm, ex.loss, idx) });
    else runScheduler(warm, ex.loss);
    const s = createScheduler(spec, ctx);
    const run = runScheduler(s, ex.loss);
    const refused = verdict.refused !== undefined;
    const score = scoreDecays(spans, run.decayIndices, ex.stepOf, tolIdx);
    const decays = run.decayIndices.map((i, k) => {
      const v = score.verdicts[k]!;
      const d: SchedulerReplay["decays"][number] = {
        step: ex.stepOf(i),
        lr: run.lrAfter[k]!,
        plateau: v.plateau < 0 ? null : v.plateau,
        removes: v.removes,
      };
      if (v.plateau < 0 && !refused) d.rate = rateBefore(i);
      if (i < cold) d.coldStart = true;
      return d;
    });
    const coldDecays = decays.filter((d) => d.coldStart).length;
    const below = decays.find((d) => d.lr < lrFloor * ctx.lr0);
    const entry: SchedulerReplay = {
      name: spec.name,
      params: resolvedParams(spec),
      decays,
      removed: score.removed,
      openLoopLead: score.openLoopLead,
      premature: refused ? 0 : score.premature,
      detection: { lags: score.lags, meanLag: score.meanLag },
      finalLr: s.lr,
      finalLrRatio: s.lr / ctx.lr0,
      nsPerStep: round(run.ns, 3),
    };
    if (cold > 0) {
      const rerun = coldDecays > 0 ? warmedUpSpec(spec, cold) : undefined;
      entry.coldStart = { steps: cold, decays: coldDecays, ...(rerun ? { rerun } : {}) };
    }
    if (below) {
      entry.belowFloorStep = below.step;
      warnings.add(W_REPLAY_LR_FLOOR, lrBelowFloor(spec.name, below.lr / ctx.lr0, below.step, lrFloor));
    }
    const toler = (s as { toler?: number }).toler;
    if (typeof toler === "number") entry.toler = toler;
    return entry;
  });

  const meta = curve.meta;
  const result: ReplayResult = {
    curve: {
      name: meta.name,
      format: meta.format,
      points: curve.columns.step.length,
      firstStep: ex.firstStep,
      lastStep: ex.lastStep,
      steps: ex.steps,
      source: meta.source,
      stride: meta.stride,
      aggregation: meta.aggregation,
      ...(meta.lossColumn !== undefined ? { lossColumn: meta.lossColumn } : {}),
      config: meta.config,
      evaluations: meta.evaluations,
    },
    judge: {
      name: judge.name,
      params: { window: jp.window, eps: jp.eps, minLength: jp.minLength, band: jp.band, refine: jp.refine },
      tolerance: endToleranceSteps(curve),
      minPoints: verdict.minPoints,
      ...(verdict.refused ? { refused: verdict.refused } : {}),
    },
    totalSteps,
    lrFloor,
    stationary: spans.map((sp) => ({ start: ex.stepOf(sp.start), end: ex.stepOf(sp.end) })),
    schedulers,
  };
  if (idx) {
    const firstAlpha = specs.map((sp) => resolvedParams(sp).alpha).find((a): a is number => typeof a === "number");
    result.traces = buildTraces(curve, ex, idx, traced, ctx, firstAlpha ?? 0.001);
  }
  if (warnings.list.length > 0) result.warnings = warnings.list;
  return result;
}
