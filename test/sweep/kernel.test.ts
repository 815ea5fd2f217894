/**
 * The sweep's per-(curve, config) evaluation equals `fastface replay` on the same curve and parameters (two
 * code paths, one answer), and relative lambda is exactly invariant to rescaling the loss.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { Curve } from "../../src/curve/curve.ts";
import { loadCurve } from "../../src/ingest/load.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { formatSchedulerSpec } from "../../src/schedulers/registry.ts";
import type { Params } from "../../src/schedulers/types.ts";
import { evaluateBatch, evaluateConfig } from "../../src/sweep/kernel.ts";
import { lossScale, prepareCurve } from "../../src/sweep/prepare.ts";
import { syntheticCurve } from "./synthetic.ts";

const LOGS = fileURLToPath(new URL("../../data/logs/", import.meta.url));

function viaReplay(curve: Curve, name: string, params: Params, expand: "hold" | "none" = "hold") {
  const r = replayCurve(curve, { schedulers: [formatSchedulerSpec({ name, params })], expand });
  const s = r.schedulers[0]!;
  return {
    decaySteps: s.decays.map((d) => d.step),
    removed: s.removed,
    openLoopLead: s.openLoopLead,
    premature: s.premature,
  };
}

function viaSweep(curve: Curve, name: string, params: Params, expand: "hold" | "none" = "hold") {
  const { prepared } = prepareCurve(curve, 0, { expand, judge: "haar", totalSteps: null });
  const row = evaluateConfig(prepared, name, params, 1, 0);
  assert.equal(row.decays, row.decaySteps.length);
  return { decaySteps: row.decaySteps, removed: row.removed, openLoopLead: row.openLoopLead, premature: row.premature };
}

describe("sweep kernel equals replay", () => {
  const configs: Array<[string, Params]> = [
    ["fastface", { lambda: 2e-4, tau: 0.01 }],
    ["fastface", { lambda: 1e-5, tau: 0.02, alpha: 0.003, debias: true }],
    ["hck", { m: 2000, lambda: 1e-4, tau: 0.01 }],
    ["fastface", { lambda: 2e-4, tau: 0.01, warmup: 20000 }],
    ["hck", { m: 2000, lambda: 1e-4, tau: 0.01, warmup: 0.3 }],
    ["multistep", { milestones: [40000, 80000, 100000], gamma: 0.1 }],
    ["plateau-torch", { patience: 3000 }],
  ];

  it("on the multistep fixture log, hold and none", async () => {
    const curve = await loadCurve(join(LOGS, "insightface_ms1mv3_r50_multistep.log"));
    for (const [name, params] of configs) {
      assert.deepEqual(viaSweep(curve, name, params), viaReplay(curve, name, params), `${name} hold`);
    }
    const [name, params] = configs[0]!;
    assert.deepEqual(viaSweep(curve, name, params, "none"), viaReplay(curve, name, params, "none"), "fastface none");
  });

  it("on a synthetic curve with plateaus", () => {
    const curve = syntheticCurve("s", 30000, { seed: 9 });
    const cases: Array<[string, Params]> = [
      ["fastface", { lambda: 3e-4, tau: 0.02 }],
      ["fastface", { lambda: 3e-4, tau: 0.02, warmup: 6000 }],
      ...configs.slice(0, 5),
    ];
    for (const [name, params] of cases) {
      const sweep = viaSweep(curve, name, params);
      assert.deepEqual(sweep, viaReplay(curve, name, params), name);
    }
    const first = viaSweep(curve, "fastface", { lambda: 3e-4, tau: 0.02 });
    assert.ok(first.removed > 0 && first.premature > 0, "the case is not trivial");
  });

  it("relative lambda = absolute lambda x loss scale", () => {
    const curve = syntheticCurve("s", 30000, { seed: 9, scale: 0.37 });
    const scale = lossScale(
      prepareCurve(curve, 0, { expand: "hold", judge: "haar", totalSteps: null }).prepared.losses,
    );
    const rel = viaSweep(curve, "fastface", { lambda: 5e-6, lambdaMode: "relative", tau: 0.01 });
    assert.deepEqual(rel, viaReplay(curve, "fastface", { lambda: 5e-6 * scale, tau: 0.01 }));
  });

  // powers of two scale every float exactly, so the decisions must be bit-identical
  it("relative lambda decisions are invariant to rescaling the loss (property)", () => {
    const base = syntheticCurve("s", 12000, { seed: 2, phases: 2 });
    fc.assert(
      fc.property(fc.constantFrom(0.125, 0.25, 2, 4, 8), fc.constantFrom(1e-6, 3e-6, 1e-5, 3e-5), (k, lambda) => {
        const scaled: Curve = { ...base, columns: { ...base.columns, loss: base.columns.loss.map((v) => v * k) } };
        const params = { lambda, lambdaMode: "relative", tau: 0.01 };
        const a = viaSweep(base, "fastface", params);
        const b = viaSweep(scaled, "fastface", params);
        assert.deepEqual(b, a);
      }),
      { seed: 1, numRuns: 12 },
    );
  });

  it("a batch of configs (shared passes) gives each config's row of evaluateConfig", async () => {
    const curve = await loadCurve(join(LOGS, "insightface_ms1mv3_r50_poly.log"));
    const { prepared } = prepareCurve(curve, 0, { expand: "hold", judge: "haar", totalSteps: null });
    for (const [name, configs] of [
      [
        "fastface",
        [1e-6, 1e-5, 3e-5, 1e-4].flatMap((lambda) =>
          [0.001, 0.01, 0.05].map((tau) => ({ lambda, tau, lambdaMode: lambda > 5e-5 ? "relative" : "absolute" })),
        ),
      ],
      ["hck", [1e-6, 1e-5, 1e-4].map((lambda) => ({ m: 2000, lambda, tau: 0.005 }))],
      ["plateau-torch", [{ patience: 3000 }, { patience: 1000 }]],
    ] as Array<[string, Params[]]>) {
      const idx = configs.map((_, i) => 10 + i);
      const batch = evaluateBatch(prepared, name, configs, 1, idx);
      const single = configs.map((p, i) => evaluateConfig(prepared, name, p, 1, idx[i]!));
      const strip = (rows: typeof batch) => rows.map(({ nsPerStep: _, ...rest }) => rest);
      assert.deepEqual(strip(batch), strip(single), name);
      assert.ok(
        batch.some((r) => r.decays > 0),
        `${name}: some config decays`,
      );
    }
  });
});
