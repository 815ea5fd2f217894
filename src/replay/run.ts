/**
 * The replay hot loop: feed a per-step loss sequence to a scheduler and record where it decays.
 * No allocation per step (only per decay); uses the scheduler's `stepRange` fast path when it has one.
 */
import type { DecaySink, Scheduler } from "../schedulers/types.ts";

export interface RunResult {
  /** Per-step indices at which a decay fires (the new LR applies from index + 1). */
  decayIndices: number[];
  /** LR after each decay (absolute, same unit as lr0). */
  lrAfter: number[];
  /** Wall time per step in nanoseconds. */
  ns: number;
}

/**
 * Run `s` over losses[from..to) (default: all).
 * @example const { decayIndices } = runScheduler(createScheduler("fastface", ctx), loss);
 */
export function runScheduler(s: Scheduler, losses: Float64Array, from = 0, to = losses.length): RunResult {
  const sink: DecaySink = { index: [], lr: [] };
  const t0 = process.hrtime.bigint();
  if (s.stepRange) s.stepRange(losses, from, to, sink);
  else {
    for (let i = from; i < to; i++) {
      if (s.step(losses[i]!)) {
        sink.index.push(i);
        sink.lr.push(s.lr);
      }
    }
  }
  const elapsed = Number(process.hrtime.bigint() - t0);
  const n = to - from;
  return { decayIndices: sink.index, lrAfter: sink.lr, ns: n > 0 ? elapsed / n : 0 };
}

/** Per-step diagnostics captured by `traceScheduler` (one value per index). */
export interface SchedulerTrace {
  lr: Float64Array;
  statistic: Float64Array;
  counter: Float64Array;
}

/**
 * Run `s` recording the LR in force after each step, the statistic and the counter (for charts).
 * @example const tr = traceScheduler(createScheduler("hck", ctx), loss); tr.statistic[5000]
 */
export function traceScheduler(s: Scheduler, losses: Float64Array): SchedulerTrace {
  const n = losses.length;
  const lr = new Float64Array(n);
  const statistic = new Float64Array(n);
  const counter = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s.step(losses[i]!);
    lr[i] = s.lr;
    statistic[i] = s.statistic ?? Number.NaN;
    counter[i] = s.counter ?? Number.NaN;
  }
  return { lr, statistic, counter };
}
