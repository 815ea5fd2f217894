/**
 * What the replay charts draw, as named data sets: one run = a replay result plus, when the logged curve is
 * at hand (`replay --report`, the demo, `report` when the source is still readable), its full-resolution
 * points. From the curve come the TensorBoard smoothing (applied on every logged point, then read at the
 * trace steps) and the wall time; without it the smoothing runs on the trace points and the x axis is steps.
 *
 * Data sets (names are page-wide, prefixed with the run's key):
 * - `<key>_loss`: the raw loss at up to DISPLAY_POINTS trace points picked by MinMax-LTTB (spikes and plateau
 *   edges survive): step, time (hours since the first point, when known), loss;
 * - `<key>_smooth`: up to SMOOTH_POINTS evenly spaced trace points: step, time, loss, ema (the schedulers'
 *   EMA from replay), s1..sN (smoothed with SMOOTHING_WEIGHTS[1..N]). A smoothed curve needs fewer points,
 *   and the pointer snaps to these (the readout then reads every series at that step);
 * - `<key>_lr`: each scheduler's LR at its change points (and the logged LR as scheduler "logged LR");
 * - `<key>_decays`: step, LR after, scheduler and what the judge says of the decay (`judged`, in words);
 * - `<key>_plateaus`, `<key>_decays`, `<key>_evals` (`m`: the index of the row's metric among the charted ones,
 *   so a chart filters on a number and no metric name enters an expression).
 * Numbers are rounded to 6 significant digits (display only; the result file keeps full precision).
 */
import type { CurveColumns } from "../curve/curve.ts";
import { changeIndices, DISPLAY_POINTS, lttbIndices, SMOOTH_POINTS } from "../curve/downsample.ts";
import { debiasedEma, SMOOTHING_WEIGHTS } from "../curve/smooth.ts";
import { decayJudgement } from "../replay/describe.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { DataRow } from "./types.ts";

/** The logged points of a run (the curve's columns), when available. */
export type CurveSeries = Pick<CurveColumns, "step" | "loss" | "wallTime">;

/** One run as the replay charts see it. */
export interface ReplayRun {
  result: ReplayResult;
  /** Full-resolution logged points (for smoothing and wall time). */
  curve?: CurveSeries;
  /** One-line notes for the page (e.g. traces recomputed from the source). */
  notes?: string[];
}

/**
 * Points per LR line: a step schedule is kept exactly (its change points); a continuous one (poly, cosine) or
 * one with hundreds of decays is reduced to this many by MinMax-LTTB (every drawn point costs the page).
 */
export const LR_POINTS = 300;

/** Label of the logged LR among the schedulers' LR lines. */
export const LOGGED_LR = "logged LR";

const DIGITS = 6;
/** Round for display (6 significant digits); non-finite values become null. */
export function r6(v: number | undefined): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  return Number(v.toPrecision(DIGITS));
}

/** A display name per scheduler, unique even when one scheduler appears twice with other params. */
export function schedulerLabels(result: ReplayResult): string[] {
  const seen = new Map<string, number>();
  return result.schedulers.map((s) => {
    const k = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, k);
    return k === 1 ? s.name : `${s.name} #${k}`;
  });
}

