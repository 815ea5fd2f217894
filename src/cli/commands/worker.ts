/**
 * `fastface worker --queue URL [--concurrency N]`: serve sweep jobs from BullMQ/Redis (started by `fastface
 * sweep --queue URL`) until SIGINT/SIGTERM; run one per machine. Logs what it does on stderr.
 */
import { availableParallelism } from "node:os";
import type { Argv, CommandModule } from "yargs";
import { log, printJson } from "../output.ts";
import { type QueueArgs, withQueueOptions } from "./sweep-queue.ts";

interface WorkerArgs extends QueueArgs {
  queue: string;
  concurrency: number;
  "lock-ms"?: number;
  "stalled-ms"?: number;
  name?: string;
  /** The global --verbose (main.ts): also log every job. */
  verbose?: boolean;
  json: boolean;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: "worker",
  describe: "compute sweep jobs from a BullMQ/Redis queue (`sweep --queue`); run one on every machine",
  builder: (y) =>
    withQueueOptions(y, "Queue:", true)
      .option("concurrency", {
        type: "number",
        default: availableParallelism(),
        describe: "jobs at once (kernel threads)",
      })
      .option("lock-ms", {
        type: "number",
        describe: "job lock (ms, 30000): a killed worker's job is given to another worker after about this long",
      })
      .option("stalled-ms", { type: "number", describe: "how often to look for stalled jobs (ms, = --lock-ms)" })
      .option("name", { type: "string", describe: "worker name in results and logs (host:pid)" })
      .option("json", { type: "boolean", default: false, describe: "print a JSON summary on stdout when stopped" })
      .example("$0 worker --queue redis://10.0.0.5:6379 --concurrency 2", "serve jobs until Ctrl-C")
      .example(
        "FASTFACE_REDIS_PASSWORD=... $0 worker --queue rediss://redis.lab:6380",
        "TLS, password from the environment",
      ) as unknown as Argv<WorkerArgs>,
  handler: async (a) => {
    const stop = new AbortController();
    const force = new AbortController();
    const onSignal = () => (stop.signal.aborted ? force.abort() : stop.abort());
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const { runQueueWorker } = await import("../../sweep/queue/queue-worker.ts");
      const summary = await runQueueWorker({
        url: a.queue,
        ...(a["queue-name"] !== undefined ? { name: a["queue-name"] } : {}),
        concurrency: a.concurrency,
        ...(a["curves-from"] !== undefined ? { curvesFrom: a["curves-from"] } : {}),
        ...(a["lock-ms"] !== undefined ? { lockMs: a["lock-ms"] } : {}),
        ...(a["stalled-ms"] !== undefined ? { stalledMs: a["stalled-ms"] } : {}),
        ...(a.name !== undefined ? { workerName: a.name } : {}),
        verbose: a.verbose === true,
        log,
        signal: stop.signal,
        force: force.signal,
      });
      if (a.json) printJson(summary);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
