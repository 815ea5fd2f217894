import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ParseError, Warnings } from "../../src/errors.ts";
import { ArcfaceLogParser, parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { LOGS } from "./helpers.ts";

const read = (f: string) => readFileSync(`${LOGS}${f}`, "utf8");
const last = (a: Float64Array | undefined) => a?.[a.length - 1];

// Values read off the files by hand (head / tail / grep).
describe("arcface_torch training.log fixtures", () => {
  it("FastFace r100: 20,231 points, step 20..202320 by 10, LR column, verification + IJB tables", () => {
    const c = parseArcfaceLog(read("fastface_ms1mv3_r100.log"), "fastface_ms1mv3_r100.log");
    assert.equal(c.columns.step.length, 20231);
    assert.equal(c.columns.step[0], 20);
    assert.equal(c.columns.loss[0], 46.5333);
    assert.equal(c.columns.lr?.[0], 0.02);
    assert.equal(last(c.columns.step), 202320);
    assert.equal(last(c.columns.loss), 3.0905);
    assert.equal(last(c.columns.lr), 0.000313);
    assert.equal(last(c.columns.epoch), 4);
    assert.equal(c.meta.stride, 10);
    assert.equal(c.meta.aggregation, "mean-of-interval");
    assert.equal(c.meta.format, "arcface-log");
    assert.equal(c.meta.name, "fastface_ms1mv3_r100");
    // 2023-12-28 00:21:37,121 read as UTC
    assert.equal(c.columns.wallTime?.[0], Date.UTC(2023, 11, 28, 0, 21, 37, 121) / 1000);
    // 7 verification sets x 3 lines + 2 IJB tables x 6 FARs
    assert.equal(c.meta.evaluations.length, 33);
    assert.deepEqual(
      c.meta.evaluations.find((e) => e.name === "lfw" && e.metric === "Accuracy-Flip"),
      { name: "lfw", metric: "Accuracy-Flip", value: 0.998, std: 0.00277, step: 6666 },
    );
    assert.deepEqual(
      c.meta.evaluations.find((e) => e.name === "IJBC" && e.metric === "TAR@FAR=0.0001 (%)"),
      { name: "IJBC", metric: "TAR@FAR=0.0001 (%)", value: 96.41 },
    );
    assert.deepEqual(c.meta.warnings, []);
  });

  it("insightface r50 poly: 10,115 points, header config echoed", () => {
    const c = parseArcfaceLog(read("insightface_ms1mv3_r50_poly.log"), "logs/insightface_ms1mv3_r50_poly.log");
    assert.equal(c.columns.step.length, 10115);
    assert.equal(c.columns.step[0], 20);
    assert.equal(c.columns.loss[0], 46.4909);
    assert.equal(c.columns.lr?.[0], 0.1);
    assert.equal(last(c.columns.step), 101160);
    assert.equal(last(c.columns.loss), 1.5722);
    assert.equal(last(c.columns.lr), 0);
    assert.equal(c.meta.stride, 10);
    assert.equal(c.meta.config.total_step, 101160);
    assert.equal(c.meta.config.frequent, 10);
    assert.equal(c.meta.config.lr, 0.1);
    assert.equal(c.meta.config.batch_size, 128);
    assert.equal(c.meta.config.num_epoch, 20);
    assert.equal(c.meta.config.fp16, true);
    assert.equal(c.meta.config.resume, false);
    assert.equal(c.meta.config.network, "r50");
    assert.equal(c.meta.config.interclass_filtering_threshold, 0);
    assert.equal(c.meta.config.val_targets, "['lfw', 'cfp_fp', 'agedb_30']");
    // every 2000 steps up to 100000: 50 rounds x 3 sets x 3 lines
    assert.equal(c.meta.evaluations.length, 450);
    assert.deepEqual(c.meta.evaluations.at(-1), {
      name: "agedb_30",
      metric: "Accuracy-Highest",
      value: 0.9845,
      step: 100000,
    });
  });

  it("insightface r50 multistep (2021 format): no LearningRate column, 'Total Step is' header", () => {
    const c = parseArcfaceLog(read("insightface_ms1mv3_r50_multistep.log"), "insightface_ms1mv3_r50_multistep.log");
    assert.equal(c.columns.step.length, 2490);
    assert.equal(c.columns.step[0], 100);
    assert.equal(c.columns.loss[0], 55.8521);
    assert.equal(last(c.columns.step), 124550);
    assert.equal(last(c.columns.loss), 1.3908);
    assert.equal(c.columns.lr, undefined);
    assert.equal(c.meta.stride, 50);
    assert.equal(c.meta.config.total_step, 124550);
    assert.equal(last(c.columns.epoch), 24);
    assert.equal(c.meta.evaluations.length, 558);
  });
});

const line = (step: number, loss: string, lr = "0.100000") =>
  `Training: 2024-01-01 00:00:00,000-Speed 800.00 samples/sec   Loss ${loss}   LearningRate ${lr}   Epoch: 0   Global Step: ${step}   Fp16 Grad Scale: 16384   Required: 1 hours`;

describe("arcface log bad input", () => {
  it("malformed metric lines are skipped, counted, and their line numbers shown", () => {
    const text = [
      "Training: 2024-01-01 00:00:00,000-rank_id: 0",
      line(20, "5.0000"),
      "Training: 2024-01-01 00:00:00,000-Speed 800.00 samples/sec   Loss 4.9x   Epoch: 0   Global Step: 30",
      line(40, "4.8000"),
      "Training: 2024-01-01 00:00:00,000-Speed 800.00 samples/sec   Loss 4.7000   Epoch: 0",
      line(60, "4.6000"),
      "Training: 2024-01-01 00:00:00,000-Speed 800.00 samples/sec   Loss 4.5   LearningRate 0.1   Epoch: 0   Global Step: -7 ",
    ].join("\n");
    const w = new Warnings();
    const c = parseArcfaceLog(`${text}\n`, "bad.log", w);
    assert.deepEqual(Array.from(c.columns.step), [20, 40, 60]);
    assert.deepEqual(Array.from(c.columns.loss), [5, 4.8, 4.6]);
    const m = w.list.find((x) => x.code === "W_MALFORMED_LINES");
    assert.ok(m);
    assert.match(m.message, /skipped 3 malformed/);
    assert.match(m.message, /line\(s\) 3, 5, 7/);
  });

  it("a final line cut mid-number is not trusted", () => {
    const text = `${line(20, "5.0000")}\n${line(30, "4.9")}\nTraining: 2024-01-01 00:00:00,000-Speed 800.00 samples/sec   Loss 4.8   Epoch: 0   Global Step: 4`;
    const w = new Warnings();
    const c = parseArcfaceLog(text, "cut.log", w);
    assert.deepEqual(Array.from(c.columns.step), [20, 30]);
    assert.ok(w.has("W_MALFORMED_LINES"));
  });

  it("a malformed final line without newline does not cost the point before it", () => {
    const text = `${line(20, "5.0000")}\nTraining: 2024-01-01 00:00:00,000-Speed 1 samples/sec   Loss 4.8   LearningRate 0.1x   Epoch: 0   Global Step: 30`;
    const w = new Warnings();
    const c = parseArcfaceLog(text, "cut.log", w);
    assert.deepEqual(Array.from(c.columns.step), [20]);
    assert.match(w.list.find((x) => x.code === "W_MALFORMED_LINES")?.message ?? "", /skipped 1 .*line\(s\) 2$/);
  });

  it("NaN / Inf losses (fp16 overflow) are kept and flagged", () => {
    const text = [line(10, "5.0"), line(20, "nan"), line(30, "inf"), line(40, "4.0")].join("\n");
    const w = new Warnings();
    const c = parseArcfaceLog(text, "nan.log", w);
    assert.equal(c.columns.loss.length, 4);
    assert.ok(Number.isNaN(c.columns.loss[1]));
    assert.equal(c.columns.loss[2], Infinity);
    assert.deepEqual(c.meta.nonFinite, { nan: 1, posInf: 1, negInf: 0 });
    assert.ok(w.has("W_NONFINITE_LOSS"));
  });

  it("a resumed run keeps the latest segment with a warning", () => {
    const text = [line(10, "5"), line(20, "4"), line(30, "3"), line(20, "4.5"), line(30, "3.5"), line(40, "2.5")].join(
      "\n",
    );
    const w = new Warnings();
    const c = parseArcfaceLog(text, "resumed.log", w);
    assert.deepEqual(Array.from(c.columns.step), [10, 20, 30, 40]);
    assert.deepEqual(Array.from(c.columns.loss), [5, 4.5, 3.5, 2.5]);
    assert.ok(w.has("W_RESUMED_RUN"));
  });

  it("an empty or metric-free log is a ParseError", () => {
    assert.throws(() => parseArcfaceLog("", "empty.log"), ParseError);
    assert.throws(() => parseArcfaceLog("Training: 2024-01-01 00:00:00,000-rank_id: 0\n", "x.log"), /no loss points/);
  });

  it("property: any chunking of the text gives the same curve as parsing it whole", () => {
    const text = read("insightface_ms1mv3_r50_poly.log").slice(0, 20000);
    const whole = parseArcfaceLog(text, "x.log");
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const p = new ArcfaceLogParser("x.log");
        let prev = 0;
        for (const c of points) {
          p.push(text.slice(prev, c));
          prev = c;
        }
        p.push(text.slice(prev));
        assert.deepEqual(p.finish(), whole);
      }),
      { seed: 1, numRuns: 60 },
    );
  });

  it("CRLF line endings parse the same", () => {
    const text = [line(10, "5"), line(20, "4")].join("\r\n");
    assert.deepEqual(Array.from(parseArcfaceLog(`${text}\r\n`, "crlf.log").columns.loss), [5, 4]);
  });
});
