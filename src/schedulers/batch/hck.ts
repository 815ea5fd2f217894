/**
 * The multi-configuration kernel of hck (impl=running): configurations with the same kernel length m replayed
 * over the same losses in one pass, two per f64x2 lane pair, as WebAssembly SIMD.
 *
 * Pass 1 (generated WebAssembly) is hck.ts `chunkRunning` with the same operations in the same order, per lane:
 *   LE = alpha L + (1 - alpha) LE; leOut = ring[slot]; ring[slot] = LE; mid = ring[slot +- h]
 *   four Neumaier steps (new += LE, new += -mid, old += mid, old += -leOut), the branch of each written as a
 *   select between its two (exact) expressions; once per m steps the exact re-sum of both halves
 *   x = (old + cOld - (new + cNew)) / (m/2)^2
 * and packs `x < lambda` into bits; pass 2 (rule.ts) replays the counter, events, maxDecays and LRs. The two lanes
 * of a pair share one ring slot of 16 bytes, so every pair of a group reads and writes at the same offsets.
 *
 * Configurations whose kernel inputs are bit-identical (same alpha, lambda, m and state, ring included: they
 * differ only in tau, maxDecays or delta) share one lane. The warm-up (window not yet full), impl=naive, a ring too
 * large for the kernel's memory and the tail that does not fill a 32-step word go through each scheduler's own
 * stepRange.
 */
import type { Loadable } from "../factory.ts";
import { stepsOrFraction } from "../fixed.ts";
import { type HckState, hckParams, hckState } from "../hck.ts";
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

/** The hck parameters this kernel implements (hck.ts HCK_PARAMS, and `warmup` as in fastface's kernel). */
export const HCK_BATCH_PARAMS: ReadonlySet<string> = new Set([
  "alpha",
  "m",
  "lambda",
  "tau",
  "delta",
  "maxDecays",
  "impl",
  "warmup",
]);

/** Lane pairs the module is generated for (K = 2, 4, 8 configurations per pass). */
export const HCK_PAIRS = [1, 2, 4] as const;
export type HckPairs = (typeof HCK_PAIRS)[number];

const PAIR_BYTES = 160;
const SLOT = { alpha: 0, oma: 1, inv: 2, lam: 3, le: 4, sOld: 5, cOld: 6, sNew: 7, cNew: 8 } as const;
/** Largest ring (m x pairs x 16 bytes) the kernel takes; larger windows replay one config at a time. */
const MAX_RING_BYTES = 256 * 1024 * 1024;

const fnName = (pairs: number) => `hck${pairs}`;

/**
 * Pass 1 for `pairs` lane pairs: (lossPtr, words, bitsPtr, ringPtr, ringEnd, slotPtr, midPtr): the ring of the
 * group spans [ringPtr, ringEnd) (m slots of pairs x 16 bytes), slotPtr/midPtr point at slot and slot +- h.
 */
