/**
 * plateau-timm and torch-generator.ts: torch's random stream (values printed by torch 1.13 on this machine),
 * hand-computed warm-up values, and golden LR sequences written by the real torch ReduceLROnPlateau and
 * generator (test/fixtures/schedulers/plateau_timm_golden.py, which documents how to regenerate them).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { plateauTimm } from "../../src/schedulers/plateau-timm.ts";
import { plateauTorch } from "../../src/schedulers/plateau-torch.ts";
import { restoreScheduler } from "../../src/schedulers/registry.ts";
import { TorchGenerator } from "../../src/schedulers/torch-generator.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

describe("TorchGenerator reproduces torch's CPU stream", () => {
  it("mt19937 reference output (seed 5489)", () => {
    assert.equal(new TorchGenerator(5489).next32(), 3499211612);
  });
  it("torch.randn(1) and torch.rand(1) after manual_seed, as torch 1.13 prints them", () => {
    const want: Record<number, [number[], number[]]> = {
      0: [
        [1.5409960746765137, -0.293428897857666, -2.1787893772125244],
        [0.49625658988952637, 0.7682217955589294, 0.08847743272781372],
      ],
      42: [
        [0.33669036626815796, 0.12880940735340118, 0.23446236550807953],
        [0.8822692632675171, 0.9150039553642273, 0.38286375999450684],
      ],
      1000: [
        [-1.1720491647720337, -0.3928842544555664, 0.5264794826507568],
        [0.3189346194267273, 0.6135610938072205, 0.44177669286727905],
      ],
    };
    for (const [seed, [randn, rand]] of Object.entries(want)) {
      const g = new TorchGenerator(Number(seed));
      assert.deepEqual([g.randnFloat32(), g.randnFloat32(), g.randnFloat32()], randn, `randn seed ${seed}`);
      const u = new TorchGenerator(Number(seed));
      assert.deepEqual([u.randFloat32(), u.randFloat32(), u.randFloat32()], rand, `rand seed ${seed}`);
    }
  });
});

describe("plateau-timm: hand-computed", () => {
  it("warm-up: lr = init + epoch (lr0 - init) / warmup_t for epochs 1..warmup_t, metric ignored meanwhile", () => {
    const s = plateauTimm.create({ warmup_t: 4, warmup_lr_init: 0.02, patience_t: 0 }, { totalSteps: 100, lr0: 0.1 });
    assert.equal(s.lr, 0.02);
    const r = record(s, [9, 9, 9, 9, 1, 2]);
    const step = (0.1 - 0.02) / 4;
    assert.deepEqual(r.lr.slice(0, 4), [0.02 + step, 0.02 + 2 * step, 0.02 + 3 * step, 0.02 + 4 * step]);
    // epoch 5: the base scheduler's first metric (1) is its best; epoch 6: worse -> 1 bad epoch > patience 0
    assert.deepEqual(firedAt(r.fired), [5]);
    assert.ok(Math.abs(r.lr[5]! - 0.1 * 0.1) < 1e-15);
  });
  it("without warm-up and noise it is plateau-torch with timm's names", () => {
    const L = noisyCurve(3000, 4, 0.4);
    const a = record(
      plateauTimm.create({ patience_t: 40, decay_rate: 0.5, cooldown_t: 3 }, { totalSteps: 3000, lr0: 0.1 }),
      L,
    );
    const b = record(
      plateauTorch.create({ patience: 40, factor: 0.5, cooldown: 3 }, { totalSteps: 3000, lr0: 0.1 }),
      L,
    );
    assert.deepEqual(a.lr, b.lr);
    assert.ok(firedAt(a.fired).length > 2);
  });
});

describe("plateau-timm equals the real torch (golden sequences)", () => {
  const golden = JSON.parse(
    readFileSync(new URL("../fixtures/schedulers/plateau-timm-golden.json", import.meta.url), "utf8"),
  ) as { losses: number[]; cases: Array<Record<string, unknown> & { name: string; lr: number[]; lr0: number }> };
  for (const c of golden.cases) {
    it(c.name, () => {
      const params: Record<string, unknown> = {
        decay_rate: c.decay_rate,
        patience_t: c.patience_t,
        threshold: c.threshold,
        cooldown_t: c.cooldown_t,
        warmup_t: c.warmup_t,
        warmup_lr_init: c.warmup_lr_init,
        lr_min: c.lr_min,
        noise_range: c.noise_range ?? [],
        noise_type: c.noise_type,
        noise_pct: c.noise_pct,
        noise_seed: c.noise_seed,
      };
      const r = record(plateauTimm.create(params as never, { totalSteps: 100, lr0: c.lr0 }), golden.losses);
      r.lr.forEach((v, i) => {
        assert.ok(Math.abs(v - c.lr[i]!) <= 1e-15 * c.lr[i]!, `${c.name} step ${i}: ${v} != ${c.lr[i]}`);
      });
    });
  }
  it("the golden cases decay and carry noise (so the comparison is not vacuous)", () => {
    const noisy = golden.cases.find((c) => c.name === "normal noise")!;
    const distinct = new Set(noisy.lr.slice(10, 40)).size;
    assert.ok(distinct > 20, `${distinct} distinct noisy values`);
    assert.ok(golden.cases.every((c) => c.lr.some((v, i) => i > 0 && v < c.lr[i - 1]! * 0.9)));
  });
});

describe("plateau-timm state", () => {
  it("restore-then-continue equals an uninterrupted run, through the warm-up and the noise", () => {
    const L = noisyCurve(400, 2, 0.4);
    const params = { warmup_t: 30, warmup_lr_init: 0.001, patience_t: 20, noise_range: [50, 300], noise_seed: 3 };
    const full = record(plateauTimm.create(params, { totalSteps: 400, lr0: 0.1 }), L);
    for (const cut of [0, 10, 30, 31, 60, 200, 399]) {
      const a = plateauTimm.create(params, { totalSteps: 400, lr0: 0.1 });
      record(a, L.subarray(0, cut));
      const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
      assert.deepEqual(record(b, L.subarray(cut)).lr, full.lr.slice(cut), `cut ${cut}`);
    }
  });
});
