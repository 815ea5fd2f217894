/**
 * The import graph of src/: every relative import (static, `export ... from`, type-only and dynamic `import("...")`)
 * of every .ts/.mjs file, resolved to a path under src/, and the layer list that src/index.ts's header declares.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
export const SRC = join(ROOT, "src");

/** Every source file under src/, relative to src/ with forward slashes (`replay/loop.ts`). */
export function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|mjs|js)$/.test(e.name)) out.push(relative(SRC, p).split("\\").join("/"));
  }
  return out.sort();
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^"'`;]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The relative imports of one file (comments removed first), resolved to src/-relative paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    out.push(
      relative(SRC, join(SRC, dirname(file), spec))
        .split("\\")
        .join("/"),
    );
  }
  return out;
}

/** The layer of a src/-relative file: its top folder, or the file itself at the top (`errors.ts`, `index.ts`). */
export function unitOf(file: string): string {
  const i = file.indexOf("/");
  return i < 0 ? file : file.slice(0, i);
}

/**
 * The layer list of src/index.ts's header: lines `layer N  a/ b/ c.ts ...` (low to high). Returns unit -> N.
 * @example
 * declaredLayers().get("replay"); // 4
 */
export function declaredLayers(): Map<string, number> {
  const text = readFileSync(join(SRC, "index.ts"), "utf8");
  const layers = new Map<string, number>();
  for (const m of text.matchAll(/^ \* {2,}layer (\d+) {2,}(.+)$/gm)) {
    for (const unit of m[2]!.split(/[\s,]+/).filter(Boolean)) {
      if (!/^[a-z-]+(\/|\.ts)$/.test(unit)) break; // the rest of the line is prose
      layers.set(unit.replace(/\/$/, ""), Number(m[1]));
    }
  }
  return layers;
}

/** Imports that leave their folder for a folder of the same or a higher layer, as `from (layer) -> to (layer)`. */
export function layerViolations(
  graph: ReadonlyMap<string, readonly string[]>,
  layers: ReadonlyMap<string, number>,
): string[] {
  const bad: string[] = [];
  for (const [f, imps] of graph) {
    const from = unitOf(f);
    for (const i of imps) {
      const to = unitOf(i);
      if (to === from) continue;
      const a = layers.get(from);
      const b = layers.get(to);
      if (a === undefined || b === undefined || !(b < a)) bad.push(`${f} (layer ${a}) -> ${i} (layer ${b})`);
    }
  }
  return bad;
}

/** Every cycle a depth-first walk of the file graph closes, as `a -> b -> a`. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const i of graph.get(f) ?? []) {
      if (state.get(i) === "open") cycles.push([...stack.slice(stack.indexOf(i)), i].join(" -> "));
      else if (!state.has(i) && graph.has(i)) visit(i);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}
