/**
 * `fastface retrain`: train the baseline schedule for the full epochs and the candidate scheduler for
 * budget x epochs (its own T), in two worker threads, on the same data, model and seed; write each run's
 * arcface_torch-style training.log, Arrow curve and result.json, and the combined result.json (the CLI draws
 * the report page from that result: train sits below the report and renders nothing);
 * and decide the verdict: it holds when candidate accuracy >= baseline accuracy - tolerance (points).
 */

import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { writeCurveFile } from "../curve/arrow.ts";
import { BackendError, ConfigError, FastfaceError, InputError, VerdictError, type Warning } from "../errors.ts";
import { writeFileAtomicSync } from "../io/atomic.ts";
import { E, msg } from "../messages/train.ts";
import { parseSchedulerSpec } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { BackendRequest } from "./backend.ts";
import type { DatasetSpec } from "./load-dataset.ts";
import type { MarginConfig } from "./margin-loss.ts";
import type { ModelKind } from "./models.ts";
import { type RunJob, type RunJobOutput, runJob } from "./run-job.ts";
import type { RunResult, TrainConfig } from "./trainer.ts";

export interface RetrainOptions {
  candidate: string;
  baseline: string;
  /** Candidate epochs = budget x epochs. */
  budget: number;
  epochs: number;
  dataset: DatasetSpec;
  model: ModelKind;
  backend: BackendRequest;
  seed: number;
  /** Accuracy tolerance in points (1 = one percentage point). */
  tolerance: number;
  margin: MarginConfig;
  batchSize: number;
  lr: number;
  embeddingSize: number;
  width: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  frequent: number;
  /** When a scheduler decision reaches the optimizer (default per scheduler: official for fastface). */
  lrTiming?: LrTiming;
  /** Output folder (runs/<name>); nothing is written when undefined. */
  out?: string | undefined;
  /** Allow writing into a non-empty --out. */
  force?: boolean;
  /** Two worker threads (default) or both runs in this thread, one after the other. */
  parallel: boolean;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export { RETRAIN_DEFAULTS } from "./defaults.ts";

/** Downsampled loss/LR traces of one run for charts (bin means of the per-step loss, LR at the bin's end). */
export interface RunTraces {
  step: number[];
  loss: number[];
  lr: number[];
}

export interface Verdict {
  holds: boolean;
  /** candidate - baseline accuracy, in points. */
  accuracyDelta: number;
  tolerance: number;
  /** candidate steps / baseline steps. */
  stepRatio: number;
  /** candidate wall time / baseline wall time. */
  timeRatio: number;
  /** Candidate TAR - baseline TAR, in points. */
  tarDelta: number;
}

export interface RetrainResult {
  kind: "fastface-retrain";
  version: 1;
  config: Omit<RetrainOptions, "log" | "dataset" | "force"> & { dataset: string };
  backend: RunJobOutput["backend"];
  dataset: string;
  baseline: RunResult & { traces: RunTraces };
  candidate: RunResult & { traces: RunTraces };
  verdict: Verdict;
  files?: Record<string, string>;
  warnings: Warning[];
}

/**
 * The verdict rule: holds when candidate accuracy >= baseline accuracy - tolerance points.
 *
 * @example
 * decideVerdict({ accuracy: 0.90, tar: 0.5, steps: 100, wallSeconds: 10 },
 *   { accuracy: 0.895, tar: 0.5, steps: 25, wallSeconds: 3 }, 1).holds; // true (-0.5 points >= -1)
 */
export function decideVerdict(
  base: Pick<RunResult, "accuracy" | "tar" | "steps" | "wallSeconds">,
  cand: Pick<RunResult, "accuracy" | "tar" | "steps" | "wallSeconds">,
  tolerance: number,
): Verdict {
  const accuracyDelta = (cand.accuracy - base.accuracy) * 100;
  // Compare in points, rounded to 1e-9 so 0.9 - 0.89 with tolerance 1 is not lost to floating point.
  const holds = Math.round((accuracyDelta + tolerance) * 1e9) >= 0;
  return {
    holds,
    accuracyDelta,
    tolerance,
    stepRatio: cand.steps / base.steps,
    timeRatio: cand.wallSeconds / base.wallSeconds,
    tarDelta: (cand.tar - base.tar) * 100,
  };
}

/**
 * Bin-mean traces of at most `points` points.
 *
 * @example
 * traces(curveColumns, 500);
 */
export function makeTraces(
  cols: { step: ArrayLike<number>; loss: ArrayLike<number>; lr?: ArrayLike<number> | undefined },
  points = 600,
): RunTraces {
  const n = cols.step.length;
  const bin = Math.max(1, Math.ceil(n / points));
  const t: RunTraces = { step: [], loss: [], lr: [] };
  for (let i = 0; i < n; i += bin) {
    const end = Math.min(n, i + bin);
    let s = 0;
    for (let j = i; j < end; j++) s += cols.loss[j]!;
    t.step.push(cols.step[end - 1]!);
    t.loss.push(s / (end - i));
    t.lr.push(cols.lr ? cols.lr[end - 1]! : Number.NaN);
  }
  return t;
}

function checkOptions(o: RetrainOptions): void {
  const bad = (name: string, v: unknown, expected: string) => new ConfigError(msg.badOption(name, v, expected));
  if (!(o.budget > 0 && o.budget <= 1)) throw bad("budget", o.budget, "a fraction in (0, 1]");
  if (!(o.epochs > 0)) throw bad("epochs", o.epochs, "a positive number");
  if (!(o.tolerance >= 0)) throw bad("tolerance", o.tolerance, "points >= 0");
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 2)) throw bad("batch-size", o.batchSize, "an integer >= 2");
  if (!(o.lr > 0)) throw bad("lr", o.lr, "a positive number");
  if (!(Number.isInteger(o.frequent) && o.frequent >= 1)) throw bad("frequent", o.frequent, "an integer >= 1");
  if (o.model !== "mlp" && o.model !== "cnn") throw new ConfigError(msg.unknownModel(o.model));
  // Scheduler specs are checked here (names, params) so a typo fails before any training.
  parseSchedulerSpec(o.candidate);
  parseSchedulerSpec(o.baseline);
  if (o.out !== undefined && !o.force && existsSync(o.out) && readdirSync(o.out).length > 0) {
    throw new InputError(o.out, msg.outputExists(), E.outputExists);
  }
}

