import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, ParseError, Warnings } from "../../src/errors.ts";
import { parseTrainerState } from "../../src/ingest/hf-state.ts";
import { loadCurve, loadCurves } from "../../src/ingest/load.ts";
import { parseMlflowMetric } from "../../src/ingest/mlflow.ts";
import { parseTable, splitDelimited } from "../../src/ingest/table.ts";

const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const arr = (a: Float64Array | undefined) => (a === undefined ? undefined : Array.from(a));

describe("CSV / TSV", () => {
  it("plain CSV with step, loss, lr", () => {
    const c = parseTable("step,loss,lr\n0,2.5,0.1\n10,2.25,0.1\n20,2.0,0.01\n", "run/m.csv", "csv");
    assert.deepEqual(arr(c.columns.step), [0, 10, 20]);
    assert.deepEqual(arr(c.columns.loss), [2.5, 2.25, 2]);
    assert.deepEqual(arr(c.columns.lr), [0.1, 0.1, 0.01]);
    assert.equal(c.meta.stride, 10);
    assert.equal(c.meta.format, "csv");
  });

  it("TSV with global_step / train_loss / learning_rate", async () => {
    const [c] = await loadCurves(`${FX}metrics.tsv`);
    assert.equal(c?.meta.format, "tsv");
    assert.deepEqual(arr(c?.columns.step), [100, 200, 300]);
    assert.deepEqual(arr(c?.columns.loss), [6.5, 6.25, 6.125]);
    assert.deepEqual(arr(c?.columns.lr), [0.1, 0.1, 0.05]);
  });

  it("Lightning metrics.csv: interleaved rows with empty cells; lr joined by step", async () => {
    const [c] = await loadCurves(`${FX}lightning_metrics.csv`);
    assert.equal(c?.meta.tag, "train_loss_step");
    assert.deepEqual(arr(c?.columns.step), [49, 99, 149, 199]);
    assert.deepEqual(arr(c?.columns.loss)?.slice(0, 3), [2.3021, 2.1003, 1.8001]);
    assert.ok(Number.isNaN(c?.columns.loss[3]));
    assert.deepEqual(c?.meta.nonFinite, { nan: 1, posInf: 0, negInf: 0 });
    assert.deepEqual(arr(c?.columns.lr), [0.1, 0.1, 0.01, 0.01]);
    assert.deepEqual(arr(c?.columns.epoch), [0, 0, 1, 1]);
  });

  it("Keras CSVLogger: epoch is the step; the table does not say how the loss was aggregated", async () => {
    const [c] = await loadCurves(`${FX}keras_history.csv`);
    assert.deepEqual(arr(c?.columns.step), [0, 1, 2]);
    assert.deepEqual(arr(c?.columns.loss), [1.6021, 1.1032, 0.9055]);
    assert.deepEqual(arr(c?.columns.lr), [0.001, 0.001, 0.0005]);
    assert.equal(c?.meta.aggregation, "unknown");
    assert.equal(c?.meta.config.step_column, "epoch");
  });

  it("--step-col / --loss-col / --lr-col override discovery; unknown names list the columns", () => {
    const text = "it,a,b,c\n1,9,0.5,3\n2,8,0.4,2\n";
    const c = parseTable(text, "x.csv", "csv", { stepCol: "it", lossCol: "c", lrCol: "b" });
    assert.deepEqual(arr(c.columns.loss), [3, 2]);
    assert.deepEqual(arr(c.columns.lr), [0.5, 0.4]);
    assert.throws(
      () => parseTable(text, "x.csv", "csv", { lossCol: "zz" }),
      (e: unknown) => {
        return e instanceof ConfigError && /it, a, b, c/.test(e.message);
      },
    );
  });

  it("malformed rows are skipped and counted with line numbers", () => {
    const w = new Warnings();
    const c = parseTable("step,loss\n1,2\n2,abc\n3\n4,1.5\nfive,1\n", "x.csv", "csv", { warnings: w });
    assert.deepEqual(arr(c.columns.step), [1, 4]);
    const m = w.list.find((x) => x.code === "W_MALFORMED_LINES");
    assert.match(m?.message ?? "", /skipped 3 .*line\(s\) 3, 4, 6/);
  });

  it("a header without a loss column is a ParseError naming the columns", () => {
    assert.throws(
      () => parseTable("step,acc\n1,2\n", "x.csv", "csv"),
      (e: unknown) => {
        return e instanceof ParseError && /columns: step, acc/.test(e.message) && e.location.line === 1;
      },
    );
  });

  it("quoted cells", () => {
    assert.deepEqual(splitDelimited('1,"a,b","say ""hi"""', ","), ["1", "a,b", 'say "hi"']);
  });
});

