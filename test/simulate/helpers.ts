/** A curve object for synthetic runs (the fields loaders fill, nothing else). */
import type { Curve } from "../../src/curve/curve.ts";

export function syntheticCurve(
  name: string,
  step: Float64Array,
  loss: Float64Array,
  lr: Float64Array | undefined,
  stride: number,
): Curve {
  return {
    columns: lr ? { step, loss, lr } : { step, loss },
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
  } as unknown as Curve;
}