function generate(pairs: number): WasmFunction {
  const f = new WasmFunction(fnName(pairs), [I32, I32, I32, I32, I32, I32, I32], []);
  const LOSS = 0;
  const WORDS = 1;
  const BITS = 2;
  const RING = 3;
  const END = 4;
  const SL = 5;
  const MID = 6;
  const stride = pairs * 16;
  const half = f.local(I32);
  const q = f.local(I32);
  const loss = f.local(V128);
  const v = f.local(V128);
  const t = f.local(V128);
  const lanes = Array.from({ length: pairs }, () => ({
    le: f.local(V128),
    sOld: f.local(V128),
    cOld: f.local(V128),
    sNew: f.local(V128),
    cNew: f.local(V128),
    bits: f.local(I64),
  }));
  const addr = (p: number, slot: number) => LANE_OFF + p * PAIR_BYTES + slot * 16;
  const konst = (p: number, slot: number) => f.i32(0).vload(addr(p, slot));
  lanes.forEach((l, p) => {
    f.i32(0).vload(addr(p, SLOT.le)).set(l.le);
    f.i32(0).vload(addr(p, SLOT.sOld)).set(l.sOld);
    f.i32(0).vload(addr(p, SLOT.cOld)).set(l.cOld);
    f.i32(0).vload(addr(p, SLOT.sNew)).set(l.sNew);
    f.i32(0).vload(addr(p, SLOT.cNew)).set(l.cNew);
  });
  // half of the ring in bytes: h slots
  f.get(END).get(RING).op(OP.i32Sub).i32(1).op(0x76).set(half); // i32.shr_u
  // Neumaier: s' = s + v; c += |s| >= |v| ? (s - s') + v : (v - s') + s  (v on the stack's local `v`)
  const neumaier = (s: number, c: number) => {
    f.get(s).get(v).simd(SIMD.f64x2Add).set(t);
    f.get(s).get(t).simd(SIMD.f64x2Sub).get(v).simd(SIMD.f64x2Add);
    f.get(v).get(t).simd(SIMD.f64x2Sub).get(s).simd(SIMD.f64x2Add);
    f.get(s).simd(SIMD.f64x2Abs).get(v).simd(SIMD.f64x2Abs).simd(SIMD.f64x2Ge);
    f.simd(SIMD.bitselect);
    f.get(c).simd(SIMD.f64x2Add).set(c);
    f.get(t).set(s);
  };
  const step = () => {
    f.get(LOSS).simdMem(SIMD.load64Splat, 0, 3).set(loss);
    lanes.forEach((l, p) => {
      // LE = alpha L + (1 - alpha) LE
      konst(p, SLOT.alpha).get(loss).simd(SIMD.f64x2Mul);
      konst(p, SLOT.oma).get(l.le).simd(SIMD.f64x2Mul);
      f.simd(SIMD.f64x2Add).set(l.le);
      // new half: += LE; the ring slot's LE_{j-m} is read before LE overwrites it
      f.get(l.le).set(v);
      neumaier(l.sNew, l.cNew);
      // LE_{j-h} leaves the new half and enters the old one
      f.get(MID)
        .vload(p * 16)
        .simd(SIMD.f64x2Neg)
        .set(v);
      neumaier(l.sNew, l.cNew);
      f.get(MID)
        .vload(p * 16)
        .set(v);
      neumaier(l.sOld, l.cOld);
      f.get(SL)
        .vload(p * 16)
        .simd(SIMD.f64x2Neg)
        .set(v);
      neumaier(l.sOld, l.cOld);
      f.get(SL)
        .get(l.le)
        .vstore(p * 16);
    });
    // advance the slots; the last slot of the ring closes a window: exact re-sum of both halves, in order
    f.get(MID).i32(stride).op(OP.i32Add).tee(MID).get(END).op(0x46); // i32.eq
    f.op(0x04, 0x40).get(RING).set(MID).end();
    f.get(SL).i32(stride).op(OP.i32Add).tee(SL).get(END).op(0x46);
    f.op(0x04, 0x40);
    {
      f.get(RING).set(SL);
      // sums in chronological order: slot 0 holds LE_{j-m+1} when the window closes at slot m - 1
      const resum = (from: () => void, to: () => void, sel: "sOld" | "sNew", corr: "cOld" | "cNew") => {
        for (const l of lanes) {
          f.f64(0).simd(SIMD.f64x2Splat).set(l[sel]);
          f.f64(0).simd(SIMD.f64x2Splat).set(l[corr]);
        }
        from();
        f.set(q);
        f.block();
        f.loop();
        f.get(q);
        to();
        f.op(OP.i32GeU).brIf(1);
        lanes.forEach((l, p) => {
          f.get(l[sel])
            .get(q)
            .vload(p * 16)
            .simd(SIMD.f64x2Add)
            .set(l[sel]);
        });
        f.get(q).i32(stride).op(OP.i32Add).set(q);
        f.br(0);
        f.end();
        f.end();
      };
      resum(
        () => f.get(RING),
        () => f.get(RING).get(half).op(OP.i32Add),
        "sOld",
        "cOld",
      );
      resum(
        () => f.get(RING).get(half).op(OP.i32Add),
        () => f.get(END),
        "sNew",
        "cNew",
      );
    }
    f.end();
    lanes.forEach((l, p) => {
      // x = (old + cOld - (new + cNew)) * inv; bits = bits << 2 | bitmask(x < lambda)
      emitPackBit(
        f,
        l.bits,
        () => {
          f.get(l.sOld).get(l.cOld).simd(SIMD.f64x2Add);
          f.get(l.sNew).get(l.cNew).simd(SIMD.f64x2Add);
          f.simd(SIMD.f64x2Sub);
          konst(p, SLOT.inv).simd(SIMD.f64x2Mul);
        },
        () => konst(p, SLOT.lam),
      );
    });
    f.get(LOSS).i32(8).op(OP.i32Add).set(LOSS);
  };
  emitWordLoop(
    f,
    WORDS,
    BITS,
    lanes.map((l) => l.bits),
    1,
    step,
  );
  lanes.forEach((l, p) => {
    f.i32(0).get(l.le).vstore(addr(p, SLOT.le));
    f.i32(0).get(l.sOld).vstore(addr(p, SLOT.sOld));
    f.i32(0).get(l.cOld).vstore(addr(p, SLOT.cOld));
    f.i32(0).get(l.sNew).vstore(addr(p, SLOT.sNew));
    f.i32(0).get(l.cNew).vstore(addr(p, SLOT.cNew));
  });
  return f;
}

