/**
 * `fastface fit <log>`: fit a loss-response model to a logged run (or apply one with --model-from), print its
 * in-sample error and, with --validate, the tail or cross protocol.
 */

import type { Argv, CommandModule } from "yargs";
import type { Curve } from "../../curve/curve.ts";
import { ConfigError, Warnings } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import { writeFileAtomic } from "../../io/atomic.ts";
import { E, msg, W } from "../../messages/simulate.ts";
import { epochLengthOf } from "../../simulate/epoch.ts";
import { type FitOptions, fitModel } from "../../simulate/fit.ts";
import { resolveStepLr } from "../../simulate/lr.ts";
import type { ParamValues } from "../../simulate/model.ts";
import type { ModelFile } from "../../simulate/model-file.ts";
import { readModelFile } from "../../simulate/model-file.ts";
import { getModel, modelNames } from "../../simulate/registry.ts";
import { loadTf } from "../../simulate/tf.ts";
import {
  type AutoCandidate,
  fitAuto,
  inSample,
  usablePoints,
  type Validation,
  validateCross,
  validateTail,
} from "../../simulate/validate.ts";
import { logWarnings, printJson, printText, table } from "../output.ts";
import { phaseProgress } from "../progress.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";

interface FitArgs extends LoadArgs {
  log: string;
  model: string;
  "lr-schedule"?: string;
  "model-from"?: string;
  validate: boolean;
  tail: number;
  "seed-state": boolean;
  out?: string;
  json: boolean;
  seed: number;
  starts: number;
  iterations: number;
  points: number;
  "epoch-steps"?: number;
}

/** Fit options shared by fit and simulate. */
export function fitOptionsFrom(
  a: { seed: number; starts: number; iterations: number; points: number },
  epochSteps?: number,
): FitOptions {
  for (const [k, v] of [
    ["starts", a.starts],
    ["iterations", a.iterations],
    ["points", a.points],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`--${k} must be an integer >= 1; got ${v}`, E.badOption);
  }
  return {
    seed: a.seed,
    starts: a.starts,
    iterations: a.iterations,
    maxPoints: a.points,
    ...(epochSteps ? { epochSteps } : {}),
  };
}

/**
 * A model file's parameters applied to another log: its epoch sawtooth takes that log's epoch length, and
 * `--epoch-steps 0` switches the sawtooth off.
 */
export function paramsForLog(params: ParamValues, a: { "epoch-steps"?: number }, curve: Curve): ParamValues {
  if (!params.epochSteps) return params;
  const e = epochStepsFrom(a, curve);
  return e ? { ...params, epochSteps: e } : { ...params, epA: 0 };
}

/** Steps per epoch: `--epoch-steps` (0 = no epoch sawtooth), else detected from the log. */
export function epochStepsFrom(a: { "epoch-steps"?: number }, curve: Curve): number | undefined {
  const v = a["epoch-steps"];
  if (v !== undefined) {
    if (!(Number.isInteger(v) && v >= 0)) {
      throw new ConfigError(`--epoch-steps must be an integer >= 0; got ${v}`, E.badOption);
    }
    return v > 0 ? v : undefined;
  }
  return epochLengthOf(curve);
}

/**
 * The input shared by `fit` and `simulate`: the loaded run, its per-step LR (from the log or `--lr-schedule`)
 * and its usable points (at least 20, else a ConfigError); load and LR warnings go to `warnings`.
 * @example const { curve, lr, points, warnings } = await loadFitInput({ log: "run.log" });
 */
export async function loadFitInput(a: LoadArgs & { log: string; "lr-schedule"?: string }) {
  const warnings = new Warnings();
  const curve = await loadCurve(a.log, loadOptionsFrom(a));
  warnings.list.push(...curve.meta.warnings);
  const lr = resolveStepLr(curve, a["lr-schedule"], warnings);
  const points = usablePoints({ step: curve.columns.step, loss: curve.columns.loss });
  if (points.step.length < 20) throw new ConfigError(msg.tooFewPoints(points.step.length, 20), E.tooFewPoints);
  return { warnings, curve, lr, points };
}

/** Options of the fit shared by `fit` and `simulate`. */
export function withFitOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option("model", {
      type: "string",
      default: "auto",
      describe: `loss-response model: auto (best by tail validation) or one of ${modelNames().join(", ")}`,
    })
    .option("lr-schedule", {
      type: "string",
      describe: "the schedule the run used, as a scheduler spec (needed when the log has no LR column)",
    })
    .option("model-from", { type: "string", describe: "apply a model.json fitted on another run (no refit)" })
    .option("seed", { type: "number", default: 1, describe: "seed of the fit's random starts" })
    .option("starts", { type: "number", default: 3, describe: "random starts of the fit" })
    .option("iterations", {
      type: "number",
      default: 300,
      describe: "Adam iterations per start (and for the polish of the best)",
    })
    .option("points", { type: "number", default: 200, describe: "bucket-averaged points the fit uses" })
    .option("epoch-steps", {
      type: "number",
      describe: "steps per epoch for the epoch sawtooth term (default: from the log; 0: none)",
    }) as Argv<T>;
}

