/**
 * `replayCurve`: a logged curve x schedulers -> ReplayResult (the stable `--json` contract of issue #3).
 *
 * The curve is expanded to a per-step sequence (`hold` or `none`), the judge finds the stationary
 * subsequences on it (looking ahead), every scheduler is run over it once (timed), and its decays are scored
 * against the plateaus. T (for tolerances and fractional milestones) is the expanded length unless
 * `totalSteps` is given; the log header's total_step is reported as a hint when it differs.
 */
import type { Curve } from "../curve/curve.ts";
import { type ExpandMode, expandCurve } from "../curve/expand.ts";
import { ConfigError, InputError } from "../errors.ts";
import { scoreDecays } from "../judge/score.ts";
import { findStationary, parseJudgeSpec, resolveJudgeParams } from "../judge/stationary.ts";
import {
  badExpand,
  badLr0,
  badTotalSteps,
  E_REPLAY_EMPTY,
  E_REPLAY_OPTION,
  emptyCurve,
  nonFiniteLosses,
  noPlateaus,
  tooLongToHold,
  totalStepHint,
  W_REPLAY_NO_PLATEAUS,
  W_REPLAY_NON_FINITE,
  W_REPLAY_TOTAL_STEP_HINT,
} from "../messages/replay.ts";
import { createScheduler, parseSchedulerSpec, resolvedParams } from "../schedulers/registry.ts";
import type { SchedulerContext } from "../schedulers/types.ts";
import { runScheduler, sampleScheduler } from "./run.ts";
import { buildTraces, sampleIndices, type TracedScheduler } from "./traces.ts";
import type { ReplayResult, SchedulerReplay } from "./types.ts";

export interface ReplayOptions {
  /** Scheduler specs (`name:k=v,...`); default fastface + hck with official defaults. */
  schedulers?: readonly string[];
  expand?: ExpandMode;
  /** T override (default: the expanded length). */
  totalSteps?: number;
  /** Initial LR; LRs are relative (1.0) when absent. */
  lr0?: number;
  /** Judge spec, default `haar`. */
  judge?: string;
  /** Number of trace points (LTTB); no traces when absent or 0. */
  traces?: number;
}

export const DEFAULT_SCHEDULERS: readonly string[] = ["fastface", "hck"];

/** Largest per-step sequence `hold` builds (8 bytes per step: 400 MB). */
export const MAX_HOLD_STEPS = 50_000_000;

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Training steps that precede per-step index 0, for fixed schedules: with `hold`, index 0 is the curve's
 * first step; arcface logs count global steps from 1 (the point at step s is the s-th step, s - 1 precede it),
 * other formats from 0. With `none` the indices are points, and fixed schedules count points from 0.
 */
export function stepOffsetOf(curve: Curve, mode: ExpandMode, firstStep: number): number {
  if (mode !== "hold") return 0;
  const off = curve.meta.format === "arcface-log" ? firstStep - 1 : firstStep;
  return Number.isInteger(off) && off > 0 ? off : 0;
}

/**
 * Replay schedulers over a logged curve.
 * @example const r = replayCurve(curve, { schedulers: ["fastface:lambda=2e-5", "hck:m=2000"] }); r.schedulers[0].decays
 */
export function replayCurve(curve: Curve, opts: ReplayOptions = {}): ReplayResult {
  const expand = opts.expand ?? "hold";
  if (expand !== "hold" && expand !== "none") throw new ConfigError(badExpand(String(expand)), E_REPLAY_OPTION);
  if (opts.totalSteps !== undefined && !(Number.isInteger(opts.totalSteps) && opts.totalSteps > 0)) {
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
  const ex = expandCurve(curve, expand);
  if (ex.steps === 0)
    throw new InputError(curve.meta.source || curve.meta.name, emptyCurve(curve.meta.name), E_REPLAY_EMPTY);

  const warnings: Array<{ code: string; message: string }> = [];
  const T = opts.totalSteps ?? ex.steps;
  const headerTotal = Number(curve.meta.config?.total_step);
  if (opts.totalSteps === undefined && Number.isInteger(headerTotal) && headerTotal > 0 && headerTotal !== T) {
    warnings.push({ code: W_REPLAY_TOTAL_STEP_HINT, message: totalStepHint(headerTotal, T) });
  }
  let nonFinite = 0;
  for (let i = 0; i < ex.loss.length; i++) if (!Number.isFinite(ex.loss[i]!)) nonFinite++;
  if (nonFinite > 0) warnings.push({ code: W_REPLAY_NON_FINITE, message: nonFiniteLosses(nonFinite) });

  const ctx: SchedulerContext = { totalSteps: T, lr0: opts.lr0 ?? 1 };
  const offset = stepOffsetOf(curve, ex.mode, ex.firstStep);
  if (offset > 0) ctx.stepOffset = offset;
  const jp = resolveJudgeParams(ex.steps, judge.params);
  const spans = findStationary(ex.loss, jp);
  if (spans.length === 0) warnings.push({ code: W_REPLAY_NO_PLATEAUS, message: noPlateaus() });

  // with traces, the untimed warm-up pass is also the pass that records the sampled diagnostics
  const idx =
    opts.traces !== undefined && opts.traces > 0 ? sampleIndices(ex.loss, Math.floor(opts.traces)) : undefined;
  const traced: TracedScheduler[] = [];
  const schedulers: SchedulerReplay[] = specs.map((spec) => {
    // one untimed warm-up pass on a throwaway instance, so nsPerStep measures JIT-compiled code
    const warm = createScheduler(spec, ctx);
    if (idx) traced.push({ scheduler: warm, samples: sampleScheduler(warm, ex.loss, idx) });
    else runScheduler(warm, ex.loss);
    const s = createScheduler(spec, ctx);
    const run = runScheduler(s, ex.loss);
    const score = scoreDecays(spans, run.decayIndices, ex.stepOf);
    const entry: SchedulerReplay = {
      name: spec.name,
      params: resolvedParams(spec),
      decays: run.decayIndices.map((i, k) => ({ step: ex.stepOf(i), lr: run.lrAfter[k]! })),
      removed: score.removed,
      openLoopLead: score.openLoopLead,
      premature: score.premature,
      nsPerStep: round(run.ns, 3),
    };
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
    judge: { name: judge.name, params: { window: jp.window, eps: jp.eps, minLength: jp.minLength } },
    stationary: spans.map((sp) => ({ start: ex.stepOf(sp.start), end: ex.stepOf(sp.end) })),
    schedulers,
  };
  if (idx) {
    const firstAlpha = specs.map((sp) => resolvedParams(sp).alpha).find((a): a is number => typeof a === "number");
    result.traces = buildTraces(curve, ex, idx, traced, ctx, firstAlpha ?? 0.001);
  }
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}
