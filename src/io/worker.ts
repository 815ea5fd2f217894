/**
 * The one way fastface starts a worker thread. Built (dist/, what the `fastface` bin runs) a worker runs
 * `<name>.js` directly; from the TypeScript sources (`node --import tsx`, `node --test`) it starts from
 * worker-boot.mjs, which registers tsx's ESM loader in the thread (Node 20 does not pass `--import tsx` on to a
 * worker's entry) and then imports `<name>.ts`. Which of the two follows from how this file itself is loaded.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/** True when fastface runs as built JavaScript (dist/): workers then load `.js` modules, no tsx. */
export const BUILT = import.meta.url.endsWith(".js");

/**
 * Start module `name` (no extension) of the folder of `base` (a module's `import.meta.url`) in a worker thread,
 * with `execArgv: []` unless `options` say otherwise (so the parent's flags such as `--test` do not reach it).
 *
 * @example
 * const w = startWorker(import.meta.url, "worker", { workerData: job });
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (BUILT) return new Worker(new URL(`./${name}.js`, base), { execArgv: [], ...options });
  const target = new URL(`./${name}.ts`, base).href;
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), {
    execArgv: [],
    ...options,
    argv: [...(options.argv ?? []), target],
  });
}