function trainConfig(o: RetrainOptions, label: string, scheduler: string, epochs: number): TrainConfig {
  return {
    label,
    scheduler,
    epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    clipNorm: o.clipNorm,
    margin: o.margin,
    model: o.model,
    embeddingSize: o.embeddingSize,
    width: o.width,
    seed: o.seed,
    frequent: o.frequent,
    evalEvery: 0,
    evalName: o.dataset.kind === "synthetic" ? "synthetic" : "pairs",
    ...(o.lrTiming ? { lrTiming: o.lrTiming } : {}),
  };
}

function rebuildError(e: { name: string; message: string; code?: string; exitCode?: number }, label: string): Error {
  if (e.exitCode !== undefined && e.code !== undefined) {
    if (e.name === "BackendError") return new BackendError(e.message, e.code);
    if (e.name === "ConfigError") return new ConfigError(e.message, e.code);
    const err = new FastfaceError(e.code, e.message, e.exitCode as FastfaceError["exitCode"]);
    return err;
  }
  return new Error(msg.workerFailed(label, e.message));
}

type Progress = { label: string; step: number; steps: number; loss: number; lr: number };
type WorkerMessage =
  | { type: "progress"; progress: Progress }
  | { type: "done"; output: RunJobOutput }
  | { type: "error"; error: { name: string; message: string; code?: string; exitCode?: number } };

/** Run a job in a worker thread (TypeScript through tsx's loader, registered by worker-boot.mjs). */
function runInWorker(job: RunJob, log: (line: string) => void, workers: Worker[]): Promise<RunJobOutput> {
  return new Promise((resolve, reject) => {
    // worker-boot.mjs registers tsx inside the worker (Node 20 ignores `--import tsx` for a worker's entry).
    // built (dist/): worker.js runs as it is; from the sources worker-boot.mjs registers tsx first
    const entry = import.meta.url.endsWith(".js") ? "./worker.js" : "./worker-boot.mjs";
    const worker = new Worker(new URL(entry, import.meta.url), { workerData: job });
    workers.push(worker);
    let settled = false;
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") {
        const p = m.progress;
        log(`retrain: ${p.label} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toPrecision(4)}`);
      } else if (m.type === "done") {
        settled = true;
        resolve(m.output);
      } else if (m.type === "error") {
        settled = true;
        reject(rebuildError(m.error, job.config.label));
      }
    });
    worker.on("error", (err) => {
      if (!settled) {
        settled = true;
        reject(new Error(msg.workerFailed(job.config.label, err.message), { cause: err }));
      }
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(msg.workerFailed(job.config.label, `exited with code ${code}`)));
    });
  });
}

