/**
 * The tfjs backends retrain knows (`--backend`), without importing tfjs: a leaf module that defaults.ts (the CLI's
 * light constants) and backend.ts (the loader) both read.
 */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/train.ts";

export const BACKENDS = ["auto", "tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as const;
export type BackendRequest = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendRequest, "auto">;

/**
 * Parse and check a `--backend` value.
 *
 * @example
 * parseBackend("wasm"); // "wasm"
 */
export function parseBackend(value: string): BackendRequest {
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new ConfigError(M.unknownBackend(value, BACKENDS));
}
