/**
 * The one way fastface starts a worker thread. Built (dist/, what the `fastface` bin runs) a worker imports
 * `<name>.js` directly; from the TypeScript sources (`node --import tsx`, `node --test`) it starts from a tiny
 * eval bootstrap that registers tsx's ESM loader in the thread (Node 20 does not pass `--import tsx` on to a
 * worker's entry) and then imports `<name>.ts`. Which of the two follows from how this file itself is loaded.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/** True when fastface runs as built JavaScript (dist/): workers then load `.js` modules, no tsx. */
export const BUILT = import.meta.url.endsWith(".js");

/**
 * The eval source that starts module `name` (no extension) of the folder of `base` (a module's
 * `import.meta.url`) in a worker thread.
 *
 * @example
 * new Worker(workerSource(import.meta.url, "worker"), { eval: true });
 */
export function workerSource(base: string, name: string): string {
  if (BUILT) return `import(${JSON.stringify(new URL(`./${name}.js`, base).href)});`;
  const api = import.meta.resolve("tsx/esm/api");
  const target = new URL(`./${name}.ts`, base).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
}

/**
 * Start module `name` of the folder of `base` in a worker thread (`execArgv: []` unless `options` say otherwise,
 * so the parent's flags such as `--test` do not reach it).
 *
 * @example
 * const w = startWorker(import.meta.url, "worker", { workerData: job });
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  return new Worker(workerSource(base, name), { execArgv: [], ...options, eval: true });
}
