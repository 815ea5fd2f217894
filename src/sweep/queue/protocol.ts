/**
 * What travels through Redis between a sweep coordinator and its workers, and the checks a worker applies
 * before it runs anything. Plain JSON only; nothing in it is code.
 *
 *   BullMQ queue `<name>` (key prefix `fastface`)  one job per (curve, chunk of configs):
 *       id   `<sweepId>-<curveId>-<first>-<count>`  (deterministic: re-enqueueing never duplicates work)
 *       data {v: 1, sweep, curve, first, count}     (JobPayload)
 *       returnvalue  the chunk's results, columnar  (result.ts)
 *   `fastface-sweep:<name>:<sweepId>:setup`         the sweep's setup (SweepSetup, JSON)
 *   `fastface-sweep:<name>:<sweepId>:curve:<sha>`   each prepared curve (curve-blob.ts), unless --curves-from
 *
 * A worker rebuilds the configurations from the setup's scheduler spec and `--grid` text with the same parser as
 * the CLI (`planConfigs`), so only registered schedulers with validated parameters ever run, and checks that
 * the rebuilt configuration ids hash to the coordinator's digest.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { EXIT, FastfaceError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";
import { BATCH_LANES } from "../../schedulers/batch/index.ts";
import { canonicalJson, type SweepConfig } from "../grid.ts";
import type { SweepDefinition } from "../types.ts";

/** Version of this protocol; a worker refuses a setup of another version. */
export const PROTOCOL = 1;
/** Default BullMQ queue name (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = "fastface-sweep";
/** BullMQ key prefix of the queue. */
export const BULL_PREFIX = "fastface";
/** BullMQ job name of a sweep chunk. */
export const JOB_NAME = "replay";
/**
 * Replayed configuration-steps per job the chunking aims at: ~0.1-0.2 s of one core with the batch kernels
 * (0.3-0.8 ns per config-step), ~0.6 s one config at a time (3 ns): the queue's few ms per job stay small.
 */
export const JOB_WORK = 192_000_000;
/** At most this many configurations per job by default (keeps a result message small). */
export const MAX_CHUNK = 512;
/** The largest `--chunk` (and job) a worker accepts. */
export const MAX_CHUNK_OPTION = 32_768;

/** A refused job or setup: never retried (the worker marks the job failed with this message). */
export class PayloadError extends FastfaceError {
  constructor(what: string, why: string) {
    super(M.E_QUEUE_PAYLOAD, M.badPayload(what, why), EXIT.usage);
  }
}

/** Everything a worker needs to know about a sweep besides its curves. */
export interface SweepSetup {
  protocol: number;
  /** fastface version of the coordinator (workers must run the same). */
  fastface: string;
  sweepId: string;
  /** `--scheduler` text, `--grid` texts and `--random`, exactly as the user gave them. */
  scheduler: string;
  grid: string[];
  random: { n: number; seed: number } | null;
  lr0: number;
  /** Number of configurations and the sha256 of their ids joined by ','. */
  configs: number;
  configsDigest: string;
  /** The sweep has closed-loop metrics (`--simulate`): workers load the simulator. */
  simulate: boolean;
  curves: Array<{ id: number; hash: string; bytes: number; sha256: string }>;
  /** Folder (as the coordinator sees it) holding `<sha256>.ffcurve` files; null: the curves are in Redis. */
  curvesFrom: string | null;
}

/** One job: configurations `first .. first+count-1` of one curve. */
export interface JobPayload {
  v: 1;
  sweep: string;
  curve: number;
  first: number;
  count: number;
}

let cachedVersion: string | null = null;
/** This fastface's version: the nearest package.json named fastface above this file (sources or a build). */
export function fastfaceVersion(): string {
  if (cachedVersion === null) {
    cachedVersion = "unknown";
    for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
      try {
        const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as {
          name?: unknown;
          version?: unknown;
        };
        if (pkg.name === "fastface" && typeof pkg.version === "string") {
          cachedVersion = pkg.version;
          break;
        }
      } catch {
        // no package.json here: look further up
      }
      if (new URL("..", dir).href === dir.href) break;
    }
  }
  return cachedVersion;
}

/**
 * The id of a sweep: the first 16 hex digits of the sha256 of its canonical definition.
 * @example sweepIdOf(def) // "9c1e0f3a5b7d2e48"
 */
