/**
 * One complete run as a job: select the backend, build (or reuse) the data, train. Used inside a worker thread
 * (worker.ts, pool.ts) and in-process (`retrain({ workers: 0 })`, the tests).
 */
import { type BackendChoice, type BackendRequest, selectBackend } from "./backend.ts";
import type { FaceDataset } from "./dataset.ts";
import { type DatasetSpec, loadDataset } from "./load-dataset.ts";
import { assertTrainable } from "./models.ts";
import { type RunOutput, type TrainConfig, type TrainHooks, trainRun } from "./trainer.ts";

export interface RunJob {
  backend: BackendRequest;
  dataset: DatasetSpec;
  config: TrainConfig;
  progressEvery: number;
}

export interface RunJobOutput extends RunOutput {
  backend: Pick<BackendChoice, "name" | "reason" | "skipped">;
  datasetDescription: string;
  /** Seconds to build or load the data set (0 when it was reused). */
  dataSeconds: number;
}

/** The backend chosen for each request in this thread (selection is global to a thread's tfjs). */
const chosen = new Map<BackendRequest, BackendChoice>();

/**
 * Run a job in the current thread. `datasets` caches data sets by their spec across jobs.
 *
 * @example
 * const out = await runJob({ backend: "wasm", dataset: { kind: "synthetic", options: {} }, config, progressEvery: 100 });
 */
export async function runJob(
  job: RunJob,
  onProgress?: TrainHooks["onProgress"],
  datasets?: Map<string, FaceDataset>,
): Promise<RunJobOutput> {
  let choice = chosen.get(job.backend);
  if (!choice) {
    choice = await selectBackend(job.backend);
    chosen.set(job.backend, choice);
  } else {
    await selectBackend(choice.name);
  }
  // Fail before loading data when the backend cannot train the model (cnn on wasm).
  assertTrainable(job.config.model);
  const t0 = performance.now();
  const key = JSON.stringify(job.dataset);
  let ds = datasets?.get(key);
  if (!ds) {
    ds = loadDataset(job.dataset);
    datasets?.set(key, ds);
  }
  const dataSeconds = (performance.now() - t0) / 1000;
  const hooks: TrainHooks = { progressEvery: job.progressEvery };
  if (onProgress) hooks.onProgress = onProgress;
  const out = trainRun(ds, job.config, choice.name, hooks);
  return {
    ...out,
    backend: { name: choice.name, reason: choice.reason, skipped: choice.skipped },
    datasetDescription: ds.description,
    dataSeconds,
  };
}
