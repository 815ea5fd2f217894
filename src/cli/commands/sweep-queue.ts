/**
 * The queue options of `fastface sweep` (`--queue URL` and friends: the coordinator of a sweep on BullMQ/Redis)
 * and of `fastface worker`. BullMQ is imported only when a queue is used.
 */
import type { Argv } from "yargs";
import { ConfigError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";
import type { QueueSweepOptions } from "../../sweep/queue/coordinator.ts";

export interface QueueArgs {
  queue?: string;
  "queue-name"?: string;
  "curves-from"?: string;
}

export interface SweepQueueArgs extends QueueArgs {
  attempts?: number;
  chunk?: number;
}

const QUEUE_ONLY = ["queue-name", "curves-from", "attempts", "chunk"] as const;

/** `--queue`, `--queue-name`, `--curves-from` (shared by `sweep` and `worker`). */
export function withQueueOptions<T>(y: Argv<T>, group: string, required: boolean): Argv<T> {
  return y
    .option("queue", {
      type: "string",
      group,
      ...(required ? { demandOption: true } : {}),
      describe: `Redis URL: ${M.URL_HELP}; password also from $FASTFACE_REDIS_PASSWORD`,
    })
    .option("queue-name", { type: "string", group, describe: "BullMQ queue name (fastface-sweep)" })
    .option("curves-from", {
      type: "string",
      group,
      describe: required
        ? "where this machine sees the coordinator's --curves-from folder (default: the coordinator's path)"
        : "a folder every worker machine can read: the curves are written there instead of into Redis",
    }) as unknown as Argv<T>;
}

/** Add the queue options to the sweep command. */
export function withSweepQueueOptions<T>(y: Argv<T>): Argv<T> {
  const group = "Queue (BullMQ/Redis, see docs/sweep.md):";
  return withQueueOptions(y, group, false)
    .option("attempts", { type: "number", group, describe: "tries per job before it counts as failed (3)" })
    .option("chunk", {
      type: "number",
      group,
      describe: "configurations per job (default: ~192M config-steps per job, whole kernel passes)",
    }) as unknown as Argv<T>;
}

/** The queue options of a sweep, or undefined without `--queue` (then the other queue options are an error). */
export function sweepQueueOptionsFrom(a: SweepQueueArgs, onLog: (line: string) => void): QueueSweepOptions | undefined {
  if (a.queue === undefined) {
    const given = QUEUE_ONLY.filter((k) => a[k] !== undefined);
    if (given.length > 0) {
      throw new ConfigError(M.onlyWithQueue(given.map((k) => `--${k}`)), M.E_QUEUE_OPTION);
    }
    return undefined;
  }
  return {
    url: a.queue,
    ...(a["queue-name"] !== undefined ? { name: a["queue-name"] } : {}),
    ...(a["curves-from"] !== undefined ? { curvesFrom: a["curves-from"] } : {}),
    ...(a.attempts !== undefined ? { attempts: a.attempts } : {}),
    ...(a.chunk !== undefined ? { chunk: a.chunk } : {}),
    onLog,
  };
}
