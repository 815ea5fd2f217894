/**
 * TensorBoard event files -> one curve per scalar tag.
 *
 * Decodes `Event { wall_time=1 double, step=2 int64, summary=5 Summary }`, `Summary { value=1 Value }`,
 * `Value { tag=1, simple_value=2 float, tensor=8 TensorProto, metadata=9 SummaryMetadata }` by hand.
 * Scalars come as `simple_value` (PyTorch SummaryWriter) or as a one-element `tensor` (TF2): `tensor_content`
 * (float32 / float64 / int32 / int64 / half) or `float_val` / `double_val` / `int_val` / `int64_val` / `half_val`.
 * Tensors of tags whose plugin is not `scalars` (histograms, images, text) are ignored. Several files of one
 * run are merged by wall time; repeated steps then follow the latest-wins rule of `makeCurve`.
 */

import { makeCurve } from "../curve/clean.ts";
import { Growable, isLrName, pickLossTag } from "../curve/columns.ts";
import type { Curve } from "../curve/curve.ts";
import { ConfigError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { PbReader } from "./protobuf.ts";
import { forEachTfRecord } from "./tfrecord.ts";

/** Scalar points of one tag, in file order. */
export interface TagSeries {
  step: Growable;
  value: Growable;
  wall: Growable;
  /** Rank of the file the point came from (for merging several files). */
  file: Growable;
}

export interface ScalarTable {
  tags: Map<string, TagSeries>;
  /** Plugin name per tag, from the first summary metadata seen for it. */
  plugins: Map<string, string>;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Recently decoded tags (few distinct tags per file): byte comparison instead of a UTF-8 decode each time. */
const tagCache: Array<{ bytes: Uint8Array; tag: string }> = [];

function cachedTag(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  for (const entry of tagCache) {
    const b = entry.bytes;
    if (b.length !== len) continue;
    let same = true;
    for (let i = 0; i < len; i++) {
      if (b[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return entry.tag;
  }
  const tag = utf8.decode(buf.subarray(start, end));
  if (tagCache.length >= 32) tagCache.shift();
  tagCache.push({ bytes: buf.slice(start, end), tag });
  return tag;
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;
const DT_HALF = 19;

/**
 * Decode the scalar values of one event file's bytes into `table` (created when omitted).
 *
 * @example
 * const t = readEventScalars(bytes, { source: "events.out.tfevents.1" });
 * t.tags.get("loss")?.value.view()
 */
export function readEventScalars(
  bytes: Uint8Array,
  opts: { source?: string; salvage?: boolean; warnings?: Warnings; fileRank?: number } = {},
  table: ScalarTable = { tags: new Map(), plugins: new Map() },
): ScalarTable {
  const rank = opts.fileRank ?? 0;
  const pb = new PbReader(bytes, 0, 0, 0, opts.source);
  forEachTfRecord(
    bytes,
    {
      salvage: opts.salvage ?? false,
      ...(opts.source !== undefined ? { source: opts.source } : {}),
      ...(opts.warnings !== undefined ? { warnings: opts.warnings } : {}),
    },
    (start, end) => {
      pb.pos = start;
      pb.end = end;
      decodeEvent(pb, table, rank);
    },
  );
  return table;
}

function decodeEvent(pb: PbReader, table: ScalarTable, rank: number): void {
  let wall = Number.NaN;
  let step = 0;
  let summaryStart = -1;
  let summaryEnd = -1;
  while (!pb.done) {
    const key = pb.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 1) wall = pb.double();
    else if (field === 2 && wt === 0) step = pb.int64();
    else if (field === 5 && wt === 2) {
      summaryEnd = pb.bytesEnd();
      summaryStart = pb.pos;
      pb.pos = summaryEnd;
    } else pb.skip(wt);
  }
  if (summaryStart < 0) return;
  pb.pos = summaryStart;
  while (pb.pos < summaryEnd) {
    const key = pb.key();
    if (key >>> 3 === 1 && (key & 7) === 2) {
      const end = pb.bytesEnd();
      decodeValue(pb, end, table, step, wall, rank);
      pb.pos = end;
    } else pb.skip(key & 7);
  }
}

function decodeValue(pb: PbReader, end: number, table: ScalarTable, step: number, wall: number, rank: number): void {
  let tag: string | undefined;
  let value = Number.NaN;
  let have = false;
  let tensorStart = -1;
  let tensorEnd = -1;
  let plugin: string | undefined;
  while (pb.pos < end) {
    const key = pb.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 2) {
      const e = pb.bytesEnd();
      tag = cachedTag(pb.buf, pb.pos, e);
      pb.pos = e;
    } else if (field === 2 && wt === 5) {
      value = pb.float();
      have = true;
    } else if (field === 8 && wt === 2) {
      tensorEnd = pb.bytesEnd();
      tensorStart = pb.pos;
      pb.pos = tensorEnd;
    } else if (field === 9 && wt === 2) {
      const e = pb.bytesEnd();
      plugin = pluginName(pb, e);
      pb.pos = e;
    } else pb.skip(wt);
  }
  if (tag === undefined) return;
  if (plugin !== undefined && !table.plugins.has(tag)) table.plugins.set(tag, plugin);
  if (!have && tensorStart >= 0) {
    const known = table.plugins.get(tag);
    if (known !== undefined && known !== "scalars") return;
    pb.pos = tensorStart;
    const scalar = tensorScalar(pb, tensorEnd);
    if (scalar === undefined) return;
    value = scalar;
    have = true;
  }
  if (!have) return;
  let series = table.tags.get(tag);
  if (series === undefined) {
    series = { step: new Growable(), value: new Growable(), wall: new Growable(), file: new Growable() };
    table.tags.set(tag, series);
  }
  series.step.push(step);
  series.value.push(value);
  series.wall.push(wall);
  series.file.push(rank);
}

function pluginName(pb: PbReader, end: number): string | undefined {
  while (pb.pos < end) {
    const key = pb.key();
    if (key >>> 3 === 1 && (key & 7) === 2) {
      const pdEnd = pb.bytesEnd();
      while (pb.pos < pdEnd) {
        const k = pb.key();
        if (k >>> 3 === 1 && (k & 7) === 2) {
          const e = pb.bytesEnd();
          return cachedTag(pb.buf, pb.pos, e);
        }
        pb.skip(k & 7);
      }
    } else pb.skip(key & 7);
  }
  return undefined;
}

/** The value of a one-element numeric tensor (which may itself be NaN); undefined when the tensor is no such scalar. */
function tensorScalar(pb: PbReader, end: number): number | undefined {
  let dtype = 0;
  let elements = 1;
  let contentStart = -1;
  let contentEnd = -1;
  let value = Number.NaN;
  let haveVal = false;
  while (pb.pos < end) {
    const key = pb.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) dtype = pb.varint();
    else if (field === 2 && wt === 2) {
      const e = pb.bytesEnd();
      elements = shapeElements(pb, e);
      pb.pos = e;
    } else if (field === 4 && wt === 2) {
      contentEnd = pb.bytesEnd();
      contentStart = pb.pos;
      pb.pos = contentEnd;
    } else if ((field === 5 || field === 6 || field === 7 || field === 10 || field === 13) && !haveVal) {
      value = repeatedFirst(pb, field, wt);
      haveVal = true;
    } else pb.skip(wt);
  }
  if (elements !== 1) return undefined;
  if (contentStart >= 0) {
    const len = contentEnd - contentStart;
    if (dtype === DT_FLOAT && len === 4) value = pb.floatAt(contentStart);
    else if (dtype === DT_DOUBLE && len === 8) value = pb.doubleAt(contentStart);
    else if (dtype === DT_INT32 && len === 4)
      value = new DataView(pb.buf.buffer, pb.buf.byteOffset).getInt32(contentStart, true);
    else if (dtype === DT_INT64 && len === 8)
      value = Number(new DataView(pb.buf.buffer, pb.buf.byteOffset).getBigInt64(contentStart, true));
    else if (dtype === DT_HALF && len === 2)
      value = halfToFloat(pb.buf[contentStart]! | (pb.buf[contentStart + 1]! << 8));
    else return undefined;
    return value;
  }
  if (!haveVal) return undefined;
  if (dtype !== DT_FLOAT && dtype !== DT_DOUBLE && dtype !== DT_INT32 && dtype !== DT_INT64 && dtype !== DT_HALF) {
    return undefined;
  }
  return value;
}

function shapeElements(pb: PbReader, end: number): number {
  let n = 1;
  while (pb.pos < end) {
    const key = pb.key();
    if (key >>> 3 === 2 && (key & 7) === 2) {
      const e = pb.bytesEnd();
      let size = 0;
      while (pb.pos < e) {
        const k = pb.key();
        if (k >>> 3 === 1 && (k & 7) === 0) size = pb.int64();
        else pb.skip(k & 7);
      }
      n *= size;
    } else if (key >>> 3 === 3 && (key & 7) === 0) {
      pb.varint(); // unknown_rank
    } else pb.skip(key & 7);
  }
  return n;
}

/** First element of a repeated numeric field (packed or not). */
function repeatedFirst(pb: PbReader, field: number, wt: number): number {
  if (wt === 2) {
    const e = pb.bytesEnd();
    let v = Number.NaN;
    if (pb.pos < e) {
      if (field === 5) v = pb.float();
      else if (field === 6) v = pb.double();
      else if (field === 13) v = halfToFloat(pb.varint());
      else v = field === 10 ? pb.int64() : toInt32(pb.int64());
    }
    pb.pos = e;
    return v;
  }
  if (field === 5 && wt === 5) return pb.float();
  if (field === 6 && wt === 1) return pb.double();
  if (wt === 0) {
    if (field === 13) return halfToFloat(pb.varint());
    return field === 10 ? pb.int64() : toInt32(pb.int64());
  }
  pb.skip(wt);
  return Number.NaN;
}

function toInt32(v: number): number {
  return v | 0;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export interface EventCurvesOptions {
  /** Run name (curves are named `<name>` for the loss tag and `<name>:<tag>` otherwise). */
  name: string;
  /** The file or folder the run came from. */
  source: string;
  tag?: string | undefined;
  warnings?: Warnings;
}

/**
 * Scalar table -> one curve per tag (or only `opts.tag`). The obvious loss tag, when there is one, gets an
 * `lr` column joined from an lr-like tag (last value at or before each step).
 *
 * @example
 * const curves = eventCurves(readEventScalars(bytes), { name: "run", source: "events.out.tfevents.1" });
 */
export function eventCurves(table: ScalarTable, opts: EventCurvesOptions): Curve[] {
  const tags = [...table.tags.keys()].sort();
  if (opts.tag !== undefined && !table.tags.has(opts.tag)) throw new ConfigError(M.noSuchTag(opts.tag, tags));
  const chosen = opts.tag !== undefined ? [opts.tag] : tags;
  const lossTag = pickLossTag(tags);
  const lrTags = tags.filter(isLrName);
  const curves: Curve[] = [];
  for (const tag of chosen) {
    const s = table.tags.get(tag) as TagSeries;
    const { step, value: loss, wall } = ordered(s);
    const warnings = new Warnings();
    if (opts.warnings !== undefined) warnings.list.push(...opts.warnings.list);
    let lr: Float64Array | undefined;
    if (tag === lossTag && lrTags.length === 1 && lrTags[0] !== tag) {
      const l = ordered(table.tags.get(lrTags[0] as string) as TagSeries);
      lr = asOfJoin(step, l.step, l.value);
    }
    curves.push(
      makeCurve(
        { step, loss, wallTime: hasFinite(wall) ? wall : undefined, lr },
        { name: tag === lossTag ? opts.name : `${opts.name}:${tag}`, source: opts.source, format: "tfevents", tag },
        warnings,
      ),
    );
  }
  return curves;
}

/**
 * A tag's points as arrays in merge order: file order for one file; for several files sorted by wall time
 * (stable: file order within equal times). Fresh arrays each call (the curves own them).
 */
function ordered(s: TagSeries): { step: Float64Array; value: Float64Array; wall: Float64Array } {
  const step = s.step.toArray();
  const value = s.value.toArray();
  const wall = s.wall.toArray();
  const file = s.file.toArray();
  const n = step.length;
  let multi = false;
  for (let i = 1; i < n && !multi; i++) if (file[i] !== file[0]) multi = true;
  if (!multi) return { step, value, wall };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const wa = wall[a] as number;
    const wb = wall[b] as number;
    if (wa !== wb) return Number.isNaN(wa) ? 1 : Number.isNaN(wb) ? -1 : wa - wb;
    return a - b;
  });
  const pick = (src: Float64Array) => Float64Array.from(order, (i) => src[i] as number);
  return { step: pick(step), value: pick(value), wall: pick(wall) };
}

function hasFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i] as number)) return true;
  return false;
}