export function sweepIdOf(def: SweepDefinition): string {
  return createHash("sha256").update(canonicalJson(def)).digest("hex").slice(0, 16);
}

/** sha256 (hex) of the configuration ids in order, joined by ','. */
export function configsDigest(configs: readonly SweepConfig[]): string {
  return createHash("sha256")
    .update(configs.map((c) => c.id).join(","))
    .digest("hex");
}

/** @example jobIdOf({ v: 1, sweep: "9c1e0f3a5b7d2e48", curve: 0, first: 64, count: 64 }) // "9c1e0f3a5b7d2e48-0-64-64" */
export function jobIdOf(p: JobPayload): string {
  return `${p.sweep}-${p.curve}-${p.first}-${p.count}`;
}

export const setupKey = (queue: string, sweep: string): string => `fastface-sweep:${queue}:${sweep}:setup`;
export const curveKey = (queue: string, sweep: string, sha: string): string =>
  `fastface-sweep:${queue}:${sweep}:curve:${sha}`;
export const curveFileName = (sha: string): string => `${sha}.ffcurve`;

/**
 * Configurations per job for a curve: about JOB_WORK replay steps, at least 8 jobs per curve when there are
 * enough configurations (so workers balance), at most MAX_CHUNK, a multiple of BATCH_LANES from BATCH_LANES
 * on; `override` (`--chunk`) wins.
 * @example chunkSize(1_000_000, 10_000) // 192
 */
export function chunkSize(workPerPair: number, configs: number, override?: number | null): number {
  if (override !== undefined && override !== null) return Math.max(1, Math.min(override, configs));
  const byWork = Math.floor(JOB_WORK / Math.max(1, workPerPair));
  const n = Math.max(1, Math.min(byWork, MAX_CHUNK, Math.ceil(configs / 8)));
  // whole passes of the multi-configuration kernels (BATCH_LANES lanes) when a chunk holds at least one
  return n >= BATCH_LANES ? n - (n % BATCH_LANES) : n;
}

/**
 * The jobs of a sweep: each curve's configurations cut into chunks of `size(curveId)`, keeping only the chunks
 * with at least one pair `isMissing` says is missing.
 */
export function planJobs(
  sweep: string,
  curves: readonly number[],
  configs: number,
  size: (curveId: number) => number,
  isMissing: (curveId: number, configIndex: number) => boolean,
): JobPayload[] {
  const jobs: JobPayload[] = [];
  for (const curve of curves) {
    const n = size(curve);
    for (let first = 0; first < configs; first += n) {
      const count = Math.min(n, configs - first);
      let any = false;
      for (let i = first; i < first + count && !any; i++) any = isMissing(curve, i);
      if (any) jobs.push({ v: 1, sweep, curve, first, count });
    }
  }
  return jobs;
}

// ---------------------------------------------------------------------------------------------------------
// validation of what a worker receives

const HEX16 = /^[0-9a-f]{16}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_TEXT = 4096;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function exactKeys(o: Json, keys: readonly string[], what: string, where: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw new PayloadError(what, `unexpected field '${where}${k}'`);
  for (const k of keys) if (!(k in o)) throw new PayloadError(what, `missing field '${where}${k}'`);
}

function int(v: unknown, what: string, name: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new PayloadError(what, `'${name}' must be an integer in [${min}, ${max}]; got ${short(v)}`);
  }
  return v;
}

function text(v: unknown, what: string, name: string, pattern?: RegExp): string {
  if (typeof v !== "string" || v.length > MAX_TEXT || (pattern && !pattern.test(v))) {
    throw new PayloadError(
      what,
      `'${name}' must be ${pattern ? `a string matching ${pattern}` : "a string"}; got ${short(v)}`,
    );
  }
  return v;
}

