/**
 * The tfjs instance the fit uses: the wasm backend (about 8x faster than the pure-JS cpu backend on the fit's
 * N x K matrices), falling back to cpu. Loaded lazily so commands that do not fit never pay for it.
 */
import type { Tf } from "./model.ts";

let cached: Promise<Tf> | undefined;

/**
 * @example
 * const tf = await loadTf(); // tf.getBackend() === "wasm" (or "cpu")
 */
export function loadTf(backend: "wasm" | "cpu" = "wasm"): Promise<Tf> {
  cached ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    tf.enableProdMode();
    if (backend === "wasm") {
      try {
        await import("@tensorflow/tfjs-backend-wasm");
        if (await tf.setBackend("wasm")) {
          await tf.ready();
          return tf;
        }
      } catch {
        // fall through to cpu
      }
    }
    await tf.setBackend("cpu");
    await tf.ready();
    return tf;
  })();
  return cached;
}
