/**
 * `fastface retrain`: the experiment of src/train/retrain.ts (baseline at the full budget, candidate and controls
 * at `--budget`, `--seeds` paired seeds, worker threads), its verdict (exit 5 when non-inferiority does not hold)
 * and, with `--out`, every run's training.log / curve.arrow, result.json and report.html. `--candidate-from
 * sweeps/x.duckdb[#rank]` takes the candidate from a sweep through sweep-top's ranking. The baseline's plateau
 * share is measured with the replay judge on each run's own curve.
 */
import { join } from "node:path";
import type { CommandModule } from "yargs";
import { VerdictError, type Warning } from "../../errors.ts";
import { writeFileAtomic } from "../../io/atomic.ts";
import { percent } from "../../messages/format.ts";
import * as M from "../../messages/train.ts";
import { LR_TIMINGS, type LrTiming } from "../../schedulers/timing.ts";
import { BACKENDS, parseBackend, RETRAIN_DEFAULTS } from "../../train/defaults.ts";
import { describePoints } from "../../train/design.ts";
import type { DatasetSpec } from "../../train/load-dataset.ts";
import { MODEL_KINDS, parseModel } from "../../train/models.ts";
import type { RetrainResult } from "../../train/retrain.ts";
import { SYNTHETIC_DEFAULTS } from "../../train/synthetic-faces.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";

interface RetrainArgs {
  candidate: string;
  "candidate-from"?: string;
  by: string;
  robust: boolean;
  pareto: boolean;
  "candidate-curve"?: string;
  baseline: string;
  control: string[];
  budget: number;
  steps: number;
  seeds: number;
  seed: number;
  "data-seed": number;
  tolerance: number;
  dataset: string;
  pairs?: string;
  model: string;
  backend: string;
  workers: number;
  sequential: boolean;
  "eval-at": string;
  "lr-timing"?: string;
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
}

const pct = (x: number) => percent(x, { decimals: 2 });
const range = (lo: number, hi: number, f: (x: number) => string) => (lo === hi ? f(lo) : `${f(lo)}-${f(hi)}`);

/** The human-readable tables of a retrain result: one row per arm, the paired differences, the verdict. */
export function retrainTable(r: RetrainResult): string {
  const rows = r.arms.map((a) => [
    a.name,
    a.scheduler,
    a.steps,
    `${pct(a.accuracy.mean)} [${range(a.accuracy.min, a.accuracy.max, pct)}]`,
    `${pct(a.tar.mean)} [${range(a.tar.min, a.tar.max, pct)}]`,
    range(a.decays.min, a.decays.max, String),
    a.plateau ? range(a.plateau.min, a.plateau.max, (x) => percent(x, { decimals: 0 })) : "-",
    a.vsBaseline ? describePoints(a.vsBaseline).replace(" points", "") : "-",
  ]);
  const lines = [
    table(
      [
        "arm",
        "scheduler",
        "steps",
        `accuracy mean [range over ${r.design.seeds} seeds]`,
        "TAR@FAR=1e-3",
        "decays",
        "plateau",
        "vs baseline (points)",
      ],
      rows,
    ),
    "",
  ];
  if (r.feasibility) {
    const failed = r.feasibility.checks.filter((c) => !c.ok);
    lines.push(
      `candidate checks: ${failed.length === 0 ? "all passed" : failed.map((c) => `${c.name} ${c.severity === "refuse" ? "FAILED (forced)" : "warning"}`).join(", ")}`,
    );
  }
  lines.push(`verdict: ${r.verdict.holds ? "HOLDS" : "DOES NOT HOLD"}. ${r.verdict.sentence}`);
  lines.push(
    `time: ${r.wallSeconds.toFixed(0)} s wall, ${r.cpuSeconds.toFixed(0)} s CPU on ${r.machine.cores} cores (1-min load ${r.machine.loadStart.toFixed(1)} -> ${r.machine.loadEnd.toFixed(1)})`,
  );
  return lines.join("\n");
}