function short(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Check a job's data and that its id is the one the data implies; a PayloadError otherwise.
 * @example parseJobPayload({ v: 1, sweep: "9c1e0f3a5b7d2e48", curve: 0, first: 0, count: 8 }, "9c1e0f3a5b7d2e48-0-0-8")
 */
export function parseJobPayload(data: unknown, id: string | undefined): JobPayload {
  const what = `job ${id ?? "(no id)"}`;
  if (!isObject(data)) throw new PayloadError(what, `data must be an object; got ${short(data)}`);
  exactKeys(data, ["v", "sweep", "curve", "first", "count"], what, "");
  if (data.v !== 1) throw new PayloadError(what, `unknown payload version ${short(data.v)} (this worker reads 1)`);
  const p: JobPayload = {
    v: 1,
    sweep: text(data.sweep, what, "sweep", HEX16),
    curve: int(data.curve, what, "curve", 0, 1_000_000),
    first: int(data.first, what, "first", 0, 100_000_000),
    count: int(data.count, what, "count", 1, MAX_CHUNK_OPTION),
  };
  if (id !== jobIdOf(p)) throw new PayloadError(what, `the job id does not match its data (expected ${jobIdOf(p)})`);
  return p;
}

/**
 * Parse and check a sweep setup read from Redis (shape, sizes, protocol version); the configurations themselves
 * are rebuilt and compared by the worker (`planConfigs` + `configsDigest`).
 */
export function parseSetup(raw: string, sweep: string): SweepSetup {
  const what = `sweep ${sweep} setup`;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw new PayloadError(what, "not JSON");
  }
  if (!isObject(data)) throw new PayloadError(what, "not a JSON object");
  if (data.protocol !== PROTOCOL) {
    throw new PayloadError(
      what,
      M.versionMismatch(sweep, `${short(data.fastface)}/${short(data.protocol)}`, `${fastfaceVersion()}/${PROTOCOL}`),
    );
  }
  exactKeys(
    data,
    [
      "protocol",
      "fastface",
      "sweepId",
      "scheduler",
      "grid",
      "random",
      "lr0",
      "configs",
      "configsDigest",
      "simulate",
      "curves",
      "curvesFrom",
    ],
    what,
    "",
  );
  const version = text(data.fastface, what, "fastface");
  if (version !== fastfaceVersion()) {
    throw new PayloadError(what, M.versionMismatch(sweep, version, fastfaceVersion()));
  }
  if (data.sweepId !== sweep) throw new PayloadError(what, `it names sweep ${short(data.sweepId)}`);
  if (!Array.isArray(data.grid) || data.grid.length > 256)
    throw new PayloadError(what, "'grid' must be a list of axes");
  const grid = data.grid.map((g, i) => text(g, what, `grid[${i}]`));
  let random: SweepSetup["random"] = null;
  if (data.random !== null) {
    if (!isObject(data.random)) throw new PayloadError(what, "'random' must be null or {n, seed}");
    exactKeys(data.random, ["n", "seed"], what, "random.");
    random = {
      n: int(data.random.n, what, "random.n", 1, 100_000_000),
      seed: int(data.random.seed, what, "random.seed", -(2 ** 53), 2 ** 53),
    };
  }
  if (typeof data.lr0 !== "number" || !Number.isFinite(data.lr0))
    throw new PayloadError(what, "'lr0' must be a finite number");
  if (typeof data.simulate !== "boolean") throw new PayloadError(what, "'simulate' must be true or false");
  if (!Array.isArray(data.curves) || data.curves.length === 0 || data.curves.length > 1_000_000) {
    throw new PayloadError(what, "'curves' must be a non-empty list");
  }
  const curves = data.curves.map((c, i) => {
    if (!isObject(c)) throw new PayloadError(what, `curves[${i}] must be an object`);
    exactKeys(c, ["id", "hash", "bytes", "sha256"], what, `curves[${i}].`);
    if (c.id !== i) throw new PayloadError(what, `curves[${i}].id must be ${i}`);
    return {
      id: i,
      hash: text(c.hash, what, `curves[${i}].hash`, HEX16),
      bytes: int(c.bytes, what, `curves[${i}].bytes`, 16, 2 ** 40),
      sha256: text(c.sha256, what, `curves[${i}].sha256`, HEX64),
    };
  });
  return {
    protocol: PROTOCOL,
    fastface: version,
    sweepId: sweep,
    scheduler: text(data.scheduler, what, "scheduler"),
    grid,
    random,
    lr0: data.lr0,
    configs: int(data.configs, what, "configs", 1, 100_000_000),
    configsDigest: text(data.configsDigest, what, "configsDigest", HEX64),
    simulate: data.simulate,
    curves,
    curvesFrom: data.curvesFrom === null ? null : text(data.curvesFrom, what, "curvesFrom"),
  };
}