async function writeRun(
  dir: string,
  out: RunJobOutput,
  result: RunResult & { traces: RunTraces },
): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  const files = {
    log: path.join(dir, "training.log"),
    curve: path.join(dir, "curve.arrow"),
    result: path.join(dir, "result.json"),
  };
  writeFileAtomicSync(files.log, out.log);
  out.curve.meta.source = files.curve;
  await writeCurveFile(files.curve, out.curve);
  writeFileAtomicSync(files.result, `${JSON.stringify(result, null, 2)}\n`);
  return files;
}

/**
 * Train baseline and candidate and judge the candidate. Throws VerdictError (exit code 5) when it does not hold,
 * carrying the full result; returns it when it holds.
 *
 * @example
 * const r = await retrain({ ...RETRAIN_DEFAULTS, dataset: { kind: "synthetic", options: {} },
 *   margin: parseMargin("arcface"), parallel: true, out: "runs/ff-vs-ms" });
 * r.verdict.holds; // true when candidate accuracy >= baseline - 1 point
 */
export async function retrain(o: RetrainOptions): Promise<RetrainResult> {
  checkOptions(o);
  const log = o.log ?? (() => {});
  const baseJob: RunJob = {
    backend: o.backend,
    dataset: o.dataset,
    config: trainConfig(o, "baseline", o.baseline, o.epochs),
    progressEvery: 500,
  };
  const candJob: RunJob = {
    backend: o.backend,
    dataset: o.dataset,
    config: trainConfig(o, "candidate", o.candidate, o.epochs * o.budget),
    progressEvery: 500,
  };
  let base: RunJobOutput;
  let cand: RunJobOutput;
  if (o.parallel) {
    const workers: Worker[] = [];
    try {
      [base, cand] = await Promise.all([runInWorker(baseJob, log, workers), runInWorker(candJob, log, workers)]);
    } catch (err) {
      // One run failed: stop the other instead of waiting for it.
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  } else {
    const progress = (p: { label: string; step: number; steps: number; loss: number; lr: number }) =>
      log(`retrain: ${p.label} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toPrecision(4)}`);
    base = await runJob(baseJob, progress);
    cand = await runJob(candJob, progress);
  }
  const warnings: Warning[] = [];
  for (const w of [...base.result.warnings, ...cand.result.warnings]) {
    if (!warnings.some((x) => x.code === w.code && x.message === w.message)) warnings.push(w);
  }
  const baseline = { ...base.result, traces: makeTraces(base.curve.columns) };
  const candidate = { ...cand.result, traces: makeTraces(cand.curve.columns) };
  const { log: _l, dataset: _d, force: _f, ...rest } = o;
  const result: RetrainResult = {
    kind: "fastface-retrain",
    version: 1,
    config: { ...rest, dataset: o.dataset.kind === "synthetic" ? "synthetic" : o.dataset.options.path },
    backend: base.backend,
    dataset: base.datasetDescription,
    baseline,
    candidate,
    verdict: decideVerdict(baseline, candidate, o.tolerance),
    warnings,
  };
  if (o.out !== undefined) {
    mkdirSync(o.out, { recursive: true });
    const fb = await writeRun(path.join(o.out, "baseline"), base, baseline);
    const fc = await writeRun(path.join(o.out, "candidate"), cand, candidate);
    const files: Record<string, string> = {
      "baseline/training.log": fb.log!,
      "baseline/curve.arrow": fb.curve!,
      "candidate/training.log": fc.log!,
      "candidate/curve.arrow": fc.curve!,
      result: path.join(o.out, "result.json"),
    };
    result.files = files;
    writeFileAtomicSync(files.result!, `${JSON.stringify(result, null, 2)}\n`);
  }
  if (!result.verdict.holds) {
    throw new VerdictError(msg.verdictFails(candidate.accuracy, baseline.accuracy, o.tolerance), result);
  }
  return result;
}
