/**
 * The layering of src/ (acceptance of issue 19): the layer list in src/index.ts's header names every top-level
 * folder and file of src/ once; every relative import goes to the file's own folder or to a lower layer; and the
 * file-level import graph (type-only, re-exports and dynamic imports included) has no cycle.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { declaredLayers, importCycles, importsOf, layerViolations, SRC, sourceFiles } from "./imports.ts";

const layers = declaredLayers();
const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("layers", () => {
  test("src/index.ts lists every top-level folder and file of src/ in one layer", () => {
    assert.ok(layers.size >= 10, `the layer list was not found in src/index.ts (read ${layers.size} entries)`);
    assert.deepEqual([...layers.keys()].sort(), readdirSync(SRC).sort());
  });

  test("every import resolves to a file in src/", () => {
    const missing = [...graph].flatMap(([f, imps]) =>
      imps.filter((i) => !existsSync(join(SRC, i))).map((i) => `${f} -> ${i}`),
    );
    assert.deepEqual(missing, []);
  });

  test("no import goes upward or sideways", () => {
    assert.deepEqual(layerViolations(graph, layers), []);
  });

  test("no import cycle", () => {
    assert.deepEqual(importCycles(graph), []);
  });

  test("the reader sees type-only, dynamic and re-exported imports of the real tree", () => {
    assert.ok(graph.get("report/kinds.ts")?.includes("replay/types.ts"), "import type");
    assert.ok(graph.get("index.ts")?.includes("replay/loop.ts"));
    assert.ok(
      [...graph.values()].some((imps) => imps.includes("ingest/load.ts")),
      "someone imports ingest/load.ts",
    );
  });

  test("the checks catch an upward import, a sideways one and a cycle", () => {
    const L = new Map([
      ["messages", 0],
      ["curve", 1],
      ["schedulers", 1],
      ["report", 2],
    ]);
    const g = new Map([
      ["curve/a.ts", ["report/b.ts", "schedulers/c.ts", "messages/m.ts", "curve/d.ts"]],
      ["curve/d.ts", ["curve/a.ts"]],
      ["report/b.ts", ["curve/a.ts"]],
    ]);
    assert.deepEqual(layerViolations(g, L), [
      "curve/a.ts (layer 1) -> report/b.ts (layer 2)",
      "curve/a.ts (layer 1) -> schedulers/c.ts (layer 1)",
    ]);
    assert.deepEqual(importCycles(g), [
      "curve/a.ts -> report/b.ts -> curve/a.ts",
      "curve/a.ts -> curve/d.ts -> curve/a.ts",
    ]);
  });
});
