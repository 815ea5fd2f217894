/**
 * Worker-thread entry of the retrain pool (pool.ts): a loop that runs RunJobs one at a time. The backend is
 * selected once per request and each data set is built once per worker (jobs name it by its plain-JSON spec),
 * so the arms and seeds of an experiment pay for the data only once per thread. Posts `progress` messages, then
 * `done` with the output or `error` with a serialised error (class name, code, exit code, message) that the
 * parent rethrows.
 */
import { parentPort } from "node:worker_threads";
import { FastfaceError } from "../errors.ts";
import type { FaceDataset } from "./dataset.ts";
import { type RunJob, runJob } from "./run-job.ts";

export type ToWorker = { type: "job"; id: number; job: RunJob } | { type: "close" };
export type FromWorker =
  | { type: "progress"; id: number; progress: { label: string; step: number; steps: number; loss: number; lr: number } }
  | { type: "done"; id: number; output: Awaited<ReturnType<typeof runJob>> }
  | { type: "error"; id: number; error: { name: string; message: string; code?: string; exitCode?: number } };

const port = parentPort;
if (port) {
  const datasets = new Map<string, FaceDataset>();
  let queue = Promise.resolve();
  port.on("message", (m: ToWorker) => {
    if (m.type === "close") {
      port.close();
      return;
    }
    queue = queue.then(async () => {
      try {
        const out = await runJob(m.job, (p) => port.postMessage({ type: "progress", id: m.id, progress: p }), datasets);
        port.postMessage({ type: "done", id: m.id, output: out } satisfies FromWorker);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({
          type: "error",
          id: m.id,
          error: {
            name: e.name,
            message: e.message,
            ...(err instanceof FastfaceError ? { code: err.code, exitCode: err.exitCode } : {}),
          },
        } satisfies FromWorker);
      }
    });
  });
}
