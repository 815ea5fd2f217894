/**
 * The kernel threads of a queue worker: the local pool's worker script (../worker.ts, started by the same
 * bootstrap) driven one task at a time per thread, so a queue worker runs exactly the replay kernel of a local
 * sweep while its main thread stays free to renew BullMQ's job locks. A thread is set up for one sweep at a
 * time (scheduler, configurations); a job of another sweep restarts it, which also frees the old curves.
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../io/worker.ts";
import type { Params } from "../../schedulers/types.ts";
import type { ResultRow } from "../types.ts";
import type { FromWorker, SharedCurve, ToWorker } from "../worker.ts";

/** What a thread needs to know about a sweep (the same as the local pool's setup). */
export interface ThreadSweep {
  id: string;
  scheduler: string;
  lr0: number;
  configs: Params[];
  simulate: boolean;
}

interface Slot {
  worker: Worker;
  sweep: string | null;
  curves: Set<number>;
  busy: boolean;
}

/**
 * @example
 * const threads = KernelThreads.start(2);
 * const rows = await threads.run(sweep, curve, [0, 1, 2]);
 * await threads.close();
 */
export class KernelThreads {
  private readonly slots: Slot[];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private closed = false;
  private nextTask = 0;

  private constructor(size: number) {
    this.slots = Array.from({ length: size }, () => this.spawn());
  }

  static start(size: number): KernelThreads {
    return new KernelThreads(size);
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = startWorker(new URL("../worker.ts", import.meta.url).href, "worker");
    // an idle thread that dies is replaced on its next use (see `run`)
    worker.on("error", () => undefined);
    return { worker, sweep: null, curves: new Set(), busy: false };
  }

  private acquire(): Promise<Slot> {
    const free = this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  }

  /** Replace a thread (after it failed, or to set it up for another sweep). */
  private async replace(slot: Slot): Promise<void> {
    const old = slot.worker;
    const fresh = this.spawn();
    slot.worker = fresh.worker;
    slot.sweep = null;
    slot.curves = new Set();
    await old.terminate();
  }

  /**
   * Replay configurations `configIndices` of `sweep` over one curve on a free thread.
   */
  async run(sweep: ThreadSweep, curve: SharedCurve, configIndices: number[]): Promise<ResultRow[]> {
    if (this.closed) throw new Error("kernel threads are closed");
    const slot = await this.acquire();
    try {
      if (slot.sweep !== sweep.id) {
        if (slot.sweep !== null) await this.replace(slot);
        await this.exchange(
          slot,
          {
            type: "setup",
            scheduler: sweep.scheduler,
            lr0: sweep.lr0,
            configs: sweep.configs,
            simulate: sweep.simulate,
          },
          "ready",
        );
        slot.sweep = sweep.id;
      }
      if (!slot.curves.has(curve.curveId)) {
        slot.worker.postMessage({ type: "curve", curve } satisfies ToWorker);
        slot.curves.add(curve.curveId);
      }
      const taskId = this.nextTask++;
      const done = await this.exchange(slot, { type: "task", taskId, curveId: curve.curveId, configIndices }, "done");
      return done.type === "done" ? done.rows : [];
    } catch (err) {
      // a thread that failed or died is not reused as it is
      await this.replace(slot).catch(() => undefined);
      throw err;
    } finally {
      this.release(slot);
    }
  }

  /** Post a message and wait for the answer of type `expect` (or the thread's error / exit). */
  private exchange(slot: Slot, msg: ToWorker, expect: "ready" | "done"): Promise<FromWorker> {
    const w = slot.worker;
    return new Promise<FromWorker>((resolve, reject) => {
      const cleanup = () => {
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === "error") {
          cleanup();
          reject(new Error(m.message));
        } else if (m.type === expect) {
          cleanup();
          resolve(m);
        }
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`kernel thread exited with code ${code}`));
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      w.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
