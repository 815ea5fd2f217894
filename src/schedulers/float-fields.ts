/**
 * Float64Array-backed fields of a scheduler class (fastface, hck): object fields that start as small integers
 * and later hold doubles change V8's hidden class and deoptimise the hot loop per instance, so the float state
 * lives in one `Float64Array` (`this.f`) and each field is a getter/setter pair over one slot. This helper
 * installs those pairs on the class prototype from a list of names, so a class declares them (`declare`) instead
 * of writing each pair out. bench/replay.ts measured it against hand-written accessors (docs/replay.md).
 */

/** A class whose instances hold their float fields in `f`. */
interface HasFloats {
  readonly f: Float64Array;
}

/**
 * Install on `proto` a getter/setter per name over `this.f[slot]` (slot = position in `names`).
 * @example
 * const FIELDS = ["x1", "x2"] as const;
 * class S { readonly f = new Float64Array(FIELDS.length); declare x1: number; declare x2: number; }
 * floatFields(S.prototype, FIELDS);
 */
export function floatFields(proto: object, names: readonly string[]): void {
  names.forEach((name, slot) => {
    Object.defineProperty(proto, name, {
      get(this: HasFloats): number {
        return this.f[slot]!;
      },
      set(this: HasFloats, v: number) {
        this.f[slot] = v;
      },
      configurable: false,
      enumerable: false,
    });
  });
}
