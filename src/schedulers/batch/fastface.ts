/**
 * The multi-configuration kernel of fastface: K configurations replayed over the same losses in one pass, as
 * WebAssembly SIMD (two configurations per f64x2 lane pair, K = 2 x pairs). One fastface replay is a loop-carried
 * multiply-add chain (~9 cycles per step); K independent chains interleaved in one loop hide that latency.
 *
 * Pass 1 (generated WebAssembly, below) runs the recurrence of fastface.ts `step()` for every lane with the same
 * operations in the same order:
 *   official: x = w1 x1 - w2 x2 + w3 g
 *   debias:   x as above, c = w1 c1 - w2 c2 + w3, statistic s = x / c
 * over the per-step decreases g of the finite losses (curve.ts), and packs one bit per lane and step,
 * `statistic < lambda`, into 64-bit words (rule.ts layout). It never leaves the loop: the statistic does not
 * depend on any decision. Pass 2 (rule.ts) replays the counter, events, maxDecays and LRs from the bits.
 *
 * The shape was chosen by measurement (bench/sweep-kernel.ts): the state of every pair and the constants in
 * WebAssembly locals, two steps per loop iteration with the roles of x1/x2 swapped (no register moves), the bits
 * shifted into a general-purpose register (i64) rather than a vector, three pairs (K = 6) per group: with four
 * (K = 8) V8 runs out of the 16 vector registers and spills the recurrence itself to the stack.
 *
 * Configurations whose kernel inputs are bit-identical (same alpha, beta, lambda and state: they differ only in
 * tau, maxDecays or delta, as along a grid's tau axis) share one lane: the bits are the same, the rule is each
 * one's own. The cold start (first two finite losses) and the tail that does not fill a 32-step word go through
 * each scheduler's own stepRange; the kernel only runs the steady state.
 */
import type { Loadable } from "../factory.ts";
import { type FastFaceState, fastfaceState } from "../fastface.ts";
import { stepsOrFraction } from "../fixed.ts";
import { enc } from "../params.ts";
import type { DecaySink, Scheduler } from "../types.ts";
import type { BatchCurve } from "./curve.ts";
import {
  BITS_OFF,
  BLOCK_WORDS,
  bitsKey,
  DATA_OFF,
  emitPackBit,
  emitWordLoop,
  KernelInstance,
  LANE_OFF,
  laneIndex,
  MAX_MEMORY,
  type PassLane,
  pairsFor,
  replayGroup,
  ruleLaneOf,
  shareLanes,
} from "./pass.ts";
import { I32, I64, OP, SIMD, V128, WasmFunction } from "./wasm.ts";

/**
 * The fastface parameters this kernel implements (fastface.ts FASTFACE_PARAMS, and `warmup`: no decision while
 * t <= warmup, held back in the rule pass; absent means 0).
 */
export const FASTFACE_BATCH_PARAMS: ReadonlySet<string> = new Set([
  "alpha",
  "beta",
  "lambda",
  "tau",
  "delta",
  "maxDecays",
  "debias",
  "warmup",
]);

/** Lane pairs the module is generated for (K = 2, 4, 6, 8 configurations per pass). */
export const FASTFACE_PAIRS = [1, 2, 3, 4] as const;
/** The default: K = 6 per pass (bench/sweep-kernel.ts). */
const DEFAULT_PAIRS = 3;
export type FastfacePairs = (typeof FASTFACE_PAIRS)[number];

const PAIR_BYTES = 128;
const SLOT = { w1: 0, w2: 1, w3: 2, lam: 3, x1: 4, x2: 5, c1: 6, c2: 7 } as const;

const fnName = (pairs: number, debias: boolean) => `ff${pairs}${debias ? "d" : ""}`;

