/**
 * The one seeded pseudo-random generator of fastface (mulberry32: 32-bit state, period 2^32, uniform doubles
 * with 32 random bits). Fit starts, the noise bootstrap, the closed loop, `sweep --random` and the tests draw from
 * here, so a seed reproduces a run exactly. Two seedings exist and stay as they were, because stored results
 * depend on them: `new Prng(seed)` maps seed 0 to a fixed odd state (simulate), `mulberry32(seed)` takes the seed
 * as the state (sweep grids, whose seed is part of a sweep database's definition).
 */

/** A seeded generator: uniform, integer and normal draws. */
export class Prng {
  private s: number;
  /**
   * @example
   * new Prng(1).next(); // the same value every time for seed 1
   */
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /**
   * A generator whose state is `state` as given (no remapping of 0).
   * @example
   * Prng.fromState(7).next() === mulberry32(7)(); // true
   */
  static fromState(state: number): Prng {
    const p = new Prng(1);
    p.s = state >>> 0;
    return p;
  }
  /**
   * Uniform in [0, 1).
   *
   * @example
   * new Prng(1).next(); // same value every time for seed 1
   */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). @example new Prng(3).int(10) // 0..9 */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller, one per call). @example new Prng(3).normal() */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * Uniform draws in [0, 1) as a function, the state seeded with `seed` as it is.
 *
 * @example
 * const rand = mulberry32(1); rand(); rand(); // two draws, the same on every run
 */
export function mulberry32(seed: number): () => number {
  const p = Prng.fromState(seed);
  return () => p.next();
}
