/**
 * JSON-per-line training logs with a known writer, read with that writer's conventions (not as generic
 * JSONL):
 * - detectron2 `metrics.json` (JSONWriter): `iteration` is the step (0-based), `total_loss` the loss (each
 *   loss is the median over the writer's window, 20 iterations by default), `lr` the LR; `time` / `data_time`
 *   are seconds per iteration, not clock times; `bbox/AP`, `segm/AP50` ... are evaluations (they share a line
 *   with the training scalars of that iteration, or stand alone after the last one).
 * - mmcv (mmdet 2.x and friends) `<timestamp>.log.json` (TextLoggerHook): an optional first line with
 *   `env_info` / `config` / `seed`; `mode: "train"` lines carry `epoch`, `iter`, `lr`, the loss components and
 *   `loss` (their sum; a mean over the logging interval); `mode: "val"` lines are evaluations. In an
 *   epoch-based run `iter` counts within the epoch, so the step is `(epoch - 1) * iters_per_epoch + iter`,
 *   with the epoch length taken from the log (a warning says how).
 * - mmengine `vis_data/scalars.json` (LocalVisBackend): training lines carry `step` (the global iteration),
 *   `loss`, `lr`, `epoch` / `iter`; evaluation lines carry metrics (`coco/bbox_mAP`, `accuracy/top1`) and
 *   `step`, which is the epoch in an epoch-based run (mmengine's default `log_metric_by_epoch`).
 * Repeated / decreasing steps (a resumed run appended to the same file) keep the latest segment, like every
 * other format. `--loss-col` picks another loss key (a component loss) and `--lr-col` another LR key.
 */
