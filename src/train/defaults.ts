/**
 * Light constants of retrain (no tfjs import): the backend names, `parseBackend` and the retrain defaults, so the
 * CLI can declare its options without loading tfjs. backend.ts and retrain.ts re-export them.
 */
import { ConfigError } from "../errors.ts";
import { msg } from "../messages/train.ts";
import type { ModelKind } from "./models.ts";

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
  throw new ConfigError(msg.unknownBackend(value, BACKENDS));
}

export const RETRAIN_DEFAULTS = {
  candidate: "fastface:lambda=2e-5,tau=0.03",
  baseline: "multistep:milestones=0.5,0.75",
  budget: 0.25,
  epochs: 20,
  model: "mlp" as ModelKind,
  backend: "auto" as BackendRequest,
  seed: 1,
  tolerance: 1,
  batchSize: 128,
  lr: 0.02,
  embeddingSize: 128,
  width: 256,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  frequent: 10,
};
