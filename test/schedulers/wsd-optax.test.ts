/**
 * wsd (HuggingFace get_wsd_schedule) and plateau-optax (optax.contrib.reduce_on_plateau): hand-computed values
 * and ports of the original lines (transformers `_get_wsd_scheduler_lambda`; optax's `update_fn` and
 * `_update_scale`, with float32 arithmetic as JAX does it for float32 parameters) as test oracles.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { plateauOptax } from "../../src/schedulers/plateau-optax.ts";
import { restoreScheduler } from "../../src/schedulers/registry.ts";
import { wsd } from "../../src/schedulers/wsd.ts";
import { firedAt, noisyCurve, record } from "./helpers.ts";

const zeros = (n: number) => new Array<number>(n).fill(0);

/** transformers' lambda, ported. */
function hfLambda(
  u: number,
  o: { W: number; S: number; D: number; warmup: string; decay: string; r: number; cycles: number },
): number {
  if (u < o.W) {
    const progress = u / Math.max(1, o.W);
    let factor = 0;
    if (o.warmup === "linear") factor = progress;
    else if (o.warmup === "cosine") factor = 0.5 * (1.0 - Math.cos(Math.PI * progress));
    else if (o.warmup === "1-sqrt") factor = 1.0 - Math.sqrt(1.0 - progress);
    factor = factor * (1.0 - o.r) + o.r;
    return Math.max(0.0, factor);
  }
  if (u < o.W + o.S) return 1.0;
  if (u < o.W + o.S + o.D) {
    const progress = (u - o.W - o.S) / Math.max(1, o.D);
    let factor = 0;
    if (o.decay === "linear") factor = 1.0 - progress;
    else if (o.decay === "cosine") factor = 0.5 * (1.0 + Math.cos(Math.PI * o.cycles * 2.0 * progress));
    else if (o.decay === "1-sqrt") factor = 1.0 - Math.sqrt(progress);
    factor = factor * (1.0 - o.r) + o.r;
    return Math.max(0.0, factor);
  }
  return o.r;
}

describe("wsd (HuggingFace warmup-stable-decay)", () => {
  it("hand values: W 4 linear, S 2, D 4 linear, r 0.2: 0.2 -> 1 -> 1 -> 0.2", () => {
    // LR after step t is f(t + 1) (torch's LambdaLR: the step counter after t + 1 calls)
    const r = record(
      wsd.create(
        { warmup: 4, stable: 2, decay: 4, decay_type: "linear", min_lr_ratio: 0.2 },
        { totalSteps: 10, lr0: 1 },
      ),
      zeros(11),
    );
    const want = [0.4, 0.6, 0.8, 1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0.2];
    r.lr.forEach((v, i) => {
      assert.ok(Math.abs(v - want[i]!) < 1e-12, `${i}: ${v} != ${want[i]}`);
    });
  });
  it("stable defaults to T - W - D (transformers' num_training_steps form)", () => {
    const a = record(wsd.create({ warmup: 10, decay: 30 }, { totalSteps: 100, lr0: 1 }), zeros(100)).lr;
    const b = record(wsd.create({ warmup: 10, decay: 30, stable: 60 }, { totalSteps: 100, lr0: 1 }), zeros(100)).lr;
    assert.deepEqual(a, b);
    assert.throws(() => wsd.create({ warmup: 60, decay: 60 }, { totalSteps: 100, lr0: 1 }), /parameter 'decay'/);
  });
  it("equals transformers' lambda for every shape", () => {
    for (const warmup of ["linear", "cosine", "1-sqrt"]) {
      for (const decay of ["linear", "cosine", "1-sqrt"]) {
        const o = { W: 37, S: 101, D: 211, warmup, decay, r: 0.05, cycles: 0.5 };
        const r = record(
          wsd.create(
            { warmup: 37, stable: 101, decay: 211, warmup_type: warmup, decay_type: decay, min_lr_ratio: 0.05 },
            { totalSteps: 400, lr0: 3e-4 },
          ),
          zeros(400),
        );
        r.lr.forEach((v, t) => {
          assert.equal(v, 3e-4 * hfLambda(t + 1, o), `${warmup}/${decay} at ${t}`);
        });
      }
    }
  });
  it("decay events at each halving after the warm-up, none during it", () => {
    const r = record(
      wsd.create({ warmup: 10, decay: 50, decay_type: "linear" }, { totalSteps: 100, lr0: 1 }),
      zeros(100),
    );
    const fired = firedAt(r.fired);
    assert.ok(fired.length >= 3 && fired.every((i) => i >= 50), `${fired}`);
  });
});

