/**
 * Issue 12's acceptance on the real logs in data/: the FastFace fixture log is the commented HCK prototype with
 * four consecutive fires before the x4 (not the released rule, which reproduces none of its changes); the
 * insightface poly log is poly with its power and warm-up; a multistep log with an LR column gives its milestones;
 * FastFace's WebFace4M log is the same prototype with its window as a fraction of T.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { explainCurve } from "../../src/explain/explain.ts";
import type { Evaluator } from "../../src/explain/search.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { poolEvaluator } from "../../src/sweep/explain-pool.ts";
import { FIXTURES } from "../replay/helpers.ts";

const file = (p: string) => fileURLToPath(new URL(p, FIXTURES));

describe("explain on the real logs", () => {
  let pool: Evaluator;
  before(() => {
    pool = poolEvaluator(2);
  });
  after(async () => {
    await pool.close();
  });

  it("FastFace ms1mv3 r100: hck-proto reproduces every logged change on its logged line with its ratio; the released rule none", async () => {
    const curve = await loadCurve(file("logs/fastface_ms1mv3_r100.log"));
    const r = await explainCurve(curve, {
      families: ["hck-proto", "fastface", "multistep"],
      evaluator: pool,
      tracePoints: 0,
    });
    const best = r.explanations[0]!;
    assert.equal(r.logged.changes.length, 12);
    assert.equal(best.rule, "hck-proto", r.verdict);
    assert.equal(best.matched, 12, r.verdict);
    assert.equal(best.extra, 0);
    assert.equal(best.outside, 0, "every change on the logged line");
    assert.ok(best.maxOffset! < r.logged.stride, `max offset ${best.maxOffset}`);
    assert.equal(best.params.increaseAfter, 3);
    assert.equal(best.params.m, 4000);
    assert.ok(Math.abs((best.params.threshold as number) - 0.06) < 1e-3);
    const ratios = best.changes.map((c) => c.ratio);
    assert.deepEqual(ratios, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 4, 0.5, 0.5, 0.5, 4]);
    assert.ok(r.released, "the released rule is scored");
    assert.ok(r.released!.matched <= 2, `released fastface matched ${r.released!.matched}`);
  });

  it("FastFace WebFace4M r100 (data/corpus): the same prototype, m = 2481 = floor(0.015 T), 18/18", async () => {
    const curve = await loadCurve(file("corpus/fastface_webface4m_r100.log"));
    const r = await explainCurve(curve, { families: ["hck-proto"], evaluator: pool, tracePoints: 0 });
    const best = r.explanations[0]!;
    assert.equal(best.matched, 18, r.verdict);
    assert.equal(best.extra, 0, r.verdict);
    assert.equal(best.outside, 0, r.verdict);
    assert.equal(best.params.m, Math.floor(0.015 * 165435));
    assert.equal(best.params.increaseAfter, 3);
  });

  it("insightface ms1mv3 r50 poly: poly, power 2, no warm-up, every point within the printed precision", async () => {
    const curve = await loadCurve(file("logs/insightface_ms1mv3_r50_poly.log"));
    const r = await explainCurve(curve, {
      families: ["poly", "cosine", "wsd", "multistep"],
      evaluator: pool,
      tracePoints: 0,
    });
    const best = r.explanations[0]!;
    assert.equal(r.logged.kind, "continuous");
    assert.equal(r.logged.decimals, 4);
    assert.equal(best.rule, "poly", r.verdict);
    assert.equal(best.params.power, 2);
    assert.equal(best.params.warmup, 0);
    assert.equal(best.maxRelError, 0, r.verdict);
    assert.equal(best.lr0, 0.1);
  });

  it("a multistep log with an LR column (data/retrain): the milestones exactly", async () => {
    const curve = await loadCurve(file("retrain/synthetic_mlp_multistep_baseline.log"));
    const r = await explainCurve(curve, { evaluator: pool, tracePoints: 0 });
    const best = r.explanations[0]!;
    assert.equal(best.rule, "multistep", r.verdict);
    assert.deepEqual(best.params.milestones, [620, 930]);
    assert.equal(best.params.gamma, 0.1);
    assert.equal(best.matched, 2);
    assert.equal(best.extra, 0);
  });

  it("HF whisper trainer_state (continuous): jump families whose best candidate is their defaults are ranked, not an internal error", async () => {
    const curve = await loadCurve(file("real/hf_whisper_trainer_state.json"));
    const r = await explainCurve(curve, {
      families: ["wsd", "fastface", "hck", "hck-proto", "plateau-timm"],
      evaluator: pool,
      tracePoints: 0,
    });
    assert.equal(r.logged.kind, "continuous");
    const best = r.explanations[0]!;
    assert.equal(best.rule, "wsd", r.verdict);
    assert.ok(best.maxRelError! < 0.05, r.verdict);
    assert.deepEqual(
      new Set(r.explanations.map((e) => e.rule)),
      new Set(["wsd", "fastface", "hck", "hck-proto", "plateau-timm"]),
    );
  });
});
