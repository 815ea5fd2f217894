/**
 * `fastface retrain`: an experiment that can confirm or refute "a quarter of the training, at most 1 point of
 * accuracy lost". On one data set and model it trains, for each of `seeds` paired seeds (same data order and
 * initial weights in every arm at a given seed):
 *   - the baseline schedule at the full budget (`steps`);
 *   - the candidate scheduler at `budget x steps`;
 *   - controls at the candidate's budget: by default the baseline schedule compressed to it, poly, cosine and
 *     constant LR (`controls`).
 * Verdict (non-inferiority on paired differences, design.ts / paired.ts): it holds when the one-sided 95 %
 * lower bound of the mean of (candidate - baseline) accuracy, in points, is above -tolerance; next to it the
 * candidate against the best control at the same budget (beats / ties / loses).
 *
 * Before any arm trains, a loss-driven candidate is checked (feasibility.ts) on a probe: its configuration
 * trained at the initial LR for a tenth of its steps. `fastface:scale=auto` is resolved from the same probe
 * (scale.ts). An infeasible candidate is refused (ConfigError, exit 2) unless `force`.
 *
 * Runs go to a worker pool (pool.ts: `workers` threads, longest first; 0 = this thread). Each run's
 * arcface_torch-style training.log and Arrow curve are written under `out/<arm>-s<seed>/`; the result is plain
 * data (the CLI writes result.json and draws the report from it; train renders nothing). A verdict that does
 * not hold throws VerdictError (exit 5) carrying the result.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeCurveFile } from "../curve/arrow.ts";
import type { Curve } from "../curve/curve.ts";
import { ConfigError, InputError, VerdictError, type Warning } from "../errors.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { percent } from "../messages/format.ts";
import * as M from "../messages/train.ts";
import { formatSchedulerSpec, getSchedulerFactory, parseSchedulerSpec } from "../schedulers/registry.ts";
import type { LrTiming } from "../schedulers/timing.ts";
import type { BackendRequest } from "./backend.ts";
import {
  type ArmPlan,
  type ArmResult,
  armResult,
  planArms,
  type RunSummary,
  type Verdict,
  verdictOf,
} from "./design.ts";
import { checkFeasibility, type Feasibility, probeStats } from "./feasibility.ts";
import type { DatasetSpec } from "./load-dataset.ts";
import type { MarginConfig } from "./margin-loss.ts";
import { MODELS, type ModelKind } from "./models.ts";
import { TrainPool } from "./pool.ts";
import type { RunJob, RunJobOutput } from "./run-job.ts";
import { type Scaled, scaleAuto, splitScale } from "./scale.ts";
import type { TrainConfig } from "./trainer.ts";

export { RETRAIN_DEFAULTS } from "./defaults.ts";
export type { ArmResult, RunSummary, Verdict } from "./design.ts";

export interface RetrainOptions {
  /** Candidate scheduler spec; `fastface:scale=auto` is resolved from the probe. */
  candidate: string;
  baseline: string;
  /** Controls at the candidate's budget; `compressed` is the baseline spec there. */
  controls: readonly string[];
  /** Candidate (and control) steps = round(budget x steps). */
  budget: number;
  /** Baseline steps. */
  steps: number;
  /** Paired seeds: seed, seed + 1, ... */
  seeds: number;
  seed: number;
  /** Non-inferiority margin in accuracy points (1 = one percentage point). */
  tolerance: number;
  dataset: DatasetSpec;
  model: ModelKind;
  backend: BackendRequest;
  margin: MarginConfig;
  batchSize: number;
  lr: number;
  embeddingSize: number;
  width: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  frequent: number;
  /**
   * When a scheduler's decision reaches the optimizer (schedulers/timing.ts); absent: each scheduler's own
   * (official MHLR timing for fastface: decided from step k's loss, trained with from step k + 2).
   */
  lrTiming?: LrTiming;
  /** Evaluate at these fractions of every run (the last is the verdict's accuracy). */
  evalAt: readonly number[];
  /** Worker threads (0: everything in this thread). */
  workers: number;
  /** Run an infeasible candidate (with a warning) and write into a non-empty `out`. */
  force?: boolean;
  /** Output folder (runs/<name>); nothing is written when undefined. */
  out?: string | undefined;
  /**
   * Stationary spans of a run's curve (curve steps, inclusive): the CLI passes the replay judge so every run
   * reports the share of its budget spent on plateaus. Absent, or null for a run (the judge refused a curve
   * that short): no plateau figures.
   */
  plateaus?: (curve: Curve) => Array<{ start: number; end: number }> | null;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface RetrainResult {
  kind: "fastface-retrain";
  version: 2;
  design: {
    seeds: number;
    firstSeed: number;
    budget: number;
    tolerance: number;
    /** The backend every run used. */
    backend: string;
    steps: { baseline: number; candidate: number };
    model: ModelKind;
    parameters: number;
    dataset: string;
    evalAt: readonly number[];
    /** The LR timing asked for (null: each scheduler's own, official for fastface). */
    lrTiming: LrTiming | null;
    workers: number;
    batchSize: number;
    lr: number;
    momentum: number;
    weightDecay: number;
    clipNorm: number;
    embeddingSize: number;
    width: number;
    margin: MarginConfig;
  };
  backend: RunJobOutput["backend"];
  arms: ArmResult[];
  verdict: Verdict;
  /** The candidate's checks (null for a fixed schedule: nothing to check). */
  feasibility: (Feasibility & { forced: boolean; scale: Scaled | null }) | null;
  /** The whole experiment: wall time, CPU time of this process (all threads), cores and 1-minute load. */
  wallSeconds: number;
  cpuSeconds: number;
  machine: { cores: number; loadStart: number; loadEnd: number };
  files?: Record<string, string>;
  warnings: Warning[];
}

