import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { curveFromArrowIPC, curveToArrowIPC } from "../../src/curve/arrow.ts";
import { FastfaceError } from "../../src/errors.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { parseArrowInput } from "../../src/ingest/columnar.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { FORMATS } from "../../src/ingest/formats.ts";
import { parseTfEvents } from "../../src/ingest/tfevents.ts";
import { LOGS, REAL_TFEVENTS } from "./helpers.ts";

const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Run a parser; it may return or throw a FastfaceError, nothing else. */
function typedOnly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof FastfaceError)) {
      assert.fail(`threw a non-typed error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  }
}

/** Every in-memory parser of the format table (Parquet has none: DuckDB reads files), plus the variants. */
type Parser = [name: string, parse: (bytes: Uint8Array) => unknown];
const PARSERS: readonly Parser[] = [
  ...FORMATS.flatMap((f): Parser[] => (f.parse !== undefined ? [[f.name, (b) => f.parse?.(b, "fuzz")]] : [])),
  ["detect", (b) => detectFormat(b, "fuzz")],
  ["tfevents --salvage", (b) => parseTfEvents(b, "fuzz", { salvage: true })],
  ["curve file", (b) => curveFromArrowIPC(b, "fuzz")],
  ["arrow", (b) => parseArrowInput(b, "fuzz")], // the entry has no sync parse (apache-arrow loads lazily)
];

function allParsers(bytes: Uint8Array): void {
  for (const [, parse] of PARSERS) typedOnly(() => parse(bytes));
}

it("the fuzz list covers every format of the table that parses in memory", () => {
  const names = PARSERS.map(([n]) => n);
  for (const f of FORMATS) if (f.name !== "parquet") assert.ok(names.includes(f.name), f.name);
  assert.equal(decoder.encoding, "utf-8");
});

/** A mutation: overwrite, delete or insert bytes at a position. */
const mutation = fc.tuple(
  fc.nat(),
  fc.constantFrom("set", "delete", "insert"),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

function mutate(src: Uint8Array, muts: Array<[number, string, Uint8Array]>): Uint8Array {
  let b = src;
  for (const [pos, kind, bytes] of muts) {
    const at = b.length === 0 ? 0 : pos % b.length;
    if (kind === "set") {
      b = b.slice();
      b.set(bytes.subarray(0, Math.max(0, b.length - at)), at);
    } else if (kind === "delete") b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + bytes.length)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...bytes, ...b.subarray(at)]);
  }
  return b;
}

describe("parsers throw only typed errors", () => {
  it("on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => allParsers(bytes)),
      { seed: 1, numRuns: 300 },
    );
  });

  it("on arbitrary text shaped like the formats", () => {
    const piece = fc.constantFrom(
      "Training: 2024-01-01 00:00:00,000-",
      "Speed 1.0 samples/sec   ",
      "Loss ",
      "LearningRate ",
      "Global Step: ",
      "Epoch: ",
      ": lr   0.1",
      "[lfw][100]Accuracy-Flip: ",
      "| Methods | 1e-06 |",
      "+-",
      "nan",
      "-inf",
      "1e400",
      "12.5",
      "step,loss,lr",
      "\t",
      ",",
      "\n",
      '{"step": ',
      '"loss": NaN}',
      '{"log_history": [',
      "]}",
      "1700000000000 0.5 3",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => allParsers(new TextEncoder().encode(parts.join("")))),
      { seed: 1, numRuns: 300 },
    );
  });

  it("on mutated fixtures (log, event file, trainer_state, csv, arrow)", () => {
    const sources = [
      new Uint8Array(readFileSync(`${LOGS}insightface_ms1mv3_r50_poly.log`)).subarray(0, 6000),
      new Uint8Array(readFileSync(`${REAL_TFEVENTS}events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2`)),
      new Uint8Array(readFileSync(`${FX}trainer_state_nan.json.txt`)),
      new Uint8Array(readFileSync(`${FX}lightning_metrics.csv`)),
      curveToArrowIPC(
        parseArcfaceLog(readFileSync(`${LOGS}insightface_ms1mv3_r50_multistep.log`, "utf8").slice(0, 4000), "m"),
      ),
    ];
    fc.assert(
      fc.property(
        fc.nat({ max: sources.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (k, muts) => {
          allParsers(mutate(sources[k] as Uint8Array, muts));
        },
      ),
      { seed: 1, numRuns: 200 },
    );
  });
});
