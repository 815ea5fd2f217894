import type { Curve } from "../../src/curve/curve.ts";

/** A curve built in memory (format "synthetic"). */
export function memoryCurve(step: number[], loss: number[], extra: Partial<Curve["meta"]> = {}): Curve {
  return {
    columns: { step: Float64Array.from(step), loss: Float64Array.from(loss) },
    meta: {
      name: "mem",
      source: "memory",
      format: "synthetic",
      stride: step.length > 1 ? step[1]! - step[0]! : 1,
      aggregation: "mean-of-interval",
      config: {},
      evaluations: [],
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
      warnings: [],
      ...extra,
    },
  };
}

/** The project's own data folder (data/README.md): logs/, corpus/, real/. */
export const FIXTURES = new URL("../../data/", import.meta.url);
