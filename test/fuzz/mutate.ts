/**
 * Seeded mutations of real inputs: overwrite, delete or insert bytes, write an extreme 32-bit value (lengths
 * and offsets in binary formats), duplicate a region, or insert a long run of one character (long lines,
 * backtracking regular expressions).
 */
import type { Rng } from "../../src/random.ts";

const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x2e, 0x04];

/**
 * One mutated copy of `src`, from `rng`.
 *
 * @example
 * const bytes = mutate(seed, new Rng(1));
 */
export function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  let b = src;
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    const kind = rng.int(100);
    if (kind < 35) {
      b = b.slice();
      const n = 1 + rng.int(4);
      for (let k = 0; k < n && at + k < b.length; k++) b[at + k] = rng.int(256);
    } else if (kind < 50) {
      const n = 1 + rng.int(16);
      b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n)));
    } else if (kind < 65) {
      const ins = Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256));
      b = concat(b.subarray(0, at), ins, b.subarray(at));
    } else if (kind < 85) {
      b = b.slice();
      const v = EXTREMES[rng.int(EXTREMES.length)] as number;
      const width = [1, 2, 4][rng.int(3)] as number;
      for (let k = 0; k < width && at + k < b.length; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
    } else if (kind < 95) {
      const n = 1 + rng.int(64);
      b = concat(b.subarray(0, at), b.subarray(at, at + n), b.subarray(at));
    } else {
      const ch = [0x39, 0x78, 0x20, 0x2c, 0x22, 0x5b, 0x7b][rng.int(7)] as number;
      const run = new Uint8Array(1000 + rng.int(100000)).fill(ch);
      b = concat(b.subarray(0, at), run, b.subarray(at));
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
