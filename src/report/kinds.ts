/**
 * What `fastface report <input...>` can read: a table of report kinds, tried in order. Each kind looks at
 * an input (path, extension, parsed JSON when the file is JSON) and either accepts it or says why not; the
 * first that accepts turns it into a part of the page (title, sections). Several inputs of one kind that
 * can `combine` (replay runs) share one page (compare runs); otherwise each input's part follows the last.
 * A new result kind plugs in with one entry here and one `sections-<kind>.ts`:
 *
 *   export const explainKind = taggedKind<ExplainResult>("explain (fastface explain --json)", "fastface-explain",
 *     explainShapeProblem, (r) => ({ title: `Explain: ${r.curve.name}`, sections: explainSections(r) }));
 *
 * The contract for `build`: read the result object only (plain JSON), put the answer first (a section with
 * `source`, `headline` sentences, `notes` for caveats, the main chart), and the rest in `folded` sub-sections;
 * name data sets `<kind or run key>_<what>` (page-wide names); escape nothing yourself (the page does).
 */
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { FormatError, InputError, ParseError, type Warnings } from "../errors.ts";
import type { ExplainResult } from "../explain/types.ts";
import {
  cannotRead,
  E_REPORT_INPUT,
  emptyInput,
  noTraces,
  notJson,
  replayShape,
  reportInputIsFolder,
  unknownReportInput,
  W_REPORT_NO_TRACES,
} from "../messages/report.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { SimulateResult } from "../simulate/simulate.ts";
import type { RetrainResult } from "../train/retrain.ts";
import { runFromResult } from "./recompute.ts";
import type { ReplayRun } from "./replay-data.ts";
import { replayPage } from "./replay-page.ts";
import { explainSections, explainShapeProblem } from "./sections-explain.ts";
import { retrainSections, retrainTitle } from "./sections-retrain.ts";
import { simulateSections, simulateShapeProblem } from "./sections-simulate.ts";
import { sweepReportKind } from "./sections-sweep.ts";
import type { ReportDocument, ReportInput, ReportKind, ReportPart, ReportSection } from "./types.ts";

export type { ReportInput, ReportKind, ReportPart };

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

async function replayRuns(inputs: readonly ReportInput[], warnings: Warnings): Promise<ReplayRun[]> {
  const runs: ReplayRun[] = [];
  for (const input of inputs) {
    for (const r of replayResults(input.json) as ReplayResult[]) {
      const run = await runFromResult(r);
      if (!run.result.traces) warnings.add(W_REPORT_NO_TRACES, noTraces(r.curve.name), { file: input.path });
      runs.push(run);
    }
  }
  return runs;
}

function replayPart(runs: ReplayRun[]): ReportPart {
  const page = replayPage(runs);
  return { title: page.title, ...(page.subtitle ? { subtitle: page.subtitle } : {}), sections: page.sections };
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
    return replayPart(await replayRuns([input], warnings));
  },
  async combine(inputs, warnings) {
    return replayPart(await replayRuns(inputs, warnings));
  },
};

/**
 * `null` when the input is a JSON object tagged `"kind": "<tag>"` that `problem` accepts, else why not.
 *
 * @example
 * taggedProblem({ path: "s.json", ext: ".json", json: { kind: "fastface-simulate" } }, "fastface-simulate", () => null); // null
 */
export function taggedProblem(input: ReportInput, tag: string, problem: (v: unknown) => string | null): string | null {
  if (input.jsonError) return input.jsonError.message;
  if (!isObject(input.json)) return "not a JSON object";
  if (input.json.kind !== tag) return `no "kind": "${tag}"`;
  return problem(input.json);
}

/**
 * A report kind for a JSON document tagged `"kind": "<tag>"` (simulate, retrain, explain results carry one):
 * `problem` says what is missing (null: readable), `build` turns the result into the page's part.
 *
 * @example
 * const explainKind = taggedKind<ExplainResult>("explain (fastface explain --json)", "fastface-explain",
 *   explainShapeProblem, (r) => ({ title: `Explain: ${r.curve.name}`, sections: explainSections(r) }));
 */
export function taggedKind<T>(
  name: string,
  tag: string,
  problem: (v: unknown) => string | null,
  build: (r: T) => ReportPart,
): ReportKind {
  return {
    name,
    accept: (input) => taggedProblem(input, tag, problem),
    build: async (input) => build(input.json as T),
  };
}

export const simulateKind = taggedKind<SimulateResult>(
  "simulate (fastface simulate --json)",
  "fastface-simulate",
  simulateShapeProblem,
  (r) => ({ title: `Simulation: ${r.curve.name}`, sections: simulateSections(r) }),
);

/** `null` when `v` looks like a RetrainResult, else what is missing. */
export function retrainShapeProblem(v: unknown): string | null {
  return isObject(v) && Array.isArray(v.arms) && isObject(v.verdict) && isObject(v.design)
    ? null
    : 'a retrain result (version 2) needs "design", "arms" and "verdict"';
}

export const retrainKind = taggedKind<RetrainResult>(
  "retrain (fastface retrain --json)",
  "fastface-retrain",
  retrainShapeProblem,
  (r) => ({ title: retrainTitle(r), sections: retrainSections(r) }),
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
  const unreadable = (e: unknown) =>
    new InputError(path, cannotRead((e as NodeJS.ErrnoException).code ?? String(e)), E_REPORT_INPUT);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InputError(path, reportInputIsFolder, E_REPORT_INPUT);
    size = st.size;
  } catch (e) {
    throw e instanceof InputError ? e : unreadable(e);
  }
  if (size === 0) throw new InputError(path, emptyInput, E_REPORT_INPUT);
  const ext = extname(path).toLowerCase();
  if (BINARY_EXTENSIONS.has(ext)) return { path, ext };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw unreadable(e);
  }
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
  throw new FormatError(input.path, attempts, unknownReportInput(input.path, attempts));
}

/**
 * The page for one or several inputs: one input's part is the page; several inputs of one kind that can
 * combine share one part; otherwise each input's part becomes a top-level section of its own.
 *
 * @example
 * const doc = await buildReport([await readReportInput("a.json"), await readReportInput("b.json")], warnings);
 */
export async function buildReport(
  inputs: readonly ReportInput[],
  warnings: Warnings,
  kinds: readonly ReportKind[] = REPORT_KINDS,
): Promise<{ doc: ReportDocument; kinds: ReportKind[] }> {
  const picked = inputs.map((i) => pickReportKind(i, kinds));
  const first = picked[0]!;
  const part =
    inputs.length === 1
      ? await first.build(inputs[0]!, warnings)
      : picked.every((k) => k === first) && first.combine
        ? await first.combine(inputs, warnings)
        : undefined;
  if (part) {
    const doc: ReportDocument = { title: part.title, sections: part.sections };
    if (part.subtitle) doc.subtitle = part.subtitle;
    return { doc, kinds: [first] };
  }
  const sections: ReportSection[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const p = await picked[i]!.build(inputs[i]!, warnings);
    sections.push({ id: `input-${i + 1}`, title: p.title, source: inputs[i]!.path, sections: p.sections });
  }
  return {
    doc: { title: `Report of ${inputs.length} results`, subtitle: inputs.map((i) => i.path).join(", "), sections },
    kinds: [...new Set(picked)],
  };
}
