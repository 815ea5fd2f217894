/**
 * A worker_threads pool for sweeps: its threads run worker.ts (or another module of this folder with the same
 * protocol), started the one way src/io/worker.ts starts a worker. Tasks are pulled: a worker gets the next task as
 * soon as it hands back a result, so uneven configs balance themselves.
 */
import type { Worker } from "node:worker_threads";
import { EXIT, FastfaceError } from "../errors.ts";
import { startWorker } from "../io/worker.ts";
import * as M from "../messages/sweep.ts";
import type { Params } from "../schedulers/types.ts";
import type { ResultRow } from "./types.ts";
import type { FromWorker, SharedCurve, SweepKernel, ToWorker } from "./worker.ts";

export interface SweepTask {
  curveId: number;
  configIndices: number[];
}

/** Thrown when a worker fails; carries the worker's message (a bug or an invalid config). */
export class WorkerError extends FastfaceError {
  constructor(message: string) {
    super(M.E_SWEEP_WORKER, M.workerCrashed(message), EXIT.internal);
  }
}

export interface PoolSetup {
  scheduler: string;
  lr0: number;
  configs: Params[];
  /** Load the closed loop in the workers (`--simulate`). */
  simulate?: boolean;
  /** Replay a task's configs in shared passes (default "batch") or one at a time ("single"). */
  kernel?: SweepKernel;
}

/**
 * A pool of sweep workers. `spawn` starts the threads at once (they load the TypeScript sources while the
 * caller does other work); `setup` hands each the scheduler name and the configurations and waits until all
 * are ready; `start` does both. The protocol (setup -> ready, curve, task -> done rows) is generic: `spawn`
 * takes another worker module that speaks it (explain's, with its own setup, shared input and row types).
 * @example
 * const pool = await SweepPool.start(2, { scheduler: "fastface", lr0: 1, configs });
 * pool.addCurve(shared); await pool.run(tasks, (rows) => buffer.push(...rows)); await pool.close();
 */
export class SweepPool<Row = ResultRow, Setup extends object = PoolSetup, Shared extends object = SharedCurve> {
  readonly size: number;
  private readonly workers: Worker[];
  private stopped = false;
  private failure: ((err: Error) => void) | null = null;
  private finish: (() => void) | null = null;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    this.size = workers.length;
    for (const w of workers) {
      w.on("error", (err) => this.fail(err));
      w.on("exit", (code) => {
        if (!this.stopped) this.fail(new Error(`worker exited with code ${code}`));
      });
    }
  }

  /** Start `size` worker threads now (the sweep worker unless `worker` names another); call `setup` before `run`. */
  static spawn<R = ResultRow, S extends object = PoolSetup, C extends object = SharedCurve>(
    size: number,
    worker = "worker",
  ): SweepPool<R, S, C> {
    return new SweepPool<R, S, C>(Array.from({ length: size }, () => startWorker(import.meta.url, worker)));
  }

  static async start(size: number, setup: PoolSetup): Promise<SweepPool> {
    const pool = SweepPool.spawn(size);
    await pool.setup(setup);
    return pool;
  }

  /** Hand every worker the scheduler and configurations; resolves when all are ready (closes the pool on failure). */
  async setup(setup: Setup): Promise<void> {
    try {
      await Promise.all(
        this.workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onError = (err: Error) => reject(err);
              const onExit = (code: number) => reject(new Error(`worker exited with code ${code} while starting`));
              const onMessage = (m: FromWorker) => {
                if (m.type !== "ready" && m.type !== "error") return;
                w.off("message", onMessage);
                w.off("error", onError);
                w.off("exit", onExit);
                if (m.type === "ready") resolve();
                else reject(new WorkerError(m.message));
              };
              w.on("message", onMessage);
              w.on("error", onError);
              w.on("exit", onExit);
              w.postMessage({ type: "setup", ...setup });
            }),
        ),
      );
    } catch (err) {
      await this.close();
      throw err instanceof FastfaceError ? err : new WorkerError(err instanceof Error ? err.message : String(err));
    }
  }

  /** Send a curve (shared memory, no copy) to every worker. */
  addCurve(curve: Shared): void {
    for (const w of this.workers) w.postMessage({ type: "curve", curve });
  }

  private fail(err: Error): void {
    const f = this.failure;
    this.failure = null;
    this.finish = null;
    f?.(err instanceof FastfaceError ? err : new WorkerError(err.message));
  }

  /**
   * Run tasks; `onDone` receives each task's rows as they arrive. Resolves when every task is done, or
   * early (with the remaining tasks undone) after `stop()`.
   */
  run(tasks: readonly SweepTask[], onDone: (rows: Row[]) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (tasks.length === 0 || this.stopped) {
        resolve();
        return;
      }
      let next = 0;
      let inFlight = 0;
      const handlers = new Map<Worker, (m: FromWorker) => void>();
      const cleanup = () => {
        for (const [w, h] of handlers) w.off("message", h);
      };
      this.failure = (err) => {
        cleanup();
        reject(err);
      };
      this.finish = () => {
        cleanup();
        resolve();
      };
      const dispatch = (w: Worker) => {
        if (this.stopped || next >= tasks.length) return;
        const t = tasks[next]!;
        w.postMessage({
          type: "task",
          taskId: next,
          curveId: t.curveId,
          configIndices: t.configIndices,
        } satisfies ToWorker);
        next++;
        inFlight++;
      };
      for (const w of this.workers) {
        const h = (m: FromWorker) => {
          if (m.type === "error") {
            this.fail(new WorkerError(m.stack ?? m.message));
            return;
          }
          if (m.type !== "done") return;
          inFlight--;
          onDone(m.rows as Row[]);
          dispatch(w);
          if (inFlight === 0 && (next >= tasks.length || this.stopped)) {
            const f = this.finish;
            this.finish = null;
            this.failure = null;
            f?.();
          }
        };
        handlers.set(w, h);
        w.on("message", h);
      }
      for (const w of this.workers) dispatch(w);
    });
  }

  /** Stop handing out tasks and terminate the workers now (results in flight are dropped); `run` resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    const f = this.finish;
    this.finish = null;
    this.failure = null;
    f?.();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.stop();
  }
}
