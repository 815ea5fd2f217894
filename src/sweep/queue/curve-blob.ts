/**
 * A prepared curve (kernel.ts `PreparedCurve`, with its closed-loop setup) as bytes, so it travels once: the
 * coordinator stores it in Redis (or a shared folder), each worker machine fetches it once by its sha256,
 * checks the digest and decodes it straight into SharedArrayBuffers for its kernel threads.
 *
 * Layout (little-endian): "FFCURVE1" | u32 header bytes | header JSON | zero padding to 8 | losses f64[n] |
 * stepAt f64[n] (when the header says so) | noise f64[m] (closed loop with noise). The header holds every
 * other field; decoding checks each one (types, ranges, lengths) before anything runs.
 */
import { createHash } from "node:crypto";
import { endianness } from "node:os";
import type { JudgeParams } from "../../judge/stationary.ts";
import { canonicalJson } from "../grid.ts";
import type { PreparedCurve } from "../kernel.ts";
import type { SimCurve } from "../types.ts";
import type { SharedCurve } from "../worker.ts";
import { PayloadError } from "./protocol.ts";

const MAGIC = "FFCURVE1";
const MAX_HEADER = 64 * 1024 * 1024;

interface Header {
  curveId: number;
  n: number;
  spans: Array<{ start: number; end: number }>;
  stepAt: boolean;
  firstStep: number;
  totalSteps: number;
  tolerance: number;
  lossScale: number;
  stepOffset: number;
  sim: (Omit<SimCurve, "noise"> & { noise: { blockLength: number; length: number } | null }) | null;
}

function finite(v: number, name: string): number {
  if (!Number.isFinite(v)) throw new Error(`curve blob: ${name} is not finite (${v})`);
  return v;
}

/**
 * Encode a prepared curve.
 * @example const bytes = encodeCurve(prepared); sha256Hex(bytes)
 */