/** Generate pass 1 for `pairs` lane pairs: (decreasesPtr, words, bitsPtr). */
function generate(pairs: number, debias: boolean): WasmFunction {
  const f = new WasmFunction(fnName(pairs, debias), [I32, I32, I32], []);
  const G = 0;
  const WORDS = 1;
  const BITS = 2;
  const g = f.local(V128);
  const s = f.local(V128);
  const lanes = Array.from({ length: pairs }, () => ({
    xa: f.local(V128),
    xb: f.local(V128),
    ca: debias ? f.local(V128) : -1,
    cb: debias ? f.local(V128) : -1,
    bits: f.local(I64),
    w1: f.local(V128),
    w2: f.local(V128),
    w3: f.local(V128),
    lam: f.local(V128),
  }));
  const addr = (p: number, slot: number) => LANE_OFF + p * PAIR_BYTES + slot * 16;
  const stateSlots = (q: (typeof lanes)[number]) =>
    [
      [q.xa, SLOT.x1],
      [q.xb, SLOT.x2],
      ...(debias
        ? [
            [q.ca, SLOT.c1],
            [q.cb, SLOT.c2],
          ]
        : []),
    ] as Array<[number, number]>;
  lanes.forEach((q, p) => {
    for (const [local, slot] of [
      ...stateSlots(q),
      [q.w1, SLOT.w1],
      [q.w2, SLOT.w2],
      [q.w3, SLOT.w3],
      [q.lam, SLOT.lam],
    ] as Array<[number, number]>) {
      f.i32(0).vload(addr(p, slot)).set(local);
    }
  });
  // one step; `swapped` says which local holds x_{t-1}: the new x overwrites x_{t-2}'s local
  const step = (swapped: boolean, offset: number) => {
    f.get(G).simdMem(SIMD.load64Splat, offset, 3).set(g);
    for (const q of lanes) {
      const x1 = swapped ? q.xb : q.xa;
      const x2 = swapped ? q.xa : q.xb;
      f.get(q.w1).get(x1).simd(SIMD.f64x2Mul);
      f.get(q.w2).get(x2).simd(SIMD.f64x2Mul);
      f.simd(SIMD.f64x2Sub);
      f.get(q.w3).get(g).simd(SIMD.f64x2Mul);
      f.simd(SIMD.f64x2Add).set(x2);
      let stat = x2;
      if (debias) {
        const c1 = swapped ? q.cb : q.ca;
        const c2 = swapped ? q.ca : q.cb;
        f.get(q.w1).get(c1).simd(SIMD.f64x2Mul);
        f.get(q.w2).get(c2).simd(SIMD.f64x2Mul);
        f.simd(SIMD.f64x2Sub);
        f.get(q.w3).simd(SIMD.f64x2Add).set(c2);
        f.get(x2).get(c2).simd(SIMD.f64x2Div).set(s);
        stat = s;
      }
      emitPackBit(
        f,
        q.bits,
        () => f.get(stat),
        () => f.get(q.lam),
      );
    }
  };
  emitWordLoop(
    f,
    WORDS,
    BITS,
    lanes.map((q) => q.bits),
    2,
    () => {
      step(false, 0);
      step(true, 8);
      f.get(G).i32(16).op(OP.i32Add).set(G);
    },
  );
  lanes.forEach((q, p) => {
    for (const [local, slot] of stateSlots(q)) f.i32(0).get(local).vstore(addr(p, slot));
  });
  return f;
}

type Pass1 = (decreasesPtr: number, words: number, bitsPtr: number) => void;

/** The module of this thread and the curve whose decreases its memory holds. */
class FastfaceKernel extends KernelInstance<Pass1> {
  private loaded: BatchCurve | null = null;

  constructor() {
    super(FASTFACE_PAIRS.flatMap((p) => [generate(p, false), generate(p, true)]));
  }

  /** Make the memory hold `curve`'s decreases (once per curve switch). */
  load(curve: BatchCurve): void {
    this.reserve(DATA_OFF + curve.length * 8);
    if (this.loaded === curve) return;
    curve.writeDecreases(this.f64, DATA_OFF / 8);
    this.loaded = curve;
  }
}

let shared: FastfaceKernel | null = null;
function kernel(): FastfaceKernel {
  shared ??= new FastfaceKernel();
  return shared;
}

/** What the kernel needs of one fastface scheduler (read from its state). */
interface Lane extends PassLane {
  s: Loadable;
  state: FastFaceState;
  debias: boolean;
  w1: number;
  w2: number;
  w3: number;
  lambda: number;
  same: Lane[];
}

function laneOf(s: Scheduler, sink: DecaySink): Lane {
  const state = fastfaceState(s);
  const p = state.params;
  const alpha = p.alpha;
  const beta = p.beta;
  return {
    s: s as Loadable,
    state,
    debias: p.debias,
    rule: ruleLaneOf(state, sink),
    // the scheduler's own expressions (fastface.ts constructor)
    w1: 1 - alpha + (1 - beta),
    w2: (1 - alpha) * (1 - beta),
    w3: alpha * beta,
    lambda: p.lambda,
    same: [],
  };
}

/** The warm-up in steps, resolved against T as the scheduler does. */
function warmupOf(state: FastFaceState): number {
  return stepsOrFraction(state.params.warmup, state.ctx.totalSteps);
}

/** The kernel inputs of a lane as an exact key. */
function inputKey(l: Lane): string {
  const st = l.state;
  const c = l.debias ? [st.c1, st.c2] : [];
  return `${l.debias ? "d" : "o"}${bitsKey([l.w1, l.w2, l.w3, l.lambda, st.x1, st.x2, ...c])}`;
}

/**
 * Run one group (<= 2 x pairs distinct lanes, all official or all debias) over compact positions
 * [q0, q0 + 32 words).
 */