type Pass1 = (
  lossPtr: number,
  words: number,
  bitsPtr: number,
  ring: number,
  ringEnd: number,
  slot: number,
  mid: number,
) => void;

/** The module of this thread and the curve whose finite losses its memory holds. */
class HckKernel extends KernelInstance<Pass1> {
  private loaded: BatchCurve | null = null;
  /** Byte offset of the ring (after the losses). */
  ringOff = 0;

  constructor() {
    super(HCK_PAIRS.map((p) => generate(p)));
  }

  /** Make the memory hold `curve`'s finite losses and room for a ring of `ringBytes`. */
  load(curve: BatchCurve, ringBytes: number): void {
    this.ringOff = Math.ceil((DATA_OFF + curve.length * 8) / 16) * 16;
    this.reserve(this.ringOff + ringBytes);
    if (this.loaded === curve) return;
    curve.writeFinite(this.f64, DATA_OFF / 8);
    this.loaded = curve;
  }
}

let shared: HckKernel | null = null;
function kernel(): HckKernel {
  shared ??= new HckKernel();
  return shared;
}

interface Lane extends PassLane {
  s: Loadable;
  state: HckState;
  same: Lane[];
}

/** The scalar kernel inputs of a lane as an exact key (the ring is compared separately). */
function inputKey(l: Lane): string {
  const st = l.state;
  return bitsKey([st.params.alpha, st.params.lambda, st.le, st.sOld, st.cOld, st.sNew, st.cNew]);
}