export function encodeCurve(c: PreparedCurve): Buffer {
  const n = c.losses.length;
  const sim = c.sim
    ? {
        ...c.sim,
        noise: c.sim.noise ? { blockLength: c.sim.noise.blockLength, length: c.sim.noise.values.length } : null,
      }
    : null;
  const header: Header = {
    curveId: c.curveId,
    n,
    spans: c.spans.map((s) => ({ start: s.start, end: s.end })),
    stepAt: c.stepAt !== null,
    firstStep: finite(c.firstStep, "firstStep"),
    totalSteps: finite(c.totalSteps, "totalSteps"),
    tolerance: finite(c.tolerance, "tolerance"),
    lossScale: finite(c.lossScale, "lossScale"),
    stepOffset: finite(c.stepOffset, "stepOffset"),
    sim,
  };
  // sorted keys: equal curves give equal bytes (and sha256) whatever order their fields were built in
  const json = Buffer.from(canonicalJson(header), "utf8");
  const start = align8(12 + json.length);
  const arrays: Float64Array[] = [c.losses];
  if (c.stepAt) arrays.push(c.stepAt);
  if (c.sim?.noise) arrays.push(c.sim.noise.values);
  const total = start + arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  let at = start;
  for (const a of arrays) {
    const le = littleEndian(a);
    out.set(new Uint8Array(le.buffer, le.byteOffset, le.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** sha256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Decode (and check) a curve blob into a SharedCurve for the kernel threads; `what` names it in errors.
 * @example const shared = decodeCurve(bytes, "curve 0");
 */
export function decodeCurve(bytes: Uint8Array, what: string): SharedCurve {
  const bad = (why: string): never => {
    throw new PayloadError(what, why);
  };
  if (bytes.byteLength < 12 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString("latin1") !== MAGIC) {
    bad("not a fastface curve blob (bad magic)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(8, true);
  if (hlen > MAX_HEADER || 12 + hlen > bytes.byteLength) bad(`header length ${hlen} exceeds the blob`);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 12, hlen).toString("utf8"));
  } catch {
    bad("unreadable header");
  }
  const h = checkHeader(raw, bad);
  const noiseLength = h.sim?.noise?.length ?? 0;
  const start = align8(12 + hlen);
  const expected = start + 8 * (h.n + (h.stepAt ? h.n : 0) + noiseLength);
  if (bytes.byteLength !== expected) bad(`blob is ${bytes.byteLength} bytes; its header implies ${expected}`);
  let at = start;
  const take = (len: number): SharedArrayBuffer => {
    const sab = new SharedArrayBuffer(len * 8);
    new Uint8Array(sab).set(bytes.subarray(at, at + len * 8));
    if (endianness() !== "LE") swap64(new Uint8Array(sab));
    at += len * 8;
    return sab;
  };
  const losses = take(h.n);
  const stepAt = h.stepAt ? take(h.n) : null;
  let sim: SimCurve | undefined;
  if (h.sim) {
    const { noise, ...rest } = h.sim;
    sim = {
      ...rest,
      noise: noise ? { values: new Float64Array(take(noise.length)), blockLength: noise.blockLength } : null,
    };
  }
  const shared: SharedCurve = {
    curveId: h.curveId,
    losses,
    spans: h.spans,
    stepAt,
    firstStep: h.firstStep,
    totalSteps: h.totalSteps,
    tolerance: h.tolerance,
    lossScale: h.lossScale,
    stepOffset: h.stepOffset,
  };
  if (sim) shared.sim = sim;
  return shared;
}

function checkHeader(raw: unknown, bad: (why: string) => never): Header {
  const obj = (v: unknown, name: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : bad(`${name} must be an object`);
  const num = (v: unknown, name: string): number =>
    typeof v === "number" && Number.isFinite(v) ? v : bad(`${name} must be a finite number`);
  const int = (v: unknown, name: string, min: number, max: number): number =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? v
      : bad(`${name} must be an integer in [${min}, ${max}]`);
  const h = obj(raw, "header");
  const n = int(h.n, "n", 1, 2 ** 31);
  if (!Array.isArray(h.spans) || h.spans.length > n) bad("spans must be a list");
  const spans = (h.spans as unknown[]).map((s, i) => {
    const o = obj(s, `spans[${i}]`);
    const start = int(o.start, `spans[${i}].start`, 0, n - 1);
    const end = int(o.end, `spans[${i}].end`, start, n - 1);
    return { start, end };
  });
  if (typeof h.stepAt !== "boolean") bad("stepAt must be true or false");
  let sim: Header["sim"] = null;
  if (h.sim !== null && h.sim !== undefined) {
    const s = obj(h.sim, "sim");
    const params = obj(s.params, "sim.params");
    const p: Record<string, number> = {};
    for (const [k, v] of Object.entries(params)) p[k] = num(v, `sim.params.${k}`);
    const j = obj(s.judge, "sim.judge");
    const judge: JudgeParams = {
      window: num(j.window, "sim.judge.window"),
      eps: num(j.eps, "sim.judge.eps"),
      minLength: num(j.minLength, "sim.judge.minLength"),
    };
    let noise: { blockLength: number; length: number } | null = null;
    if (s.noise !== null) {
      const o = obj(s.noise, "sim.noise");
      noise = {
        blockLength: int(o.blockLength, "sim.noise.blockLength", 1, 2 ** 31),
        length: int(o.length, "sim.noise.length", 0, 2 ** 31),
      };
    }
    if (typeof s.model !== "string" || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(s.model))
      bad("sim.model must be a model name");
    sim = {
      model: s.model as string,
      params: p,
      lr0: num(s.lr0, "sim.lr0"),
      noise,
      stride: num(s.stride, "sim.stride"),
      budgetSteps: int(s.budgetSteps, "sim.budgetSteps", 1, 2 ** 40),
      lastStep: num(s.lastStep, "sim.lastStep"),
      target: num(s.target, "sim.target"),
      minGap: num(s.minGap, "sim.minGap"),
      judge,
      loggedPlateaus: int(s.loggedPlateaus, "sim.loggedPlateaus", 0, 2 ** 31),
      seeds: int(s.seeds, "sim.seeds", 1, 1_000_000),
      seed0: int(s.seed0, "sim.seed0", -(2 ** 53), 2 ** 53),
    };
  }
  return {
    curveId: int(h.curveId, "curveId", 0, 1_000_000),
    n,
    spans,
    stepAt: h.stepAt as boolean,
    firstStep: num(h.firstStep, "firstStep"),
    totalSteps: num(h.totalSteps, "totalSteps"),
    tolerance: int(h.tolerance, "tolerance", 0, 2 ** 40),
    lossScale: num(h.lossScale, "lossScale"),
    stepOffset: num(h.stepOffset, "stepOffset"),
    sim,
  };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** The array as little-endian bytes (a copy on a big-endian host, the array itself otherwise). */
function littleEndian(a: Float64Array): Float64Array {
  if (endianness() === "LE") return a;
  const copy = new Float64Array(a);
  swap64(new Uint8Array(copy.buffer));
  return copy;
}

function swap64(b: Uint8Array): void {
  for (let i = 0; i + 8 <= b.length; i += 8) b.subarray(i, i + 8).reverse();
}