/** Index of the logged point covering step `s` (the first point with step >= s), for held curves. */
function coveringIndex(steps: ArrayLike<number>, s: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((steps[mid] as number) >= s) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface RunData {
  key: string;
  /** Data set name -> rows. */
  datasets: Record<string, DataRow[]>;
  names: { loss: string; smooth: string; lr: string; plateaus: string; decays: string; evals: string };
  labels: string[];
  /** Whether rows carry `time` (hours since the first logged point). */
  hasTime: boolean;
  /** Smoothing options as [field, label]: "loss" (off), s1..sN, "ema". */
  smoothing: Array<[string, string]>;
  /** Where the smoothing was computed: on every logged point, or on the trace points. */
  smoothedOn: "logged points" | "trace points";
  /** Finite losses in the traces. */
  finiteLoss: number;
  /** Steps of the traces (ascending). */
  stepRange: [number, number];
  /** LR lines drawn (schedulers with an LR trace, and the logged LR). */
  lrLines: string[];
  /** Main evaluation metrics charted (see `evaluationMetrics`). */
  evalMetrics: string[];
  /** Time in hours at a step (NaN when unknown). */
  timeAt: (step: number) => number;
}

/**
 * The metrics of a run's evaluations worth a chart: accuracy-like metrics with steps (`Accuracy-Flip` over
 * `Accuracy-Highest`, which repeats it; XNorm, a feature norm, only when nothing else is there), at most 2.
 *
 * @example
 * evaluationMetrics([{ name: "lfw", metric: "XNorm", value: 22, step: 2 }, { name: "lfw", metric: "Accuracy-Flip", value: 0.99, step: 2 }]);
 * // ["Accuracy-Flip"]
 */
export function evaluationMetrics(evals: ReplayResult["curve"]["evaluations"]): string[] {
  const withStep = (evals ?? []).filter((e) => e.step !== undefined && Number.isFinite(e.value));
  let metrics = [...new Set(withStep.map((e) => e.metric))];
  if (metrics.includes("Accuracy-Flip")) metrics = metrics.filter((m) => m !== "Accuracy-Highest");
  const useful = metrics.filter((m) => m !== "XNorm");
  return (useful.length > 0 ? useful : metrics).slice(0, 2);
}

/**
 * The named data sets of one run.
 *
 * @example
 * const d = runData({ result }, "r50"); d.datasets[d.names.loss].length; // trace points
 */
export function runData(run: ReplayRun, key: string): RunData {
  const { result, curve } = run;
  const t = result.traces;
  const k = key.replace(/[^a-z0-9_]/gi, "_");
  const names = {
    loss: `${k}_loss`,
    lr: `${k}_lr`,
    plateaus: `${k}_plateaus`,
    decays: `${k}_decays`,
    evals: `${k}_evals`,
    smooth: `${k}_smooth`,
  };
  const labels = schedulerLabels(result);
  const wall = curve?.wallTime;
  const hasTime = !!(
    curve &&
    wall &&
    wall.length === curve.step.length &&
    wall.length > 0 &&
    Number.isFinite(wall[0]!)
  );
  const t0 = hasTime ? (wall![0] as number) : 0;
  const timeAt = (s: number): number => {
    if (!hasTime || !curve) return Number.NaN;
    const w = wall![coveringIndex(curve.step, s)] as number;
    return (w - t0) / 3600;
  };
  const withTime = (row: DataRow, field: string, s: number): DataRow => {
    if (hasTime) row[field] = r6(timeAt(s));
    return row;
  };

  // smoothing: on the logged points when the curve is here, else on the trace points
  const weights = SMOOTHING_WEIGHTS.slice(1);
  const steps = t?.step ?? [];
  const smoothed: number[][] = weights.map(() => []);
  let smoothedOn: RunData["smoothedOn"] = "trace points";
  if (t && curve && curve.step.length > 0) {
    smoothedOn = "logged points";
    const idx = steps.map((s) => coveringIndex(curve.step, s));
    weights.forEach((w, j) => {
      const full = debiasedEma(curve.loss, w);
      smoothed[j] = idx.map((i) => full[i] as number);
    });
  } else if (t) {
    weights.forEach((w, j) => {
      smoothed[j] = Array.from(debiasedEma(t.loss, w));
    });
  }
  const lossRows: DataRow[] = (t ? lttbIndices(steps, t.loss, DISPLAY_POINTS) : []).map((i) => {
    const row: DataRow = { step: steps[i]! };
    withTime(row, "time", steps[i]!);
    row.loss = r6(t!.loss[i]);
    return row;
  });
  const every = Math.max(1, Math.ceil(steps.length / SMOOTH_POINTS));
  const smoothRows: DataRow[] = [];
  steps.forEach((st, i) => {
    if (i % every !== 0 && i !== steps.length - 1) return;
    const row: DataRow = { step: st };
    withTime(row, "time", st);
    row.loss = r6(t!.loss[i]);
    row.ema = r6(t!.ema[i]);
    weights.forEach((_, j) => {
      row[`s${j + 1}`] = r6(smoothed[j]![i]);
    });
    smoothRows.push(row);
  });
  const smoothing: Array<[string, string]> = [
    ["loss", "off"],
    ...weights.map((w, j): [string, string] => [`s${j + 1}`, String(w)]),
  ];
  if (t) smoothing.push(["ema", "scheduler EMA"]);

  // LR lines at their change points (lossless for step schedules)
  const lrRows: DataRow[] = [];
  const lrLines: string[] = [];
  if (t) {
    t.schedulers.forEach((tr, j) => {
      const label = labels[j] ?? tr.name;
      const idx = changeIndices(t.step, tr.lr, LR_POINTS);
      if (idx.length === 0) return;
      lrLines.push(label);
      for (const i of idx)
        lrRows.push(withTime({ step: t.step[i]!, lr: r6(tr.lr[i]), scheduler: label }, "time", t.step[i]!));
    });
    const logged = t.loggedLr;
    if (logged?.some((v) => Number.isFinite(v) && v > 0)) {
      lrLines.push(LOGGED_LR);
      for (const i of changeIndices(t.step, logged, LR_POINTS))
        lrRows.push(withTime({ step: t.step[i]!, lr: r6(logged[i]), scheduler: LOGGED_LR }, "time", t.step[i]!));
    }
  }
  const plateauRows: DataRow[] = result.stationary.map((p, i) => {
    const row: DataRow = { start: p.start, end: p.end, plateau: i + 1, steps: p.end - p.start + 1 };
    if (hasTime) {
      row.tstart = r6(timeAt(p.start));
      row.tend = r6(timeAt(p.end));
    }
    return row;
  });
  const decayRows: DataRow[] = result.schedulers.flatMap((s, j) =>
    s.decays.map((d) =>
      withTime(
        { step: d.step, lr: r6(d.lr), scheduler: labels[j] ?? s.name, judged: decayJudgement(d, s, result) },
        "time",
        d.step,
      ),
    ),
  );
  const evalMetrics = evaluationMetrics(result.curve.evaluations);
  const evalRows: DataRow[] = (result.curve.evaluations ?? [])
    .filter((e) => e.step !== undefined && evalMetrics.includes(e.metric) && Number.isFinite(e.value))
    .map((e) =>
      withTime(
        { step: e.step!, benchmark: e.name, metric: e.metric, m: evalMetrics.indexOf(e.metric), value: r6(e.value) },
        "time",
        e.step!,
      ),
    );

  const datasets: Record<string, DataRow[]> = {
    [names.loss]: lossRows,
    [names.smooth]: smoothRows,
    [names.lr]: lrRows,
    [names.plateaus]: plateauRows,
    [names.decays]: decayRows,
    [names.evals]: evalRows,
  };
  const finiteLoss = t ? t.loss.filter((v) => Number.isFinite(v)).length : 0;
  const stepRange: [number, number] = [result.curve.firstStep, result.curve.lastStep];
  return {
    key: k,
    datasets,
    names,
    labels,
    hasTime,
    smoothing,
    smoothedOn,
    finiteLoss,
    stepRange,
    lrLines,
    evalMetrics,
    timeAt,
  };
}
