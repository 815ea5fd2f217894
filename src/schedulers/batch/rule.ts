/**
 * The decision rule of decide.ts (DecayRule.decide) applied after the fact to packed comparison bits: a batch
 * kernel first computes the statistic of every lane and records one bit per step, `x_t < lambda`, and this file
 * turns the bits into counter overflows, decays and LRs. The statistic never depends on a decision (replay is
 * open loop), so the two passes give exactly what `step()` gives one loss at a time.
 *
 * A run of r stationary steps starting with counter c: the counter overflows at the (toler + 1 - c)-th step of
 * the run and every toler + 1 steps after, so n = floor((c + r) / (toler + 1)) overflows and the counter ends at
 * (c + r) mod (toler + 1); each overflow is an event, and a decay (LR / delta) while events <= maxDecays. A
 * non-stationary step resets the counter. Whole 32-step words of zeros or ones cost O(1), and so does a mixed word
 * when toler >= 32 and its leading run does not overflow the counter: no run inside a word can then, and the
 * counter ends at the word's trailing run.
 *
 * Bit layout (what the kernels write): one little-endian 64-bit word per lane pair and 32 steps, lane 0 in the
 * even bits and lane 1 in the odd bits, the oldest step in the most significant pair of bits.
 */
import type { DecaySink } from "../types.ts";

/** The counters of one configuration while its bits are replayed. */
export class RuleLane {
  count: number;
  events: number;
  lr: number;
  readonly toler: number;
  readonly maxDecays: number;
  readonly delta: number;
  readonly sink: DecaySink;
  /**
   * Compact position of the first step that is decided (0: all): earlier steps leave the counters as they are,
   * as step() does while a scheduler holds its decisions back (a warm-up).
   */
  quietUntil = 0;

  constructor(
    s: { count: number; events: number; lr: number; toler: number; maxDecays: number; delta: number },
    sink: DecaySink,
  ) {
    this.count = s.count;
    this.events = s.events;
    this.lr = s.lr;
    this.toler = s.toler;
    this.maxDecays = s.maxDecays;
    this.delta = s.delta;
    this.sink = sink;
  }

  /**
   * r consecutive stationary steps at compact positions pos .. pos + r - 1 (`stepOf` maps them to indices).
   * @example lane.stationary(10, 0, null) // a counter overflow at every (toler + 1)-th step
   */
  stationary(r: number, pos: number, stepOf: Int32Array | null, offset: number): void {
    const c = this.count + r;
    if (c <= this.toler) {
      this.count = c;
      return;
    }
    const period = this.toler + 1;
    const n = Math.floor(c / period);
    let at = pos + this.toler - this.count;
    this.count = c - n * period;
    for (let e = 0; e < n; e++) {
      this.events += 1;
      if (this.events > this.maxDecays) {
        this.events += n - e - 1;
        return;
      }
      this.lr /= this.delta;
      this.sink.index.push(stepOf ? stepOf[at]! : at + offset);
      this.sink.lr.push(this.lr);
      at += period;
    }
  }
}

/** Lane `odd`'s 16 bits of a 32-bit half word (every other bit), oldest first from bit 15. */
function squeeze(h: number, odd: number): number {
  let x = (h >>> odd) & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/** 16 steps of one lane (bit 15 oldest) at compact positions pos .. pos + 15. */
function sixteen(lane: RuleLane, v16: number, pos: number, stepOf: Int32Array | null, offset: number): void {
  if (v16 === 0) {
    lane.count = 0;
    return;
  }
  if (v16 === 0xffff) {
    lane.stationary(16, pos, stepOf, offset);
    return;
  }
  runs(lane, v16 << 16, 16, pos, stepOf, offset);
}

/** The `rem` most significant bits of v (oldest first) at compact positions pos .. pos + rem - 1, run by run. */
function runs(
  lane: RuleLane,
  bits: number,
  rem0: number,
  pos: number,
  stepOf: Int32Array | null,
  offset: number,
): void {
  let v = bits;
  let rem = rem0;
  let p = pos;
  while (rem > 0) {
    let r: number;
    if (v < 0) {
      r = Math.clz32(~v);
      if (r > rem) r = rem;
      lane.stationary(r, p, stepOf, offset);
    } else {
      r = Math.clz32(v);
      if (r > rem) r = rem;
      lane.count = 0;
    }
    v = r >= 32 ? 0 : v << r;
    rem -= r;
    p += r;
  }
}

/** Trailing zero bits of a non-zero 32-bit value. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Replay `words` 32-step words of one lane: `bits` is an Int32Array view, the lane's first word at 32-bit index
 * `at` (low half; high half at at + 1), successive words `stride` 32-bit entries apart; `odd` selects lane 1 of the
 * pair. Compact position pos0 is the first step; a decay at compact position q is recorded at step index
 * stepOf[q] (or q + offset when stepOf is null).
 * @example replayBits(lane, i32, 512, 8, 256, 0, 0, null, 2)
 */
export function replayBits(
  lane: RuleLane,
  bits: Int32Array,
  at: number,
  stride: number,
  words: number,
  odd: number,
  pos0: number,
  stepOf: Int32Array | null,
  offset: number,
): void {
  const mask = odd ? 0xaaaaaaaa | 0 : 0x55555555;
  // the oldest step of a half is bit 31 (lane 1) or 30 (lane 0), the newest bit 1 or 0
  const top = odd ? 0 : 1;
  const long = lane.toler >= 32;
  let a = at;
  let pos = pos0;
  for (let w = 0; w < words; w++) {
    const hi = bits[a + 1]! & mask;
    const lo = bits[a]! & mask;
    if (pos + 32 <= lane.quietUntil) {
      // held back: no decision, the counters stay
    } else if (pos < lane.quietUntil) {
      const skip = lane.quietUntil - pos;
      const v = (squeeze(hi, odd) << 16) | squeeze(lo, odd);
      runs(lane, v << skip, 32 - skip, lane.quietUntil, stepOf, offset);
    } else if ((hi | lo) === 0) lane.count = 0;
    else if (hi === mask && lo === mask) lane.stationary(32, pos, stepOf, offset);
    else {
      const zh = ~hi & mask;
      const zl = ~lo & mask;
      const lead = zh !== 0 ? (Math.clz32(zh) - top) >> 1 : 16 + ((Math.clz32(zl) - top) >> 1);
      if (long && lane.count + lead <= lane.toler) {
        lane.count = zl !== 0 ? (ctz(zl) - odd) >> 1 : 16 + ((ctz(zh) - odd) >> 1);
      } else {
        sixteen(lane, squeeze(hi, odd), pos, stepOf, offset);
        sixteen(lane, squeeze(lo, odd), pos + 16, stepOf, offset);
      }
    }
    a += stride;
    pos += 32;
  }
}
