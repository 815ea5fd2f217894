/**
 * Infrastructure written once (issue 19): each marker below appears in src/ only in the module that owns it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SRC, sourceFiles } from "./imports.ts";

const OWNERS: Array<{ what: string; marker: RegExp; owner: string[] }> = [
  { what: "the mulberry32 PRNG", marker: /0x6d2b79f5/i, owner: ["random.ts"] },
  { what: "opening DuckDB", marker: /DuckDBInstance\.create/, owner: ["io/duckdb.ts"] },
  // BullMQ's Worker (a queue consumer, not a thread) is `new Worker(name, processor, ...)`
  { what: "starting a worker thread", marker: /new Worker\((?!name, processor)/, owner: ["io/worker.ts"] },
  { what: "registering tsx in a worker", marker: /tsx\/esm\/api/, owner: ["io/worker-boot.mjs"] },
  { what: "the tfjs wasm paths", marker: /setWasmPaths/, owner: ["train/backend.ts"] },
  { what: "the Vega-Lite schema URL", marker: /vega\.github\.io\/schema\/vega-lite/, owner: ["report/vl.ts"] },
  { what: "a percent formatter", marker: /\* 100\)\.toFixed|100 \* [\w.]+\)\.toFixed/, owner: [] },
];

test("each piece of infrastructure is written in one module", () => {
  const files = sourceFiles();
  const texts = new Map(files.map((f) => [f, readFileSync(join(SRC, f), "utf8")]));
  for (const o of OWNERS) {
    const found = files.filter((f) => o.marker.test(texts.get(f)!));
    assert.deepEqual(
      found.filter((f) => !o.owner.includes(f)),
      [],
      `${o.what}: only in ${o.owner.join(", ") || "src/messages/format.ts (percent)"}`,
    );
    for (const f of o.owner) assert.ok(found.includes(f), `${o.what}: ${f} holds it`);
  }
});
