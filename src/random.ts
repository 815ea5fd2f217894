/**
 * The one seeded pseudo-random generator of fastface (mulberry32: 32-bit state, period 2^32, uniform doubles
 * with 32 random bits). Fit starts, the noise bootstrap, the closed loop, `sweep --random` and the tests draw from
 * here, so a seed reproduces a run exactly. Three seedings exist and stay as they were, because stored results
 * depend on them: `new Prng(seed)` maps seed 0 to a fixed odd state (simulate), `mulberry32(seed)` takes the seed
 * as the state (sweep grids, whose seed is part of a sweep database's definition), and `new Rng(seed)` (retrain:
 * data, initialisation, batch order, pairs) hashes the seed with `mixSeed` and draws normals in cached pairs.
 */

/** A seeded generator: uniform, integer and normal draws. */
export class Prng {
  protected s: number;
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

/**
 * The retrain area's generator: the same mulberry32 stream, seeded through `mixSeed`, with uniform ranges, a
 * Fisher-Yates shuffle and normals from Box-Muller in pairs (the second value cached).
 */
export class Rng extends Prng {
  private spare = Number.NaN;
  /**
   * @example
   * new Rng(1).next(); // same value on every run
   */
  constructor(seed: number) {
    super(1);
    this.s = mixSeed(Math.floor(seed), 0x9e3779b9) >>> 0;
  }
  /** Uniform in [lo, hi). @example new Rng(1).uniform(-1, 1) */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller, caching the second value). @example new Rng(1).normal() */
  override normal(): number {
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
  /** In-place Fisher-Yates shuffle. @example new Rng(1).shuffle([1, 2, 3]) */
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
