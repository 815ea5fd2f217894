import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError, ParseError, Warnings } from "../../src/errors.ts";
import { loadCurves } from "../../src/ingest/load.ts";
import { eventCurves, parseTfEvents, readEventScalars } from "../../src/ingest/tfevents.ts";
import { crc32cNative, crc32cRange, maskedCrc32c, readTfRecords, writeTfRecords } from "../../src/ingest/tfrecord.ts";
import { event, REAL_TFEVENTS, TFEVENTS } from "./helpers.ts";

const TF2 = `${REAL_TFEVENTS}events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2`;
const STRICT1 = `${TFEVENTS}pytorch_simple_value_strict/run_1/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0`;
const DUP1 = `${REAL_TFEVENTS}pytorch_duplicate_steps/run_1/events.out.tfevents.1622966509.janoshs-mbp.lan.86059.0`;

describe("TFRecord framing", () => {
  it("masked CRC32C matches the fixture's first header (length 24 -> a37f4b22 on disk)", () => {
    const bytes = readFileSync(TF2);
    assert.equal(maskedCrc32c(bytes.subarray(0, 8)), new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
    assert.equal(maskedCrc32c(Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0])), 0x224b7fa3);
  });

  it("CRC32C: the JS table path and the native @node-rs path agree (and the check value of '123456789')", () => {
    const check = new TextEncoder().encode("123456789");
    assert.equal(crc32cRange(check, 0, 9), 0xe3069283);
    assert.equal(crc32cNative(check), 0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (b, k) => {
        const start = b.length === 0 ? 0 : k % b.length;
        assert.equal(crc32cRange(b, start, b.length), crc32cNative(b.subarray(start)));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it("writer and reader agree", () => {
    const payloads = [Uint8Array.from([1, 2, 3]), new Uint8Array(0), Uint8Array.from([9])];
    const { records, offsets } = readTfRecords(writeTfRecords(payloads));
    assert.deepEqual(
      records.map((r) => Array.from(r)),
      payloads.map((p) => Array.from(p)),
    );
    assert.deepEqual(offsets, [0, 19, 35]);
  });

  it("a corrupted record names its byte offset; --salvage keeps the records before it", () => {
    const bytes = new Uint8Array(readFileSync(STRICT1));
    const { offsets } = readTfRecords(bytes);
    const bad = offsets[40] as number;
    bytes[bad + 14] = (bytes[bad + 14] as number) ^ 0xff; // inside record 41's data
    assert.throws(
      () => readTfRecords(bytes, { source: "x" }),
      (e: unknown) => e instanceof ParseError && e.location.byteOffset === bad && /data CRC32C/.test(e.message),
    );
    const w = new Warnings();
    const curves = parseTfEvents(bytes, "x", { salvage: true, warnings: w });
    // record 1 is the file_version event, so 39 scalar points survive: steps 0..190
    assert.equal(curves[0]?.columns.step.length, 39);
    assert.equal(curves[0]?.columns.step[38], 190);
    assert.ok(w.has("W_SALVAGED"));
    assert.match(w.list.find((x) => x.code === "W_SALVAGED")?.message ?? "", new RegExp(`kept 40 record.*byte ${bad}`));
  });

  it("a truncated file names the offset of the cut record; a corrupted length CRC too", () => {
    const full = readFileSync(STRICT1);
    const { offsets } = readTfRecords(full);
    const cut = full.subarray(0, (offsets[10] as number) + 20);
    assert.throws(
      () => readTfRecords(cut, { source: "cut" }),
      (e: unknown) => e instanceof ParseError && e.location.byteOffset === offsets[10],
    );
    const flipped = new Uint8Array(full);
    const at = (offsets[3] as number) + 9;
    flipped[at] = (flipped[at] as number) ^ 1;
    assert.throws(
      () => readTfRecords(flipped),
      (e: unknown) =>
        e instanceof ParseError && e.location.byteOffset === offsets[3] && /length CRC32C/.test(e.message),
    );
    const short = full.subarray(0, (offsets[5] as number) + 7);
    assert.throws(
      () => readTfRecords(short),
      (e: unknown) => e instanceof ParseError && e.location.byteOffset === offsets[5],
    );
  });
});

describe("TensorBoard fixtures", () => {
  it("TF2 tensor_content float32: my_metric = 0.5 * step, steps 0..99", () => {
    const [c, ...rest] = parseTfEvents(readFileSync(TF2), TF2);
    assert.equal(rest.length, 0);
    assert.equal(c?.meta.tag, "my_metric");
    assert.equal(c?.columns.step.length, 100);
    for (let i = 0; i < 100; i++) {
      assert.equal(c?.columns.step[i], i);
      assert.equal(c?.columns.loss[i], 0.5 * i);
    }
    assert.equal(c?.meta.stride, 1);
    assert.equal(c?.columns.wallTime?.length, 100);
  });

  it("PyTorch simple_value: strict/foo, 100 points, steps 0..495 by 5", () => {
    const [c] = parseTfEvents(readFileSync(STRICT1), STRICT1);
    assert.equal(c?.meta.tag, "strict/foo");
    assert.equal(c?.columns.step.length, 100);
    assert.equal(c?.columns.step[99], 495);
    assert.equal(c?.meta.stride, 5);
    assert.equal(c?.columns.loss[0], Math.fround(1.4962565898895264));
    assert.equal(c?.columns.loss[99], Math.fround(1.212090253829956));
    assert.equal(c?.meta.name, "run_1"); // the only tag, so it is the run's loss curve
  });

  it("duplicate steps: 210 points per tag, steps 90..99 logged twice -> 200 points, latest wins", () => {
    const w = new Warnings();
    const curves = parseTfEvents(readFileSync(DUP1), DUP1, { warnings: w });
    assert.deepEqual(
      curves.map((c) => c.meta.tag),
      ["dup_steps/bar", "dup_steps/foo"],
    );
    const foo = curves[1];
    assert.equal(foo?.columns.step.length, 200);
    assert.equal(foo?.columns.step[199], 199);
    // value of the second step-90 record (the first one was 1.5536525249481201)
    assert.equal(foo?.columns.loss[90], Math.fround(1.5210340023040771));
    assert.ok(foo?.meta.warnings.some((x) => x.code === "W_RESUMED_RUN"));
  });

  it("--tag picks one tag; an unknown tag lists the ones found", () => {
    const curves = parseTfEvents(readFileSync(DUP1), DUP1, { tag: "dup_steps/foo" });
    assert.equal(curves.length, 1);
    assert.throws(
      () => parseTfEvents(readFileSync(DUP1), DUP1, { tag: "nope" }),
      (e: unknown) => {
        return e instanceof ConfigError && /dup_steps\/bar, dup_steps\/foo/.test(e.message);
      },
    );
  });

  it("a folder of runs: one curve per run and tag", async () => {
    const curves = await loadCurves(`${TFEVENTS}pytorch_simple_value_strict`);
    assert.deepEqual(
      curves.map((c) => c.meta.name),
      ["run_1", "run_2", "run_3"],
    );
    assert.ok(curves.every((c) => c.columns.step.length === 100));
  });
});

describe("hand-encoded TF2 / PyTorch events", () => {
  const file = (events: Uint8Array[]) => writeTfRecords([event({ wall: 1, fileVersion: "brain.Event:2" }), ...events]);

  it("tensor float_val (packed and not), double_val, tensor_content float64; plugin metadata only once", () => {
    const bytes = file([
      event({ wall: 10, step: 0, values: [{ tag: "loss", plugin: "scalars", tensor: { dtype: 1, floatVal: [2.5] } }] }),
      event({ wall: 11, step: 1, values: [{ tag: "loss", tensor: { dtype: 1, floatVal: [2.25], packed: true } }] }),
      event({ wall: 12, step: 2, values: [{ tag: "loss", tensor: { dtype: 2, doubleVal: [0.1] } }] }),
      event({ wall: 13, step: 3, values: [{ tag: "loss", tensor: { dtype: 2, doubleVal: [0.3], packed: true } }] }),
      event({
        wall: 14,
        step: 4,
        values: [
          { tag: "loss", tensor: { dtype: 2, content: Array.from(new Uint8Array(new Float64Array([1e-7]).buffer)) } },
        ],
      }),
      event({ wall: 15, step: 5, values: [{ tag: "lr", plugin: "scalars", tensor: { dtype: 1, floatVal: [0.5] } }] }),
      // histogram-like tensors (other plugin, several elements) are not scalars
      event({
        wall: 16,
        step: 5,
        values: [{ tag: "w", plugin: "histograms", tensor: { dtype: 2, doubleVal: [1, 2, 3], dims: [3] } }],
      }),
      event({ wall: 17, step: 6, values: [{ tag: "w", tensor: { dtype: 2, doubleVal: [7] } }] }),
    ]);
    const table = readEventScalars(bytes);
    assert.deepEqual([...table.tags.keys()].sort(), ["loss", "lr"]);
    const curves = eventCurves(table, { name: "run", source: "mem" });
    const loss = curves.find((c) => c.meta.tag === "loss");
    assert.deepEqual(Array.from(loss?.columns.loss ?? []), [2.5, 2.25, 0.1, 0.3, 1e-7]);
    assert.deepEqual(Array.from(loss?.columns.wallTime ?? []), [10, 11, 12, 13, 14]);
    // lr joined onto the loss curve by step (NaN before the first lr point)
    assert.ok(Number.isNaN(loss?.columns.lr?.[0]));
    assert.equal(loss?.meta.name, "run");
    assert.equal(curves.find((c) => c.meta.tag === "lr")?.meta.name, "run:lr");
  });

  it("several files of one run are merged by wall time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ff-ev-"));
    const a = file([
      event({ wall: 100, step: 0, values: [{ tag: "loss", simple: 3 }] }),
      event({ wall: 300, step: 20, values: [{ tag: "loss", simple: 1 }] }),
    ]);
    const b = file([
      event({ wall: 200, step: 10, values: [{ tag: "loss", simple: 2 }] }),
      event({ wall: 400, step: 10, values: [{ tag: "loss", simple: 1.5 }] }), // resumed at step 10, later in time
    ]);
    writeFileSync(join(dir, "events.out.tfevents.100.host.1"), a);
    writeFileSync(join(dir, "events.out.tfevents.200.host.2"), b);
    const [c, ...rest] = await loadCurves(dir);
    assert.equal(rest.length, 0);
    assert.deepEqual(Array.from(c?.columns.step ?? []), [0, 10]);
    assert.deepEqual(Array.from(c?.columns.loss ?? []), [3, 1.5]);
    assert.ok(c?.meta.warnings.some((x) => x.code === "W_RESUMED_RUN"));
  });

  it("a malformed protobuf is a ParseError with a byte offset", () => {
    const bytes = writeTfRecords([Uint8Array.from([0x2a, 0x05, 0x0a])]); // summary says 5 bytes, has 1
    assert.throws(
      () => readEventScalars(bytes, { source: "p" }),
      (e: unknown) => e instanceof ParseError && e.location.byteOffset !== undefined,
    );
  });
});