function sameRing(a: Lane, b: Lane): boolean {
  const x = a.state.ring;
  const y = b.state.ring;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** Run one group (same m and k, <= 2 x pairs lanes) over compact positions [q0, q0 + 32 words). */
function runGroup(k: HckKernel, group: Lane[], pairs: number, m: number, q0: number, words: number, curve: BatchCurve) {
  const h = m / 2;
  const stride = pairs * 16;
  k.load(curve, m * stride);
  const f64 = k.f64;
  const at = (lane: number, slot: number) => laneIndex(lane, slot, PAIR_BYTES);
  const kk = group[0]!.state.k;
  const ring = k.ringOff;
  const ringAt = (slot: number, lane: number) => (ring + slot * stride) / 8 + lane;
  for (let j = 0; j < 2 * pairs; j++) {
    const l = group[j];
    const st = l?.state;
    const alpha = st ? st.params.alpha : 0;
    f64[at(j, SLOT.alpha)] = alpha;
    // the scheduler's own expressions (hck.ts)
    f64[at(j, SLOT.oma)] = 1 - alpha;
    f64[at(j, SLOT.inv)] = 1 / (h * h);
    f64[at(j, SLOT.lam)] = st ? st.params.lambda : Number.NEGATIVE_INFINITY;
    f64[at(j, SLOT.le)] = st ? st.le : 0;
    f64[at(j, SLOT.sOld)] = st ? st.sOld : 0;
    f64[at(j, SLOT.cOld)] = st ? st.cOld : 0;
    f64[at(j, SLOT.sNew)] = st ? st.sNew : 0;
    f64[at(j, SLOT.cNew)] = st ? st.cNew : 0;
    const values = st ? st.ring : null;
    // the state's ring is chronological (LE_{k-m} .. LE_{k-1}); slot of LE_j is j % m
    for (let q = 0; q < m; q++) f64[ringAt((kk - m + q) % m, j & 1) + (j >> 1) * 2] = values ? values[q]! : 0;
  }
  const pass1 = k.fn(fnName(pairs));
  let slot = kk % m;
  for (let w0 = 0; w0 < words; w0 += BLOCK_WORDS) {
    const n = Math.min(BLOCK_WORDS, words - w0);
    const pos = q0 + w0 * 32;
    const mid = slot >= h ? slot - h : slot + h;
    pass1(DATA_OFF + pos * 8, n, BITS_OFF, ring, ring + m * stride, ring + slot * stride, ring + mid * stride);
    slot = (slot + n * 32) % m;
    replayGroup(group, k.i32, pairs, n, pos, curve.finite);
  }
  const k1 = kk + words * 32;
  for (let j = 0; j < group.length; j++) {
    const values: number[] = new Array(m);
    for (let q = 0; q < m; q++) values[q] = f64[ringAt((k1 - m + q) % m, j & 1) + (j >> 1) * 2]!;
    const l = group[j]!;
    for (const o of [l, ...l.same]) {
      const st = o.state;
      st.le = f64[at(j, SLOT.le)]!;
      st.sOld = f64[at(j, SLOT.sOld)]!;
      st.cOld = f64[at(j, SLOT.cOld)]!;
      st.sNew = f64[at(j, SLOT.sNew)]!;
      st.cNew = f64[at(j, SLOT.cNew)]!;
      st.ring = o === l ? values : [...values];
    }
  }
}

export interface HckBatchOptions {
  /** Lane pairs per pass (K = 2 x pairs; default 4, K = 8). */
  pairs?: HckPairs;
}

/**
 * Feed losses[from..to) of `curve` to every hck scheduler in `batch`, exactly as `s.stepRange(losses, from, to,
 * sinks[i])` on each (same decays, LRs and final state, bit for bit); schedulers with the same m share passes.
 * @example
 * hckBatch(schedulers, new BatchCurve(losses), 0, losses.length, schedulers.map(() => ({ index: [], lr: [] })));
 */
export function hckBatch(
  batch: readonly Scheduler[],
  curve: BatchCurve,
  from: number,
  to: number,
  sinks: readonly DecaySink[],
  opts: HckBatchOptions = {},
): void {
  const losses = curve.losses;
  const maxPairs = opts.pairs ?? 4;
  // groups of the same window and position (the ring slots line up); others replay one at a time
  const groups = new Map<string, number[]>();
  const alone: number[] = [];
  const tooLarge = DATA_OFF + curve.length * 8 + MAX_RING_BYTES > MAX_MEMORY;
  batch.forEach((s, b) => {
    const p = hckParams(s);
    const m = p.m;
    if (p.impl !== "running" || m * maxPairs * 16 > MAX_RING_BYTES || tooLarge) {
      alone.push(b);
      return;
    }
    const key = `${m}:${hckState(s).k}`;
    const g = groups.get(key);
    if (g) g.push(b);
    else groups.set(key, [b]);
  });
  for (const b of alone) batch[b]!.stepRange!(losses, from, to, sinks[b]!);
  const r0 = curve.rank(from);
  const rTo = curve.rank(to);
  for (const idx of groups.values()) {
    const s0 = batch[idx[0]!]!;
    const m = hckParams(s0).m;
    const k0 = hckState(s0).k;
    // lead-in: the window fills (k >= m) through each scheduler's own path
    let i = from;
    if (k0 < m) i = r0 + (m - k0) <= rTo ? curve.stepOf(r0 + (m - k0) - 1) + 1 : to;
    for (const b of idx) batch[b]!.stepRange!(losses, from, i, sinks[b]!);
    const q0 = curve.rank(i);
    const words = Math.floor((rTo - q0) / 32);
    if (words > 0) {
      const k = kernel();
      const lanes: Lane[] = idx.map((b) => {
        const s = batch[b]!;
        const state = hckState(s);
        const rule = ruleLaneOf(state, sinks[b]!);
        // warmup: no decision while t <= warmup (hck.ts decide()); the rule holds back until that step
        const warmup = stepsOrFraction(state.params.warmup, state.ctx.totalSteps);
        rule.quietUntil = curve.rank(i + Math.max(0, warmup - state.t));
        return { s: s as Loadable, state, rule, same: [] };
      });
      // configurations with the same statistic and threshold (a grid's tau axis) share a lane of the pass
      const distinct = shareLanes(lanes, inputKey, sameRing);
      for (let g = 0; g < distinct.length; g += 2 * maxPairs) {
        const group = distinct.slice(g, g + 2 * maxPairs);
        runGroup(k, group, pairsFor(group.length, maxPairs, HCK_PAIRS), m, q0, words, curve);
      }
      const end = curve.stepOf(q0 + words * 32 - 1) + 1;
      const inv = 1 / ((m / 2) * (m / 2));
      for (const l of lanes) {
        const st = l.state;
        st.t += end - i;
        st.k = st.k + words * 32;
        st.count = l.rule.count;
        st.events = l.rule.events;
        st.lr = l.rule.lr;
        st.statistic = enc((st.sOld + st.cOld - (st.sNew + st.cNew)) * inv);
        l.s.load(st);
      }
      i = end;
    }
    for (const b of idx) batch[b]!.stepRange!(losses, i, to, sinks[b]!);
  }
}
