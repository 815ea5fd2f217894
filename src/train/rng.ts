/**
 * Seeded pseudo-random numbers for the retrain area: a small, fast, reproducible generator (mulberry32) and
 * derived draws. Every random choice in training (data, initialisation, batch order, pairs) flows from one seed.
 */

/** A seeded generator of uniform numbers in [0, 1). */
export class Rng {
  private s: number;
  private spare = Number.NaN;
  constructor(seed: number) {
    this.s = hashSeed(seed) >>> 0;
  }
  /**
   * Uniform in [0, 1).
   *
   * @example
   * new Rng(1).next(); // same value on every run
   */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = Number.NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/**
 * Mix several integers into one 32-bit seed (so per-identity / per-image generators are independent).
 *
 * @example
 * new Rng(mixSeed(1, 42, 7)); // identity 42, image 7 of the run seeded with 1
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

function hashSeed(seed: number): number {
  return mixSeed(Math.floor(seed), 0x9e3779b9);
}
