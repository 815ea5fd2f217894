/**
 * Bounded validation of Arrow IPC bytes before apache-arrow sees them. apache-arrow trusts the lengths in the
 * flatbuffer metadata (field lists, children, field nodes, buffers) and loops over whatever they claim: one
 * changed byte can make it run until V8 runs out of memory. This walks the framing (file footer and blocks, or
 * the stream's messages) and every flatbuffer table, vector and string it will read, checking each offset and
 * length against the bytes that are there, with a budget on the tables visited (shared subtrees cannot blow
 * up) and a depth limit. Anything off is a ParseError naming the byte offset, in time linear in the input.
 *
 * Layout facts (Arrow columnar format, Message.fbs / Schema.fbs / File.fbs): a flatbuffer starts with a u32
 * offset to its root table; a table starts with an i32 back-offset to its vtable (u16 vtable size, u16 table
 * size, u16 field offsets); offset fields hold a u32 forward offset to a vector (u32 length, elements) or a
 * string. Block = {offset i64, metaDataLength i32, pad, bodyLength i64} (24 bytes); FieldNode = {length i64,
 * null_count i64} and Buffer = {offset i64, length i64} (16 bytes each).
 */
import { ParseError } from "../errors.ts";
import * as M from "../messages/ingest.ts";

const EXPECTED = "an Arrow IPC file or stream";
/** Arrow's Type union: NONE (0) .. LargeListView (26). */
const MAX_TYPE = 26;
const MAX_DEPTH = 64;