export const fitCommand: CommandModule<object, FitArgs> = {
  command: "fit <log>",
  describe: "fit a loss-response model (multipower, annealing, floor, effective) to a run; validate it",
  builder: (y) =>
    withFitOptions(withLoadOptions(y))
      .positional("log", { type: "string", demandOption: true, describe: "training log or curve file" })
      .option("validate", {
        type: "boolean",
        default: false,
        describe: "tail protocol (fresh fit) or cross protocol (--model-from)",
      })
      .option("tail", {
        type: "number",
        default: 0.8,
        describe: "tail protocol: fit on the first fraction of the steps (or up to this step when > 1)",
      })
      .option("seed-state", {
        type: "boolean",
        default: true,
        describe: "cross protocol: start state models from run B's first logged loss",
      })
      .option("out", { type: "string", describe: "write the fitted model here (model.json)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("$0 fit run.log --model auto --out model.json --json", "fit, pick the model by validation")
      .example(
        "$0 fit other.log --model-from model.json --lr-schedule multistep:lr=0.1,milestones=49820,79712,109604,gamma=0.1 --validate --json",
        "cross protocol",
      ) as unknown as Argv<FitArgs>,
  handler: async (a) => {
    const { warnings, curve, lr, points } = await loadFitInput(a);
    const started = performance.now();
    let out: Record<string, unknown>;
    if (a["model-from"] !== undefined) {
      if (a.out !== undefined) throw new ConfigError("--out with --model-from: nothing is fitted", E.badOption);
      const file: ModelFile = await readModelFile(a["model-from"]);
      const model = getModel(file.model);
      const params = paramsForLog(file.params, a, curve);
      const validation = validateCross(model, params, file.inSample.points, points, lr.eta, a["seed-state"]);
      if (validation.seeded)
        warnings.add(W.seeded, msg.seeded(model.name, validation.seeded.step, validation.seeded.loss));
      else warnings.add(W.seeded, msg.notSeeded(model.name));
      out = {
        model: file.model,
        params: file.params,
        inSample: file.inSample,
        fittedOn: file.fittedOn,
        ...(a.validate ? { validation } : {}),
      };
      if (!a.validate) out.prediction = { r2: validation.r2, mae: validation.mae, relMae: validation.relMae };
    } else {
      const bar = await phaseProgress("fit", [
        "loading tfjs",
        a.model === "auto" ? "fitting every model, ranked on the tail" : `fitting ${a.model}`,
        ...(a.model !== "auto" && a.validate ? ["tail validation"] : []),
      ]);
      bar.next();
      const tf = await loadTf();
      const fitOpts = fitOptionsFrom(a, epochStepsFrom(a, curve));
      bar.next();
      let candidates: AutoCandidate[] | undefined;
      let fitted: Awaited<ReturnType<typeof fitModel>>;
      let validation: Validation | undefined;
      if (a.model === "auto") {
        const r = await fitAuto(tf, points, lr.eta, fitOpts, a.tail);
        fitted = r.fitted;
        candidates = r.candidates;
        validation = candidates.find((c) => c.model === fitted.model)?.tail;
      } else {
        const model = getModel(a.model);
        fitted = await fitModel(tf, model, points, lr.eta, fitOpts);
        if (a.validate) {
          bar.next();
          validation = (await validateTail(tf, model, points, lr.eta, a.tail, fitOpts)).validation;
        }
      }
      bar.stop();
      const metrics = inSample(getModel(fitted.model), fitted.params, points, lr.eta);
      const file: ModelFile = {
        kind: "fastface-model",
        version: 1,
        model: fitted.model,
        params: fitted.params,
        fittedOn: {
          name: curve.meta.name,
          source: curve.meta.source,
          lastStep: points.step[points.step.length - 1]!,
          lr: lr.from,
          ...(lr.spec !== undefined ? { spec: lr.spec } : {}),
        },
        inSample: metrics,
      };
      if (a.out !== undefined) await writeFileAtomic(a.out, `${JSON.stringify(file, null, 2)}\n`);
      out = {
        model: fitted.model,
        params: fitted.params,
        inSample: metrics,
        ...(a.validate && validation ? { validation } : {}),
        ...(candidates ? { candidates } : {}),
        fit: {
          objective: fitted.objective,
          fitPoints: fitted.fitPoints,
          seconds: (performance.now() - started) / 1000,
          backend: tf.getBackend(),
        },
        fittedOn: file.fittedOn,
      };
    }
    logWarnings(warnings.list);
    if (a.json) {
      printJson(out);
      return;
    }
    const rows: Array<Array<string | number>> = [];
    const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
    const ins = out.inSample as { r2: number; mae: number; relMae: number };
    rows.push(["in-sample", ins.r2.toFixed(4), ins.mae.toFixed(4), pct(ins.relMae)]);
    const v = out.validation as Validation | undefined;
    if (v) rows.push([v.protocol, v.r2.toFixed(4), v.mae.toFixed(4), pct(v.relMae)]);
    const p = out.prediction as { r2: number; mae: number; relMae: number } | undefined;
    if (p) rows.push(["prediction", p.r2.toFixed(4), p.mae.toFixed(4), pct(p.relMae)]);
    printText(`model: ${String(out.model)}`);
    printText(table(["protocol", "R^2", "MAE", "relMAE"], rows));
    const cands = out.candidates as AutoCandidate[] | undefined;
    if (cands) {
      printText(
        table(
          ["candidate", "tail R^2", "tail relMAE"],
          cands.map((c) => [c.model, c.tail.r2.toFixed(4), pct(c.tail.relMae)]),
        ),
      );
    }
    if (a.out !== undefined) printText(`wrote ${a.out}`);
  },
};
