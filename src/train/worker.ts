/**
 * Worker-thread entry: runs one RunJob (from `workerData`) and posts `progress` messages, then `done` with the
 * output or `error` with a serialised error (class name, code, exit code, message) that the parent rethrows.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FastfaceError } from "../errors.ts";
import { type RunJob, runJob } from "./run-job.ts";

const port = parentPort;
if (port) {
  const job = workerData as RunJob;
  try {
    const out = await runJob(job, (p) => port.postMessage({ type: "progress", progress: p }));
    port.postMessage({ type: "done", output: out });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({
      type: "error",
      error: {
        name: e.name,
        message: e.message,
        stack: e.stack,
        code: err instanceof FastfaceError ? err.code : undefined,
        exitCode: err instanceof FastfaceError ? err.exitCode : undefined,
      },
    });
  }
}