class Flat {
  private readonly dv: DataView;
  constructor(
    private readonly b: Uint8Array,
    private readonly source: string,
    /** [start, end): the bytes of this flatbuffer. */
    readonly start: number,
    readonly end: number,
    private readonly budget: { left: number },
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  fail(at: number, what: string): never {
    throw new ParseError(M.badArrowIpcMetadata(what), { file: this.source, byteOffset: at }, EXPECTED);
  }

  private need(at: number, n: number, what: string): void {
    if (at < this.start || at + n > this.end) this.fail(at, `${what} lies outside its metadata block`);
  }

  u8(at: number): number {
    this.need(at, 1, "a byte");
    return this.b[at] as number;
  }
  u16(at: number): number {
    this.need(at, 2, "a u16");
    return this.dv.getUint16(at, true);
  }
  u32(at: number): number {
    this.need(at, 4, "a u32");
    return this.dv.getUint32(at, true);
  }
  i64(at: number): number {
    this.need(at, 8, "an i64");
    const v = this.dv.getBigInt64(at, true);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(at, `64-bit value ${v} is negative or too large`);
    return Number(v);
  }

  /** The root table of this flatbuffer. */
  root(): number {
    return this.table(this.start + this.u32(this.start), "the root table");
  }

  /** Check the table at `pos` (its vtable and its size); returns `pos`. */
  table(pos: number, what: string): number {
    if (--this.budget.left < 0) this.fail(pos, "more tables than the metadata can hold (shared or cyclic subtrees)");
    this.need(pos, 4, what);
    const vt = pos - this.dv.getInt32(pos, true);
    const vtLen = this.u16(vt);
    const tLen = this.u16(vt + 2);
    if (vtLen < 4 || vtLen % 2 !== 0) this.fail(vt, `${what} has a vtable of ${vtLen} bytes`);
    this.need(vt, vtLen, `${what}'s vtable`);
    if (tLen < 4) this.fail(vt, `${what} is ${tLen} bytes long`);
    this.need(pos, tLen, what);
    return pos;
  }

  /** Position of field `i` of the table at `pos`, or -1 when absent. */
  field(pos: number, i: number, size: number): number {
    const vt = pos - this.dv.getInt32(pos, true);
    const vtLen = this.dv.getUint16(vt, true);
    if (4 + 2 * i + 2 > vtLen) return -1;
    const off = this.dv.getUint16(vt + 4 + 2 * i, true);
    if (off === 0) return -1;
    const tLen = this.dv.getUint16(vt + 2, true);
    if (off + size > tLen) this.fail(pos + off, `field ${i} runs past the end of its table`);
    return pos + off;
  }

  /** The target of the offset field `i` (a table, vector or string), or -1 when absent. */
  ref(pos: number, i: number): number {
    const f = this.field(pos, i, 4);
    if (f < 0) return -1;
    const target = f + this.u32(f);
    this.need(target, 4, `the target of field ${i}`);
    return target;
  }

  /** A vector field: [first element, count], checked to fit; undefined when absent. */
  vector(pos: number, i: number, elemSize: number, what: string): [number, number] | undefined {
    const v = this.ref(pos, i);
    if (v < 0) return undefined;
    const n = this.u32(v);
    if (n * elemSize > this.end - (v + 4)) this.fail(v, `${what}: ${n} element(s) of ${elemSize} bytes do not fit`);
    return [v + 4, n];
  }

  /** The tables of a vector of tables. */
  tables(pos: number, i: number, what: string): number[] {
    const v = this.vector(pos, i, 4, what);
    if (v === undefined) return [];
    const out: number[] = [];
    for (let k = 0; k < v[1]; k++) {
      const at = v[0] + 4 * k;
      out.push(this.table(at + this.u32(at), what));
    }
    return out;
  }

  string(pos: number, i: number, what: string): void {
    this.vector(pos, i, 1, what);
  }
}

/** Schema.fields / Field.children, recursively; the ids of dictionary-encoded fields go to `dicts`. */
function checkFields(f: Flat, fields: number[], depth: number, dicts: Set<number>): void {
  if (depth > MAX_DEPTH) f.fail(fields[0] ?? f.start, `fields nested deeper than ${MAX_DEPTH}`);
  for (const field of fields) {
    f.string(field, 0, "a field name");
    const typeAt = f.field(field, 2, 1);
    const type = typeAt < 0 ? 0 : f.u8(typeAt);
    if (type > MAX_TYPE) f.fail(typeAt, `unknown type id ${type}`);
    const t = f.ref(field, 3);
    if (t >= 0) {
      f.table(t, "a field type");
      checkTypeTable(f, type, t);
    }
    const dict = f.ref(field, 4);
    if (dict >= 0) {
      f.table(dict, "a dictionary encoding");
      const idAt = f.field(dict, 0, 8);
      dicts.add(idAt < 0 ? 0 : f.i64(idAt));
      const idx = f.ref(dict, 1);
      if (idx >= 0) checkTypeTable(f, 2, f.table(idx, "a dictionary index type"));
    }
    checkKeyValues(f, field, 6);
    checkFields(f, f.tables(field, 5, "field children"), depth + 1, dicts);
  }
}

/** The type tables apache-arrow turns into errors or loops when their enums are off. */
function checkTypeTable(f: Flat, type: number, t: number): void {
  if (type === 2) {
    const w = f.field(t, 0, 4);
    const bits = w < 0 ? 0 : f.u32(w);
    if (![8, 16, 32, 64].includes(bits)) f.fail(w < 0 ? t : w, `Int bit width ${bits}`);
  } else if (type === 3) {
    const p = f.field(t, 0, 2);
    const precision = p < 0 ? 0 : f.u16(p);
    if (precision > 2) f.fail(p, `floating-point precision ${precision}`);
  }
}

function checkKeyValues(f: Flat, pos: number, i: number): void {
  for (const kv of f.tables(pos, i, "custom metadata")) {
    f.string(kv, 0, "a metadata key");
    f.string(kv, 1, "a metadata value");
  }
}

function checkSchema(f: Flat, schema: number, dicts: Set<number>): void {
  checkFields(f, f.tables(schema, 1, "schema fields"), 0, dicts);
  checkKeyValues(f, schema, 2);
  f.vector(schema, 3, 8, "schema features");
}

/** RecordBatch: rows, field nodes and buffers against the message body. */
function checkRecordBatch(f: Flat, rb: number, bodyLength: number, bytes: number): void {
  const maxRows = bytes * 8 + 64;
  const lenAt = f.field(rb, 0, 8);
  const rows = lenAt < 0 ? 0 : f.i64(lenAt);
  if (rows > maxRows) f.fail(lenAt, `${rows} rows cannot be held in ${bytes} bytes`);
  const nodes = f.vector(rb, 1, 16, "field nodes");
  if (nodes !== undefined) {
    for (let k = 0; k < nodes[1]; k++) {
      const at = nodes[0] + 16 * k;
      const length = f.i64(at);
      const nulls = f.i64(at + 8);
      if (length > maxRows || nulls > length) f.fail(at, `field node ${k}: length ${length}, null count ${nulls}`);
    }
  }
  const buffers = f.vector(rb, 2, 16, "buffers");
  if (buffers !== undefined) {
    for (let k = 0; k < buffers[1]; k++) {
      const at = buffers[0] + 16 * k;
      const off = f.i64(at);
      const len = f.i64(at + 8);
      if (off + len > bodyLength) f.fail(at, `buffer ${k} (${off} + ${len}) runs past the body (${bodyLength} bytes)`);
    }
  }
  if (f.ref(rb, 3) >= 0) f.fail(rb, "compressed record batches are not supported");
}

/**
 * One message (metadata flatbuffer at [start, end), body right after it): returns the body length.
 * `kind`: 1 Schema, 2 DictionaryBatch, 3 RecordBatch (Message.header_type).
 */
/** What every check of one input shares: the bytes, the file named in errors, the table budget. */
interface Input {
  bytes: Uint8Array;
  source: string;
  budget: { left: number };
}

function checkMessage(
  inp: Input,
  start: number,
  end: number,
  bodyRoom: number,
  dicts: Set<number> | undefined,
): { kind: number; body: number; dicts: Set<number> | undefined } {
  const { bytes } = inp;
  const f = new Flat(bytes, inp.source, start, end, inp.budget);
  const msg = f.root();
  const typeAt = f.field(msg, 1, 1);
  const kind = typeAt < 0 ? 0 : f.u8(typeAt);
  const bodyAt = f.field(msg, 3, 8);
  const body = bodyAt < 0 ? 0 : f.i64(bodyAt);
  if (body > bodyRoom) f.fail(bodyAt, `a body of ${body} bytes runs past the end (${bodyRoom} bytes left)`);
  const header = f.ref(msg, 2);
  if (kind < 1 || kind > 3) f.fail(typeAt < 0 ? msg : typeAt, `message type ${kind} (expected a schema or a batch)`);
  if (header < 0) f.fail(msg, "a message without a header");
  f.table(header, "a message header");
  if (kind === 1) {
    if (dicts !== undefined) f.fail(msg, "a second schema message");
    dicts = new Set();
    checkSchema(f, header, dicts);
  } else {
    // apache-arrow loops on a batch it has no schema for, or on a dictionary batch of an unknown id
    if (dicts === undefined) return f.fail(msg, "a batch before the schema");
    if (kind === 3) checkRecordBatch(f, header, body, bytes.byteLength);
    else {
      const idAt = f.field(header, 0, 8);
      const id = idAt < 0 ? 0 : f.i64(idAt);
      if (!dicts.has(id)) f.fail(idAt < 0 ? header : idAt, `a dictionary batch for id ${id}, which no field uses`);
      const data = f.ref(header, 1);
      if (data >= 0) checkRecordBatch(f, f.table(data, "dictionary data"), body, bytes.byteLength);
    }
  }
  checkKeyValues(f, msg, 4);
  return { kind, body, dicts };
}

/**
 * A framed message at `at` (`0xFFFFFFFF`, length, metadata, body): where the next one starts (-1 at the end)
 * and the dictionary ids of the schema read so far.
 */
function checkFramed(
  inp: Input,
  at: number,
  limit: number,
  dicts: Set<number> | undefined,
): { next: number; end: number; dicts: Set<number> | undefined } {
  const { bytes, source } = inp;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (pos: number, what: string): never => {
    throw new ParseError(M.badArrowIpcFraming(what), { file: source, byteOffset: pos }, EXPECTED);
  };
  if (at + 4 > limit) return { next: -1, end: at, dicts }; // no end-of-stream marker: apache-arrow stops too
  let len = dv.getInt32(at, true);
  let meta = at + 4;
  if (len === -1) {
    if (at + 8 > limit) fail(at, "a continuation marker without a length");
    len = dv.getInt32(at + 4, true);
    meta = at + 8;
  }
  if (len === 0) return { next: -1, end: meta, dicts }; // end of stream
  if (len < 8 || meta + len > limit)
    fail(at, `a metadata length of ${len} runs past the end (${limit - meta} bytes left)`);
  const m = checkMessage(inp, meta, meta + len, limit - (meta + len), dicts);
  return { next: meta + len + m.body, end: meta + len + m.body, dicts: m.dicts };
}

/**
 * Validate Arrow IPC bytes (file format `ARROW1…ARROW1` or a stream); throws a ParseError with the byte offset
 * of the first inconsistency. Returns how many bytes to hand to apache-arrow: all of a file; a stream up to
 * its end-of-stream marker (bytes after it are not read, as pyarrow's stream reader does not read them:
 * apache-arrow would go on reading them as another stream, and loops on some).
 *
 * @example
 * validateArrowIpc(curveToArrowIPC(curve), "run.arrow"); // the length; a corrupted copy throws ParseError
 */
export function validateArrowIpc(bytes: Uint8Array, source: string): number {
  const n = bytes.byteLength;
  const budget = { left: Math.max(64, n >> 2) };
  const inp: Input = { bytes, source, budget };
  const fail = (pos: number, what: string): never => {
    throw new ParseError(M.badArrowIpc(what), { file: source, byteOffset: pos }, EXPECTED);
  };
  const magic = (at: number) =>
    at >= 0 && at + 6 <= n && String.fromCharCode(...bytes.subarray(at, at + 6)) === "ARROW1";
  if (!magic(0)) {
    let at = 0;
    let end = 0;
    let messages = 0;
    let dicts: Set<number> | undefined;
    while (at >= 0 && at < n) {
      ({ next: at, end, dicts } = checkFramed(inp, at, n, dicts));
      if (++messages > n) fail(at, "more messages than bytes");
    }
    if (dicts === undefined) fail(0, "a stream without a schema message");
    return at < 0 ? end : n;
  }
  if (n < 8 + 10 || !magic(n - 6)) fail(Math.max(0, n - 6), "the file does not end with the ARROW1 magic");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLen = dv.getInt32(n - 10, true);
  const footerStart = n - 10 - footerLen;
  if (footerLen < 8 || footerStart < 8) fail(n - 10, `a footer length of ${footerLen} does not fit the file`);
  const f = new Flat(bytes, source, footerStart, n - 10, budget);
  const footer = f.root();
  const schema = f.ref(footer, 1);
  if (schema < 0) f.fail(footer, "a footer without a schema");
  const dicts = new Set<number>();
  checkSchema(f, f.table(schema, "the schema"), dicts);
  for (const [i, what] of [
    [2, "dictionary blocks"],
    [3, "record batch blocks"],
  ] as const) {
    const blocks = f.vector(footer, i, 24, what);
    if (blocks === undefined) continue;
    for (let k = 0; k < blocks[1]; k++) {
      const at = blocks[0] + 24 * k;
      const offset = f.i64(at);
      const metaLen = dv.getInt32(at + 8, true);
      const body = f.i64(at + 16);
      if (offset < 8 || metaLen < 8 || offset + metaLen + body > footerStart) {
        f.fail(at, `block ${k} (offset ${offset}, metadata ${metaLen}, body ${body}) lies outside the file's data`);
      }
      const { next } = checkFramed(inp, offset, offset + metaLen + body, dicts);
      if (next > offset + metaLen + body) f.fail(at, `block ${k}'s message is longer than the block`);
    }
  }
  return n;
}