describe("JSON Lines and trainer_state.json", () => {
  it("JSONL with Python NaN / Infinity, a bad line, and a non-loss line", async () => {
    const [c] = await loadCurves(`${FX}train.jsonl`);
    assert.equal(c?.meta.format, "jsonl");
    assert.deepEqual(arr(c?.columns.step), [0, 10, 20, 30, 40]);
    assert.equal(c?.columns.loss[3], Infinity);
    assert.ok(Number.isNaN(c?.columns.loss[2]));
    assert.deepEqual(arr(c?.columns.lr), [0.1, 0.1, 0.1, 0.01, 0.01]);
    assert.deepEqual(c?.meta.nonFinite, { nan: 1, posInf: 1, negInf: 0 });
    assert.match(c?.meta.warnings.find((x) => x.code === "W_MALFORMED_LINES")?.message ?? "", /line\(s\) 4$/);
  });

  it("trainer_state.json: log_history points, eval entries as evaluations, settings as config", () => {
    const c = parseTrainerState(readFileSync(`${FX}trainer_state_nan.json.txt`, "utf8"), "ckpt/trainer_state.json");
    assert.equal(c.meta.format, "hf-trainer-state");
    assert.equal(c.meta.name, "ckpt");
    assert.equal(c.meta.aggregation, "mean-of-interval");
    // global_step after the optimizer step: a count, so replay puts step - 1 steps before the point at step
    assert.equal(c.meta.stepCounts, true);
    assert.deepEqual(arr(c.columns.step), [10, 20, 30]);
    assert.equal(c.columns.loss[0], 2.3456);
    assert.ok(Number.isNaN(c.columns.loss[1]));
    assert.deepEqual(arr(c.columns.lr), [4.5e-5, 3e-5, 1.5e-5]);
    assert.deepEqual(arr(c.columns.epoch), [0.67, 1.33, 2]);
    assert.deepEqual(c.meta.evaluations, [
      { name: "eval", metric: "eval_loss", value: 2.01, step: 15 },
      { name: "eval", metric: "eval_accuracy", value: 0.55, step: 15 },
      { name: "eval", metric: "eval_loss", value: 1.8, step: 30 },
      { name: "eval", metric: "eval_accuracy", value: 0.61, step: 30 },
    ]);
    assert.equal(c.meta.config.max_steps, 30);
    assert.equal(c.meta.config.logging_steps, 10);
    assert.equal(c.meta.config.train_batch_size, 8);
  });

  it("trainer_state.json that is not JSON / has no log_history is a ParseError", () => {
    assert.throws(() => parseTrainerState("{", "t.json"), ParseError);
    assert.throws(() => parseTrainerState('{"a": 1}', "t.json"), /log_history/);
  });
});

describe("MLflow file store", () => {
  it("a run: one curve per metric key; the loss key gets the run name and the lr joined", async () => {
    const curves = await loadCurves(`${FX}mlruns`);
    assert.deepEqual(
      curves.map((c) => c.meta.name),
      ["r50-test:lr", "r50-test", "r50-test:val_acc"],
    );
    const loss = await loadCurve(`${FX}mlruns/0/a1b2c3`);
    assert.equal(loss.meta.tag, "train/loss");
    assert.deepEqual(arr(loss.columns.step), [0, 100, 200]);
    assert.deepEqual(arr(loss.columns.loss), [5.5, 5, 4.5]);
    assert.deepEqual(arr(loss.columns.wallTime), [1700000000, 1700000010, 1700000020]);
    assert.deepEqual(arr(loss.columns.lr), [0.1, 0.1, 0.05]);
    assert.ok(loss.meta.warnings.some((w) => w.code === "W_TAG_CHOSEN"));
    const lr = await loadCurves(`${FX}mlruns`, { tag: "lr" });
    assert.equal(lr.length, 1);
  });

  it("metric file lines: bad ones counted", () => {
    const w = new Warnings();
    const s = parseMlflowMetric("1 2 3\nx y z\n4 5 6\n", "m", w);
    assert.deepEqual(Array.from(s.step), [3, 6]);
    assert.ok(w.has("W_MALFORMED_LINES"));
  });
});
