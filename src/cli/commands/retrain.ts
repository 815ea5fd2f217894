/**
 * `fastface retrain`: train the baseline schedule (full epochs) and a candidate scheduler (budget x epochs) with
 * tfjs in two worker threads and check that the candidate's verification accuracy holds (exit 5 when not).
 */
import { join } from "node:path";
import type { CommandModule } from "yargs";
import { VerdictError, type Warning } from "../../errors.ts";
import { writeReport } from "../../report/write.ts";
import { LR_TIMINGS, type LrTiming } from "../../schedulers/timing.ts";
import { BACKENDS, parseBackend, RETRAIN_DEFAULTS } from "../../train/defaults.ts";
import type { DatasetSpec } from "../../train/load-dataset.ts";
import type { RetrainResult } from "../../train/retrain.ts";
import { SYNTHETIC_DEFAULTS } from "../../train/synthetic-faces.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";

interface RetrainArgs {
  "lr-timing"?: string;
  candidate: string;
  baseline: string;
  budget: number;
  epochs: number;
  dataset: string;
  pairs?: string;
  model: string;
  backend: string;
  seed: number;
  tolerance: number;
  out?: string;
  force: boolean;
  json: boolean;
  margin: string;
  "margin-impl": string;
  "easy-margin": boolean;
  scale: number;
  "batch-size": number;
  lr: number;
  "embedding-size": number;
  width: number;
  "weight-decay": number;
  momentum: number;
  "clip-norm": number;
  frequent: number;
  identities: number;
  "images-per-identity": number;
  "eval-identities": number;
  "image-size"?: number;
  channels: number;
  difficulty: number;
  "num-pairs": number;
  sequential: boolean;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a";
}

/** The human-readable table of a retrain result. */
export function retrainTable(r: RetrainResult): string {
  const rows = [r.baseline, r.candidate].map((x) => [
    x.label,
    x.scheduler,
    x.steps,
    `${x.wallSeconds.toFixed(1)} s`,
    x.finalLoss.toFixed(4),
    `${pct(x.accuracy)} +- ${pct(x.accuracyStd)}`,
    pct(x.tar),
    x.decays.length,
  ]);
  const v = r.verdict;
  return [
    table(["run", "scheduler", "steps", "wall time", "final loss", "accuracy", "TAR@FAR=1e-3", "decays"], rows),
    "",
    `verdict: ${v.holds ? "HOLDS" : "DOES NOT HOLD"}: accuracy ${v.accuracyDelta >= 0 ? "+" : ""}${v.accuracyDelta.toFixed(2)} points (tolerance ${v.tolerance}), ${(v.stepRatio * 100).toFixed(0)}% of the steps, ${(v.timeRatio * 100).toFixed(0)}% of the wall time`,
  ].join("\n");
}