function runGroup(
  k: FastfaceKernel,
  group: Lane[],
  pairs: number,
  debias: boolean,
  q0: number,
  words: number,
  curve: BatchCurve,
) {
  const f64 = k.f64;
  const at = (lane: number, slot: number) => laneIndex(lane, slot, PAIR_BYTES);
  for (let j = 0; j < 2 * pairs; j++) {
    const l = group[j];
    f64[at(j, SLOT.w1)] = l ? l.w1 : 0;
    f64[at(j, SLOT.w2)] = l ? l.w2 : 0;
    f64[at(j, SLOT.w3)] = l ? l.w3 : 0;
    // an unused lane never compares below -Infinity: its bits stay 0
    f64[at(j, SLOT.lam)] = l ? l.lambda : Number.NEGATIVE_INFINITY;
    f64[at(j, SLOT.x1)] = l ? l.state.x1 : 0;
    f64[at(j, SLOT.x2)] = l ? l.state.x2 : 0;
    f64[at(j, SLOT.c1)] = l ? l.state.c1 : 0;
    f64[at(j, SLOT.c2)] = l ? l.state.c2 : 0;
  }
  const pass1 = k.fn(fnName(pairs, debias));
  for (let w0 = 0; w0 < words; w0 += BLOCK_WORDS) {
    const n = Math.min(BLOCK_WORDS, words - w0);
    const pos = q0 + w0 * 32;
    pass1(DATA_OFF + pos * 8, n, BITS_OFF);
    replayGroup(group, k.i32, pairs, n, pos, curve.finite);
  }
  for (let j = 0; j < group.length; j++) {
    const l = group[j]!;
    for (const o of [l, ...l.same]) {
      o.state.x1 = f64[at(j, SLOT.x1)]!;
      o.state.x2 = f64[at(j, SLOT.x2)]!;
      if (debias) {
        o.state.c1 = f64[at(j, SLOT.c1)]!;
        o.state.c2 = f64[at(j, SLOT.c2)]!;
      }
    }
  }
}

export interface FastfaceBatchOptions {
  /** Lane pairs per pass (K = 2 x pairs; default 3, K = 6). */
  pairs?: FastfacePairs;
}

/**
 * Feed losses[from..to) of `curve` to every fastface scheduler in `batch`, exactly as `s.stepRange(losses, from,
 * to, sinks[i])` on each (same decays, LRs and final state, bit for bit), in one pass per group of K.
 * @example
 * const c = new BatchCurve(losses);
 * fastfaceBatch(schedulers, c, 0, losses.length, schedulers.map(() => ({ index: [], lr: [] })));
 */
export function fastfaceBatch(
  batch: readonly Scheduler[],
  curve: BatchCurve,
  from: number,
  to: number,
  sinks: readonly DecaySink[],
  opts: FastfaceBatchOptions = {},
): void {
  const losses = curve.losses;
  // lead-in through each scheduler's own path: the cold start (k < 2), and at least one finite loss, so that
  // every lane's last finite loss (prevL) is the curve's and the decreases of the curve apply from i on
  const k0 = Math.min(...batch.map((s) => fastfaceState(s).k));
  const need = Math.max(1, 2 - k0);
  const r0 = curve.rank(from);
  if (r0 + need > curve.rank(to)) {
    for (let b = 0; b < batch.length; b++) batch[b]!.stepRange!(losses, from, to, sinks[b]!);
    return;
  }
  let i = curve.stepOf(r0 + need - 1) + 1;
  for (let b = 0; b < batch.length; b++) batch[b]!.stepRange!(losses, from, i, sinks[b]!);
  const q0 = curve.rank(i);
  const words = DATA_OFF + curve.length * 8 <= MAX_MEMORY ? Math.floor((curve.rank(to) - q0) / 32) : 0;
  if (words > 0) {
    const k = kernel();
    k.load(curve);
    const lanes = batch.map((s, b) => laneOf(s, sinks[b]!));
    // warmup: no decision while t <= warmup (fastface.ts step()); the rule holds back until that step
    for (const l of lanes) l.rule.quietUntil = curve.rank(i + Math.max(0, warmupOf(l.state) - l.state.t));
    // configurations whose statistic and threshold are the same (a grid's tau, maxDecays or delta axis) share a
    // lane of the pass: identical inputs give identical bits, and each replays its own rule from them
    const distinct = shareLanes(lanes, inputKey);
    const maxPairs = opts.pairs ?? DEFAULT_PAIRS;
    for (const debias of [false, true]) {
      const of = distinct.filter((l) => l.debias === debias);
      for (let g = 0; g < of.length; g += 2 * maxPairs) {
        const group = of.slice(g, g + 2 * maxPairs);
        runGroup(k, group, pairsFor(group.length, maxPairs, FASTFACE_PAIRS), debias, q0, words, curve);
      }
    }
    // every lane consumed steps [i, end): write the state back
    const end = curve.stepOf(q0 + words * 32 - 1) + 1;
    for (const l of lanes) {
      const st = l.state;
      const x1 = st.x1;
      st.t += end - i;
      st.k = st.k + words * 32;
      st.prevL = losses[end - 1]!;
      st.count = l.rule.count;
      st.events = l.rule.events;
      st.lr = l.rule.lr;
      st.statistic = enc(l.debias ? x1 / st.c1 : x1);
      l.s.load(st);
    }
    i = end;
  }
  for (let b = 0; b < batch.length; b++) batch[b]!.stepRange!(losses, i, to, sinks[b]!);
}