function checkOptions(o: RetrainOptions): void {
  const bad = (name: string, v: unknown, expected: string) => new ConfigError(M.badOption(name, v, expected));
  if (!(o.budget > 0 && o.budget <= 1)) throw bad("budget", o.budget, "a fraction in (0, 1]");
  if (!(Number.isInteger(o.steps) && o.steps >= 4)) throw bad("steps", o.steps, "an integer >= 4");
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw bad("seeds", o.seeds, "an integer >= 1");
  if (!(o.tolerance >= 0)) throw bad("tolerance", o.tolerance, "points >= 0");
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 2)) throw bad("batch-size", o.batchSize, "an integer >= 2");
  if (!(o.lr > 0)) throw bad("lr", o.lr, "a positive number");
  if (!(Number.isInteger(o.frequent) && o.frequent >= 1)) throw bad("frequent", o.frequent, "an integer >= 1");
  if (!(Number.isInteger(o.workers) && o.workers >= 0)) throw bad("workers", o.workers, "an integer >= 0");
  if (o.evalAt.length === 0 || o.evalAt.some((f) => !(f > 0 && f <= 1))) {
    throw bad("eval-at", o.evalAt.join(","), "fractions in (0, 1]");
  }
  if (!Object.hasOwn(MODELS, o.model)) throw new ConfigError(M.unknownModel(o.model, Object.keys(MODELS)));
  if (o.out !== undefined && !o.force && existsSync(o.out) && readdirSync(o.out).length > 0) {
    throw new InputError(o.out, M.outputExists(), M.E_OUTPUT_EXISTS);
  }
}

function trainConfig(o: RetrainOptions, label: string, scheduler: string, steps: number, seed: number): TrainConfig {
  return {
    label,
    scheduler,
    epochs: 0,
    steps,
    batchSize: o.batchSize,
    lr: o.lr,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    clipNorm: o.clipNorm,
    margin: o.margin,
    model: o.model,
    embeddingSize: o.embeddingSize,
    width: o.width,
    seed,
    frequent: o.frequent,
    evalEvery: 0,
    evalAt: o.evalAt,
    evalName: o.dataset.kind === "synthetic" ? "synthetic" : "pairs",
    ...(o.lrTiming ? { lrTiming: o.lrTiming } : {}),
  };
}

/** Probe length for a candidate of `steps` steps: a tenth of it, at least 20 steps (never more than the run). */
export function probeSteps(steps: number): number {
  return Math.min(steps, Math.max(20, Math.round(steps / 10)));
}

async function writeRun(dir: string, out: RunJobOutput): Promise<{ log: string; curve: string }> {
  mkdirSync(dir, { recursive: true });
  const files = { log: path.join(dir, "training.log"), curve: path.join(dir, "curve.arrow") };
  await writeFileAtomic(files.log, out.log);
  out.curve.meta.source = files.curve;
  await writeCurveFile(files.curve, out.curve);
  return files;
}

function addWarnings(into: Warning[], more: readonly Warning[]): void {
  for (const w of more) if (!into.some((x) => x.code === w.code && x.message === w.message)) into.push(w);
}

