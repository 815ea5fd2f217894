/**
 * The fuzz watchdog: mutated inputs of one family go one at a time to a worker thread; an input still running
 * after `timeoutMs` is a hang (the thread is terminated and a new one started), one over `slowMs` is slow.
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../src/io/worker.ts";
import { Rng } from "../../src/random.ts";
import { familyNamed } from "./families.ts";
import { mutate } from "./mutate.ts";
import type { FuzzAnswer } from "./worker.ts";

export interface FuzzRow {
  family: string;
  inputs: number;
  ok: number;
  typed: number;
  untyped: number;
  /** Over `slowMs` (hangs included). */
  slow: number;
  hangs: number;
  /** The first few untyped errors and hangs: the input's index and what happened. */
  problems: Array<{ index: number; kind: "untyped" | "hang"; message: string; bytes: Uint8Array }>;
  seconds: number;
}

class Watched {
  private worker!: Worker;
  private ready!: Promise<void>;
  private pending: ((a: FuzzAnswer | "exit") => void) | undefined;
  constructor() {
    this.start();
  }
  private start(): void {
    this.worker = startWorker(import.meta.url, "worker", {
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    this.ready = new Promise((resolve, reject) => {
      const onReady = (m: unknown) => {
        if (m !== "ready") return;
        this.worker.off("message", onReady);
        resolve();
      };
      this.worker.on("message", onReady);
      this.worker.once("error", reject);
    });
    this.worker.on("message", (m: FuzzAnswer | "ready") => {
      if (m !== "ready") this.settle(m);
    });
    this.worker.on("exit", () => this.settle("exit"));
    this.worker.on("error", () => this.settle("exit"));
  }
  private settle(a: FuzzAnswer | "exit"): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(a);
  }
  /** Run one input; "hang" when it has not answered within `timeoutMs`. */
  async run(family: string, bytes: Uint8Array, timeoutMs: number): Promise<FuzzAnswer | "hang" | "exit"> {
    await this.ready;
    const answer = new Promise<FuzzAnswer | "exit">((resolve) => {
      this.pending = resolve;
    });
    this.worker.postMessage({ family, bytes });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"hang">((resolve) => {
      timer = setTimeout(() => resolve("hang"), timeoutMs);
    });
    const got = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if (got === "hang" || got === "exit") {
      this.pending = undefined;
      await this.worker.terminate();
      this.start();
    }
    return got;
  }
  async stop(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.worker.postMessage("stop");
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000);
      this.worker.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/**
 * Fuzz one family: `count` mutated inputs from its seeds, seeded.
 *
 * @example
 * const row = await fuzzFamily({ family: "arrow", count: 200, seed: 20 });
 */
export async function fuzzFamily(opts: {
  family: string;
  count: number;
  seed: number;
  timeoutMs?: number;
  slowMs?: number;
  onProgress?: (done: number) => void;
}): Promise<FuzzRow> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const slowMs = opts.slowMs ?? 1000;
  const seeds = await familyNamed(opts.family).seeds();
  const rng = new Rng(opts.seed);
  const w = new Watched();
  const row: FuzzRow = {
    family: opts.family,
    inputs: 0,
    ok: 0,
    typed: 0,
    untyped: 0,
    slow: 0,
    hangs: 0,
    problems: [],
    seconds: 0,
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < opts.count; i++) {
      const bytes = mutate(seeds[rng.int(seeds.length)] as Uint8Array, rng);
      const a = await w.run(opts.family, bytes, timeoutMs);
      row.inputs++;
      if (a === "hang" || a === "exit") {
        row.hangs++;
        row.slow++;
        const message = a === "hang" ? `still running after ${timeoutMs} ms` : "the worker died";
        if (row.problems.length < 10) row.problems.push({ index: i, kind: "hang", message, bytes });
        continue;
      }
      if (a.ms > slowMs) row.slow++;
      if (a.outcome === "ok") row.ok++;
      else if (a.outcome === "typed") row.typed++;
      else {
        row.untyped++;
        if (row.problems.length < 10) row.problems.push({ index: i, kind: "untyped", message: a.message ?? "", bytes });
      }
      if (i % 1000 === 999) opts.onProgress?.(i + 1);
    }
  } finally {
    await w.stop();
  }
  row.seconds = (performance.now() - t0) / 1000;
  return row;
}