import { type ColumnOverrides, chooseLoss, Growable, type LossColumn } from "../curve/columns.ts";
import type { Aggregation, Curve, Evaluation, FormatName } from "../curve/curve.ts";
import { ConfigError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { cellBad, cellNumber, PointAccumulator } from "./points.ts";
import { parseJsonObject } from "./table.ts";
import { LineSplitter } from "./text.ts";

type Rec = Record<string, unknown>;

export interface JsonLogOptions extends ColumnOverrides {
  name?: string;
  warnings?: Warnings;
}

/** A finite number from a JSON value (numbers, or Python's NaN / Infinity written as text), else undefined. */
function num(v: unknown): number | undefined {
  if (typeof v !== "number" && typeof v !== "string") return undefined;
  const n = cellNumber(v);
  return cellBad ? undefined : n;
}

/** mmcv logs `lr` as a number, or as `{ name: lr }` with several optimizers: the first one. */
function lrValue(v: unknown): number | undefined {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return num(Object.values(v as Rec)[0]);
  return num(v);
}

/** `bbox/AP50` -> { name: "bbox", metric: "AP50" }; `bbox_mAP` -> { name: "val", metric: "bbox_mAP" }. */
function evalName(key: string): { name: string; metric: string } {
  const slash = key.indexOf("/");
  return slash > 0 ? { name: key.slice(0, slash), metric: key.slice(slash + 1) } : { name: "val", metric: key };
}

/** Shared line loop: one JSON object per line; lines that are not objects are counted and skipped. */
abstract class JsonRecordLog {
  protected readonly acc = new PointAccumulator();
  protected readonly evaluations: Evaluation[] = [];
  private readonly splitter: LineSplitter;
  /** Loss key in use (the convention's, --loss-col, or chosen among the loss-like keys of the first record). */
  protected lossKey: string | undefined;
  protected lossChoice: LossColumn | undefined;
  private readonly lossKeysSeen = new Set<string>();

  constructor(
    protected readonly source: string,
    protected readonly opts: JsonLogOptions,
    private readonly conventionalLoss: string,
  ) {
    this.splitter = new LineSplitter((t, a, b, n) => this.line(t.slice(a, b), n));
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private line(line: string, lineNo: number): void {
    if (line.trim().length === 0) return;
    const rec = parseJsonObject(line);
    if (rec === null) this.acc.bad(lineNo);
    else this.record(rec, lineNo);
  }

  protected abstract record(rec: Rec, lineNo: number): void;

  /** Deliver the last line (one without a final newline); idempotent. */
  protected flush(): void {
    this.splitter.end();
  }

  /** The loss of a training record (undefined when it has none), fixing the loss key on first use. */
  protected loss(rec: Rec): number | undefined {
    const keys = Object.keys(rec);
    for (const k of keys) if (k.includes("loss")) this.lossKeysSeen.add(k);
    if (this.lossKey === undefined) {
      const forced = this.opts.lossCol;
      if (forced !== undefined) {
        if (!(forced in rec)) return undefined;
        this.lossKey = forced;
        this.lossChoice = { name: forced, why: "chosen with --loss-col", alternatives: [] };
      } else if (this.conventionalLoss in rec) {
        this.lossKey = this.conventionalLoss;
        this.lossChoice = { name: this.lossKey, why: "the format's total loss", alternatives: [] };
      } else {
        const c = chooseLoss(keys);
        if (c === undefined) return undefined;
        this.lossKey = keys[c.index] as string;
        this.lossChoice = { name: this.lossKey, why: c.why, alternatives: [] };
      }
    }
    return num(rec[this.lossKey]);
  }

  protected lr(rec: Rec): number | undefined {
    return lrValue(rec[this.opts.lrCol ?? "lr"]);
  }

  protected evaluate(rec: Rec, skip: ReadonlySet<string>, step: number | undefined, keep = (_k: string) => true) {
    for (const [k, v] of Object.entries(rec)) {
      if (skip.has(k) || k.includes("loss") || !keep(k)) continue;
      const value = num(v);
      if (value === undefined || !Number.isFinite(value)) continue;
      this.evaluations.push({ ...evalName(k), value, ...(step !== undefined ? { step } : {}) });
    }
  }

  protected curve(
    format: FormatName,
    aggregation: Aggregation,
    config: Record<string, string | number | boolean>,
    warnings: Warnings,
    acc: PointAccumulator = this.acc,
  ): Curve {
    this.flush();
    if (this.opts.lossCol !== undefined && this.lossKey === undefined) {
      throw new ConfigError(`${this.source}: ${M.noSuchColumn(this.opts.lossCol, [...this.lossKeysSeen])}`);
    }
    const lossColumn =
      this.lossChoice !== undefined
        ? { ...this.lossChoice, alternatives: [...this.lossKeysSeen].filter((k) => k !== this.lossKey).slice(0, 16) }
        : undefined;
    return acc.finish(
      {
        name: this.opts.name ?? runName(this.source),
        source: this.source,
        format,
        ...(lossColumn !== undefined ? { tag: lossColumn.name, lossColumn } : {}),
        aggregation,
        config,
        evaluations: latestEvaluations(this.evaluations),
      },
      warnings,
      `${format} training records with a step and a loss`,
    );
  }
}

/** One evaluation per (name, metric, step): a rerun appended to the file wins, like its training points. */
function latestEvaluations(list: readonly Evaluation[]): Evaluation[] {
  const key = (e: Evaluation) => `${e.name}\u0000${e.metric}\u0000${e.step ?? ""}`;
  const last = new Map<string, number>();
  for (const [i, e] of list.entries()) last.set(key(e), i);
  return list.filter((e, i) => last.get(key(e)) === i);
}

/** detectron2 evaluation scalars: `<task>/<metric>` from the COCO / LVIS / semantic / panoptic evaluators. */
const D2_EVAL = /^(bbox|segm|keypoints|sem_seg|panoptic_seg|lvis|densepose\w*|box_proposals)\//;
const D2_SKIP = new Set(["iteration", "lr", "time", "data_time", "eta_seconds", "rank_data_time"]);

/**
 * detectron2 `metrics.json`, parsed incrementally.
 *
 * @example
 * const p = new Detectron2Parser("output/metrics.json");
 * p.push('{"iteration": 19, "loss_cls": 1.5, "lr": 1e-5, "time": 1.1, "total_loss": 2.6}\n');
 * p.finish().meta.lossColumn?.name // "total_loss"
 */
export class Detectron2Parser extends JsonRecordLog {
  constructor(source: string, opts: JsonLogOptions = {}) {
    super(source, opts, "total_loss");
  }

  protected record(rec: Rec, lineNo: number): void {
    const step = num(rec.iteration);
    if (step === undefined) {
      this.acc.bad(lineNo);
      return;
    }
    this.evaluate(rec, D2_SKIP, step, (k) => D2_EVAL.test(k));
    this.acc.row(step, this.loss(rec), this.lr(rec), undefined, undefined);
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    return this.curve("detectron2", "median-of-window", { step_column: "iteration" }, warnings);
  }
}

const MM_SKIP = new Set(["mode", "epoch", "iter", "step", "lr", "base_lr", "time", "data_time", "memory", "eta"]);

/**
 * mmcv `*.log.json`, parsed incrementally (rows are kept until `finish`, which needs the epoch length).
 *
 * @example
 * const p = new MmcvLogParser("work_dirs/x/20220101_000000.log.json");
 * p.push('{"mode": "train", "epoch": 1, "iter": 50, "lr": 0.02, "loss": 1.5, "time": 0.3}\n');
 * p.finish().columns.step // Float64Array [50]
 */
export class MmcvLogParser extends JsonRecordLog {
  private readonly epoch = new Growable();
  private readonly iter = new Growable();
  private readonly lossV = new Growable();
  private readonly lrV = new Growable();
  private readonly vals: Array<{ epoch: number; rec: Rec }> = [];
  private readonly config: Record<string, string | number | boolean> = {};

  constructor(source: string, opts: JsonLogOptions = {}) {
    super(source, opts, "loss");
  }

  protected record(rec: Rec, lineNo: number): void {
    if (rec.mode === undefined) {
      if (typeof rec.seed === "number") this.config.seed = rec.seed;
      if (typeof rec.exp_name === "string") this.config.exp_name = rec.exp_name;
      if (typeof rec.config === "string") {
        for (const key of ["max_epochs", "max_iters"]) {
          const m = new RegExp(`${key}\\s*=\\s*(\\d+)`).exec(rec.config);
          if (m) this.config[key] = Number(m[1]);
        }
      }
      return;
    }
    const epoch = num(rec.epoch) ?? 1;
    if (rec.mode === "val") {
      this.vals.push({ epoch, rec });
      return;
    }
    const iter = num(rec.iter);
    if (rec.mode !== "train" || iter === undefined) {
      this.acc.bad(lineNo);
      return;
    }
    const loss = this.loss(rec);
    if (loss === undefined) return;
    this.epoch.push(epoch);
    this.iter.push(iter);
    this.lossV.push(loss);
    this.lrV.push(this.lr(rec) ?? Number.NaN);
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    this.flush();
    const epoch = this.epoch.take();
    const iter = this.iter.take();
    const loss = this.lossV.take();
    const lr = this.lrV.take();
    // epoch-based: `iter` restarts when the epoch goes up; the epoch length is the largest iter of a full epoch
    let restarts = false;
    let perEpoch = 0;
    for (let i = 1; i < iter.length; i++) {
      if ((epoch[i] as number) > (epoch[i - 1] as number) && (iter[i] as number) <= (iter[i - 1] as number)) {
        restarts = true;
        perEpoch = Math.max(perEpoch, iter[i - 1] as number);
      }
    }
    const config: Record<string, string | number | boolean> = { ...this.config };
    const stepOf = (e: number, it: number) => (restarts ? (e - 1) * perEpoch + it : it);
    if (restarts) {
      config.iters_per_epoch = perEpoch;
      config.step_column = "(epoch - 1) * iters_per_epoch + iter";
      warnings.add(M.W_EPOCH_LENGTH, M.epochLength(perEpoch), { file: this.source });
    } else config.step_column = "iter";
    const acc = new PointAccumulator();
    for (let i = 0; i < iter.length; i++) {
      const e = epoch[i] as number;
      const l = lr[i] as number;
      acc.row(stepOf(e, iter[i] as number), loss[i], Number.isNaN(l) ? undefined : l, e, undefined);
    }
    for (const { epoch: e, rec } of this.vals) {
      // a val line follows the training of its epoch: it belongs to the epoch's last step
      const step = restarts ? e * perEpoch : lastStepOfEpoch(epoch, iter, e);
      this.evaluate(rec, MM_SKIP, step);
    }
    return this.curve("mmcv-log-json", "mean-of-interval", config, warnings, acc);
  }
}

function lastStepOfEpoch(epochs: Float64Array, steps: Float64Array, e: number): number | undefined {
  let out: number | undefined;
  for (let i = 0; i < epochs.length; i++) if (epochs[i] === e) out = steps[i];
  return out;
}

/**
 * mmengine `vis_data/scalars.json` (and the `vis_data/<timestamp>.json` copy), parsed incrementally.
 *
 * @example
 * const p = new MmengineScalarsParser("work_dirs/x/vis_data/scalars.json");
 * p.push('{"lr": 0.02, "loss": 1.7, "epoch": 1, "iter": 69, "step": 69}\n{"accuracy/top1": 43.1, "step": 1}\n');
 * p.finish().meta.evaluations[0] // { name: "accuracy", metric: "top1", value: 43.1, step: 69 }
 */
export class MmengineScalarsParser extends JsonRecordLog {
  private readonly trainEpoch = new Growable();
  private readonly trainStep = new Growable();
  private byEpoch = false;
  private readonly evals: Array<{ step: number; rec: Rec }> = [];

  constructor(source: string, opts: JsonLogOptions = {}) {
    super(source, opts, "loss");
  }

  protected record(rec: Rec, lineNo: number): void {
    const step = num(rec.step);
    if (step === undefined) {
      this.acc.bad(lineNo);
      return;
    }
    const loss = this.loss(rec);
    const training = loss !== undefined || "lr" in rec || "iter" in rec;
    if (!training) {
      this.evals.push({ step, rec });
      return;
    }
    const epoch = num(rec.epoch);
    if (epoch !== undefined) {
      this.byEpoch = true;
      this.trainEpoch.push(epoch);
      this.trainStep.push(step);
    }
    this.acc.row(step, loss, this.lr(rec), epoch, undefined);
  }

  finish(warnings: Warnings = this.opts.warnings ?? new Warnings()): Curve {
    this.flush();
    const epochs = this.trainEpoch.take();
    const steps = this.trainStep.take();
    for (const { step, rec } of this.evals) {
      // by-epoch runs log evaluation scalars with step = epoch (mmengine's log_metric_by_epoch default)
      this.evaluate(rec, MM_SKIP, this.byEpoch ? lastStepOfEpoch(epochs, steps, step) : step);
    }
    const config = { step_column: "step", ...(this.byEpoch ? { evaluation_step: "epoch" } : {}) };
    return this.curve("mmengine-scalars", "mean-of-interval", config, warnings);
  }
}

/**
 * Parse a whole JSON log held in memory with the parser of `format`.
 *
 * @example
 * parseJsonLog('{"iteration": 0, "total_loss": 2}\n', "metrics.json", "detectron2").columns.loss // [2]
 */
export function parseJsonLog(
  text: string,
  source: string,
  format: "detectron2" | "mmcv-log-json" | "mmengine-scalars",
  opts: JsonLogOptions = {},
): Curve {
  const p =
    format === "detectron2"
      ? new Detectron2Parser(source, opts)
      : format === "mmcv-log-json"
        ? new MmcvLogParser(source, opts)
        : new MmengineScalarsParser(source, opts);
  p.push(text);
  return p.finish();
}
