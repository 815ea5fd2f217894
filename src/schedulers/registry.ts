/**
 * The scheduler registry: names -> factories, and the spec grammar used on the command line and in sweeps:
 *
 *   name                      defaults
 *   name:k=v,k=v              parameters; values in the one grammar of params.ts (2e-5, true/yes/1, ...)
 *   name:milestones=1,2,gamma=0.1
 *                             a bare value after a list-typed key continues that list
 *
 * Unknown names or parameters throw a ConfigError listing the valid ones; values are type and bound checked.
 */
import { ConfigError } from "../errors.ts";
import {
  badSpec,
  duplicateParam,
  E_SCHED_PARAM,
  E_SCHED_SPEC,
  E_SCHED_UNKNOWN,
  unknownScheduler,
} from "../messages/replay.ts";
import { constant } from "./constant.ts";
import { cosine } from "./cosine.ts";
import { dlib } from "./dlib.ts";
import { fastface } from "./fastface.ts";
import { hck } from "./hck.ts";
import { hckProto } from "./hck-proto.ts";
import { mhlr7279bad } from "./mhlr-7279bad.ts";
import { multistep } from "./multistep.ts";
import { coerceParam, resolveParams } from "./params.ts";
import { plateauKeras } from "./plateau-keras.ts";
import { plateauOptax } from "./plateau-optax.ts";
import { plateauTimm } from "./plateau-timm.ts";
import { plateauTorch } from "./plateau-torch.ts";
import { poly } from "./poly.ts";
import { type LrTiming, TimedLr } from "./timing.ts";
import type { Params, Scheduler, SchedulerContext, SchedulerFactory, SchedulerState } from "./types.ts";
import { wsd } from "./wsd.ts";

const FACTORIES: readonly SchedulerFactory[] = [
  fastface,
  hck,
  multistep,
  poly,
  cosine,
  constant,
  plateauTorch,
  plateauKeras,
  dlib,
  hckProto,
  mhlr7279bad,
  wsd,
  plateauTimm,
  plateauOptax,
];
const BY_NAME = new Map(FACTORIES.map((f) => [f.name, f]));

/** Registered scheduler names, in display order. @example schedulerNames() // -> ["fastface", "hck", ...] */
export function schedulerNames(): string[] {
  return FACTORIES.map((f) => f.name);
}

/**
 * The factory registered under `name`; ConfigError listing the valid names otherwise.
 * @example getSchedulerFactory("hck").paramSpecs.m.default // -> 4000
 */
export function getSchedulerFactory(name: string): SchedulerFactory {
  const f = BY_NAME.get(name);
  if (!f) throw new ConfigError(unknownScheduler(name, schedulerNames()), E_SCHED_UNKNOWN);
  return f;
}

export interface SchedulerSpec {
  name: string;
  params: Params;
}

/**
 * Parse `name:k=v,k=v` into a name and typed parameters (only those given; defaults are merged on create).
 * @example parseSchedulerSpec("multistep:milestones=49820,79712,gamma=0.1")
 * // -> { name: "multistep", params: { milestones: [49820, 79712], gamma: 0.1 } }
 */
