/**
 * Sweep definitions: `--grid` axes parsed and validated against a scheduler's ParamSpecs, expanded into a
 * cartesian grid or sampled at random (`--random N --seed S`), each configuration with a deterministic id.
 *
 * Axis syntax (one `--grid` per parameter):
 *   NAME=LO..HI:log:N   N log-spaced values from LO to HI inclusive (LO > 0)
 *   NAME=LO..HI:lin:N   N evenly spaced values from LO to HI inclusive
 *   NAME=LO..HI[:log|:lin]   a range without a count: only for --random (log-uniform / uniform draws)
 *   NAME=V1,V2,...      a list (numbers, integers, booleans or strings, as the ParamSpec says);
 *                       for `number[]` parameters the alternatives are separated by ';' (milestones=10,20;15,30)
 * Every value (list items, range ends) is read with the scheduler spec's grammar and coercion
 * (schedulers/params.ts `parseNumber` / `coerceParam`): a text means the same in `--grid` as in `-s`, and a
 * rejected value is the same `E_SCHED_PARAM` error, prefixed with the `--grid` argument.
 * `lambdaMode=absolute,relative` is a sweep-layer axis (see `effectiveParams`): in relative mode `lambda` is a
 * fraction of the curve's loss scale per step and is multiplied by that scale before the scheduler is built.
 */
import { createHash } from "node:crypto";
import { ConfigError, type Warnings } from "../errors.ts";
import * as M from "../messages/sweep.ts";
import { mulberry32 } from "../random.ts";
import { coerceNumber, coerceParam, parseNumber } from "../schedulers/params.ts";
import type { ParamSpec, Params, ParamValue } from "../schedulers/types.ts";

/** The sweep-layer parameter choosing how `lambda` is read (absolute loss units or relative to the loss scale). */
export const LAMBDA_MODE = "lambdaMode";

export type GridAxis =
  | { name: string; type: ParamSpec["type"]; kind: "values"; values: ParamValue[] }
  | {
      name: string;
      type: ParamSpec["type"];
      kind: "range";
      scale: "log" | "lin";
      lo: number;
      hi: number;
      n: number | null;
      integer: boolean;
    };

/** Everything that defines the configurations of a sweep (without the curves). Axes sorted by name. */
export interface GridDefinition {
  scheduler: string;
  /** Fixed parameters from `--scheduler name:k=v` (applied to every configuration). */
  base: Params;
  axes: GridAxis[];
}

export interface SweepConfig {
  /** 16 hex digits: sha256 of the canonical JSON of {scheduler, params}. */
  id: string;
  /** Base parameters plus this configuration's axis values (lambdaMode included when it is an axis). */
  params: Params;
}

/** The parts of a SchedulerFactory the grid needs. */
export interface ParamSource {
  name: string;
  paramSpecs: Readonly<Record<string, ParamSpec>>;
}

const LAMBDA_MODE_SPEC: ParamSpec = {
  type: "string",
  default: "absolute",
  doc: "sweep layer: 'relative' multiplies lambda by the curve's loss scale before the scheduler is built",
  choices: ["absolute", "relative"],
};

/**
 * Parse and validate `--grid` arguments against a scheduler's parameters.
 * @example
 * const def = parseGrid(["lambda=1e-6..1e-4:log:3", "tau=0.01,0.05"], fastfaceFactory);
 * // def.axes[0] = {name: "lambda", type: "number", kind: "range", scale: "log", lo: 1e-6, hi: 1e-4, n: 3, integer: false}
 */
