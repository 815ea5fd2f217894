/**
 * One complete run as a job: select the backend, build the data, train. Used both inside a worker thread
 * (worker.ts) and in-process (`retrain({ parallel: false })`, the tests).
 */
import { type BackendChoice, type BackendRequest, selectBackend } from "./backend.ts";
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
  /** Seconds to build or load the data set. */
  dataSeconds: number;
}

/**
 * Run a job in the current thread.
 *
 * @example
 * const out = await runJob({ backend: "wasm", dataset: { kind: "synthetic", options: {} }, config, progressEvery: 100 });
 */
export async function runJob(job: RunJob, onProgress?: TrainHooks["onProgress"]): Promise<RunJobOutput> {
  const choice = await selectBackend(job.backend);
  // Fail before loading data when the backend cannot train the model (cnn on wasm).
  assertTrainable(job.config.model);
  const t0 = performance.now();
  const ds = loadDataset(job.dataset);
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
