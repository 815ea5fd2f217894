/**
 * Downsampled traces of a replay for charts: LTTB (the `downsample` package) picks the sample indices on the
 * loss; every other series (EMA, logged LR, each scheduler's LR / statistic / counter) is read at the same
 * indices so all series share one step axis.
 */
import { createLTTB } from "downsample";
import type { Curve } from "../curve/curve.ts";
import type { Expanded } from "../curve/expand.ts";
import type { SchedulerSpec } from "../schedulers/registry.ts";
import { createScheduler } from "../schedulers/registry.ts";
import type { SchedulerContext } from "../schedulers/types.ts";
import { traceScheduler } from "./run.ts";
import type { ReplayTraces } from "./types.ts";

interface P {
  x: number;
  y: number;
  i: number;
}

/**
 * Indices of `points` samples of `loss` chosen by LTTB (all indices when the sequence is shorter).
 * @example sampleIndices(loss, 1000).length // -> 1000 (when loss.length >= 1000)
 */
export function sampleIndices(loss: Float64Array, points: number): number[] {
  const n = loss.length;
  if (n <= points || points < 3) return Array.from({ length: Math.min(n, Math.max(points, 0)) }, (_, i) => i);
  // LTTB needs finite y: hold the last finite value
  const data: P[] = new Array(n);
  let last = 0;
  for (let i = 0; i < n; i++) {
    const v = loss[i]!;
    if (Number.isFinite(v)) last = v;
    data[i] = { x: i, y: last, i };
  }
  const lttb = createLTTB<P>({ x: "x", y: "y" });
  const picked = lttb(data, points) as ArrayLike<P>;
  const out: number[] = [];
  for (let k = 0; k < picked.length; k++) out.push(picked[k]!.i);
  return out;
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

/**
 * Build the traces of a replay.
 * @example buildTraces(curve, expanded, specs, ctx, 2000)
 */
export function buildTraces(
  curve: Curve,
  ex: Expanded,
  specs: readonly SchedulerSpec[],
  ctx: SchedulerContext,
  points: number,
  emaAlpha: number,
): ReplayTraces {
  const idx = sampleIndices(ex.loss, points);
  const traces: ReplayTraces = {
    step: idx.map((i) => ex.stepOf(i)),
    loss: at(ex.loss, idx),
    ema: at(emaSeries(ex.loss, emaAlpha), idx),
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
  for (const spec of specs) {
    const s = createScheduler(spec, ctx);
    const tr = traceScheduler(s, ex.loss);
    const entry: ReplayTraces["schedulers"][number] = { name: s.name, lr: at(tr.lr, idx) };
    if (s.statistic !== undefined) entry.statistic = at(tr.statistic, idx);
    if (s.counter !== undefined) entry.counter = at(tr.counter, idx);
    if (typeof s.params.lambda === "number") entry.threshold = s.params.lambda;
    const toler = (s as { toler?: number }).toler;
    if (typeof toler === "number") entry.toler = toler;
    traces.schedulers.push(entry);
  }
  return traces;
}