export const retrainCommand: CommandModule<object, RetrainArgs> = {
  command: "retrain",
  describe:
    "Retrain baseline, candidate and controls over paired seeds with tfjs; non-inferiority verdict (exit 5 if it does not hold)",
  builder: (y) =>
    y
      .option("candidate", {
        type: "string",
        default: RETRAIN_DEFAULTS.candidate,
        describe: "candidate scheduler spec; fastface:scale=auto carries the paper's ratios to this run (ours)",
      })
      .option("candidate-from", {
        type: "string",
        describe: "take the candidate from a sweep database: sweeps/x.duckdb[#rank] (sweep-top's ranking)",
      })
      .option("by", { type: "string", default: "openLoopLead", describe: "with --candidate-from: sweep-top's --by" })
      .option("robust", { type: "boolean", default: false, describe: "with --candidate-from: sweep-top's --robust" })
      .option("pareto", { type: "boolean", default: false, describe: "with --candidate-from: sweep-top's --pareto" })
      .option("candidate-curve", {
        type: "string",
        describe: "with --candidate-from: whose ranking, when the sweep has several curves",
      })
      .option("baseline", {
        type: "string",
        default: RETRAIN_DEFAULTS.baseline,
        describe: "baseline scheduler spec at the full budget (milestones in (0,1) are fractions of its steps)",
      })
      .option("control", {
        type: "string",
        array: true,
        default: [...RETRAIN_DEFAULTS.controls],
        describe: "control at the candidate's budget (repeatable): a spec, 'compressed' (the baseline's), or 'none'",
      })
      .option("budget", {
        type: "number",
        default: RETRAIN_DEFAULTS.budget,
        describe: "candidate and control steps = budget x baseline steps",
      })
      .option("steps", { type: "number", default: RETRAIN_DEFAULTS.steps, describe: "baseline steps" })
      .option("seeds", {
        type: "number",
        default: RETRAIN_DEFAULTS.seeds,
        describe: "paired seeds (same data order and initial weights in every arm)",
      })
      .option("seed", {
        type: "number",
        default: RETRAIN_DEFAULTS.seed,
        describe: "first seed (seeds seed, seed+1, ...)",
      })
      .option("data-seed", {
        type: "number",
        default: SYNTHETIC_DEFAULTS.seed,
        describe: "seed of the synthetic faces / the held-out identities of a folder (the same for every run)",
      })
      .option("tolerance", {
        type: "number",
        default: RETRAIN_DEFAULTS.tolerance,
        describe: "non-inferiority margin in accuracy points",
      })
      .option("dataset", {
        type: "string",
        default: "synthetic",
        describe: "'synthetic' or an ImageFolder tree (identity/image.jpg|png)",
      })
      .option("pairs", { type: "string", describe: "LFW pairs.txt-style pairs file for an ImageFolder dataset" })
      .option("model", {
        type: "string",
        choices: MODEL_KINDS,
        default: RETRAIN_DEFAULTS.model,
        describe: "network: mlp, mlp-bn (any backend), cnn, cnn-bn (need Conv2D gradients: not wasm)",
      })
      .option("backend", {
        type: "string",
        choices: [...BACKENDS],
        default: RETRAIN_DEFAULTS.backend,
        describe: "tfjs backend: auto picks the first available of tfjs-node-gpu, tfjs-node, wasm, cpu",
      })
      .option("workers", {
        type: "number",
        default: RETRAIN_DEFAULTS.workers,
        describe: "worker threads for the runs (default: the cores; 0 = this thread)",
      })
      .option("sequential", { type: "boolean", default: false, describe: "every run in this thread (--workers 0)" })
      .option("eval-at", {
        type: "string",
        default: RETRAIN_DEFAULTS.evalAt.join(","),
        describe: "evaluate at these fractions of every run (the last gives the verdict's accuracy)",
      })
      .option("lr-timing", {
        type: "string",
        choices: [...LR_TIMINGS],
        describe:
          "when a decision reaches the optimizer: official (MHLR, two steps later; fastface's default) | immediate",
      })
      .option("out", { alias: "o", type: "string", describe: "output folder, e.g. runs/ff-vs-ms" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "run a candidate that fails its feasibility checks (with a warning); write into a non-empty --out",
      })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("margin", {
        type: "string",
        default: RETRAIN_DEFAULTS.margin,
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
      .example("$0 retrain --out runs/default", "the default design: 6 arms x 3 seeds on synthetic faces")
      .example(
        "$0 retrain --candidate-from sweeps/ff.duckdb#1 --out runs/picked",
        "retrain the best configuration of a sweep",
      ),
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
    let candidate = args.candidate;
    if (args["candidate-from"] !== undefined) {
      const { pickConfig, splitCandidateFrom } = await import("../../sweep/pick.ts");
      const { path, rank } = splitCandidateFrom(args["candidate-from"]);
      const picked = await pickConfig(path, {
        rank,
        by: args.by,
        robust: args.robust,
        pareto: args.pareto,
        ...(args["candidate-curve"] !== undefined ? { curve: args["candidate-curve"] } : {}),
      });
      for (const w of picked.warnings) warnings.push({ code: M.W_CANDIDATE_FROM, message: w });
      log(`retrain: candidate ${picked.spec} from ${picked.source}`);
      candidate = picked.spec;
    }
    const dataset: DatasetSpec =
      args.dataset === "synthetic"
        ? {
            kind: "synthetic",
            options: {
              seed: args["data-seed"],
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
              seed: args["data-seed"],
            },
          };
    const controls = args.control.map(String);
    const { replayCurve } = await import("../../replay/replay.ts");
    logWarnings(warnings);
    let result: RetrainResult;
    let failure: VerdictError | undefined;
    try {
      result = await retrain({
        candidate,
        baseline: args.baseline,
        controls: controls.length === 1 && controls[0] === "none" ? [] : controls,
        budget: args.budget,
        steps: args.steps,
        seeds: args.seeds,
        seed: args.seed,
        tolerance: args.tolerance,
        dataset,
        model: parseModel(args.model),
        backend: parseBackend(args.backend),
        margin,
        batchSize: args["batch-size"],
        lr: args.lr,
        embeddingSize: args["embedding-size"],
        width: args.width,
        momentum: args.momentum,
        weightDecay: args["weight-decay"],
        clipNorm: args["clip-norm"],
        frequent: args.frequent,
        evalAt: args["eval-at"].split(",").map((x) => Number(x.trim())),
        ...(args["lr-timing"] ? { lrTiming: args["lr-timing"] as LrTiming } : {}),
        workers: args.sequential ? 0 : args.workers,
        force: args.force,
        out: args.out,
        // the replay judge on each run's own curve (what `fastface replay <run>/curve.arrow` reports)
        // (null when the judge refuses a curve that short: no figure rather than 0 %)
        plateaus: (curve) => {
          const judged = replayCurve(curve, { schedulers: ["constant"] });
          return judged.judge?.refused ? null : judged.stationary;
        },
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
    if (args.out !== undefined) {
      // the result file and the page are written here from the plain result (train renders nothing)
      const file = join(args.out, "result.json");
      report = join(args.out, "report.html");
      result.files = { ...result.files, result: file, report };
      await writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
      const [{ renderReportHtml }, { retrainSections, retrainTitle }, { writeReport }] = await Promise.all([
        import("../../report/page.ts"),
        import("../../report/sections-retrain.ts"),
        import("../../report/write.ts"),
      ]);
      const html = renderReportHtml({
        title: retrainTitle(result),
        subtitle: result.design.dataset,
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
