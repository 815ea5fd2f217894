/**
 * Downsampled traces of a replay for charts. The sample indices are picked on the loss by MinMax-LTTB
 * (`lttbIndices` in src/curve/downsample.ts: min/max pre-selection, then LTTB from `downsample`),
 * the one downsampler of the project; every other series (EMA, logged LR, each scheduler's LR / statistic /
 * counter) is read at the same indices so all series share one step axis. The schedulers' values are recorded
 * during replay's own pass (`sampleScheduler`), not by running them again.
 */
import type { Curve } from "../curve/curve.ts";
import { lttbIndices } from "../curve/downsample.ts";
import type { Expanded } from "../curve/expand.ts";
import type { Scheduler, SchedulerContext } from "../schedulers/types.ts";
import type { SchedulerSamples } from "./loop.ts";
import type { ReplayTraces } from "./types.ts";

/**
 * Indices of `points` samples of `loss` chosen by MinMax-LTTB (all indices when the sequence is shorter).
 * Non-finite losses take the last finite value (0 before the first) for the choice.
 * @example sampleIndices(loss, 1000).length // -> 1000 (when loss.length >= 1000)
 */
export function sampleIndices(loss: Float64Array, points: number): number[] {
  const n = loss.length;
  if (n <= points || points < 3) return Array.from({ length: Math.min(n, Math.max(points, 0)) }, (_, i) => i);
  let y = loss;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(loss[i]!)) {
      // hold the last finite value, so every index stays a candidate
      y = new Float64Array(n);
      let last = 0;
      for (let q = 0; q < n; q++) {
        const v = loss[q]!;
        if (Number.isFinite(v)) last = v;
        y[q] = last;
      }
      break;
    }
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i;
  return lttbIndices(x, y, points);
}

function at(series: Float64Array, idx: readonly number[], scale = 1): number[] {
  return idx.map((i) => series[i]! * scale);
}

/** EMA LE_t = alpha L_t + (1-alpha) LE_{t-1} (LE_0 = L_0; non-finite losses are skipped). */
export function emaSeries(loss: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(loss.length);
  let le = Number.NaN;
  for (let i = 0; i < loss.length; i++) {
    const v = loss[i]!;
    if (Number.isFinite(v)) le = Number.isNaN(le) ? v : alpha * v + (1 - alpha) * le;
    out[i] = le;
  }
  return out;
}

/** `emaSeries(loss, alpha)` read at the ascending indices `idx`, in one pass without the full series. */
export function emaAt(loss: Float64Array, alpha: number, idx: readonly number[]): number[] {
  const out: number[] = new Array(idx.length);
  let le = Number.NaN;
  let i = 0;
  for (let j = 0; j < idx.length; j++) {
    const end = idx[j]!;
    for (; i <= end; i++) {
      const v = loss[i]!;
      if (Number.isFinite(v)) le = Number.isNaN(le) ? v : alpha * v + (1 - alpha) * le;
    }
    out[j] = le;
  }
  return out;
}

/** One scheduler of the traces: its instance (after the pass, for name / params / toler) and its samples. */
export interface TracedScheduler {
  scheduler: Scheduler;
  samples: SchedulerSamples;
}

/**
 * Build the traces of a replay from the sample indices and the schedulers' samples at them.
 * @example const idx = sampleIndices(ex.loss, 2000); buildTraces(curve, ex, idx, [{ scheduler, samples }], ctx, 0.001)
 */
export function buildTraces(
  curve: Curve,
  ex: Expanded,
  idx: readonly number[],
  traced: readonly TracedScheduler[],
  ctx: SchedulerContext,
  emaAlpha: number,
): ReplayTraces {
  const traces: ReplayTraces = {
    step: idx.map((i) => ex.stepOf(i)),
    loss: at(ex.loss, idx),
    ema: emaAt(ex.loss, emaAlpha, idx),
    schedulers: [],
  };
  const lrCol = curve.columns.lr;
  if (lrCol && lrCol.length > 0) {
    const steps = curve.columns.step;
    const first = lrCol[0]!;
    traces.loggedLr = idx.map((i) => {
      // the point covering step s (first point with step >= s)
      const s = ex.stepOf(i);
      let lo = 0;
      let hi = steps.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (steps[mid]! >= s) hi = mid;
        else lo = mid + 1;
      }
      const v = lrCol[lo]!;
      return ctx.lr0 === 1 && first > 0 ? v / first : v;
    });
  }
  for (const { scheduler: s, samples } of traced) {
    const entry: ReplayTraces["schedulers"][number] = { name: s.name, lr: samples.lr };
    if (s.statistic !== undefined) entry.statistic = samples.statistic;
    if (s.counter !== undefined) entry.counter = samples.counter;
    if (typeof s.params.lambda === "number") entry.threshold = s.params.lambda;
    const toler = (s as { toler?: number }).toler;
    if (typeof toler === "number") entry.toler = toler;
    traces.schedulers.push(entry);
  }
  return traces;
}