export const retrainCommand: CommandModule<object, RetrainArgs> = {
  command: "retrain",
  describe: "Train baseline vs candidate scheduler with tfjs and check that accuracy holds (exit 5 if not)",
  builder: (y) =>
    y
      .option("candidate", {
        type: "string",
        default: RETRAIN_DEFAULTS.candidate,
        describe: "candidate scheduler spec",
      })
      .option("baseline", {
        type: "string",
        default: RETRAIN_DEFAULTS.baseline,
        describe: "baseline scheduler spec (milestones in (0,1) are fractions of its steps)",
      })
      .option("budget", {
        type: "number",
        default: RETRAIN_DEFAULTS.budget,
        describe: "candidate epochs = budget x epochs",
      })
      .option("epochs", { type: "number", default: RETRAIN_DEFAULTS.epochs, describe: "baseline epochs" })
      .option("dataset", {
        type: "string",
        default: "synthetic",
        describe: "'synthetic' or an ImageFolder tree (identity/image.jpg|png)",
      })
      .option("pairs", { type: "string", describe: "LFW pairs.txt-style pairs file for an ImageFolder dataset" })
      .option("model", {
        type: "string",
        choices: ["mlp", "cnn"],
        default: RETRAIN_DEFAULTS.model,
        describe: "network: mlp (fast, any backend) or cnn (needs Conv2D gradients: not on wasm)",
      })
      .option("backend", {
        type: "string",
        choices: [...BACKENDS],
        default: RETRAIN_DEFAULTS.backend,
        describe: "tfjs backend: auto picks the fastest available (tfjs-node-gpu, tfjs-node, wasm, cpu)",
      })
      .option("seed", {
        type: "number",
        default: RETRAIN_DEFAULTS.seed,
        describe: "seed of the data set, initialisation and batch order (runs with one seed are paired)",
      })
      .option("tolerance", {
        type: "number",
        default: RETRAIN_DEFAULTS.tolerance,
        describe: "accuracy points the candidate may lose",
      })
      .option("lr-timing", {
        type: "string",
        choices: [...LR_TIMINGS],
        describe:
          "when a decision reaches the optimizer: official (MHLR, two steps later; fastface's default) | immediate",
      })
      .option("out", { alias: "o", type: "string", describe: "output folder, e.g. runs/ff-vs-ms" })
      .option("force", { type: "boolean", default: false, describe: "write into a non-empty --out" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("margin", {
        type: "string",
        default: "arcface",
        describe: "arcface (1,0.5,0), cosface (1,0,0.4) or m1,m2,m3",
      })
      .option("margin-impl", {
        type: "string",
        choices: ["arcface_torch", "legacy"],
        default: "arcface_torch",
        describe: "ArcFace branch: current arcface_torch (straight-through) or the 2022 threshold form",
      })
      .option("easy-margin", { type: "boolean", default: false, describe: "legacy ArcFace: easy_margin" })
      .option("scale", { type: "number", default: 64, describe: "logit scale s" })
      .option("batch-size", {
        type: "number",
        default: RETRAIN_DEFAULTS.batchSize,
        describe: "images per training step",
      })
      .option("lr", { type: "number", default: RETRAIN_DEFAULTS.lr, describe: "initial learning rate" })
      .option("embedding-size", {
        type: "number",
        default: RETRAIN_DEFAULTS.embeddingSize,
        describe: "length of the face embedding (the margin loss's feature size)",
      })
      .option("width", {
        type: "number",
        default: RETRAIN_DEFAULTS.width,
        describe: "mlp hidden width / cnn stem channels",
      })
      .option("weight-decay", {
        type: "number",
        default: RETRAIN_DEFAULTS.weightDecay,
        describe: "L2 weight decay of SGD",
      })
      .option("momentum", { type: "number", default: RETRAIN_DEFAULTS.momentum, describe: "SGD momentum" })
      .option("clip-norm", {
        type: "number",
        default: RETRAIN_DEFAULTS.clipNorm,
        describe: "backbone gradient-norm clip (arcface_torch: 5; 0 = off)",
      })
      .option("frequent", {
        type: "number",
        default: RETRAIN_DEFAULTS.frequent,
        describe: "training.log line every N steps",
      })
      .option("identities", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.identities,
        describe: "synthetic: training identities",
      })
      .option("images-per-identity", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.imagesPerIdentity,
        describe: "synthetic: images per identity",
      })
      .option("eval-identities", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.evalIdentities,
        describe: "held-out identities for pairs",
      })
      .option("image-size", {
        type: "number",
        describe: `input side in pixels (synthetic default ${SYNTHETIC_DEFAULTS.imageSize}, folder default 32)`,
      })
      .option("channels", { type: "number", choices: [1, 3], default: 3, describe: "ImageFolder: 1 = gray, 3 = RGB" })
      .option("difficulty", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.difficulty,
        describe: "synthetic: nuisance strength",
      })
      .option("num-pairs", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.pairs,
        describe: "verification pairs from held-out identities",
      })
      .option("sequential", {
        type: "boolean",
        default: false,
        describe: "run both in this thread instead of two workers",
      }),
  handler: async (args) => {
    // tfjs (~1-2 s to load) only when the command runs, not for --help or other commands
    const { parseMargin } = await import("../../train/margin-loss.ts");
    const { retrain } = await import("../../train/retrain.ts");
    const warnings: Warning[] = [];
    const margin = parseMargin(
      args.margin,
      { s: args.scale, impl: args["margin-impl"] as "arcface_torch" | "legacy", easyMargin: args["easy-margin"] },
      warnings,
    );
    const dataset: DatasetSpec =
      args.dataset === "synthetic"
        ? {
            kind: "synthetic",
            options: {
              seed: args.seed,
              identities: args.identities,
              imagesPerIdentity: args["images-per-identity"],
              evalIdentities: args["eval-identities"],
              imageSize: args["image-size"] ?? SYNTHETIC_DEFAULTS.imageSize,
              difficulty: args.difficulty,
              pairs: args["num-pairs"],
            },
          }
        : {
            kind: "folder",
            options: {
              path: args.dataset,
              imageSize: args["image-size"] ?? 32,
              channels: args.channels === 1 ? 1 : 3,
              evalIdentities: args["eval-identities"],
              pairs: args["num-pairs"],
              pairsFile: args.pairs,
              seed: args.seed,
            },
          };
    logWarnings(warnings);
    let result: RetrainResult;
    let failure: VerdictError | undefined;
    try {
      result = await retrain({
        candidate: args.candidate,
        baseline: args.baseline,
        budget: args.budget,
        epochs: args.epochs,
        dataset,
        model: args.model as "mlp" | "cnn",
        backend: parseBackend(args.backend),
        seed: args.seed,
        tolerance: args.tolerance,
        margin,
        batchSize: args["batch-size"],
        lr: args.lr,
        embeddingSize: args["embedding-size"],
        width: args.width,
        momentum: args.momentum,
        weightDecay: args["weight-decay"],
        clipNorm: args["clip-norm"],
        frequent: args.frequent,
        ...(args["lr-timing"] ? { lrTiming: args["lr-timing"] as LrTiming } : {}),
        out: args.out,
        force: args.force,
        parallel: !args.sequential,
        log,
      });
    } catch (err) {
      if (!(err instanceof VerdictError)) throw err;
      failure = err;
      result = err.result as RetrainResult;
    }
    const b = result.backend;
    for (const s of b.skipped) log(`retrain: backend ${s.name} skipped: ${s.reason}`);
    log(`retrain: backend ${b.name} (${b.reason})`);
    logWarnings(result.warnings);
    let report: string | undefined;
    if (result.files && args.out !== undefined) {
      // the page is drawn here from the plain result (train never renders HTML)
      report = join(args.out, "report.html");
      const [{ renderReportHtml }, { retrainSections }] = await Promise.all([
        import("../../report/page.ts"),
        import("../../report/charts-retrain.ts"),
      ]);
      const html = renderReportHtml({
        title: `retrain: ${args.candidate} vs ${args.baseline}`,
        subtitle: result.dataset,
        sections: retrainSections(result),
      });
      await writeReport(report, html, { force: true });
    }
    if (args.json) printJson(result);
    else {
      printText(retrainTable(result));
      if (report) printText(`report: ${report}`);
    }
    if (failure) throw failure;
  },
};
