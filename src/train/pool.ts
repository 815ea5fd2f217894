/**
 * The retrain worker pool: `size` worker threads (worker.ts), each running one job at a time. Pending jobs are
 * handed out by priority, then longest first (by steps), a worker taking the next as soon as it finishes one,
 * so the arms of an experiment keep every core busy; jobs may be submitted while others run (the candidate's
 * arms after its probe). The threads start the one way src/io/worker.ts starts a worker (worker.js when built,
 * else worker.ts through tsx). `size` 0 runs every job in this thread, one after the other (same results: every
 * job seeds its own model and batch order).
 */
import type { Worker } from "node:worker_threads";
import { BackendError, ConfigError, EXIT, FastfaceError } from "../errors.ts";
import { startWorker } from "../io/worker.ts";
import * as M from "../messages/train.ts";
import type { FaceDataset } from "./dataset.ts";
import { type RunJob, type RunJobOutput, runJob } from "./run-job.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

export type Progress = { label: string; step: number; steps: number; loss: number; lr: number };

interface Pending {
  id: number;
  job: RunJob;
  priority: number;
  resolve: (out: RunJobOutput) => void;
  reject: (err: Error) => void;
}

function rebuildError(e: { name: string; message: string; code?: string; exitCode?: number }, label: string): Error {
  if (e.exitCode !== undefined && e.code !== undefined) {
    if (e.name === "BackendError") return new BackendError(e.message, e.code);
    if (e.name === "ConfigError") return new ConfigError(e.message, e.code);
    return new FastfaceError(e.code, e.message, e.exitCode as FastfaceError["exitCode"]);
  }
  return new FastfaceError(M.E_WORKER, M.workerFailed(label, e.message), EXIT.internal);
}

/** Steps a job trains (for longest-first ordering). */
function jobSteps(job: RunJob): number {
  return job.config.steps ?? job.config.epochs * 1e6;
}

/**
 * A pool of retrain workers.
 *
 * @example
 * const pool = new TrainPool(2, (p) => log(`${p.label} ${p.step}/${p.steps}`));
 * const [a, b] = await Promise.all([pool.submit(jobA), pool.submit(jobB)]);
 * await pool.close();
 */
export class TrainPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly pending: Pending[] = [];
  private readonly datasets = new Map<string, FaceDataset>();
  private inProcess: Promise<void> = Promise.resolve();
  private nextId = 0;
  private closed = false;

  constructor(
    size: number,
    private readonly onProgress?: (p: Progress) => void,
  ) {
    this.size = Math.max(0, Math.floor(size));
    for (let k = 0; k < this.size; k++) {
      // the parent's flags (a module-resolution hook given with --import) apply in the threads too
      const w = startWorker(import.meta.url, "worker", { execArgv: process.execArgv });
      this.workers.push(w);
      this.idle.push(w);
      w.on("message", (m: FromWorker) => this.message(w, m));
      w.on("error", (err) => this.crash(w, err.message));
      w.on("exit", (code) => {
        if (!this.closed) this.crash(w, `exited with code ${code}`);
      });
    }
  }

  /** Queue a job; resolves with its output. Higher `priority` runs first. */
  submit(job: RunJob, priority = 0): Promise<RunJobOutput> {
    if (this.closed) return Promise.reject(new Error("retrain pool is closed"));
    if (this.size === 0) {
      const run = this.inProcess.then(() => runJob(job, this.onProgress, this.datasets));
      this.inProcess = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    }
    return new Promise<RunJobOutput>((resolve, reject) => {
      this.pending.push({ id: this.nextId++, job, priority, resolve, reject });
      this.pending.sort((a, b) => b.priority - a.priority || jobSteps(b.job) - jobSteps(a.job) || a.id - b.id);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.pending.length > 0) {
      const w = this.idle.shift()!;
      const p = this.pending.shift()!;
      this.running.set(w, p);
      w.postMessage({ type: "job", id: p.id, job: p.job } satisfies ToWorker);
    }
  }

  private message(w: Worker, m: FromWorker): void {
    if (m.type === "progress") {
      this.onProgress?.(m.progress);
      return;
    }
    const p = this.running.get(w);
    if (!p) return;
    this.running.delete(w);
    this.idle.push(w);
    if (m.type === "done") p.resolve(m.output);
    else p.reject(rebuildError(m.error, p.job.config.label));
    this.dispatch();
  }

  private crash(w: Worker, detail: string): void {
    const p = this.running.get(w);
    this.running.delete(w);
    const err = new FastfaceError(M.E_WORKER, M.workerFailed(p?.job.config.label ?? "retrain", detail), EXIT.internal);
    p?.reject(err);
    // a dead worker takes nothing more; with none left, every pending job fails with the same error
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    const j = this.idle.indexOf(w);
    if (j >= 0) this.idle.splice(j, 1);
    if (this.workers.length === 0) for (const q of this.pending.splice(0)) q.reject(err);
  }

  /** Finish: let the workers exit (pending jobs are dropped). */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.pending.splice(0)) q.reject(new Error("retrain pool closed"));
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once("exit", () => resolve());
            w.postMessage({ type: "close" } satisfies ToWorker);
          }),
      ),
    );
    await this.inProcess;
  }

  /** Stop now (a failed job): running jobs are abandoned. */
  async terminate(): Promise<void> {
    this.closed = true;
    for (const q of this.pending.splice(0)) q.reject(new Error("retrain pool stopped"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
