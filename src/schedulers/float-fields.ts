/**
 * Float64Array-backed fields of a scheduler class (fastface, hck): object fields that start as small integers
 * and later hold doubles change V8's hidden class and deoptimise the hot loop per instance, so the float state
 * lives in one `Float64Array` (`this.f`) and each field is a getter/setter pair over one slot. This helper
 * installs those pairs on the class prototype from a list of names, so a class declares them (`declare`) instead
 * of writing each pair out.
 *
 * The pairs are written out once below with constant slots: accessors that read their slot from a closure were
 * 5-12% slower per `step()` call in fastface (bench/replay-ab.ts --step), these are as fast as hand-written
 * ones (docs/replay.md, Speed).
 */

/** A class whose instances hold their float fields in `f`. */
interface HasFloats {
  readonly f: Float64Array;
}

type Pair = { get(this: HasFloats): number; set(this: HasFloats, v: number): void };

// biome-ignore format: one slot per line
const PAIRS: readonly Pair[] = [
  { get() { return this.f[0]!; }, set(v) { this.f[0] = v; } },
  { get() { return this.f[1]!; }, set(v) { this.f[1] = v; } },
  { get() { return this.f[2]!; }, set(v) { this.f[2] = v; } },
  { get() { return this.f[3]!; }, set(v) { this.f[3] = v; } },
  { get() { return this.f[4]!; }, set(v) { this.f[4] = v; } },
  { get() { return this.f[5]!; }, set(v) { this.f[5] = v; } },
  { get() { return this.f[6]!; }, set(v) { this.f[6] = v; } },
  { get() { return this.f[7]!; }, set(v) { this.f[7] = v; } },
];

/**
 * Install on `proto` a getter/setter per name over `this.f[slot]` (slot = position in `names`, at most 8).
 * @example
 * const FIELDS = ["x1", "x2"] as const;
 * class S { readonly f = new Float64Array(FIELDS.length); declare x1: number; declare x2: number; }
 * floatFields(S.prototype, FIELDS);
 */
export function floatFields(proto: object, names: readonly string[]): void {
  if (names.length > PAIRS.length) throw new Error(`floatFields: at most ${PAIRS.length} fields`);
  names.forEach((name, slot) => {
    const { get, set } = PAIRS[slot]!;
    Object.defineProperty(proto, name, { get, set, configurable: false, enumerable: false });
  });
}
