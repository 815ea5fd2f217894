import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { ArcfaceLogWriter, asctime, formatHeader, formatStepLine } from "../../src/train/log-writer.ts";

describe("arcface_torch-style training.log", () => {
  it("formats lines like utils_callbacks.py", () => {
    assert.equal(
      formatStepLine({ speed: 1234.567, loss: 12.34567, lr: 0.1, epoch: 2, globalStep: 40, requiredHours: 0.4 }),
      "Speed 1234.57 samples/sec   Loss 12.3457   LearningRate 0.100000   Epoch: 2   Global Step: 40   Required: 0 hours",
    );
    assert.deepEqual(formatHeader({ lr: 0.1, fp16: false, margin_list: [1, 0.5, 0] }), [
      `: lr${" ".repeat(23)}0.1`,
      `: fp16${" ".repeat(21)}False`,
      `: margin_list${" ".repeat(14)}[1, 0.5, 0]`,
    ]);
    assert.equal(asctime(new Date(2026, 0, 2, 3, 4, 5, 6)), "2026-01-02 03:04:05,006");
  });

  it("AverageMeter semantics: first line at 2 x frequent averages 2 x frequent steps; read back by the ingest parser", () => {
    let clock = 1_700_000_000_000;
    const w = new ArcfaceLogWriter({ frequent: 5, batchSize: 8, totalSteps: 20, now: () => (clock += 100) });
    w.header({ lr: 0.1, frequent: 5 });
    const printed: Array<number | undefined> = [];
    for (let s = 1; s <= 20; s++) printed.push(w.step(s, s, s <= 12 ? 0.1 : 0.01, 0));
    w.evaluation("synthetic", 20, "Accuracy", 0.91234, 0.0123);
    assert.equal(printed[4], undefined); // step 5 only starts the clock
    assert.equal(printed[9], 5.5); // mean of steps 1..10
    assert.equal(printed[14], 13); // mean of 11..15
    assert.equal(printed[19], 18);
    const curve = parseArcfaceLog(w.text(), "mem/training.log");
    assert.deepEqual(Array.from(curve.columns.step), [10, 15, 20]);
    assert.deepEqual(Array.from(curve.columns.loss), [5.5, 13, 18]);
    assert.deepEqual(Array.from(curve.columns.lr!), [0.1, 0.01, 0.01]);
    assert.equal(curve.meta.config.lr, 0.1);
    assert.equal(curve.meta.evaluations[0]?.metric, "Accuracy");
    assert.equal(curve.meta.evaluations[0]?.value, 0.91234);
  });
});
