/**
 * ioredis clients for the queue. The first connection fails fast with a clear error (bad host, refused, wrong
 * password, TLS), naming the URL without its password; once connected, a client reconnects forever and its
 * commands wait for the connection (`maxRetriesPerRequest: null`, what BullMQ's workers and QueueEvents need),
 * so a Redis restart pauses a sweep instead of failing it.
 */
import { Redis } from "ioredis";
import { EXIT, FastfaceError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";
import { type RedisTarget, scrub } from "./url.ts";

/** Redis could not be reached or refused us (exit code 6, like an unavailable compute backend). */
export class QueueConnectError extends FastfaceError {
  constructor(message: string) {
    super(M.E_QUEUE_CONNECT, message, EXIT.backend);
  }
}

export interface ConnectOptions {
  /** CLIENT SETNAME, visible in `redis-cli client list` (e.g. `fastface-coordinator`). */
  name: string;
  /** Give up the first connection after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * Connect and wait until Redis answers; the client is returned ready.
 * @example const redis = await connectRedis(parseRedisUrl("redis://127.0.0.1:6379"), { name: "fastface-worker" });
 */
export async function connectRedis(target: RedisTarget, opts: ConnectOptions): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    connectionName: opts.name,
    maxRetriesPerRequest: null,
    connectTimeout: Math.min(timeoutMs, 10_000),
    retryStrategy: (times: number) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
  });
  // errors after the first connection are reconnects (logged by the caller through BullMQ's 'error' events);
  // without a listener ioredis would print them itself, unscrubbed
  let lastError: Error | null = null;
  client.on("error", (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new QueueConnectError(M.connectTimeout(target.display, timeoutMs))), timeoutMs);
      }),
    ]);
    await client.ping();
  } catch (err) {
    client.disconnect();
    // connect() rejects with a bare "Connection is closed."; the cause (refused, WRONGPASS, NOAUTH) came as an event
    const cause = (lastError as Error | null) ?? (err instanceof QueueConnectError ? null : err);
    if (cause === null) throw err;
    throw new QueueConnectError(M.connectFailed(target.display, scrub(describe(cause), target.secrets)));
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** An error's message (or its code), never its other fields: ioredis errors carry the command and its args. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return (err.message || (typeof code === "string" ? code : err.name)).replace(/\.+$/, "");
  }
  return String(err);
}