/**
 * Run the experiment. Throws ConfigError (exit 2) for an infeasible candidate (unless `force`) and
 * VerdictError (exit 5) carrying the result when the verdict does not hold; returns the result when it holds.
 *
 * @example
 * const r = await retrain({ ...RETRAIN_DEFAULTS, dataset: { kind: "synthetic", options: {} },
 *   margin: parseMargin("cosface"), out: "runs/default" });
 * r.verdict.diff.lower95; // one-sided 95 % lower bound of candidate - baseline, in points
 */
export async function retrain(o: RetrainOptions): Promise<RetrainResult> {
  checkOptions(o);
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const loadStart = os.loadavg()[0]!;
  const warnings: Warning[] = [];
  const candidateSteps = Math.max(1, Math.round(o.budget * o.steps));
  const { scale, rest } = splitScale(o.candidate);
  const candidateSpec = parseSchedulerSpec(rest);
  const seeds = Array.from({ length: o.seeds }, (_, i) => o.seed + i);
  if (o.seeds < 2) warnings.push({ code: M.W_ONE_SEED, message: M.oneSeed() });
  // every spec is checked before anything trains (a typo fails at once)
  const plans = planArms({
    baseline: o.baseline,
    candidate: scale ? "fastface" : formatSchedulerSpec(candidateSpec),
    controls: o.controls,
    steps: o.steps,
    candidateSteps,
  });
  const adaptive = getSchedulerFactory(candidateSpec.name).adaptive || scale !== null;
  const pool = new TrainPool(o.workers, (p) =>
    log(`retrain: ${p.label} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toPrecision(4)}`),
  );
  const job = (plan: ArmPlan, seed: number): RunJob => ({
    backend: o.backend,
    dataset: o.dataset,
    config: trainConfig(o, `${plan.name}-s${seed}`, plan.scheduler, plan.steps, seed),
    progressEvery: 500,
  });
  const outputs = new Map<string, RunJobOutput>();
  const key = (arm: string, seed: number) => `${arm}\u0000${seed}`;
  const submit = (plan: ArmPlan, seed: number) => {
    const p = pool.submit(job(plan, seed)).then((out) => {
      outputs.set(key(plan.name, seed), out);
      log(`retrain: ${plan.name} seed ${seed} done: accuracy ${percent(out.result.accuracy, { decimals: 2 })}`);
    });
    // awaited together below; a run abandoned after another failed must not surface as unhandled
    p.catch(() => {});
    return p;
  };
  let feasibility: RetrainResult["feasibility"] = null;
  const files: Record<string, string> = {};
  try {
    const running: Array<Promise<void>> = [];
    // the probe first (highest priority); the arms that do not depend on the candidate start beside it
    const probe = adaptive
      ? pool.submit(
          {
            backend: o.backend,
            dataset: o.dataset,
            config: { ...trainConfig(o, "probe", "constant", probeSteps(candidateSteps), seeds[0]!), evalAt: [] },
            progressEvery: 1_000_000,
          },
          1,
        )
      : null;
    for (const plan of plans) if (plan.role !== "candidate") for (const s of seeds) running.push(submit(plan, s));
    const candidatePlan = plans.find((p) => p.role === "candidate")!;
    if (probe) {
      const out = await probe;
      const loss = out.curve.columns.loss;
      let scaled: Scaled | null = null;
      if (scale) {
        scaled = scaleAuto(o.candidate, candidateSteps, probeStats(loss));
        candidatePlan.scheduler = scaled.text;
        log(`retrain: ${o.candidate} -> ${scaled.text}`);
      }
      const spec = parseSchedulerSpec(candidatePlan.scheduler);
      const f = checkFeasibility(spec, candidateSteps, loss, o.lr, candidatePlan.scheduler);
      const refusals = f.checks.filter((c) => !c.ok && c.severity === "refuse").map((c) => `${c.name}: ${c.why}`);
      for (const c of f.checks) {
        if (!c.ok && c.severity === "warn")
          warnings.push({ code: M.W_FEASIBILITY, message: M.feasibilityWarning(c.why) });
      }
      feasibility = { ...f, forced: !f.ok, scale: scaled };
      if (!f.ok) {
        if (!o.force)
          throw new ConfigError(
            M.infeasible(candidatePlan.scheduler, candidateSteps, refusals, scaled !== null),
            M.E_INFEASIBLE,
          );
        warnings.push({ code: M.W_INFEASIBLE, message: M.infeasibleForced(candidatePlan.scheduler, refusals) });
      }
      // written once the candidate runs: a refused setting leaves --out as it was, so the next attempt needs no --force
      if (o.out !== undefined) {
        const w = await writeRun(path.join(o.out, "probe"), out);
        files["probe/curve.arrow"] = w.curve;
      }
    }
    for (const s of seeds) running.push(submit(candidatePlan, s));
    await Promise.all(running);
    await pool.close();
  } catch (err) {
    await pool.terminate();
    throw err;
  }

  const first = outputs.values().next().value as RunJobOutput;
  for (const out of outputs.values()) addWarnings(warnings, out.result.warnings);
  const arms: ArmResult[] = [];
  for (const plan of plans) {
    const runs: RunSummary[] = [];
    for (const seed of seeds) {
      const out = outputs.get(key(plan.name, seed))!;
      let runFiles: { log: string; curve: string } | undefined;
      if (o.out !== undefined) {
        runFiles = await writeRun(path.join(o.out, `${plan.name}-s${seed}`), out);
        files[`${plan.name}-s${seed}/training.log`] = runFiles.log;
        files[`${plan.name}-s${seed}/curve.arrow`] = runFiles.curve;
      }
      const spans = o.plateaus ? o.plateaus(out.curve) : null;
      runs.push(runSummary(out, spans, runFiles));
    }
    const baselineRuns = plan.role === "baseline" ? null : arms[0]!.runs;
    arms.push(armResult(plan, runs, baselineRuns));
  }
  const verdict = verdictOf(arms, o.tolerance);
  const result: RetrainResult = {
    kind: "fastface-retrain",
    version: 2,
    design: {
      seeds: o.seeds,
      firstSeed: o.seed,
      budget: o.budget,
      tolerance: o.tolerance,
      backend: first.backend.name,
      steps: { baseline: o.steps, candidate: candidateSteps },
      model: o.model,
      parameters: first.result.parameters,
      dataset: first.datasetDescription,
      evalAt: o.evalAt,
      lrTiming: o.lrTiming ?? null,
      workers: o.workers,
      batchSize: o.batchSize,
      lr: o.lr,
      momentum: o.momentum,
      weightDecay: o.weightDecay,
      clipNorm: o.clipNorm,
      embeddingSize: o.embeddingSize,
      width: o.width,
      margin: o.margin,
    },
    backend: first.backend,
    arms,
    verdict,
    feasibility,
    wallSeconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuSeconds(process.cpuUsage(cpu0)),
    machine: { cores: os.availableParallelism?.() ?? os.cpus().length, loadStart, loadEnd: os.loadavg()[0]! },
    warnings,
  };
  if (o.out !== undefined) result.files = files;
  if (!verdict.holds) throw new VerdictError(M.verdictFails(verdict.sentence), result);
  return result;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function runSummary(
  out: RunJobOutput,
  spans: Array<{ start: number; end: number }> | null,
  files: { log: string; curve: string } | undefined,
): RunSummary {
  const r = out.result;
  const summary: RunSummary = {
    seed: r.seed,
    accuracy: r.accuracy,
    accuracyStd: r.accuracyStd,
    tar: r.tar,
    decays: r.decays.length,
    decaySteps: r.decays.map((d) => d.step),
    wallSeconds: r.wallSeconds,
    finalLoss: r.finalLoss,
    evaluations: r.evaluations,
    traces: makeTraces(out.curve.columns),
  };
  if (spans) {
    const covered = spans.reduce((s, x) => s + (x.end - x.start + 1), 0);
    summary.plateau = { share: covered / r.steps, spans };
  }
  if (files) summary.files = files;
  return summary;
}

/** Downsampled loss/LR traces of one run for charts (bin means of the per-step loss, LR at the bin's end). */
export interface RunTraces {
  step: number[];
  loss: number[];
  lr: number[];
}

/**
 * Bin-mean traces of at most `points` points.
 *
 * @example
 * makeTraces(curve.columns, 300); // { step: [...], loss: [...], lr: [...] }
 */
export function makeTraces(
  cols: { step: ArrayLike<number>; loss: ArrayLike<number>; lr?: ArrayLike<number> | undefined },
  points = 300,
): RunTraces {
  const n = cols.step.length;
  const bin = Math.max(1, Math.ceil(n / points));
  const t: RunTraces = { step: [], loss: [], lr: [] };
  for (let i = 0; i < n; i += bin) {
    const end = Math.min(n, i + bin);
    let s = 0;
    for (let j = i; j < end; j++) s += cols.loss[j]!;
    t.step.push(cols.step[end - 1]!);
    t.loss.push(Number((s / (end - i)).toPrecision(6)));
    t.lr.push(cols.lr ? Number(cols.lr[end - 1]!.toPrecision(6)) : Number.NaN);
  }
  return t;
}
