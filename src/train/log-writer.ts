/**
 * Writes a training run as an arcface_torch-style `training.log` (insightface recognition/arcface_torch,
 * `utils/utils_logging.py` + `utils/utils_callbacks.py`), so every fastface reader (ingest, replay) takes it as
 * it takes a real run:
 * - every line starts `Training: <asctime>-` (Python logging's `%(asctime)s`: `YYYY-MM-DD HH:MM:SS,mmm`, local time);
 * - `rank_id: 0`, then one `: key<padding>value` header line per config entry (key padded to 25 characters);
 * - the loss is an AverageMeter fed every step; at every `frequent`-th global step (1-based) the callback prints
 *   its mean and resets it, except the first time, which only starts the clock: the first printed line (step
 *   2 x frequent) averages 2 x frequent steps. `LearningRate` is the LR after the scheduler stepped (the LR of the
 *   next step), like `lr_scheduler.get_last_lr()` in train_v2.py;
 * - evaluation lines `[name][step]Metric: value[+-std]`.
 * Formatting is pure (`formatStepLine`, `formatHeader`); `ArcfaceLogWriter` accumulates lines in memory.
 */

/** Python `%(asctime)s` of a Date, local time: `2026-11-29 00:45:31,123`. */
export function asctime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/** Python `str()` of a config value. */
function pyStr(v: unknown): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? `'${x}'` : pyStr(x))).join(", ")}]`;
  return String(v);
}

/**
 * Header lines as train_v2.py logs its config: `: key` padded to 25 characters, then the value.
 *
 * @example
 * formatHeader({ lr: 0.1 }); // [": lr                       0.1"]
 */
export function formatHeader(config: Record<string, unknown>): string[] {
  return Object.entries(config).map(([k, v]) => `: ${k}${" ".repeat(Math.max(0, 25 - k.length))}${pyStr(v)}`);
}

export interface StepLine {
  speed: number;
  loss: number;
  lr: number;
  epoch: number;
  globalStep: number;
  requiredHours: number;
}

/**
 * The message of a metric line (without the `Training: <asctime>-` prefix), non-fp16 form.
 *
 * @example
 * formatStepLine({ speed: 1000, loss: 12.3456, lr: 0.1, epoch: 0, globalStep: 20, requiredHours: 0 });
 * // "Speed 1000.00 samples/sec   Loss 12.3456   LearningRate 0.100000   Epoch: 0   Global Step: 20   Required: 0 hours"
 */
export function formatStepLine(l: StepLine): string {
  const speed = Number.isFinite(l.speed) ? l.speed.toFixed(2) : "inf";
  return `Speed ${speed} samples/sec   Loss ${l.loss.toFixed(4)}   LearningRate ${l.lr.toFixed(6)}   Epoch: ${l.epoch}   Global Step: ${l.globalStep}   Required: ${Math.max(0, l.requiredHours).toFixed(0)} hours`;
}

export interface LogWriterOptions {
  frequent: number;
  batchSize: number;
  totalSteps: number;
  /** Clock in milliseconds since the epoch (injectable for tests). */
  now?: () => number;
}

/** Accumulates a training.log: call `header` once, `step` after every optimizer step, `evaluation` when evaluated. */
export class ArcfaceLogWriter {
  readonly lines: string[] = [];
  private sum = 0;
  private count = 0;
  private started = false;
  private tic = 0;
  private readonly start: number;
  private readonly now: () => number;

  constructor(private readonly o: LogWriterOptions) {
    this.now = o.now ?? Date.now;
    this.start = this.now();
  }

  private emit(message: string): void {
    this.lines.push(`Training: ${asctime(new Date(this.now()))}-${message}`);
  }

  /** `rank_id: 0` and the config echo. */
  header(config: Record<string, unknown>): void {
    this.emit("rank_id: 0");
    for (const l of formatHeader(config)) this.emit(l);
  }

  /**
   * Record the loss of `globalStep` (1-based) and the LR now in force for the next step.
   * Returns the printed mean when this step printed a line.
   */
  step(globalStep: number, loss: number, lrNext: number, epoch: number): number | undefined {
    this.sum += loss;
    this.count += 1;
    if (globalStep <= 0 || globalStep % this.o.frequent !== 0) return undefined;
    const t = this.now();
    if (!this.started) {
      this.started = true;
      this.tic = t;
      return undefined;
    }
    const dt = (t - this.tic) / 1000;
    const speed = dt > 0 ? (this.o.frequent * this.o.batchSize) / dt : Number.POSITIVE_INFINITY;
    const elapsed = Math.floor((t - this.start) / 1000);
    const perStep = elapsed / (globalStep + 1);
    const requiredHours = (perStep * (this.o.totalSteps - globalStep - 1)) / 3600;
    const mean = this.sum / this.count;
    this.emit(formatStepLine({ speed, loss: mean, lr: lrNext, epoch, globalStep, requiredHours }));
    this.sum = 0;
    this.count = 0;
    this.tic = t;
    return mean;
  }

  /** `[name][step]metric: value` or `...: value+-std` (5 decimals, like `Accuracy-Flip`). */
  evaluation(name: string, globalStep: number, metric: string, value: number, std?: number): void {
    const v = value.toFixed(5);
    this.emit(`[${name}][${globalStep}]${metric}: ${std === undefined ? v : `${v}+-${std.toFixed(5)}`}`);
  }

  /** Free-form info line (e.g. the scheduler's decays). */
  info(message: string): void {
    this.emit(message);
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}
