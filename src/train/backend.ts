/**
 * Compute backends for retrain. `auto` tries, in order: `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node`
 * (native TensorFlow on the CPU), the WebAssembly backend (SIMD, loaded from node_modules so no network is used),
 * then the pure-JS `cpu` backend; it reports which one it uses and why each earlier one was skipped.
 *
 * The two native packages are optional dependencies. Their code path is real (dynamic import, backend
 * registration check) but untested on machines where they cannot install (no CUDA, no prebuilt binary).
 * An explicitly requested backend that cannot be initialised is a BackendError (exit code 6).
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BackendError, type Warning } from "../errors.ts";
import * as M from "../messages/train.ts";
import type { BackendName, BackendRequest } from "./backend-names.ts";

export { BACKENDS, type BackendName, type BackendRequest, parseBackend } from "./backend-names.ts";

export interface BackendChoice {
  /** The backend in use. */
  name: BackendName;
  /** tfjs' own name of it (`tensorflow`, `wasm`, `cpu`). */
  tfName: string;
  /** Why it was chosen. */
  reason: string;
  /** Backends tried before it and why they were skipped (only for `auto`). */
  skipped: Array<{ name: BackendName; reason: string }>;
  warnings: Warning[];
}

const ORDER: BackendName[] = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"];

/** Load a native tfjs package: it registers the `tensorflow` backend into the shared tfjs-core on import. */
async function initNative(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): Promise<string> {
  // A variable specifier keeps bundlers and the type checker from resolving the optional package statically.
  const specifier: string = pkg;
  await import(specifier);
  if (!tf.findBackendFactory("tensorflow")) {
    throw new Error(`${pkg} loaded but registered no 'tensorflow' backend (a second copy of @tensorflow/tfjs-core?)`);
  }
  if (!(await tf.setBackend("tensorflow"))) throw new Error("tf.setBackend('tensorflow') returned false");
  return "tensorflow";
}

/** Folder holding the tfjs-backend-wasm binaries (so they load from disk, never from a CDN). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
}

async function initWasm(): Promise<string> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(wasmDistDir() + path.sep);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false");
  return "wasm";
}

async function initCpu(): Promise<string> {
  if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') returned false");
  return "cpu";
}

async function init(name: BackendName): Promise<string> {
  switch (name) {
    case "tfjs-node-gpu":
      return initNative("@tensorflow/tfjs-node-gpu");
    case "tfjs-node":
      return initNative("@tensorflow/tfjs-node");
    case "wasm":
      return initWasm();
    case "cpu":
      return initCpu();
  }
}

function why(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") return "package not installed";
  const text = String(e?.message ?? err).split("\n")[0] ?? "";
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * Initialise the requested backend (or the first that works for `auto`) and make it tfjs' active backend.
 *
 * @example
 * const choice = await selectBackend("auto"); // e.g. { name: "wasm", skipped: [{ name: "tfjs-node-gpu", ... }] }
 */
export async function selectBackend(request: BackendRequest): Promise<BackendChoice> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner from the cpu backend.
  tf.env().set("PROD", true);
  if (request !== "auto") {
    try {
      const tfName = await init(request);
      return { name: request, tfName, reason: "requested with --backend", skipped: [], warnings: [] };
    } catch (err) {
      throw new BackendError(M.backendUnavailable(request, why(err)), M.E_BACKEND_UNAVAILABLE);
    }
  }
  const skipped: Array<{ name: BackendName; reason: string }> = [];
  for (const name of ORDER) {
    try {
      const tfName = await init(name);
      const reason = skipped.length === 0 ? "first in the auto order" : `first available in the auto order`;
      const warnings = skipped.map((s) => ({ code: M.W_BACKEND_SKIPPED, message: M.backendSkipped(s.name, s.reason) }));
      return { name, tfName, reason, skipped, warnings };
    } catch (err) {
      skipped.push({ name, reason: why(err) });
    }
  }
  throw new BackendError(M.noBackend(skipped.map((s) => `${s.name}: ${s.reason}`)), M.E_BACKEND_UNAVAILABLE);
}

/**
 * True when the active backend has a kernel (e.g. `Conv2DBackpropFilter`).
 *
 * @example
 * hasKernel("Conv2DBackpropFilter"); // false on wasm
 */
export function hasKernel(kernel: string, backend = tf.getBackend()): boolean {
  return tf.getKernel(kernel, backend) !== undefined;
}
