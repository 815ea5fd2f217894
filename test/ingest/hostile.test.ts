/**
 * Broken and hostile inputs (issue 20): one regression test per hole, each on a minimal reproducer committed
 * under test/fixtures/ingest/hostile/ (README there) or built here when its point is its size.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { curveFromArrowIPC } from "../../src/curve/arrow.ts";
import { interleaving, makeCurve, requireFiniteLoss } from "../../src/curve/clean.ts";
import { ConfigError, FastfaceError, ParseError, Warnings } from "../../src/errors.ts";
import { isDecimalLiteral, parseArcfaceLog, parseEvalLine } from "../../src/ingest/arcface-log.ts";
import { parseArrowInput, parseParquetInput } from "../../src/ingest/columnar.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { parseTrainerState } from "../../src/ingest/hf-state.ts";
import { loadCurve, loadFile } from "../../src/ingest/load.ts";
import { parseTfEvents } from "../../src/ingest/tfevents.ts";
import { replayCurve } from "../../src/replay/replay.ts";
import { createScheduler } from "../../src/schedulers/registry.ts";

const H = fileURLToPath(new URL("../fixtures/ingest/hostile/", import.meta.url));
const bytes = (f: string) => new Uint8Array(readFileSync(`${H}${f}`));
const isParse = (re?: RegExp) => (e: unknown) => e instanceof ParseError && (re === undefined || re.test(e.message));

describe("1-2. corrupt Arrow and Parquet end in a ParseError", () => {
  it("the stream with byte 52 changed 0x04 -> 0x2E (apache-arrow looped to OOM) is rejected at its byte offset", () => {
    for (const f of ["arrow-hang-byte52.arrows", "arrow-hang-byte124.arrows"]) {
      assert.throws(
        () => parseArrowInput(bytes(f), f),
        (e: unknown) => e instanceof ParseError && e.location.byteOffset !== undefined && /do not fit/.test(e.message),
      );
    }
  });

  it("a stream followed by bytes apache-arrow would loop on is read only to its end marker", () => {
    assert.throws(() => parseArrowInput(bytes("arrow-hang-dictionary-id.arrows"), "x.arrows"), ParseError);
  });

  it("a 0-row curve file is refused", () => {
    assert.throws(() => curveFromArrowIPC(bytes("zero-rows.arrow"), "zero.arrow"), isParse(/0 rows/));
  });

  it("corrupt Parquet (data page, thrift metadata) is a ParseError naming the file", async () => {
    for (const f of ["parquet-snappy-corrupt.parquet", "parquet-thrift-corrupt.parquet"]) {
      await assert.rejects(
        parseParquetInput(`${H}${f}`),
        (e: unknown) => e instanceof ParseError && e.message.includes(f),
      );
    }
  });
});

describe("3. linear-time scanning (no backtracking regular expressions)", () => {
  it("a header value of 20,000 nines and an x stays a string; the curve reads", () => {
    const c = parseArcfaceLog(readFileSync(`${H}redos-header.log`, "utf8"), "redos.log");
    assert.equal(typeof c.meta.config.total_step, "string");
    assert.equal(c.meta.config.lr, 0.1);
    assert.equal(c.columns.step.length, 1);
    assert.ok(isDecimalLiteral("-1.5e-4") && isDecimalLiteral(".5") && isDecimalLiteral("5."));
    assert.ok(!isDecimalLiteral("1.2.3") && !isDecimalLiteral("1e") && !isDecimalLiteral(".") && !isDecimalLiteral(""));
  });

  it("sniffing 'Loss ' + 20,000 x is an unknown format, not a long search", () => {
    assert.throws(
      () => detectFormat(bytes("redos-sniff.txt"), "x.txt"),
      (e: unknown) => e instanceof FastfaceError,
    );
  });

  it("evaluation lines parse by hand as the pattern did", () => {
    assert.deepEqual(parseEvalLine("[lfw][2000]Accuracy-Flip: 0.99800+-0.00277"), {
      name: "lfw",
      metric: "Accuracy-Flip",
      value: 0.998,
      step: 2000,
      std: 0.00277,
    });
    assert.equal(parseEvalLine(`[lfw][1]x: ${"+-".repeat(20000)} y`), undefined);
  });
});

describe("4. no silently wrong numbers", () => {
  it("a comma inside a number makes the line malformed (not 46 and 32)", () => {
    const w = new Warnings();
    const c = parseArcfaceLog(readFileSync(`${H}comma-numbers.log`, "utf8"), "comma.log", w);
    assert.deepEqual(Array.from(c.columns.step), [20, 40, 50]);
    assert.deepEqual(Array.from(c.columns.loss), [46.5333, 46.4, 46.2]);
    assert.match(w.list.find((x) => x.code === "W_MALFORMED_LINES")?.message ?? "", /skipped 2 .* line\(s\) 2, 4/);
    assert.ok(!w.has("W_RESUMED_RUN"));
  });

  it("two runs interleaved with offset steps, or zig-zagging, are detected and warned about", () => {
    for (const f of ["interleaved-offset.log", "interleaved-zigzag.log"]) {
      const c = parseArcfaceLog(readFileSync(`${H}${f}`, "utf8"), f);
      assert.ok(
        c.meta.warnings.some((x) => x.code === "W_INTERLEAVED_RUNS"),
        `${f}: ${JSON.stringify(c.meta.warnings)}`,
      );
    }
    const regular = Array.from({ length: 40 }, (_, i) => 20 + 10 * i);
    assert.equal(interleaving(regular), undefined);
    assert.equal(interleaving([...regular.slice(0, 20), ...regular.slice(5)]), undefined); // one resume
  });
});

describe("5. a line over the cap", () => {
  it("is a ParseError with its line number; the line is never built whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ff-hostile-"));
    try {
      const p = join(dir, "long.log");
      writeFileSync(p, `Training: x\n${"x".repeat(300_000)}\n`);
      await assert.rejects(
        loadFile(p, { format: "arcface-log", maxLineBytes: 100_000, chunkBytes: 4096 }),
        (e: unknown) => {
          return e instanceof ParseError && e.location.line === 2 && /longer than 100000 bytes/.test(e.message);
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("7. accepted nonsense is refused", () => {
  it("a CSV whose step cells are all empty is a ParseError, not 0 points", async () => {
    await assert.rejects(loadFile(`${H}all-empty-steps.csv`), isParse(/usable step/));
  });

  it("an all-NaN curve is refused by replay (and the rule is one function)", async () => {
    const c = await loadCurve(`${H}all-nan.csv`);
    assert.throws(() => requireFiniteLoss(c), isParse(/no finite loss/));
    assert.throws(() => replayCurve(c), isParse(/no finite loss/));
  });

  it("delta=1, --total-steps 1e20 and --traces -1 are configuration errors", () => {
    assert.throws(
      () => createScheduler({ name: "fastface", params: { delta: 1 } }, { totalSteps: 100, lr0: 1 }),
      ConfigError,
    );
    assert.throws(
      () => createScheduler({ name: "hck", params: { delta: 1 } }, { totalSteps: 100, lr0: 1 }),
      ConfigError,
    );
    const c = makeCurve({ step: [1, 2, 3], loss: [3, 2, 1] }, { name: "r", source: "m", format: "csv" });
    assert.throws(() => replayCurve(c, { totalSteps: 1e20 }), ConfigError);
    assert.throws(() => replayCurve(c, { traces: -1 }), ConfigError);
  });

  it("a UTF-8 byte order mark keeps the first JSONL line and trainer_state.json readable", async () => {
    const j = await loadCurve(`${H}bom.jsonl`);
    assert.deepEqual(Array.from(j.columns.step), [1, 2]);
    const t = parseTrainerState(readFileSync(`${H}bom-trainer_state.json.txt`, "utf8"), "t.json");
    assert.deepEqual(Array.from(t.columns.step), [10, 20]);
    assert.equal((await loadCurve(`${H}bom-trainer_state.json.txt`)).meta.format, "hf-trainer-state");
  });

  it("a log whose first metric line lies after 64 KiB is still a training.log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ff-hostile-"));
    try {
      const p = join(dir, "training.log");
      const header = ": some_setting   value\n".repeat(4000); // ~92 KB of header
      writeFileSync(p, `${header}${readFileSync(`${H}comma-numbers.log`, "utf8")}`);
      const c = await loadCurve(p);
      assert.equal(c.meta.format, "arcface-log");
      assert.equal(c.columns.step.length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a CRC-valid record with a broken protobuf: an error without --salvage, skipped with it", () => {
    const b = bytes("broken-protobuf.tfevents");
    assert.throws(
      () => parseTfEvents(b, "e"),
      (e: unknown) => e instanceof ParseError && e.location.byteOffset !== undefined,
    );
    const w = new Warnings();
    const [c] = parseTfEvents(b, "e", { salvage: true, warnings: w });
    assert.deepEqual(Array.from(c?.columns.step ?? []), [1, 2, 3]);
    assert.match(w.list.find((x) => x.code === "W_SALVAGED")?.message ?? "", /skipped record 4 at byte/);
  });
});
