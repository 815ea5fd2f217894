/**
 * Fuzz worker thread: runs one input at a time through its family and answers how it ended. The parent
 * thread is the watchdog: an input that has not answered within the time bound is a hang, and the thread
 * is terminated and replaced.
 */
import { parentPort } from "node:worker_threads";
import { FastfaceError } from "../../src/errors.ts";
import { cleanupFamilies, familyNamed } from "./families.ts";

export interface FuzzRequest {
  family: string;
  bytes: Uint8Array;
}
export interface FuzzAnswer {
  outcome: "ok" | "typed" | "untyped";
  message?: string;
  ms: number;
}

const port = parentPort;
if (port === null) throw new Error("test/fuzz/worker.ts runs as a worker thread");
port.on("message", async (m: FuzzRequest | "stop") => {
  if (m === "stop") {
    await cleanupFamilies();
    port.close();
    return;
  }
  const t0 = performance.now();
  let answer: FuzzAnswer;
  try {
    await familyNamed(m.family).run(m.bytes);
    answer = { outcome: "ok", ms: performance.now() - t0 };
  } catch (e) {
    const typed = e instanceof FastfaceError;
    answer = {
      outcome: typed ? "typed" : "untyped",
      message: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e),
      ms: performance.now() - t0,
    };
  }
  port.postMessage(answer);
});
port.postMessage("ready");
