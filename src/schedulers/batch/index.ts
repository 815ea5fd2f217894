/**
 * Many configurations per pass over the loss: the table of multi-configuration kernels (one per scheduler family
 * that has one) and `feedRangeBatch`, which feeds the same losses to a batch of schedulers exactly as calling
 * each one's `stepRange` (the equivalence tests in test/schedulers/batch.test.ts pin every kernel to step()).
 * Families without a kernel, and every scheduler of a family the kernel cannot take, go through `feedRange`.
 */
import { feedRange } from "../step-range.ts";
import type { DecaySink, Scheduler } from "../types.ts";
import { BatchCurve } from "./curve.ts";
import { FASTFACE_BATCH_PARAMS, fastfaceBatch } from "./fastface.ts";
import { HCK_BATCH_PARAMS, hckBatch } from "./hck.ts";

export { BatchCurve } from "./curve.ts";

/** A batch size that fills every pass of every kernel (fastface: K = 6, hck: K = 8). */
export const BATCH_LANES = 24;

/** A multi-configuration kernel: the contract of `feedRangeBatch` for schedulers of one family. */
export type BatchKernel = (
  batch: readonly Scheduler[],
  curve: BatchCurve,
  from: number,
  to: number,
  sinks: readonly DecaySink[],
) => void;

/**
 * Each kernel and the parameters it implements: a scheduler with any other parameter (one a kernel has not been
 * taught yet) replays through its own stepRange, so a new parameter can never be silently ignored.
 */
const KERNELS: Readonly<Record<string, { run: BatchKernel; params: ReadonlySet<string> }>> = {
  fastface: { run: (b, c, from, to, s) => fastfaceBatch(b, c, from, to, s), params: FASTFACE_BATCH_PARAMS },
  hck: { run: (b, c, from, to, s) => hckBatch(b, c, from, to, s), params: HCK_BATCH_PARAMS },
};

/**
 * True when `name` has a multi-configuration kernel.
 * @example hasBatchKernel("fastface") // -> true
 */
export function hasBatchKernel(name: string): boolean {
  return Object.hasOwn(KERNELS, name);
}

/**
 * Feed losses[from..to) to every scheduler of `batch` and record each one's decays in its sink, exactly as
 * `feedRange(batch[i], losses, from, to, sinks[i])` would; schedulers of a family with a kernel share passes.
 * @example
 * const curve = new BatchCurve(losses);
 * feedRangeBatch(schedulers, curve, 0, losses.length, schedulers.map(() => ({ index: [], lr: [] })));
 */
export function feedRangeBatch(
  batch: readonly Scheduler[],
  curve: BatchCurve | Float64Array,
  from: number,
  to: number,
  sinks: readonly DecaySink[],
): void {
  const c = curve instanceof BatchCurve ? curve : new BatchCurve(curve);
  const byName = new Map<string, number[]>();
  batch.forEach((s, i) => {
    const kernel = KERNELS[s.name];
    const key = kernel && Object.keys(s.params).every((k) => kernel.params.has(k)) ? s.name : "";
    const list = byName.get(key);
    if (list) list.push(i);
    else byName.set(key, [i]);
  });
  for (const [name, idx] of byName) {
    const kernel = KERNELS[name];
    if (kernel && idx.length > 1) {
      kernel.run(
        idx.map((i) => batch[i]!),
        c,
        from,
        to,
        idx.map((i) => sinks[i]!),
      );
    } else for (const i of idx) feedRange(batch[i]!, c.losses, from, to, sinks[i]!);
  }
}
