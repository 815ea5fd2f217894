/**
 * Light constants of retrain (no tfjs import): the backend names, `parseBackend` and the retrain defaults (the
 * default experiment design, docs/retrain.md), so the CLI can declare its options without loading tfjs.
 * backend.ts and retrain.ts re-export them. The backend names live in backend-names.ts (a leaf: backend.ts imports
 * them without closing an import cycle through the design and the models).
 */
import os from "node:os";
import type { BackendRequest } from "./backend-names.ts";
import { DEFAULT_CONTROLS } from "./design.ts";
import type { ModelKind } from "./models.ts";

export { BACKENDS, type BackendName, type BackendRequest, parseBackend } from "./backend-names.ts";

/** The default design: 4,000 baseline steps, 1,000 for the candidate and 4 controls, 3 paired seeds. */
export const RETRAIN_DEFAULTS = {
  candidate: "fastface:scale=auto",
  baseline: "multistep:milestones=0.5,0.75",
  controls: DEFAULT_CONTROLS,
  budget: 0.25,
  steps: 4000,
  seeds: 3,
  seed: 1,
  tolerance: 1,
  model: "mlp-bn" as ModelKind,
  backend: "auto" as BackendRequest,
  margin: "cosface",
  batchSize: 64,
  lr: 0.1,
  embeddingSize: 64,
  width: 128,
  momentum: 0.9,
  weightDecay: 5e-3,
  clipNorm: 5,
  frequent: 10,
  evalAt: [0.25, 0.5, 1] as readonly number[],
  /** Both cores of the reference machine; every core of another. */
  workers: Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
};
