/**
 * What `fastface report <input>` can read: a small table of report kinds, tried in order. Each kind looks at
 * the input (path, extension, parsed JSON when the file is JSON) and either accepts it or says why not; the
 * first that accepts turns it into report sections. A new result kind plugs in with one entry.
 */
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { FormatError, InputError, ParseError, type Warnings } from "../errors.ts";
import type { ExplainResult } from "../explain/types.ts";
import { E_REPORT_INPUT, noTraces, notJson, replayShape, W_REPORT_NO_TRACES } from "../messages/report.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { SimulateResult } from "../simulate/simulate.ts";
import type { RetrainResult } from "../train/retrain.ts";
import { explainSections, explainShapeProblem } from "./charts-explain.ts";
import { replaySections } from "./charts-replay.ts";
import { retrainSections } from "./charts-retrain.ts";
import { simulateSections, simulateShapeProblem } from "./charts-simulate.ts";
import { sweepReportKind } from "./charts-sweep.ts";
import type { ReportSection } from "./types.ts";

export interface ReportInput {
  path: string;
  /** Lower-case extension with the dot (`.json`, `.duckdb`). */
  ext: string;
  /** The parsed document when the file is JSON; undefined for binary inputs. */
  json?: unknown;
  /** Why JSON parsing failed, when it was tried and failed. */
  jsonError?: ParseError;
}

export interface ReportKind {
  name: string;
  /** `null` when this kind reads the input; otherwise the reason it does not (listed when nothing matches). */
  accept(input: ReportInput): string | null;
  /** Sections and a default title for an accepted input. */
  build(input: ReportInput, warnings: Warnings): Promise<{ title: string; sections: ReportSection[] }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `null` when `v` has the shape of a ReplayResult (the fields the report reads), else what is missing. */
export function replayShapeProblem(v: unknown): string | null {
  if (!isObject(v)) return replayShape("a JSON object");
  const c = v.curve;
  if (!isObject(c) || typeof c.name !== "string") return replayShape('"curve" with a "name"');
  for (const k of ["points", "firstStep", "lastStep", "steps"]) {
    if (typeof c[k] !== "number") return replayShape(`"curve.${k}" (a number)`);
  }
  if (!Array.isArray(v.stationary)) return replayShape('"stationary" (an array)');
  if (!Array.isArray(v.schedulers)) return replayShape('"schedulers" (an array)');
  for (const s of v.schedulers) {
    if (!isObject(s) || typeof s.name !== "string" || !Array.isArray(s.decays)) {
      return replayShape('"schedulers[]" entries with "name" and "decays"');
    }
  }
  return null;
}

/** The replay results in a JSON document: one result, or an array of them. */
function replayResults(json: unknown): ReplayResult[] | string {
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) return replayShape("at least one result");
  for (const item of list) {
    const problem = replayShapeProblem(item);
    if (problem) return problem;
  }
  return list as ReplayResult[];
}

export const replayKind: ReportKind = {
  name: "replay (fastface replay --json)",
  accept(input) {
    if (input.jsonError) return input.jsonError.message;
    if (input.json === undefined) return "not a JSON file";
    const r = replayResults(input.json);
    return typeof r === "string" ? r : null;
  },
  async build(input, warnings) {
    const results = replayResults(input.json) as ReplayResult[];
    for (const r of results) {
      if (!r.traces) warnings.add(W_REPORT_NO_TRACES, noTraces(r.curve.name), { file: input.path });
    }
    const title = results.length === 1 ? `Replay: ${results[0]!.curve.name}` : `Replay: ${results.length} runs`;
    return { title, sections: results.flatMap(replaySections) };
  },
};

/** A JSON document tagged `"kind": "<tag>"` (simulate and retrain results carry one). */
function taggedKind<T>(
  name: string,
  tag: string,
  problem: (v: unknown) => string | null,
  build: (r: T) => { title: string; sections: ReportSection[] },
): ReportKind {
  return {
    name,
    accept(input) {
      if (input.jsonError) return input.jsonError.message;
      if (!isObject(input.json)) return "not a JSON object";
      if (input.json.kind !== tag) return `no "kind": "${tag}"`;
      return problem(input.json);
    },
    async build(input) {
      return build(input.json as T);
    },
  };
}

export const simulateKind = taggedKind<SimulateResult>(
  "simulate (fastface simulate --json)",
  "fastface-simulate",
  simulateShapeProblem,
  (r) => ({ title: `Simulation: ${r.curve.name}`, sections: simulateSections(r) }),
);

export const retrainKind = taggedKind<RetrainResult>(
  "retrain (fastface retrain --json)",
  "fastface-retrain",
  (v) =>
    isObject(v) && isObject(v.baseline) && isObject(v.candidate) && isObject(v.verdict)
      ? null
      : 'a retrain result needs "baseline", "candidate" and "verdict"',
  (r) => ({ title: `Retrain: ${r.dataset}`, sections: retrainSections(r) }),
);

export const explainKind = taggedKind<ExplainResult>(
  "explain (fastface explain --json)",
  "fastface-explain",
  explainShapeProblem,
  (r) => ({ title: `Explain: ${r.curve.name}`, sections: explainSections(r) }),
);

/** Report kinds in the order they are tried. */
export const REPORT_KINDS: ReportKind[] = [replayKind, simulateKind, retrainKind, explainKind, sweepReportKind];

const BINARY_EXTENSIONS = new Set([".duckdb", ".db", ".arrow", ".parquet"]);

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Read an input file for the report: JSON is parsed (a syntax error becomes a ParseError with the line),
 * binary inputs (DuckDB, Arrow, Parquet) are passed by path.
 *
 * @example
 * const input = await readReportInput("replay.json"); // { path, ext: ".json", json: {...} }
 */
export async function readReportInput(path: string): Promise<ReportInput> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, E_REPORT_INPUT);
  }
  if (size === 0) throw new InputError(path, "is empty", E_REPORT_INPUT);
  const ext = extname(path).toLowerCase();
  if (BINARY_EXTENSIONS.has(ext)) return { path, ext };
  const text = await readFile(path, "utf8");
  try {
    return { path, ext, json: JSON.parse(text) };
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const line = m ? lineOf(text, Number(m[1])) : undefined;
    const where = line === undefined ? { file: path } : { file: path, line };
    return { path, ext, jsonError: new ParseError(notJson((e as Error).message), where, "a JSON document") };
  }
}

/**
 * Pick the first kind that accepts the input, or throw a FormatError listing why each kind refused it.
 *
 * @example
 * const kind = pickReportKind(await readReportInput("replay.json")); // replayKind
 */
export function pickReportKind(input: ReportInput, kinds: readonly ReportKind[] = REPORT_KINDS): ReportKind {
  const attempts: Array<{ format: string; reason: string }> = [];
  for (const kind of kinds) {
    const reason = kind.accept(input);
    if (reason === null) return kind;
    attempts.push({ format: kind.name, reason });
  }
  if (input.jsonError && kinds.every((k) => k.accept({ path: input.path, ext: input.ext }) !== null)) {
    // Only JSON kinds could have read it: the syntax error is the useful message.
    throw input.jsonError;
  }
  throw new FormatError(input.path, attempts);
}
