/**
 * The replay hot loop: feed a per-step loss sequence to a scheduler and record where it decays.
 * No allocation per step (only per decay); uses the scheduler's `stepRange` fast path when it has one.
 */
import { feedRange } from "../schedulers/step-range.ts";
import type { DecaySink, Scheduler } from "../schedulers/types.ts";

/**
 * A fresh decay sink whose `lr` array holds doubles from the start: pushing the first fractional LR into an
 * empty (small-integer) array changes its elements kind, which deoptimises the hot loop that pushes it.
 */
export function newDecaySink(): DecaySink {
  const lr = [0.5];
  lr.pop();
  return { index: [], lr };
}

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
  const sink = newDecaySink();
  const t0 = process.hrtime.bigint();
  feedRange(s, losses, from, to, sink);
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

/** Decays and diagnostics sampled at chosen indices, captured by `sampleScheduler`. */
export interface SchedulerSamples {
  /** Per-step indices at which a decay fires, and the LR after each (as `runScheduler`). */
  decayIndices: number[];
  lrAfter: number[];
  /** At each sampled index i: the LR in force after step i, the statistic and the counter (NaN when none). */
  lr: number[];
  statistic: number[];
  counter: number[];
}

/**
 * Run `s` over all of `losses` (through its `stepRange` fast path, in segments ending at the sampled indices)
 * and read the LR, statistic and counter after each index of `idx` (ascending): the same values
 * `traceScheduler` records at those indices, without a per-step record or a second pass.
 * @example const sm = sampleScheduler(createScheduler("hck", ctx), loss, [0, 5000, 9999]); sm.statistic[1]
 */
export function sampleScheduler(s: Scheduler, losses: Float64Array, idx: readonly number[]): SchedulerSamples {
  const sink = newDecaySink();
  const k = idx.length;
  const lr: number[] = new Array(k);
  const statistic: number[] = new Array(k);
  const counter: number[] = new Array(k);
  const feed = (from: number, to: number) => {
    if (to <= from) return;
    feedRange(s, losses, from, to, sink);
  };
  let done = 0;
  for (let j = 0; j < k; j++) {
    const to = Math.min(idx[j]! + 1, losses.length);
    feed(done, to);
    if (to > done) done = to;
    lr[j] = s.lr;
    statistic[j] = s.statistic ?? Number.NaN;
    counter[j] = s.counter ?? Number.NaN;
  }
  feed(done, losses.length);
  return { decayIndices: sink.index, lrAfter: sink.lr, lr, statistic, counter };
}
