/** Shared test helpers of the scheduler tests: seeded curves and references. */
import type { Scheduler } from "../../src/schedulers/types.ts";

/** Deterministic uniform [0, 1) (Park-Miller). */
export function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

/** A plausible loss curve: exponential decay towards a floor, with noise and flat stretches. */
export function noisyCurve(n: number, seed: number, noise = 0.2): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  const tau = n / (1 + 4 * r());
  for (let i = 0; i < n; i++) out[i] = 1 + 8 * Math.exp(-i / tau) + noise * (r() - 0.5);
  return out;
}

export interface StepRecord {
  fired: boolean[];
  lr: number[];
  statistic: number[];
  counter: number[];
}

/** Feed every loss through step() and record everything observable. */
export function record(s: Scheduler, losses: ArrayLike<number>): StepRecord {
  const out: StepRecord = { fired: [], lr: [], statistic: [], counter: [] };
  for (let i = 0; i < losses.length; i++) {
    out.fired.push(s.step(losses[i]!));
    out.lr.push(s.lr);
    out.statistic.push(s.statistic ?? Number.NaN);
    out.counter.push(s.counter ?? Number.NaN);
  }
  return out;
}

export const firedAt = (fired: boolean[]): number[] => fired.flatMap((f, i) => (f ? [i] : []));

/**
 * A noisy curve with non-finite values (NaN, +Inf, -Inf) at `holes` random places, in runs of 1-3, and `spikes`
 * huge finite losses (+-1e16: a running sum below the added value's ulp; +-1e300: fastface's x overflows).
 */
export function holeyCurve(n: number, seed: number, holes: number, spikes = 0): Float64Array {
  const L = noisyCurve(n, seed, 0.5);
  const r = rng(seed + 17);
  const huge = [1e16, -1e16, 1e300, -1e300];
  for (let k = 0; k < spikes; k++) L[Math.floor(r() * n)] = huge[Math.floor(r() * 4)]!;
  const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let h = 0; h < holes; h++) {
    const at = Math.floor(r() * n);
    const len = 1 + Math.floor(r() * 3);
    for (let q = at; q < Math.min(n, at + len); q++) L[q] = bad[Math.floor(r() * 3)]!;
  }
  return L;
}