/**
 * For each target step, the latest source value logged at or before it (NaN before the first).
 * Of several source points at the same step the one logged last wins.
 *
 * @example
 * asOfJoin(new Float64Array([0, 10, 20]), new Float64Array([0, 15]), new Float64Array([0.1, 0.01])) // [0.1, 0.1, 0.01]
 */
export function asOfJoin(target: Float64Array, srcStep: Float64Array, srcValue: Float64Array): Float64Array {
  const idx = Array.from(srcStep.keys()).sort((a, b) => (srcStep[a] as number) - (srcStep[b] as number) || a - b);
  const out = new Float64Array(target.length).fill(Number.NaN);
  const tOrder = Array.from(target.keys()).sort((a, b) => (target[a] as number) - (target[b] as number));
  let j = -1;
  for (const t of tOrder) {
    while (j + 1 < idx.length && (srcStep[idx[j + 1] as number] as number) <= (target[t] as number)) j++;
    if (j >= 0) out[t] = srcValue[idx[j] as number] as number;
  }
  return out;
}

/** Convenience: curves of a single event file held in memory. */
export function parseTfEvents(
  bytes: Uint8Array,
  source: string,
  opts: { name?: string; tag?: string; salvage?: boolean; warnings?: Warnings } = {},
): Curve[] {
  const warnings = opts.warnings ?? new Warnings();
  const table = readEventScalars(bytes, { source, salvage: opts.salvage ?? false, warnings });
  if (table.tags.size === 0) return [];
  return eventCurves(table, { name: opts.name ?? runName(source), source, tag: opts.tag, warnings });
}
