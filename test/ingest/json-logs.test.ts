import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { detectFormat } from "../../src/ingest/detect.ts";
import { parseJsonLog } from "../../src/ingest/json-logs.ts";
import { loadCurve, loadCurves } from "../../src/ingest/load.ts";
import { runName } from "../../src/ingest/name.ts";
import { REAL } from "./helpers.ts";

const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const arr = (a: Float64Array | undefined) => (a === undefined ? undefined : Array.from(a));
const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l.replace(/\bNaN\b/g, "null")) as Record<string, number | string | null>);

describe("detectron2 metrics.json (real files from three repositories)", () => {
  it("fruits (Ghailen-Ben-Achour/detectron2_detection): total_loss, iteration steps, lr, evaluations", async () => {
    const file = `${REAL}detectron2_fruits_metrics.json`;
    const c = await loadCurve(file);
    const recs = lines(file).filter((r) => typeof r.total_loss === "number");
    assert.equal(c.meta.format, "detectron2");
    assert.equal(c.meta.name, "detectron2_fruits_metrics");
    assert.deepEqual(
      arr(c.columns.step),
      recs.map((r) => r.iteration),
    );
    assert.deepEqual(
      arr(c.columns.loss),
      recs.map((r) => r.total_loss),
    );
    assert.deepEqual(
      arr(c.columns.lr),
      recs.map((r) => r.lr),
    );
    // `time` is seconds per iteration, not a clock: no wall-time column
    assert.equal(c.columns.wallTime, undefined);
    assert.equal(c.meta.aggregation, "median-of-window");
    assert.equal(c.meta.lossColumn?.name, "total_loss");
    assert.match(c.meta.lossColumn?.why ?? "", /total loss/);
    for (const k of ["loss_box_reg", "loss_cls", "loss_rpn_cls", "loss_rpn_loc"]) {
      assert.ok(c.meta.lossColumn?.alternatives.includes(k), k);
    }
    // bbox/* at iterations 99 and 199 (on training lines) and 300 (alone, after training); NaN APs dropped
    const ap = c.meta.evaluations.filter((e) => e.name === "bbox" && e.metric === "AP");
    assert.deepEqual(
      ap.map((e) => [e.step, e.value]),
      [
        [99, 23.934527287997305],
        [199, 59.00039825411113],
        [300, 75.7732398239824],
      ],
    );
    assert.ok(!c.meta.evaluations.some((e) => e.metric === "APs"), "NaN APs are not evaluations");
    assert.ok(!c.meta.evaluations.some((e) => e.name === "fast_rcnn"), "training stats are not evaluations");
  });

  it("balloon (Kevindic0214/detectron2_training): iteration 19 logged twice (a restarted run): the latest wins", async () => {
    const file = `${REAL}detectron2_balloon_metrics.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    assert.equal(recs[0]?.iteration, 19);
    assert.equal(recs[1]?.iteration, 19);
    assert.equal(c.columns.step[0], 19);
    assert.equal(c.columns.loss[0], recs[1]?.total_loss);
    assert.equal(c.columns.step.length, recs.length - 1);
    assert.ok(c.meta.warnings.some((w) => w.code === "W_RESUMED_RUN" || w.code === "W_DUPLICATE_STEPS"));
  });

  it("Levi-Magny/Train-Detectron2: Mask R-CNN run, total_loss over loss_mask / loss_cls", async () => {
    const file = `${REAL}detectron2_levi_metrics.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    assert.equal(c.meta.format, "detectron2");
    assert.deepEqual(
      arr(c.columns.loss),
      recs.map((r) => r.total_loss),
    );
    assert.ok(c.meta.lossColumn?.alternatives.includes("loss_mask"));
  });

  it("read as generic JSONL (--format jsonl) the total loss is still chosen, and the choice is reported", async () => {
    const [c] = await loadCurves(`${REAL}detectron2_fruits_metrics.json`, { format: "jsonl" });
    assert.equal(c?.meta.tag, "total_loss");
    assert.equal(c?.meta.lossColumn?.name, "total_loss");
    assert.ok(c?.meta.lossColumn?.alternatives.includes("loss_box_reg"));
    // its `time` (seconds per iteration) is not taken for a clock
    assert.equal(c?.columns.wallTime, undefined);
    assert.ok(c?.meta.warnings.some((w) => w.code === "W_NOT_WALL_TIME"));
  });

  it("--loss-col picks a component loss; an unknown one lists the loss keys", async () => {
    const c = await loadCurve(`${REAL}detectron2_fruits_metrics.json`, { lossCol: "loss_cls" });
    assert.equal(c.meta.lossColumn?.name, "loss_cls");
    assert.equal(c.columns.loss[0], 1.5155242681503296);
    await assert.rejects(loadCurve(`${REAL}detectron2_fruits_metrics.json`, { lossCol: "loss_nope" }), (e: Error) => {
      assert.match(e.message, /no column 'loss_nope'.*loss_box_reg/);
      return true;
    });
  });
});

