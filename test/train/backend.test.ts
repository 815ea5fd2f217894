import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { BackendError, ConfigError, EXIT } from "../../src/errors.ts";
import * as M from "../../src/messages/train.ts";
import { hasKernel, parseBackend, selectBackend } from "../../src/train/backend.ts";

async function installed(pkg: string): Promise<boolean> {
  try {
    const specifier: string = pkg;
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe("backend selection", () => {
  it("auto skips what is not installed, says why, and lands on a working backend", async () => {
    const gpu = await installed("@tensorflow/tfjs-node-gpu");
    const node = await installed("@tensorflow/tfjs-node");
    const choice = await selectBackend("auto");
    assert.equal(tf.getBackend(), choice.tfName);
    if (!gpu && !node) {
      assert.equal(choice.name, "wasm");
      assert.deepEqual(
        choice.skipped.map((s) => s.name),
        ["tfjs-node-gpu", "tfjs-node"],
      );
      assert.ok(choice.skipped.every((s) => s.reason === "package not installed"));
      assert.ok(choice.warnings.every((w) => w.code === M.W_BACKEND_SKIPPED));
    }
  });

  it("an explicitly requested backend that cannot start is a BackendError (exit 6)", async () => {
    if (await installed("@tensorflow/tfjs-node-gpu")) return;
    await assert.rejects(
      selectBackend("tfjs-node-gpu"),
      (e: unknown) => e instanceof BackendError && e.exitCode === EXIT.backend && /tfjs-node-gpu/.test(e.message),
    );
  });

  it("wasm has no convolution gradient kernel; cpu has", async () => {
    await selectBackend("wasm");
    assert.equal(hasKernel("Conv2DBackpropFilter"), false);
    await selectBackend("cpu");
    assert.equal(hasKernel("Conv2DBackpropFilter"), true);
  });

  it("rejects unknown backend names", () => {
    assert.equal(parseBackend("wasm"), "wasm");
    assert.throws(() => parseBackend("metal"), ConfigError);
  });
});
