/**
 * A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit), enough for the
 * TensorBoard `Event` messages. Every malformation becomes a ParseError at the byte offset in the file.
 */
import { ParseError } from "../errors.ts";
import * as M from "../messages/ingest.ts";

export class PbReader {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    public end: number,
    /** Offset of `buf[0]` in the file, for error messages. */
    readonly fileOffset: number,
    readonly source: string | undefined,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(why: string): never {
    throw new ParseError(
      M.badProto(why),
      { file: this.source, byteOffset: this.fileOffset + this.pos },
      "a TensorBoard Event protobuf",
    );
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Unsigned varint as a double (exact up to 2^53; int64 negatives come back >= 2^63, see `int64`). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("varint runs past the end of its message");
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return this.fail("varint longer than 10 bytes");
  }

  /** A varint read as a signed int64 (two's complement). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail("double runs past the end of its message");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) this.fail("float runs past the end of its message");
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a length prefix and returns the end of the nested bytes (pos is at their start). */
  bytesEnd(): number {
    const len = this.varint();
    const e = this.pos + len;
    if (e > this.end) this.fail("length-delimited field runs past the end of its message");
    return e;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        if (this.pos + 8 > this.end) this.fail("fixed64 runs past the end");
        this.pos += 8;
        return;
      case 2:
        this.pos = this.bytesEnd();
        return;
      case 5:
        if (this.pos + 4 > this.end) this.fail("fixed32 runs past the end");
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  /** Read a field key; returns field number * 8 + wire type. */
  key(): number {
    const k = this.varint();
    if (k < 8) this.fail(`invalid field number 0`);
    return k;
  }

  /** Float32 / float64 at an absolute position (no bounds effect on pos). */
  floatAt(i: number): number {
    return this.view.getFloat32(i, true);
  }
  doubleAt(i: number): number {
    return this.view.getFloat64(i, true);
  }
}