describe("mmengine scalars.json (real files from two repositories)", () => {
  it("duanbo320/openmmlab_camp: by-epoch classification run; accuracy lines are evaluations at the epoch's last step", async () => {
    const file = `${REAL}mmengine_cls_scalars.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    const train = recs.filter((r) => typeof r.loss === "number");
    const evals = recs.filter((r) => r["accuracy/top1"] !== undefined);
    assert.equal(c.meta.format, "mmengine-scalars");
    assert.deepEqual(
      arr(c.columns.step),
      train.map((r) => r.step),
    );
    assert.deepEqual(
      arr(c.columns.loss),
      train.map((r) => r.loss),
    );
    assert.deepEqual(
      arr(c.columns.epoch),
      train.map((r) => r.epoch),
    );
    assert.equal(c.columns.wallTime, undefined);
    assert.equal(c.meta.aggregation, "mean-of-interval");
    const top1 = c.meta.evaluations.filter((e) => e.name === "accuracy" && e.metric === "top1");
    assert.equal(top1.length, evals.length);
    // evaluation `step` is the epoch: epoch 1 ends at the step of the last epoch-1 training line
    const lastOfEpoch1 = train.filter((r) => r.epoch === 1).at(-1)?.step;
    assert.equal(top1[0]?.step, lastOfEpoch1);
    assert.equal(top1[0]?.value, evals[0]?.["accuracy/top1"]);
  });

  it("PKurnikov/mmdetection (D-FINE, 40 loss components): `loss` (the sum) is the loss", async () => {
    const file = `${REAL}mmengine_dfine_scalars.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    assert.equal(detectFormat(readFileSync(file), file), "mmengine-scalars");
    assert.deepEqual(
      arr(c.columns.loss),
      recs.map((r) => r.loss),
    );
    assert.deepEqual(
      arr(c.columns.step),
      recs.map((r) => r.step),
    );
    assert.equal(c.meta.lossColumn?.name, "loss");
    assert.ok((c.meta.lossColumn?.alternatives.length ?? 0) >= 16);
  });
});