export function parseSchedulerSpec(spec: string): SchedulerSpec {
  const text = spec.trim();
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (name === "") throw new ConfigError(badSpec(spec, "missing scheduler name"), E_SCHED_SPEC);
  const factory = getSchedulerFactory(name);
  const params: Params = {};
  if (colon < 0) return { name, params };
  const body = text.slice(colon + 1).trim();
  if (body === "") return { name, params };
  let listKey: string | undefined;
  const lists = new Map<string, string[]>();
  for (const rawToken of body.split(",")) {
    const token = rawToken.trim();
    const eq = token.indexOf("=");
    if (eq < 0) {
      if (token === "") throw new ConfigError(badSpec(spec, "empty item"), E_SCHED_SPEC);
      if (listKey === undefined) {
        throw new ConfigError(
          badSpec(spec, `'${token}' has no '=' and does not follow a list parameter`),
          E_SCHED_SPEC,
        );
      }
      lists.get(listKey)!.push(token);
      continue;
    }
    const key = token.slice(0, eq).trim();
    const value = token.slice(eq + 1).trim();
    if (key === "") throw new ConfigError(badSpec(spec, `'${token}' has an empty key`), E_SCHED_SPEC);
    if (Object.hasOwn(params, key) || lists.has(key)) {
      throw new ConfigError(duplicateParam(spec, key), E_SCHED_SPEC);
    }
    const ps = factory.paramSpecs[key];
    if (!ps) {
      // resolveParams produces the canonical "unknown parameter, valid ones are ..." error
      resolveParams(name, factory.paramSpecs, { [key]: value });
      throw new ConfigError(badSpec(spec, `unknown parameter '${key}'`), E_SCHED_PARAM);
    }
    if (ps.type === "number[]") {
      listKey = key;
      lists.set(key, value === "" ? [] : value.split(";"));
      params[key] = []; // keeps the key order; filled below
      continue;
    }
    listKey = undefined;
    params[key] = coerceParam(name, key, ps, value);
  }
  for (const [key, items] of lists) params[key] = coerceParam(name, key, factory.paramSpecs[key]!, items);
  return { name, params };
}

/** Canonical text of a spec (defaults omitted). @example formatSchedulerSpec({ name: "hck", params: { m: 2000 } }) // -> "hck:m=2000" */
export function formatSchedulerSpec(spec: SchedulerSpec): string {
  const parts = Object.entries(spec.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`);
  return parts.length === 0 ? spec.name : `${spec.name}:${parts.join(",")}`;
}

/**
 * Create a scheduler from a spec string or a {name, params} object.
 * @example createScheduler("fastface:lambda=2e-5", { totalSteps: 202320, lr0: 1 })
 */
export function createScheduler(spec: string | SchedulerSpec, ctx: SchedulerContext): Scheduler {
  const s = typeof spec === "string" ? parseSchedulerSpec(spec) : spec;
  return getSchedulerFactory(s.name).create(s.params, ctx);
}

/**
 * The LR timing a scheduler has by default (its registry entry's `lrTiming`: `official` for fastface).
 * @example defaultTiming("fastface") // "official"
 */
export function defaultTiming(name: string): LrTiming {
  return getSchedulerFactory(name).lrTiming ?? "immediate";
}

/**
 * Create a scheduler wrapped for a closed loop: `lr` is the LR to train the next step with, under `timing`
 * (default: the scheduler's own, `defaultTiming`). See timing.ts.
 * @example const t = createTimed("fastface", { totalSteps: 1000, lr0: 0.1 }); t.lr; t.step(2.5);
 */
export function createTimed(spec: string | SchedulerSpec, ctx: SchedulerContext, timing?: LrTiming): TimedLr {
  const s = createScheduler(spec, ctx);
  return new TimedLr(s, timing ?? defaultTiming(s.name));
}

/**
 * Rebuild a scheduler from `getState()` output (also after a JSON round trip); it continues identically.
 * @example const b = restoreScheduler(JSON.parse(JSON.stringify(a.getState())));
 */
export function restoreScheduler(state: SchedulerState): Scheduler {
  if (state === null || typeof state !== "object" || typeof state.name !== "string") {
    throw new ConfigError("cannot restore scheduler state: missing 'name'", E_SCHED_SPEC);
  }
  return getSchedulerFactory(state.name).restore(state);
}

/** Fully resolved parameters (defaults merged) of a spec. @example resolvedParams("hck").m // -> 4000 */
export function resolvedParams(spec: string | SchedulerSpec): Params {
  const s = typeof spec === "string" ? parseSchedulerSpec(spec) : spec;
  const f = getSchedulerFactory(s.name);
  return resolveParams(f.name, f.paramSpecs, s.params);
}
