/**
 * Synthetic logs for explain's tests: a seeded loss curve, logged every `stride` steps as the interval mean
 * (as arcface_torch does), and an LR column written by a known rule that was fed the same held per-step losses
 * explain replays, printed with `decimals` decimals under a given timing. Generated with the project's own
 * conventions (replay's stepOffset, explain's T), so a correct search must reproduce the trace exactly.
 */
import type { Curve } from "../../src/curve/curve.ts";
import { expandCurve } from "../../src/curve/expand.ts";
import { explainTotalSteps } from "../../src/explain/explain.ts";
import { roundTo } from "../../src/explain/trace.ts";
import type { Timing } from "../../src/explain/types.ts";
import { stepOffsetOf } from "../../src/replay/replay.ts";
import { createScheduler } from "../../src/schedulers/registry.ts";
import { memoryCurve } from "../replay/helpers.ts";
import { rng } from "../schedulers/helpers.ts";

export interface SyntheticLog {
  curve: Curve;
  /** Steps of the logged LR changes. */
  changes: number[];
}

/** A loss with plateaus: a decaying level with flat stretches, a weak epoch sawtooth and noise. */
export function plateauLoss(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const level =
      3 + 6 * Math.exp(-t / (n / 6)) + 1.5 * Math.exp(-Math.max(0, t - n / 2) / (n / 20)) * (t > n / 2 ? 1 : 0);
    out[t] = level + 0.05 * ((t % 1000) / 1000) + 0.2 * (r() - 0.5);
  }
  return out;
}

/**
 * The log of a run whose LR came from `spec` (absolute LR, `lr0`).
 * @example const { curve } = syntheticLog("multistep:milestones=3000,6000", { n: 10000 });
 */
export function syntheticLog(
  spec: string,
  o: { n?: number; stride?: number; seed?: number; lr0?: number; decimals?: number | null; timing?: Timing } = {},
): SyntheticLog {
  const n = o.n ?? 10_000;
  const stride = o.stride ?? 10;
  const raw = plateauLoss(n, o.seed ?? 1);
  const step: number[] = [];
  const loss: number[] = [];
  for (let s = stride; s <= n; s += stride) {
    let sum = 0;
    for (let i = s - stride; i < s; i++) sum += raw[i]!;
    step.push(s);
    loss.push(sum / stride);
  }
  const curve = memoryCurve(step, loss, { format: "arcface-log", stepCounts: true, name: "synthetic", stride });
  const ex = expandCurve(curve, "hold");
  const ctx = { totalSteps: explainTotalSteps(curve, ex.lastStep, ex.steps), lr0: o.lr0 ?? 0.1 };
  const off = stepOffsetOf(curve, "hold", ex.firstStep);
  const s = createScheduler(spec, off > 0 ? { ...ctx, stepOffset: off } : ctx);
  const lr = new Float64Array(step.length);
  let p = 0;
  for (let i = 0; i < ex.steps && p < step.length; i++) {
    const before = s.lr;
    s.step(ex.loss[i]!);
    if (ex.stepOf(i) === step[p]) {
      lr[p] = roundTo(
        (o.timing ?? "immediate") === "official" ? before : s.lr,
        o.decimals === undefined ? 6 : o.decimals,
      );
      p++;
    }
  }
  curve.columns.lr = lr;
  const changes: number[] = [];
  for (let q = 1; q < lr.length; q++) if (lr[q] !== lr[q - 1]) changes.push(step[q]!);
  return { curve, changes };
}