describe("mmcv .log.json (real files from two repositories)", () => {
  it("Caczhtus/OpenMMLab-Learn-Exercises (YOLOv3, mmdet 2.x): one line per epoch; config from the first line", async () => {
    const file = `${REAL}mmcv_yolov3_balloon.log.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    const train = recs.filter((r) => r.mode === "train");
    assert.equal(c.meta.format, "mmcv-log-json");
    assert.deepEqual(
      arr(c.columns.loss),
      train.map((r) => r.loss),
    );
    assert.deepEqual(
      arr(c.columns.lr),
      train.map((r) => r.lr),
    );
    assert.deepEqual(arr(c.columns.epoch), [1, 2, 3, 4, 5]);
    // every epoch logs iter 50 only: the epoch length is taken as 50 (and said so)
    assert.deepEqual(arr(c.columns.step), [50, 100, 150, 200, 250]);
    assert.ok(c.meta.warnings.some((w) => w.code === "W_EPOCH_LENGTH"));
    assert.equal(c.meta.config.max_epochs, 30);
    assert.equal(typeof c.meta.config.seed, "number");
    assert.equal(c.meta.lossColumn?.name, "loss");
    assert.ok(c.meta.lossColumn?.alternatives.includes("loss_conf"));
    const map = c.meta.evaluations.filter((e) => e.metric === "bbox_mAP");
    assert.deepEqual(
      map.map((e) => [e.step, e.value]),
      recs.filter((r) => r.mode === "val").map((r) => [(r.epoch as number) * 50, r.bbox_mAP]),
    );
  });

  it("isLinXu/OpenMMLab-Learn-Exercise (Faster R-CNN): a second run appended to the file wins, points and evaluations", async () => {
    const file = `${REAL}mmcv_faster_rcnn_custom.log.json`;
    const c = await loadCurve(file);
    const recs = lines(file);
    const second = recs.slice(recs.findIndex((r) => r.mode === "val") + 1).filter((r) => r.mode === "train");
    assert.equal(second.length, 24);
    assert.deepEqual(
      arr(c.columns.step),
      second.map((_, i) => (i + 1) * 10),
    );
    assert.deepEqual(
      arr(c.columns.loss),
      second.map((r) => r.loss),
    );
    assert.ok(c.meta.warnings.some((w) => w.code === "W_RESUMED_RUN"));
    assert.deepEqual(
      c.meta.evaluations.filter((e) => e.metric === "mAP").map((e) => [e.step, e.value]),
      [[240, recs.at(-1)?.mAP]],
    );
  });
});

describe("run names of mmcv / mmengine work dirs", () => {
  it("a timestamp log name or vis_data/scalars.json gives the work dir's name", () => {
    assert.equal(runName("work_dirs/yolov3_balloon/20230209_161439.log.json"), "yolov3_balloon");
    assert.equal(runName("work_dirs/faster_rcnn/None.log.json"), "faster_rcnn");
    assert.equal(runName("work_dirs/rtmdet_tiny/20230605_200941/vis_data/scalars.json"), "rtmdet_tiny");
    assert.equal(runName("work_dirs/rtmdet_tiny/20230605_200941/vis_data/20230605_200941.json"), "rtmdet_tiny");
    assert.equal(runName("output/metrics.json"), "output");
    assert.equal(runName("runs/x/training.log.gz"), "x");
  });
});

describe("mmcv .log.json (generated to the TextLoggerHook convention)", () => {
  it("epoch-based: iter within the epoch becomes a global step; val lines are evaluations; config kept", async () => {
    const file = `${FX}mmcv_faster_rcnn.log.json.txt`;
    const c = await loadCurve(file);
    assert.equal(c.meta.format, "mmcv-log-json");
    assert.equal(c.meta.name, "mmcv_faster_rcnn");
    const epoch1 = [50, 100, 150, 200, 250, 300];
    assert.deepEqual(arr(c.columns.step), [...epoch1, ...epoch1.map((i) => 300 + i)]);
    assert.deepEqual(arr(c.columns.epoch), [...epoch1.map(() => 1), ...epoch1.map(() => 2)]);
    assert.equal(c.meta.config.iters_per_epoch, 300);
    assert.equal(c.meta.config.max_epochs, 12);
    assert.equal(c.meta.config.seed, 42);
    assert.ok(c.meta.warnings.some((w) => w.code === "W_EPOCH_LENGTH"));
    assert.equal(c.meta.lossColumn?.name, "loss");
    assert.equal(c.meta.aggregation, "mean-of-interval");
    const map = c.meta.evaluations.filter((e) => e.metric === "bbox_mAP");
    assert.deepEqual(
      map.map((e) => [e.step, e.value]),
      [
        [300, 0.15],
        [600, 0.25],
      ],
    );
    assert.ok(!c.meta.evaluations.some((e) => e.metric === "bbox_mAP_copypaste"), "text values are not evaluations");
  });

  it("iter-based (no restart) keeps iter as the step; lr given per optimizer takes the first", () => {
    const text = [
      '{"mode": "train", "epoch": 1, "iter": 100, "lr": {"backbone": 0.01, "head": 0.1}, "loss": 2.0, "time": 0.3}',
      '{"mode": "train", "epoch": 1, "iter": 200, "lr": {"backbone": 0.01, "head": 0.1}, "loss": 1.5, "time": 0.3}',
      '{"mode": "val", "epoch": 1, "iter": 200, "lr": {"backbone": 0.01}, "mIoU": 0.42}',
    ].join("\n");
    const c = parseJsonLog(text, "x.log.json", "mmcv-log-json");
    assert.deepEqual(arr(c.columns.step), [100, 200]);
    assert.deepEqual(arr(c.columns.lr), [0.01, 0.01]);
    assert.deepEqual(c.meta.evaluations, [{ name: "val", metric: "mIoU", value: 0.42, step: 200 }]);
  });
});