/** optax's reduce_on_plateau update, ported with float32 state (JAX's dtype for float32 parameters). */
function optaxScales(
  values: number[],
  o: { factor: number; patience: number; rtol: number; atol: number; cooldown: number; size: number; minScale: number },
): number[] {
  const f = Math.fround;
  let st = { scale: f(1), best: Number.POSITIVE_INFINITY, plateau: 0, cooldown: 0, count: 0, avg: f(0) };
  const updateScale = (s: typeof st) => {
    const avg = s.avg;
    const improved = avg < f(f(f(1 - o.rtol) * s.best) - f(o.atol));
    const best = improved ? avg : s.best;
    const curr = improved ? 0 : s.plateau + 1;
    let plateau: number;
    let scale: number;
    let cooldown: number;
    if (s.cooldown > 0) {
      plateau = 0;
      scale = s.scale;
      cooldown = s.cooldown - 1;
    } else {
      plateau = curr === o.patience ? 0 : curr;
      scale = Math.max(curr === o.patience ? f(s.scale * f(o.factor)) : s.scale, f(o.minScale));
      cooldown = curr === o.patience ? o.cooldown : 0;
    }
    return { scale, best, plateau, cooldown, count: 0, avg: f(0) };
  };
  return values.map((value) => {
    const count = st.count;
    const newCount = count + 1;
    const newAvg = f(f(f(count * st.avg) + f(value)) / newCount);
    st = { ...st, avg: newAvg, count: newCount };
    if (newCount === o.size) st = updateScale(st);
    return st.scale;
  });
}

describe("plateau-optax (optax.contrib.reduce_on_plateau)", () => {
  const base = { factor: 0.5, patience: 3, rtol: 1e-4, atol: 0, cooldown: 0, size: 1, minScale: 0 };
  it("hand values: a reduction after `patience` (3) non-improving values, not patience + 1 as torch", () => {
    const s = plateauOptax.create({ factor: 0.5, patience: 3 }, { totalSteps: 100, lr0: 1 });
    const r = record(s, [5, 4, 4, 4, 4, 4, 4, 4]);
    assert.deepEqual(firedAt(r.fired), [4, 7]);
    assert.deepEqual([r.lr[4], r.lr[7]], [0.5, 0.25]);
  });
  it("accumulation_size averages the values before each update; cooldown skips updates", () => {
    const s = plateauOptax.create(
      { factor: 0.5, patience: 1, accumulation_size: 2, cooldown: 1 },
      { totalSteps: 100, lr0: 1 },
    );
    // means of pairs: 5 (best), 5 (bad -> reduce), 5 (cooldown), 5 (bad -> reduce)
    const r = record(s, [6, 4, 5, 5, 5, 5, 5, 5]);
    assert.deepEqual(firedAt(r.fired), [3, 7]);
  });
  it("rtol and atol act together: improved when avg < (1 - rtol) best - atol", () => {
    const s = plateauOptax.create({ factor: 0.5, patience: 1, rtol: 0.1, atol: 0.5 }, { totalSteps: 100, lr0: 1 });
    // best 10; 8.6 is not < 0.9 * 10 - 0.5 = 8.5 -> bad -> reduce
    assert.deepEqual(firedAt(record(s, [10, 8.6]).fired), [1]);
    const t = plateauOptax.create({ factor: 0.5, patience: 1, rtol: 0.1, atol: 0.5 }, { totalSteps: 100, lr0: 1 });
    assert.deepEqual(firedAt(record(t, [10, 8.4]).fired), []);
  });
  it("refuses what optax refuses", () => {
    assert.throws(() => plateauOptax.create({ factor: 1 }, { totalSteps: 10, lr0: 1 }), /factor/);
    assert.throws(() => plateauOptax.create({ rtol: 0, atol: 0 }, { totalSteps: 10, lr0: 1 }), /rtol/);
  });
  it("equals the ported lines on noisy curves (float32 and float64)", () => {
    let reductions = 0;
    for (const seed of [1, 2, 3, 4]) {
      const L = Array.from(noisyCurve(5000, seed, 0.3));
      for (const [size, patience, cooldown] of [
        [1, 60, 0],
        [10, 4, 2],
        [25, 2, 1],
      ] as const) {
        const o = { ...base, size, patience, cooldown, minScale: 1e-3 };
        const want = optaxScales(L, o);
        const s = plateauOptax.create(
          { factor: 0.5, patience, cooldown, accumulation_size: size, min_scale: 1e-3 },
          { totalSteps: 5000, lr0: 0.02 },
        );
        const r = record(s, L);
        reductions += s.decays;
        r.lr.forEach((v, i) => {
          assert.equal(v, 0.02 * want[i]!, `seed ${seed} size ${size} at ${i}`);
        });
      }
    }
    assert.ok(reductions > 20, `only ${reductions} reductions`);
  });
  it("restore-then-continue equals an uninterrupted run mid-accumulation", () => {
    const L = noisyCurve(800, 5, 0.3);
    const params = { factor: 0.5, patience: 2, accumulation_size: 5, cooldown: 1 };
    const full = record(plateauOptax.create(params, { totalSteps: 800, lr0: 1 }), L);
    assert.ok(full.fired.some(Boolean));
    for (const cut of [0, 3, 5, 7, 100, 333, 799]) {
      const a = plateauOptax.create(params, { totalSteps: 800, lr0: 1 });
      record(a, L.subarray(0, cut));
      const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
      assert.deepEqual(record(b, L.subarray(cut)).lr, full.lr.slice(cut), `cut ${cut}`);
    }
  });
});