export function parseGrid(args: readonly string[], source: ParamSource, base: Params = {}): GridDefinition {
  if (args.length === 0) throw new ConfigError(M.gridNoAxes(), M.E_GRID_SYNTAX);
  const specs = specsWithSweepLayer(source);
  const axes: GridAxis[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const axis = parseAxis(arg, source.name, specs);
    if (seen.has(axis.name) || axis.name in base)
      throw new ConfigError(M.gridDuplicateParam(axis.name), M.E_GRID_PARAM);
    seen.add(axis.name);
    axes.push(axis);
  }
  axes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (seen.has(LAMBDA_MODE) && !seen.has("lambda") && !("lambda" in base)) {
    throw new ConfigError(M.lambdaModeNeedsLambda(), M.E_GRID_PARAM);
  }
  return { scheduler: source.name, base: { ...base }, axes };
}

function specsWithSweepLayer(source: ParamSource): Record<string, ParamSpec> {
  const specs: Record<string, ParamSpec> = { ...source.paramSpecs };
  if ("lambda" in specs) specs[LAMBDA_MODE] = LAMBDA_MODE_SPEC;
  return specs;
}

/**
 * Parse one `--grid NAME=...` argument.
 * @example
 * parseAxis("tau=0.01,0.02", "fastface", specs) // {name: "tau", type: "number", kind: "values", values: [0.01, 0.02]}
 */
export function parseAxis(arg: string, scheduler: string, specs: Readonly<Record<string, ParamSpec>>): GridAxis {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new ConfigError(M.gridSyntax(arg, "expected NAME=..."), M.E_GRID_SYNTAX);
  const name = arg.slice(0, eq).trim();
  const body = arg.slice(eq + 1).trim();
  const spec = specs[name];
  if (spec === undefined) {
    if (name === LAMBDA_MODE) throw new ConfigError(M.lambdaModeWithoutLambda(scheduler), M.E_GRID_PARAM);
    throw new ConfigError(M.gridUnknownParam(arg, name, scheduler, Object.keys(specs).sort()), M.E_GRID_PARAM);
  }
  if (body === "") throw new ConfigError(M.gridEmptyRange(arg, "no value after '='"), M.E_GRID_EMPTY);
  if (body.includes("..")) return parseRange(arg, scheduler, name, body, spec);
  return { name, type: spec.type, kind: "values", values: parseList(arg, scheduler, name, body, spec) };
}

/** Run a parse of the spec grammar with the `--grid` argument named in front of its error (same code). */
function inGrid<T>(arg: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(M.gridValue(arg, err.message), err.code);
    throw err;
  }
}

function parseRange(arg: string, scheduler: string, name: string, body: string, spec: ParamSpec): GridAxis {
  if (spec.type !== "number" && spec.type !== "integer") {
    throw new ConfigError(
      M.gridSyntax(arg, `'${name}' is a ${spec.type} parameter; give a list, not a range`),
      M.E_GRID_SYNTAX,
    );
  }
  const [bounds = "", mode, count, ...extra] = body.split(":");
  if (extra.length > 0) throw new ConfigError(M.gridSyntax(arg, "too many ':' parts"), M.E_GRID_SYNTAX);
  const dots = bounds.indexOf("..");
  const loText = bounds.slice(0, dots).trim();
  const hiText = bounds.slice(dots + 2).trim();
  // the ends are numbers of the spec grammar within the parameter's bounds (an integer range may have
  // fractional ends: it holds the integers between them)
  const lo = inGrid(arg, () => coerceNumber(scheduler, name, spec, loText));
  const hi = inGrid(arg, () => coerceNumber(scheduler, name, spec, hiText));
  let scale: "log" | "lin" = "lin";
  if (mode !== undefined && mode !== "") {
    if (mode !== "log" && mode !== "lin") {
      throw new ConfigError(M.gridSyntax(arg, `unknown spacing '${mode}' (log or lin)`), M.E_GRID_SYNTAX);
    }
    scale = mode;
  }
  let n: number | null = null;
  if (count !== undefined) {
    const c = parseNumber(count);
    if (c === undefined || !Number.isInteger(c)) {
      throw new ConfigError(M.gridBadValue(arg, name, count, "an integer point count"), M.E_GRID_VALUE);
    }
    if (c < 1) throw new ConfigError(M.gridEmptyRange(arg, `${c} points`), M.E_GRID_EMPTY);
    if (c === 1 && lo !== hi) {
      throw new ConfigError(
        M.gridSyntax(arg, "one point cannot span LO..HI; give N >= 2 or a single value"),
        M.E_GRID_SYNTAX,
      );
    }
    n = c;
  }
  if (lo > hi) throw new ConfigError(M.gridEmptyRange(arg, `LO ${lo} > HI ${hi}`), M.E_GRID_EMPTY);
  if (scale === "log" && lo <= 0) {
    throw new ConfigError(M.gridBadValue(arg, name, loText, "LO > 0 for a log range"), M.E_GRID_VALUE);
  }
  const integer = spec.type === "integer";
  if (integer && Math.ceil(lo) > Math.floor(hi)) {
    throw new ConfigError(M.gridEmptyRange(arg, `no integer between ${lo} and ${hi}`), M.E_GRID_EMPTY);
  }
  return { name, type: spec.type, kind: "range", scale, lo, hi, n, integer };
}

