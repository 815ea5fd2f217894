/**
 * A sweep worker (worker_threads). Protocol (all messages plain objects):
 *   main -> worker  {type: "setup", scheduler, lr0, configs: Params[], simulate?, kernel?}  once
 *                   {type: "curve", curve: SharedCurve}                              once per curve
 *                   {type: "task", taskId, curveId, configIndices: number[]}         many
 *   worker -> main  {type: "ready"} after setup, {type: "done", taskId, rows: ResultRow[]},
 *                   {type: "error", message, stack}
 * A curve's losses arrive once as a SharedArrayBuffer (no copy per worker, none per config). A task's configs are
 * replayed together (`evaluateBatch`: the family's multi-configuration kernel), or one by one with
 * `kernel: "single"` (the path before the kernel, kept for the bench).
 */
import { parentPort } from "node:worker_threads";
import type { Params } from "../schedulers/types.ts";
import { effectiveParams } from "./grid.ts";
import { evaluateBatch, evaluateConfig, type PreparedCurve } from "./kernel.ts";
import type { ResultRow } from "./types.ts";

/** A prepared curve whose arrays live in SharedArrayBuffers (posted to every worker once). */
export interface SharedCurve extends Omit<PreparedCurve, "losses" | "stepAt"> {
  losses: SharedArrayBuffer;
  stepAt: SharedArrayBuffer | null;
}

export type ToWorker =
  | { type: "setup"; scheduler: string; lr0: number; configs: Params[]; simulate?: boolean; kernel?: SweepKernel }
  | { type: "curve"; curve: SharedCurve }
  | { type: "task"; taskId: number; curveId: number; configIndices: number[] };

/** How a worker replays a task: all its configs in shared passes (default) or one config at a time. */
export type SweepKernel = "batch" | "single";

export type FromWorker =
  | { type: "ready" }
  | { type: "done"; taskId: number; rows: ResultRow[] }
  | { type: "error"; taskId: number | null; message: string; stack?: string };

const port = parentPort;
if (port) {
  let scheduler = "";
  let lr0 = 1;
  let configs: Params[] = [];
  let single = false;
  const curves = new Map<number, PreparedCurve>();
  // the closed loop (--simulate) is loaded only when a sweep asks for it
  let closedLoop: typeof import("./sim-kernel.ts") | null = null;
  port.on("message", (msg: ToWorker) => {
    let taskId: number | null = null;
    try {
      if (msg.type === "setup") {
        scheduler = msg.scheduler;
        lr0 = msg.lr0;
        configs = msg.configs;
        single = msg.kernel === "single";
        if (msg.simulate) {
          import("./sim-kernel.ts").then(
            (m) => {
              closedLoop = m;
              port.postMessage({ type: "ready" } satisfies FromWorker);
            },
            (err: Error) =>
              port.postMessage({
                type: "error",
                taskId: null,
                message: err.message,
                stack: err.stack,
              } satisfies FromWorker),
          );
        } else port.postMessage({ type: "ready" } satisfies FromWorker);
      } else if (msg.type === "curve") {
        const c = msg.curve;
        curves.set(c.curveId, {
          ...c,
          losses: new Float64Array(c.losses),
          stepAt: c.stepAt ? new Float64Array(c.stepAt) : null,
        });
      } else {
        taskId = msg.taskId;
        const curve = curves.get(msg.curveId);
        if (!curve) throw new Error(`curve ${msg.curveId} was never sent to this worker`);
        const idx = msg.configIndices;
        const rows: ResultRow[] = single
          ? idx.map((i) => evaluateConfig(curve, scheduler, configs[i]!, lr0, i))
          : evaluateBatch(
              curve,
              scheduler,
              idx.map((i) => configs[i]!),
              lr0,
              idx,
            );
        if (curve.sim) {
          if (!closedLoop) throw new Error("a --simulate curve arrived but the closed loop was not set up");
          for (const row of rows) {
            const eff = effectiveParams(configs[row.configIndex]!, curve.lossScale);
            row.sim = closedLoop.evaluateClosedLoop(curve.sim, scheduler, eff);
          }
        }
        port.postMessage({ type: "done", taskId: msg.taskId, rows } satisfies FromWorker);
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ type: "error", taskId, message: e.message, stack: e.stack } satisfies FromWorker);
    }
  });
}
