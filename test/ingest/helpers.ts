/**
 * Test helpers: fixture paths and a tiny protobuf writer to build TensorBoard events by hand (written
 * independently of the decoder in src/ingest, straight from the wire-format spec).
 */
import { fileURLToPath } from "node:url";

/** The project's own data folder (data/README.md gives the provenance of every file). */
export const DATA = fileURLToPath(new URL("../../data/", import.meta.url));
export const LOGS = `${DATA}logs/`;
/** data/tfevents (read by `npm start`) and data/real/tfevents (test-only event files). */
export const TFEVENTS = `${DATA}tfevents/`;
export const REAL_TFEVENTS = `${DATA}real/tfevents/`;
export const CORPUS = `${DATA}corpus/`;
export const REAL = `${DATA}real/`;

export function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wt: number) => varint(field * 8 + wt);

export function fieldVarint(field: number, n: number | bigint): number[] {
  return [...key(field, 0), ...varint(n)];
}
export function fieldBytes(field: number, bytes: ArrayLike<number>): number[] {
  return [...key(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
}
export function fieldString(field: number, s: string): number[] {
  return fieldBytes(field, new TextEncoder().encode(s));
}
export function f32(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return Array.from(b);
}
export function f64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return Array.from(b);
}
export function fieldFloat(field: number, v: number): number[] {
  return [...key(field, 5), ...f32(v)];
}
export function fieldDouble(field: number, v: number): number[] {
  return [...key(field, 1), ...f64(v)];
}

export interface TensorSpec {
  dtype: number;
  content?: number[];
  floatVal?: number[];
  doubleVal?: number[];
  packed?: boolean;
  dims?: number[];
}

export function tensor(t: TensorSpec): number[] {
  const out = fieldVarint(1, t.dtype);
  const dims = (t.dims ?? []).map((d) => fieldBytes(2, fieldVarint(1, d)));
  out.push(...fieldBytes(2, dims.flat()));
  if (t.content) out.push(...fieldBytes(4, t.content));
  if (t.floatVal) {
    if (t.packed) out.push(...fieldBytes(5, t.floatVal.flatMap(f32)));
    else for (const v of t.floatVal) out.push(...fieldFloat(5, v));
  }
  if (t.doubleVal) {
    if (t.packed) out.push(...fieldBytes(6, t.doubleVal.flatMap(f64)));
    else for (const v of t.doubleVal) out.push(...fieldDouble(6, v));
  }
  return out;
}

export interface ValueSpec {
  tag: string;
  simple?: number;
  tensor?: TensorSpec;
  plugin?: string;
}

export function event(e: { wall?: number; step?: number; values?: ValueSpec[]; fileVersion?: string }): Uint8Array {
  const out: number[] = [];
  if (e.wall !== undefined) out.push(...fieldDouble(1, e.wall));
  if (e.step !== undefined) out.push(...fieldVarint(2, e.step));
  if (e.fileVersion !== undefined) out.push(...fieldString(3, e.fileVersion));
  if (e.values) {
    const summary = e.values.flatMap((v) => {
      const body = fieldString(1, v.tag);
      if (v.simple !== undefined) body.push(...fieldFloat(2, v.simple));
      if (v.tensor) body.push(...fieldBytes(8, tensor(v.tensor)));
      if (v.plugin) body.push(...fieldBytes(9, fieldBytes(1, fieldString(1, v.plugin))));
      return fieldBytes(1, body);
    });
    out.push(...fieldBytes(5, summary));
  }
  return Uint8Array.from(out);
}