function parseList(arg: string, scheduler: string, name: string, body: string, spec: ParamSpec): ParamValue[] {
  const sep = spec.type === "number[]" ? ";" : ",";
  const parts = body.split(sep).map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new ConfigError(M.gridEmptyRange(arg, "an empty list item"), M.E_GRID_EMPTY);
  const values: ParamValue[] = [];
  const keys = new Set<string>();
  for (const part of parts) {
    const v = inGrid(arg, () => coerceParam(scheduler, name, spec, part));
    const key = JSON.stringify(v);
    if (!keys.has(key)) {
      keys.add(key);
      values.push(v);
    }
  }
  return values;
}

/** Values of a range axis with a count: inclusive endpoints, 12 significant digits, integers rounded and deduped. */
export function rangeValues(axis: Extract<GridAxis, { kind: "range" }>): number[] {
  const n = axis.n ?? 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    let v =
      axis.scale === "log"
        ? Math.exp(Math.log(axis.lo) + (Math.log(axis.hi) - Math.log(axis.lo)) * f)
        : axis.lo + (axis.hi - axis.lo) * f;
    if (i === 0) v = axis.lo;
    if (i === n - 1) v = axis.hi;
    v = axis.integer ? Math.round(v) : tidy(v);
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** Round to 12 significant digits so log/linear spacing gives 1e-5, not 9.999999999999999e-6. */
function tidy(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

/** The values an axis takes in a grid sweep. */
export function axisValues(axis: GridAxis): ParamValue[] {
  if (axis.kind === "values") return axis.values;
  if (axis.n === null) throw new ConfigError(M.gridRangeNeedsCount(describeAxis(axis)), M.E_GRID_SYNTAX);
  return rangeValues(axis);
}

/** The canonical text of an axis (as a user would write it). */
export function describeAxis(axis: GridAxis): string {
  if (axis.kind === "values") {
    const sep = axis.values.some(Array.isArray) ? ";" : ",";
    return `${axis.name}=${axis.values.map((v) => (Array.isArray(v) ? v.join(",") : String(v))).join(sep)}`;
  }
  return `${axis.name}=${axis.lo}..${axis.hi}:${axis.scale}${axis.n === null ? "" : `:${axis.n}`}`;
}

/**
 * Every configuration of the grid (cartesian product; the last axis varies fastest).
 * @example
 * gridConfigs(parseGrid(["tau=0.01,0.02", "alpha=1e-3,1e-4"], f)).length // 4
 */
export function gridConfigs(def: GridDefinition): SweepConfig[] {
  const lists = def.axes.map(axisValues);
  const total = lists.reduce((p, l) => p * l.length, 1);
  const out: SweepConfig[] = [];
  const idx = new Array<number>(lists.length).fill(0);
  for (let c = 0; c < total; c++) {
    const params: Params = { ...def.base };
    lists.forEach((l, a) => {
      params[def.axes[a]!.name] = l[idx[a]!]!;
    });
    out.push(makeConfig(def.scheduler, params));
    for (let a = lists.length - 1; a >= 0; a--) {
      idx[a]! += 1;
      if (idx[a]! < lists[a]!.length) break;
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * `n` distinct random configurations, deterministic for a seed. Ranges are drawn log-uniformly (`:log`) or
 * uniformly (`:lin`, integers rounded), lists uniformly; continuous draws are rounded to 6 significant digits.
 * Draws `isValid` rejects (e.g. an odd hck window m) are skipped and counted in a warning.
 * @example
 * randomConfigs(parseGrid(["lambda=1e-6..1e-4:log"], f), 100, 1).length // 100
 */
export function randomConfigs(
  def: GridDefinition,
  n: number,
  seed: number,
  warnings?: Warnings,
  isValid?: (params: Params) => boolean,
): SweepConfig[] {
  const rand = mulberry32(seed);
  const out: SweepConfig[] = [];
  const ids = new Set<string>();
  const maxAttempts = Math.max(1000, n * 50);
  let invalid = 0;
  for (let attempt = 0; attempt < maxAttempts && out.length < n; attempt++) {
    const params: Params = { ...def.base };
    for (const axis of def.axes) params[axis.name] = drawAxis(axis, rand);
    const config = makeConfig(def.scheduler, params);
    if (ids.has(config.id)) continue;
    ids.add(config.id);
    if (isValid && !isValid(config.params)) {
      invalid++;
      continue;
    }
    out.push(config);
  }
  if (invalid > 0) warnings?.add(M.W_SWEEP_RANDOM_INVALID, M.randomInvalid(invalid));
  if (out.length < n) warnings?.add(M.W_SWEEP_RANDOM_DUPLICATES, M.randomDuplicates(n, out.length));
  return out;
}

function drawAxis(axis: GridAxis, rand: () => number): ParamValue {
  const u = rand();
  if (axis.kind === "values") return axis.values[Math.min(axis.values.length - 1, Math.floor(u * axis.values.length))]!;
  if (axis.integer) {
    const lo = Math.ceil(axis.lo);
    const hi = Math.floor(axis.hi);
    if (axis.scale === "log")
      return Math.min(hi, Math.max(lo, Math.round(Math.exp(Math.log(lo) + u * Math.log(hi / lo)))));
    return Math.min(hi, lo + Math.floor(u * (hi - lo + 1)));
  }
  const v =
    axis.scale === "log"
      ? Math.exp(Math.log(axis.lo) + u * (Math.log(axis.hi) - Math.log(axis.lo)))
      : axis.lo + u * (axis.hi - axis.lo);
  return Math.min(axis.hi, Math.max(axis.lo, Number(v.toPrecision(6))));
}

/**
 * A configuration with its deterministic id.
 * @example
 * makeConfig("fastface", {tau: 0.05, lambda: 1e-5}).id === makeConfig("fastface", {lambda: 1e-5, tau: 0.05}).id
 */
export function makeConfig(scheduler: string, params: Params): SweepConfig {
  return { id: configId(scheduler, params), params: sortKeys(params) as Params };
}

export function configId(scheduler: string, params: Params): string {
  return createHash("sha256").update(canonicalJson({ scheduler, params })).digest("hex").slice(0, 16);
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * The parameters handed to the scheduler for one curve: `lambdaMode` removed and, when it is `relative`,
 * `lambda` multiplied by the curve's loss scale (see `lossScale` in prepare.ts).
 * @example
 * effectiveParams({lambda: 1e-6, lambdaMode: "relative", tau: 0.05}, 40) // {lambda: 4e-5, tau: 0.05}
 */
export function effectiveParams(params: Params, scale: number): Params {
  const out: Params = { ...params };
  const mode = out[LAMBDA_MODE];
  delete out[LAMBDA_MODE];
  if (mode === "relative" && typeof out.lambda === "number") out.lambda = out.lambda * scale;
  return out;
}
