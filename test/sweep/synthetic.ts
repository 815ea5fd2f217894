/**
 * Small synthetic loss curves for sweep tests: exponential descents separated by plateaus (the shape of an FR
 * run under a step schedule), with seeded noise. Deterministic for a seed.
 */
import type { Curve } from "../../src/curve/curve.ts";
import { mulberry32 } from "../../src/random.ts";

/**
 * A curve of `steps` per-step points (stride 1 from step 1): `phases` descents, each followed by a plateau.
 * `scale` multiplies the whole loss (a run with another loss scale).
 */
export function syntheticCurve(
  name: string,
  steps: number,
  opts: { seed?: number; phases?: number; scale?: number; stride?: number } = {},
): Curve {
  const rand = mulberry32(opts.seed ?? 1);
  const phases = opts.phases ?? 3;
  const scale = opts.scale ?? 1;
  const stride = opts.stride ?? 1;
  const n = Math.floor(steps / stride);
  const step = new Float64Array(n);
  const loss = new Float64Array(n);
  const phaseLen = steps / phases;
  let level = 40;
  for (let i = 0; i < n; i++) {
    const s = (i + 1) * stride;
    const p = Math.min(phases - 1, Math.floor((s - 1) / phaseLen));
    const within = (s - 1 - p * phaseLen) / phaseLen;
    const start = 40 * 0.4 ** p;
    const drop = start * 0.55;
    // fast descent over the first 40% of a phase, flat afterwards
    level = start - drop * (1 - Math.exp(-within / 0.08));
    step[i] = s;
    loss[i] = scale * (level + (rand() - 0.5) * 0.02 * level);
  }
  return {
    columns: { step, loss },
    meta: {
      name,
      source: `synthetic:${name}`,
      format: "synthetic",
      stride,
      aggregation: "instant",
      config: {},
      evaluations: [],
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      warnings: [],
    },
  };
}
