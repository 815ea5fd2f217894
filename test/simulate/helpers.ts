/** A synthetic run as a canonical curve (makeCurve computes the stride and the defaults). */

import { makeCurve } from "../../src/curve/clean.ts";
import type { Curve } from "../../src/curve/curve.ts";

export function syntheticCurve(
  name: string,
  step: Float64Array,
  loss: Float64Array,
  lr: Float64Array | undefined,
): Curve {
  return makeCurve(lr ? { step, loss, lr } : { step, loss }, {
    name,
    source: `synthetic:${name}`,
    format: "synthetic",
  });
}
