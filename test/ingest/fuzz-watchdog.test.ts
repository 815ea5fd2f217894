/**
 * Fuzz properties with a watchdog (issue 20): mutated real inputs run in a worker thread; an input still
 * running after 5 s fails the property (a hang), and every error must be a FastfaceError. CI-sized counts
 * here (about 5 s of CPU; on a loaded machine the wall time, mostly worker start-up, reaches ~30 s); `npm run fuzz`
 * runs 100,000 per family and prints the table (README / docs/ingest.md).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fuzzFamily } from "../fuzz/runner.ts";

const COUNTS: Array<[string, number]> = [
  ["arrow", 200],
  ["parquet", 120],
  ["arcface-log", 60],
  ["csv", 60],
];

describe("fuzz with a watchdog: no hang, no untyped error", () => {
  for (const [family, count] of COUNTS) {
    it(`${family}: ${count} mutated inputs`, async () => {
      const row = await fuzzFamily({ family, count, seed: 2020 });
      const problems = row.problems.map((p) => `#${p.index} ${p.kind}: ${p.message}`).join("\n");
      assert.equal(row.inputs, count);
      assert.equal(row.hangs, 0, problems);
      assert.equal(row.untyped, 0, problems);
    });
  }
});
