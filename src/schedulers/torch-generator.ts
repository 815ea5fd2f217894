/**
 * torch's CPU random generator, as far as timm's LR noise uses it (`timm/scheduler/scheduler.py`,
 * `_calculate_noise`: a fresh `torch.Generator()` seeded `noise_seed + t`, then `torch.randn(1)` until
 * |noise| < noise_pct, or `torch.rand(1)`). Reproducing that noise needs torch's own stream, so this is not a
 * general-purpose PRNG (the project's PRNG is src/random.ts); it exists only so that `plateau-timm` can
 * replay a noisy timm schedule value for value.
 *
 * What torch does (ATen's CPUGeneratorImpl and its distribution helpers):
 * - `manual_seed(s)`: a 32-bit Mersenne Twister (mt19937) initialised from the low 32 bits of s;
 * - one double uniform: `random64()` = (first 32-bit draw << 32) | second draw, its low 53 bits times 2^-53;
 * - one float uniform (`torch.rand` in float32): the low 24 bits of one 32-bit draw times 2^-24;
 * - a normal sample (`torch.randn(1)`, fewer than 16 values, so the serial path in double): u1, u2 uniform
 *   doubles, r = sqrt(-2 log1p(-u2)), theta = 2 pi u1; returns r cos(theta) and caches r sin(theta) for the next
 *   call on the same generator; the float32 tensor then holds the rounded value.
 * Checked against torch 2.x on this machine (test/schedulers/plateau-timm.test.ts holds the values).
 */

const N = 624;
const M = 397;

/** mt19937 seeded the way torch seeds it; `next32()` is the engine's 32-bit output. */
export class TorchGenerator {
  private readonly mt = new Uint32Array(N);
  private index = N;
  private cachedNormal: number | null = null;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      let v = mt[(i + M) % N]! ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /**
   * The next 32-bit output of the engine.
   * @example new TorchGenerator(5489).next32() // -> 3499211612 (the mt19937 reference value)
   */
  next32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform double in [0, 1) from 53 bits of `random64()`. */
  uniformDouble(): number {
    const hi = this.next32();
    const lo = this.next32();
    // low 53 bits of (hi << 32 | lo): the low 21 bits of hi, then all of lo
    return ((hi & 0x1fffff) * 4294967296 + lo) / 9007199254740992;
  }

  /**
   * `torch.rand(1, generator=g).item()` for a float32 tensor.
   * @example new TorchGenerator(42).randFloat32() // in [0, 1)
   */
  randFloat32(): number {
    return (this.next32() & 0xffffff) / 16777216;
  }

  /**
   * `torch.randn(1, generator=g).item()` for a float32 tensor (Box-Muller in double, cached second value).
   * @example new TorchGenerator(42).randnFloat32() // a standard normal draw, float32-rounded
   */
  randnFloat32(): number {
    if (this.cachedNormal !== null) {
      const v = this.cachedNormal;
      this.cachedNormal = null;
      return Math.fround(v);
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return Math.fround(r * Math.cos(theta));
  }
}
