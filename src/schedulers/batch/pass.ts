/**
 * What the fastface and hck kernels share: the module instance and its memory, the 32-step word loop of pass 1
 * that packs one bit per lane and step, the rule lanes of pass 2 and the group bookkeeping around them.
 */
import { tolerance } from "../decide.ts";
import type { FastFaceState } from "../fastface.ts";
import type { HckState } from "../hck.ts";
import type { DecaySink } from "../types.ts";
import { RuleLane, replayBits } from "./rule.ts";
import { assemble, instantiate, OP, SIMD, type WasmFunction, type WasmMemory } from "./wasm.ts";

/** Where every kernel's lane block and bits live in its memory (the curve's data follows at DATA_OFF). */
export const LANE_OFF = 64;
export const BITS_OFF = 2048;
/** 32-step words per kernel call (8192 steps): the bits of a block stay in the L1 cache for pass 2. */
export const BLOCK_WORDS = 256;
/** Room for the bits of up to four pairs. */
export const DATA_OFF = BITS_OFF + BLOCK_WORDS * 8 * 4;

/** The most a kernel's 32-bit memory can hold (4 GiB less a page); a larger curve replays one config at a time. */
export const MAX_MEMORY = 2 ** 32 - 65536;

/** One compiled kernel module of this thread: its exported functions and its (growable) memory. */
export class KernelInstance<F> {
  private readonly memory: WasmMemory;
  private readonly fns: Map<string, F>;
  f64: Float64Array;
  i32: Int32Array;

  constructor(fns: readonly WasmFunction[]) {
    const exports = instantiate(assemble(fns, 1));
    this.memory = exports.mem as WasmMemory;
    this.fns = new Map(fns.map((fn) => [fn.name, exports[fn.name] as F]));
    this.f64 = new Float64Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }

  fn(name: string): F {
    return this.fns.get(name)!;
  }

  /** Grow the memory to at least `bytes`; true when it grew (earlier contents are kept, the views renewed). */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return false;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.f64 = new Float64Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    return true;
  }
}

/** The float64 index of a lane's value in slot `slot` of its pair's block (two lanes per 16-byte slot). */
export function laneIndex(lane: number, slot: number, pairBytes: number): number {
  return (LANE_OFF + (lane >> 1) * pairBytes + slot * 16) / 8 + (lane & 1);
}

/**
 * Emit pass 1's loop: `words` times, `32 / stepsPerIteration` iterations of `body` (which must end with every
 * pair's bits shifted), then each pair's 64-bit word of bits to `bitsLocal` and on to the next word.
 */
export function emitWordLoop(
  f: WasmFunction,
  words: number,
  bitsLocal: number,
  bits: readonly number[],
  stepsPerIteration: number,
  body: () => void,
): void {
  const j = f.local(0x7f);
  f.block();
  f.loop();
  f.get(words).op(OP.i32Eqz).brIf(1);
  f.i32(32 / stepsPerIteration).set(j);
  f.loop();
  body();
  f.get(j).i32(1).op(OP.i32Sub).tee(j).brIf(0);
  f.end();
  bits.forEach((b, p) => {
    f.get(bitsLocal)
      .get(b)
      .i64store(p * 8);
  });
  f.get(bitsLocal)
    .i32(bits.length * 8)
    .op(OP.i32Add)
    .set(bitsLocal);
  f.get(words).i32(1).op(OP.i32Sub).set(words);
  f.br(0);
  f.end();
  f.end();
}

/**
 * Emit `bits = bits << 2 | bitmask(stat < lambda)` for one pair (lane 0 in the even bit, lane 1 in the odd bit);
 * `stat` and `lambda` push their v128 values.
 */
export function emitPackBit(f: WasmFunction, bits: number, stat: () => void, lambda: () => void): void {
  f.get(bits).i64small(2).op(OP.i64Shl);
  stat();
  lambda();
  f.simd(SIMD.f64x2Lt).simd(SIMD.i64x2Bitmask).op(OP.i64ExtendI32U);
  f.op(OP.i64Or).set(bits);
}

/** The rule of a fastface or hck scheduler (decide.ts), from its state. */
export function ruleLaneOf(state: FastFaceState | HckState, sink: DecaySink): RuleLane {
  const p = state.params;
  return new RuleLane(
    {
      count: state.count,
      events: state.events,
      lr: state.lr,
      toler: tolerance(state.ctx.totalSteps, p.tau),
      maxDecays: p.maxDecays,
      delta: p.delta,
    },
    sink,
  );
}

/** A lane of a pass: its rule, and the other configurations that share its bits. */
export interface PassLane {
  rule: RuleLane;
  same: PassLane[];
}

/** Pass 2 over one block for every lane of a group (and the lanes sharing their bits). */
export function replayGroup(
  group: readonly PassLane[],
  i32: Int32Array,
  pairs: number,
  words: number,
  pos: number,
  stepOf: Int32Array | null,
): void {
  for (let j = 0; j < group.length; j++) {
    const l = group[j]!;
    const first = BITS_OFF / 4 + (j >> 1) * 2;
    replayBits(l.rule, i32, first, pairs * 2, words, j & 1, pos, stepOf, 0);
    for (const o of l.same) replayBits(o.rule, i32, first, pairs * 2, words, j & 1, pos, stepOf, 0);
  }
}

/** The smallest of `available` pair counts (<= maxPairs) that holds `lanes` lanes. */
export function pairsFor<P extends number>(lanes: number, maxPairs: P, available: readonly P[]): P {
  for (const p of available) if (p <= maxPairs && 2 * p >= lanes) return p;
  return maxPairs;
}

/**
 * Split `lanes` into the distinct ones and those sharing a distinct lane's inputs (`same`), by an exact key and
 * an optional further test.
 */
export function shareLanes<L extends PassLane>(
  lanes: readonly L[],
  key: (l: L) => string,
  equal: (a: L, b: L) => boolean = () => true,
): L[] {
  const byKey = new Map<string, L[]>();
  const distinct: L[] = [];
  for (const l of lanes) {
    const k = key(l);
    const candidates = byKey.get(k) ?? [];
    const first = candidates.find((c) => equal(c, l));
    if (first) first.same.push(l);
    else {
      candidates.push(l);
      byKey.set(k, candidates);
      distinct.push(l);
    }
  }
  return distinct;
}

const keyScratch = new Float64Array(8);
const keyWords = new Uint32Array(keyScratch.buffer);

/** Up to 8 numbers as an exact key (their bits: -0 and NaN payloads included). */
export function bitsKey(values: readonly number[]): string {
  keyScratch.fill(0);
  values.forEach((v, i) => {
    keyScratch[i] = v;
  });
  return keyWords.join(",");
}
