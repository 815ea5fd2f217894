/**
 * Strip outputs from notebooks before commit, or check that they are stripped.
 *
 *   node --import tsx notebooks/strip.ts             # strip every notebooks/*.ipynb in place
 *   node --import tsx notebooks/strip.ts --check     # exit 1 and list the cells that still hold outputs
 *   node --import tsx notebooks/strip.ts a.ipynb ... # only these files
 *
 * Stripping empties every code cell's outputs, sets its execution_count to null and drops per-cell run metadata
 * (execution timings, collapsed/scrolled state). The file is written the way Jupyter writes it (keys sorted,
 * one-space indent, trailing newline), so a strip after a save in JupyterLab gives a minimal diff.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** Cell metadata keys that record a run rather than the author's intent. */
const RUN_METADATA = ["execution", "collapsed", "scrolled", "ExecuteTime"];

/**
 * A copy of the notebook with outputs, execution counts and run metadata removed.
 *
 * @example
 * const clean = stripNotebook(JSON.parse(readFileSync("notebooks/01-replay-a-logged-curve.ipynb", "utf8")));
 */
export function stripNotebook(nb: Notebook): Notebook {
  const cells = nb.cells.map((cell) => {
    const out: NotebookCell = { ...cell };
    if (cell.metadata !== undefined) {
      out.metadata = Object.fromEntries(Object.entries(cell.metadata).filter(([k]) => !RUN_METADATA.includes(k)));
    }
    if (cell.cell_type === "code") {
      out.outputs = [];
      out.execution_count = null;
    }
    return out;
  });
  return { ...nb, cells };
}

/**
 * Human-readable reasons why a notebook is not stripped (empty when it is).
 *
 * @example
 * notebookProblems(nb); // ["cell 3: 2 outputs", "cell 3: execution_count 7"]
 */
export function notebookProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    const where = `cell ${i + 1}`;
    if (cell.cell_type === "code") {
      if (!Array.isArray(cell.outputs)) problems.push(`${where}: outputs missing`);
      else if (cell.outputs.length > 0) problems.push(`${where}: ${cell.outputs.length} output(s)`);
      if (cell.execution_count !== null) problems.push(`${where}: execution_count ${cell.execution_count}`);
    }
    for (const k of Object.keys(cell.metadata ?? {})) {
      if (RUN_METADATA.includes(k)) problems.push(`${where}: run metadata "${k}"`);
    }
  });
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/**
 * Serialize like nbformat does (sorted keys, indent 1, trailing newline).
 *
 * @example
 * writeFileSync(path, serializeNotebook(stripNotebook(nb)));
 */
export function serializeNotebook(nb: Notebook): string {
  return `${JSON.stringify(sortKeys(nb), null, 1)}\n`;
}

/** Parse a notebook file; throws an Error naming the file when it is not nbformat 4 JSON. */
export function readNotebook(path: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not a JSON notebook (${(err as Error).message})`);
  }
  const nb = parsed as Partial<Notebook>;
  if (nb === null || typeof nb !== "object" || nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${path}: expected an nbformat 4 notebook (an object with "nbformat": 4 and a "cells" array)`);
  }
  return nb as Notebook;
}

/** The committed notebooks: notebooks/*.ipynb, sorted. */
export function listNotebooks(dir = fileURLToPath(new URL(".", import.meta.url))): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => join(dir, f));
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--check");
  if (unknown.length > 0) {
    process.stderr.write(`strip.ts: unknown option ${unknown.join(", ")} (expected --check and notebook paths)\n`);
    return 2;
  }
  const files = argv.filter((a) => !a.startsWith("-")).map((f) => resolve(f));
  let dirty = 0;
  for (const file of files.length > 0 ? files : listNotebooks()) {
    const nb = readNotebook(file);
    if (check) {
      const problems = notebookProblems(nb);
      if (problems.length > 0) {
        dirty += 1;
        process.stderr.write(`${basename(file)}: not stripped: ${problems.join("; ")}\n`);
      }
      continue;
    }
    const text = serializeNotebook(stripNotebook(nb));
    if (text !== readFileSync(file, "utf8")) {
      writeFileSync(file, text);
      process.stdout.write(`stripped ${basename(file)}\n`);
    }
  }
  if (dirty > 0) {
    process.stderr.write(`strip.ts: ${dirty} notebook(s) hold outputs; run: node --import tsx notebooks/strip.ts\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
