/**
 * A tiny WebAssembly binary writer: just what the batch kernels need (one module, one exported memory, exported
 * functions built instruction by instruction, SIMD f64x2/i64x2). The kernels are generated code, so they are
 * written with this instead of a hand-kept .wasm file: the same generator makes every lane count (K) the bench
 * compares, and the source of every instruction stays readable TypeScript.
 *
 * Every value the kernels compute is IEEE-754 binary64 arithmetic, which WebAssembly defines exactly (no fused
 * multiply-add, round to nearest): the same operations in the same order give the same bits as JavaScript.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F64 | typeof V128;

/** Core opcodes used by the kernels. */
export const OP = {
  i32Eqz: 0x45,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64Or: 0x84,
  i64Shl: 0x86,
  i64ExtendI32U: 0xad,
} as const;

/** SIMD opcodes (0xfd prefix) used by the kernels. */
export const SIMD = {
  load: 0x00,
  load64Splat: 0x0a,
  store: 0x0b,
  f64x2Splat: 0x14,
  f64x2Lt: 0x49,
  f64x2Ge: 0x4c,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  bitselect: 0x52,
  i64x2Bitmask: 0xc4,
  f64x2Abs: 0xec,
  f64x2Neg: 0xed,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
} as const;

function uleb(n: number, out: number[]): void {
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(n: number, out: number[]): void {
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/**
 * One function body under construction: locals, then instructions appended in order (a stack machine).
 * @example const f = new WasmFunction("add1", [I32], [I32]); f.get(0).i32(1).op(OP.i32Add);
 */
export class WasmFunction {
  readonly code: number[] = [];
  readonly locals: ValType[] = [];
  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    this.code.push(0x20);
    uleb(i, this.code);
    return this;
  }
  set(i: number): this {
    this.code.push(0x21);
    uleb(i, this.code);
    return this;
  }
  tee(i: number): this {
    this.code.push(0x22);
    uleb(i, this.code);
    return this;
  }
  i32(n: number): this {
    this.code.push(0x41);
    sleb(n, this.code);
    return this;
  }
  i64small(n: number): this {
    this.code.push(0x42);
    sleb(n, this.code);
    return this;
  }
  f64(v: number): this {
    this.code.push(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
    return this;
  }
  /** A SIMD instruction without immediates. */
  simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    return this;
  }
  /** A SIMD memory instruction (address on the stack) with a constant offset. */
  simdMem(opcode: number, offset: number, alignLog2 = 4): this {
    this.simd(opcode);
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }
  /** A scalar memory instruction (0x28 i32.load ... 0x3e i64.store32) with a constant offset. */
  mem(opcode: number, offset: number, alignLog2: number): this {
    this.code.push(opcode);
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }
  vload(offset: number): this {
    return this.simdMem(SIMD.load, offset);
  }
  vstore(offset: number): this {
    return this.simdMem(SIMD.store, offset);
  }
  i64store(offset: number): this {
    return this.mem(0x37, offset, 3);
  }
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.code.push(0x0c);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(depth, this.code);
    return this;
  }
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  uleb(items.length, out);
  for (const it of items) out.push(...it);
  return out;
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  const out: number[] = [];
  uleb(bytes.length, out);
  return [...out, ...bytes];
}

/**
 * Assemble a module: one memory (exported as `mem`, `pages` 64 KiB pages to start, growable) and the functions,
 * each exported under its name.
 * @example const bytes = assemble([f], 1); new WebAssembly.Instance(new WebAssembly.Module(bytes));
 */
export function assemble(fns: readonly WasmFunction[], pages: number): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = fns.map((f) => {
    const t = [0x60];
    uleb(f.params.length, t);
    t.push(...f.params);
    uleb(f.results.length, t);
    t.push(...f.results);
    return t;
  });
  section(1, vector(types), out);
  section(
    3,
    vector(
      fns.map((_, i) => {
        const o: number[] = [];
        uleb(i, o);
        return o;
      }),
    ),
    out,
  );
  const limits: number[] = [0x00];
  uleb(pages, limits);
  section(5, vector([limits]), out);
  const exports: number[][] = [[...name("mem"), 0x02, 0x00]];
  fns.forEach((f, i) => {
    const e = [...name(f.name), 0x00];
    uleb(i, e);
    exports.push(e);
  });
  section(7, vector(exports), out);
  const bodies = fns.map((f) => {
    const body = [...vector(f.locals.map((t) => [0x01, t])), ...f.code, 0x0b];
    const o: number[] = [];
    uleb(body.length, o);
    return [...o, ...body];
  });
  section(10, vector(bodies), out);
  return new Uint8Array(out);
}

/** A module's linear memory, as the kernels use it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The global WebAssembly API (Node's), typed for what the kernels need: the project's lib has no DOM types. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Compile and instantiate an assembled module (synchronously: the kernels are small); its exports.
 * @example const { mem, ff4 } = instantiate(assemble(fns, 1));
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> {
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return new wa.Instance(new wa.Module(bytes), {}).exports;
}
