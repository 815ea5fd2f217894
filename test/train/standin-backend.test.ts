/**
 * The native backend path with a stand-in package (test/fixtures/tfjs-standin: a module-resolution hook maps
 * @tensorflow/tfjs-node(-gpu) to two tiny packages that register a `tensorflow` backend, or fail to load like the
 * real ones do without CUDA). Exercised for real: the dynamic import, the registration check, setBackend, the
 * auto order and its fallback messages, an explicit request that fails (exit 6), the cnn models training on the
 * native backend, and retrain's worker threads picking the same backend. No GPU is involved: the stand-in runs
 * tfjs' CPU kernels under the native name. About 8 s of CPU: four child processes (each loads tfjs), one of
 * them a two-worker retrain.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STANDIN = join(ROOT, "test/fixtures/tfjs-standin");
const HOOK = join(STANDIN, "register.mjs");

function probe(env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", HOOK, join(STANDIN, "probe.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("native backend (stand-in package)", () => {
  // one process for the default stand-ins (backend selection, then the cnn-bn run)
  let standard: ReturnType<typeof probe> | undefined;
  const defaults = () => (standard ??= probe());
  it("auto: tfjs-node-gpu fails to load (reason kept), tfjs-node registers `tensorflow` and is used", () => {
    const out = defaults();
    assert.equal(out.auto.name, "tfjs-node");
    assert.equal(out.auto.tfName, "tensorflow");
    assert.equal(out.active, "tensorflow");
    assert.deepEqual(
      out.auto.skipped.map((s: { name: string }) => s.name),
      ["tfjs-node-gpu"],
    );
    assert.match(out.auto.skipped[0].reason, /libcudart/);
    assert.deepEqual(out.auto.warnings, ["W_BACKEND_SKIPPED"]);
    // an explicit request for the GPU package is a BackendError (exit 6) with the load error and what to do
    assert.equal(out["tfjs-node-gpu"].exitCode, 6);
    assert.match(out["tfjs-node-gpu"].message, /libcudart.*--backend auto/);
    assert.equal(out["tfjs-node"], "ok");
  });
  it("the cnn-bn model trains on the native backend (convolution gradients present)", () => {
    const cnn = defaults().cnn;
    assert.equal(cnn.backend, "tfjs-node");
    assert.equal(cnn.losses.length, 3);
    assert.ok(cnn.losses.every((l: number) => Number.isFinite(l) && l > 0));
    assert.deepEqual(cnn.decays, [1]);
    assert.equal(cnn.tensors.atEnd, cnn.tensors.afterFirstStep);
    assert.ok(cnn.accuracy > 0 && cnn.accuracy <= 1);
  });
  it("a package that registers no backend is skipped with the reason; auto falls back to wasm", () => {
    const out = probe({ STANDIN_NODE: "empty" });
    assert.equal(out.auto.name, "wasm");
    assert.match(out.auto.skipped[1].reason, /registered no 'tensorflow' backend/);
    assert.equal(out["tfjs-node"].exitCode, 6);
  });
  it("with the GPU package loadable, auto takes it first", () => {
    assert.equal(probe({ STANDIN_GPU: "ok" }).auto.name, "tfjs-node-gpu");
  });
});

describe("retrain on the native backend, two worker threads", () => {
  const dir = mkdtempSync(join(tmpdir(), "fastface-standin-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it("every run of every worker used the stand-in tfjs-node", () => {
    const out = join(dir, "run");
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        HOOK,
        join(ROOT, "bin/fastface.js"),
        "retrain",
        ...["--candidate", "cosine", "--control", "constant", "--steps", "16", "--budget", "0.5", "--seeds", "2"],
        ...["--identities", "8", "--images-per-identity", "8", "--eval-identities", "6", "--image-size", "8"],
        ...["--num-pairs", "120", "--batch-size", "8", "--width", "16", "--embedding-size", "8", "--frequent", "2"],
        ...["--model", "mlp-bn", "--workers", "2", "--out", out, "--json"],
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.ok(r.status === 0 || r.status === 5, r.stderr);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    assert.equal(result.backend.name, "tfjs-node");
    assert.equal(result.design.backend, "tfjs-node");
    assert.match(r.stderr, /backend tfjs-node-gpu skipped: libcudart/);
    for (const run of ["baseline-s1", "baseline-s2", "candidate-s1", "candidate-s2", "constant-s1", "constant-s2"]) {
      assert.match(readFileSync(join(out, run, "training.log"), "utf8"), /: backend\s+tfjs-node\n/, run);
    }
  });
});
