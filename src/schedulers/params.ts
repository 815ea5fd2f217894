/**
 * Parameter handling shared by every scheduler factory: coercion of spec strings to typed values, defaults,
 * type and bound checks. Errors are ConfigErrors that name the scheduler, the parameter and what was expected.
 *
 * The one value grammar of fastface (`-s name:k=v`, `--grid k=...`, explain's `--family`/`--grid`,
 * `--lr-schedule` incl. its `lr=`, `--judge haar:k=v`, and values handed to `create`/`restore` as strings):
 *   number / integer   decimal with an optional exponent: `4000`, `-0.5`, `.5`, `5.`, `2e-5`, `1E+3`
 *                      (surrounding blanks ignored); hex/octal/binary (`0x10`), `Infinity`, `NaN`, `1_000`
 *                      and empty text are rejected; an integer is any such number with no fraction (`4e3`)
 *   boolean            true/false, 1/0, yes/no, on/off (any case)
 *   string             exactly one of the declared choices (case-sensitive; surrounding blanks ignored)
 *   number[]           numbers of the grammar above separated by `,` or `;`
 * A rejected value is a ConfigError `E_SCHED_PARAM` naming the scheduler, the parameter, the text and what was
 * expected (callers may prefix where it came from, e.g. the `--grid` argument, keeping the code).
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, badState, E_SCHED_PARAM, E_SCHED_STATE, unknownParam } from "../messages/replay.ts";
import type { ParamSpec, Params, ParamsOf, ParamValue, Scheduler, SchedulerContext, SchedulerState } from "./types.ts";

function expectedText(spec: ParamSpec): string {
  const parts: string[] = [spec.type === "number[]" ? "a list of numbers" : `a ${spec.type}`];
  if (spec.min !== undefined) parts.push(`>= ${spec.min}`);
  if (spec.above !== undefined) parts.push(`> ${spec.above}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  if (spec.choices) parts.push(`one of ${spec.choices.join("|")}`);
  return parts.join(", ");
}

/** Parse one number the way a user writes it (`2e-5`, `0.5`, `4000`); undefined when it is not one. */
export function parseNumber(text: string): number | undefined {
  const s = text.trim();
  if (s === "" || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** Parse a boolean the way a user writes it (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case). */
export function parseBoolean(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (s === "true" || s === "1" || s === "yes" || s === "on") return true;
  if (s === "false" || s === "0" || s === "no" || s === "off") return false;
  return undefined;
}

function checkNumber(scheduler: string, key: string, spec: ParamSpec, v: number, raw: unknown): number {
  const bad = () => new ConfigError(badParamValue(scheduler, key, raw, expectedText(spec)), E_SCHED_PARAM);
  if (!Number.isFinite(v)) throw bad();
  if (spec.type === "integer" && !Number.isInteger(v)) throw bad();
  if (spec.min !== undefined && v < spec.min) throw bad();
  if (spec.above !== undefined && !(v > spec.above)) throw bad();
  if (spec.max !== undefined && v > spec.max) throw bad();
  return v;
}

/**
 * One number of the grammar within a parameter's bounds, whatever the parameter's type (a `--grid` range end,
 * where an integer parameter may have fractional ends; `--lr-schedule`'s `lr=`).
 * @example coerceNumber("sweep", "m", { type: "integer", default: 4000, min: 2, doc: "" }, "1e3") // -> 1000
 */
export function coerceNumber(scheduler: string, key: string, spec: ParamSpec, raw: unknown): number {
  const asNumber: ParamSpec = { ...spec, type: "number" };
  const v = typeof raw === "number" ? raw : typeof raw === "string" ? parseNumber(raw) : undefined;
  if (v === undefined) throw new ConfigError(badParamValue(scheduler, key, raw, expectedText(asNumber)), E_SCHED_PARAM);
  return checkNumber(scheduler, key, asNumber, v, raw);
}

/** Coerce a value (a string from a spec, or an already typed value from code) to the declared type. */
export function coerceParam(scheduler: string, key: string, spec: ParamSpec, raw: unknown): ParamValue {
  const bad = () => new ConfigError(badParamValue(scheduler, key, raw, expectedText(spec)), E_SCHED_PARAM);
  switch (spec.type) {
    case "number":
    case "integer": {
      const v = typeof raw === "number" ? raw : typeof raw === "string" ? parseNumber(raw) : undefined;
      if (v === undefined) throw bad();
      return checkNumber(scheduler, key, spec, v, raw);
    }
    case "boolean": {
      const v = typeof raw === "boolean" ? raw : typeof raw === "string" ? parseBoolean(raw) : undefined;
      if (v === undefined) throw bad();
      return v;
    }
    case "string": {
      if (typeof raw !== "string") throw bad();
      const v = raw.trim();
      if (spec.choices && !spec.choices.includes(v)) throw bad();
      return v;
    }
    case "number[]": {
      const items: unknown[] = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(/[,;]/) : [raw];
      return items.map((item) => {
        const v = typeof item === "number" ? item : typeof item === "string" ? parseNumber(item) : undefined;
        if (v === undefined) throw bad();
        return checkNumber(scheduler, key, spec, v, raw);
      });
    }
  }
}

/**
 * A number parameter read by name, for code generic over schedulers (explain's search varies numeric parameters
 * by name): `fallback` when absent; an Error (a bug, not a user error) when the value is not a number. Code that
 * knows its scheduler reads the typed `ParamsOf` instead.
 * @example numberParam({ tau: 0.05 }, "tau") // 0.05;  numberParam({}, "m", 4000) // 4000
 */
export function numberParam(params: Readonly<Params>, key: string, fallback?: number): number {
  const v = params[key];
  if (typeof v === "number") return v;
  if (v === undefined && fallback !== undefined) return fallback;
  throw new Error(`parameter '${key}' is ${JSON.stringify(v)}, not a number`);
}

/**
 * Merge defaults into `params` and check every value; unknown keys are a ConfigError listing the valid ones.
 * @example resolveParams("fastface", fastface.paramSpecs, { lambda: "2e-5" }) // -> { alpha: 0.001, ..., lambda: 2e-5 }
 */
export function resolveParams<Specs extends Readonly<Record<string, ParamSpec>>>(
  scheduler: string,
  specs: Specs,
  params: Readonly<Record<string, unknown>>,
): ParamsOf<Specs> {
  const out: Params = {};
  for (const key of Object.keys(params)) {
    if (!Object.hasOwn(specs, key)) {
      throw new ConfigError(unknownParam(scheduler, key, Object.keys(specs)), E_SCHED_PARAM);
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const raw = params[key];
    if (raw === undefined) {
      if (spec.default !== undefined) out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    out[key] = coerceParam(scheduler, key, spec, raw);
  }
  // the one place the spec table's type is asserted: every key was checked (or defaulted) against it above
  return out as ParamsOf<Specs>;
}

/** Check a SchedulerContext (T >= 1 integer, lr0 > 0, stepOffset >= 0 integer). */
export function checkContext(ctx: SchedulerContext): SchedulerContext {
  if (!Number.isInteger(ctx.totalSteps) || ctx.totalSteps < 1) {
    throw new ConfigError(`totalSteps = ${ctx.totalSteps} is invalid (expected a positive integer)`, E_SCHED_PARAM);
  }
  if (!(Number.isFinite(ctx.lr0) && ctx.lr0 > 0)) {
    throw new ConfigError(`lr0 = ${ctx.lr0} is invalid (expected a number > 0)`, E_SCHED_PARAM);
  }
  const off = ctx.stepOffset;
  if (off === undefined || off === 0) return { totalSteps: ctx.totalSteps, lr0: ctx.lr0 };
  if (!Number.isInteger(off) || off < 0) {
    throw new ConfigError(`stepOffset = ${off} is invalid (expected an integer >= 0)`, E_SCHED_PARAM);
  }
  return { totalSteps: ctx.totalSteps, lr0: ctx.lr0, stepOffset: off };
}

/** Basic shape check of a state object before a factory restores it. */
export function checkState(state: SchedulerState, name: string): void {
  if (state === null || typeof state !== "object") throw new ConfigError(badState("not an object"), E_SCHED_STATE);
  if (state.name !== name) {
    throw new ConfigError(badState(`state is for '${String(state.name)}', not '${name}'`), E_SCHED_STATE);
  }
  for (const k of ["t", "lr", "decays"] as const) {
    if (typeof state[k] !== "number") throw new ConfigError(badState(`field '${k}' is not a number`), E_SCHED_STATE);
  }
}

/** Read a number field of a state; JSON turns NaN/Infinity into null, which comes back as NaN. */
export function num(state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (v === null) return Number.NaN;
  if (typeof v !== "number") throw new ConfigError(badState(`field '${key}' is not a number`), E_SCHED_STATE);
  return v;
}

/** A number array field of a state (null entries become NaN). */
export function numArray(state: Record<string, unknown>, key: string): number[] {
  const v = state[key];
  if (!Array.isArray(v)) throw new ConfigError(badState(`field '${key}' is not an array`), E_SCHED_STATE);
  return v.map((x) => (x === null ? Number.NaN : Number(x)));
}

/** Encode a number for JSON state: non-finite values are written as strings so they survive JSON. */
export function enc(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Decode a number written by `enc` (or plain JSON). */
export function dec(state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (typeof v === "string") return Number(v);
  return num(state, key);
}

/**
 * The fields every state starts with (name, params, ctx, t, lr, decays), deep-copied; a `getState()` adds its own.
 * @example getState() { return { ...stateHeader(this), wait: this.wait }; }
 */
export function stateHeader(s: Scheduler & { readonly ctx: SchedulerContext }): SchedulerState {
  return { name: s.name, params: structuredClone(s.params), ctx: { ...s.ctx }, t: s.t, lr: s.lr, decays: s.decays };
}
