import type { Warning } from "../errors.ts";

/**
 * The canonical curve: one training run as named Float64Array columns plus metadata.
 *
 * Invariants (enforced by `makeCurve`): `step` is integer-valued and strictly increasing; every present
 * column has the same length as `step`. `loss` may hold NaN / ±Infinity (fp16 overflow is real data):
 * they are kept and counted in `meta.nonFinite`.
 */
export interface CurveColumns {
  step: Float64Array;
  loss: Float64Array;
  lr?: Float64Array;
  epoch?: Float64Array;
  /** Seconds since the Unix epoch. */
  wallTime?: Float64Array;
}

/**
 * What one logged loss value stands for: the mean of the steps since the previous point (arcface_torch,
 * mmcv / mmengine), a median over a window (detectron2), the value at that step, or not known (generic
 * tables: CSV / TSV / JSONL say nothing about it).
 */
export type Aggregation = "mean-of-interval" | "median-of-window" | "instant" | "unknown";

/**
 * The format a curve was read from: the `name` of an entry of the ingest format table (`FORMATS` in
 * src/ingest/formats.ts, whose `FORMAT_NAMES` lists them), or `synthetic` for generated curves. The curve layer
 * does not repeat the list, so a new format is one parser and one table entry.
 */
export type FormatName = string;

/** An evaluation result found in the log (e.g. `[lfw][6666]Accuracy-Flip: 0.99800+-0.00277`). */
export interface Evaluation {
  /** Benchmark / data set name, e.g. `lfw`, `cfp_fp`, `IJBC`, `eval`. */
  name: string;
  /** Metric name, e.g. `Accuracy-Flip`, `XNorm`, `TAR@FAR=1e-4`, `eval_loss`. */
  metric: string;
  value: number;
  /** Spread when the log gives one (`+-0.00277`). */
  std?: number;
  /** Training step the evaluation belongs to, when known. */
  step?: number;
}

export interface CurveMeta {
  /** Short run name (from the file or folder name, or the tag). */
  name: string;
  /** Path of the file or folder it was read from. */
  source: string;
  format: FormatName;
  /** Scalar tag the curve came from (TensorBoard, MLflow, tables with several loss-like columns). */
  tag?: string;
  /** Which column / tag became the loss, why, and the alternatives (tables, JSON logs, event files). */
  lossColumn?: { name: string; why: string; alternatives: string[] };
  /** Median gap between consecutive steps. */
  stride: number;
  aggregation: Aggregation;
  /**
   * True when a step value counts the optimizer steps done when the point was logged, as arcface_torch's
   * `global_step` and fastface retrain's curves do (step - 1 steps precede the point at step s); otherwise a
   * step is 0-based (s steps precede it). Set by the parsers of formats that log counts.
   */
  stepCounts?: boolean;
  /** Run configuration echoed by the log header (lr, batch_size, total_step, num_epoch, frequent, ...). */
  config: Record<string, string | number | boolean>;
  evaluations: Evaluation[];
  /** Counts of non-finite losses kept in the curve. */
  nonFinite: { nan: number; posInf: number; negInf: number };
  /** Warnings raised while reading and cleaning. */
  warnings: Warning[];
}

export interface Curve {
  columns: CurveColumns;
  meta: CurveMeta;
}

/** Number of points in a curve. */
export function curveLength(curve: Curve): number {
  return curve.columns.step.length;
}
