/**
 * `fastface fit <log>`: fit a loss-response model to a logged run (or apply one with --model-from), print its
 * in-sample error and, with --validate, the tail or cross protocol.
 */
import { existsSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { ConfigError, InputError, Warnings } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import { percent } from "../../messages/format.ts";
import * as M from "../../messages/simulate.ts";
import { physicalChecks } from "../../simulate/checks.ts";
import {
  checkModelChoice,
  FIT_DEFAULTS,
  type FitSettings,
  fitInput,
  fitOptions,
  fitRun,
  fitSettings,
  modelFileOf,
  paramsForRun,
  warnUnphysical,
} from "../../simulate/fit-input.ts";
import type { ModelFile } from "../../simulate/model-file.ts";
import { readModelFile } from "../../simulate/model-file.ts";
import { getModel, modelNames } from "../../simulate/registry.ts";
import { type AutoCandidate, type Validation, validateCross, validateTail } from "../../simulate/validate.ts";
import { logWarnings, printJson, printText, table } from "../output.ts";
import { phaseProgress } from "../progress.ts";
import { fitJointCommand, writeJsonFile } from "./fit-joint.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";

interface FitArgs extends LoadArgs, FitArgsShared {
  log: string;
  logs?: string[];
  joint: boolean;
  "per-run"?: string;
  calibrate: number;
  validate: boolean;
  tail: number;
  "seed-state": boolean;
  out?: string;
  force: boolean;
  json: boolean;
}

/** `--out` names an existing file and `--force` is not given: exit 3 before any fitting. */
function refuseExistingOut(a: { out?: string; force: boolean }): void {
  if (a.out !== undefined && !a.force && existsSync(a.out)) throw new InputError(a.out, M.outExists, M.E_OUT_EXISTS);
}

/** The fit options every fitting command shares (`withFitOptions`). */
export interface FitArgsShared {
  model: string;
  "lr-schedule"?: string;
  "model-from"?: string;
  seed: number;
  starts: number;
  iterations: number;
  points: number;
  "epoch-steps"?: number;
}

/** Fit settings from the shared arguments (checked: E_SIMULATE_OPTION per bad value). */
export function fitSettingsFrom(a: FitArgsShared): FitSettings {
  return fitSettings({
    seed: a.seed,
    starts: a.starts,
    iterations: a.iterations,
    points: a.points,
    ...(a["epoch-steps"] !== undefined ? { epochSteps: a["epoch-steps"] } : {}),
  });
}

/**
 * Load a run and make it a fit input (LR from the log or `--lr-schedule`, usable points, epoch length); load and
 * LR warnings go to the returned collector.
 * @example const { warnings, input } = await loadFitInput(args);
 */
export async function loadFitInput(a: LoadArgs & FitArgsShared & { log: string }) {
  const warnings = new Warnings();
  const curve = await loadCurve(a.log, loadOptionsFrom(a));
  warnings.list.push(...curve.meta.warnings);
  const input = fitInput(curve, { lrSchedule: a["lr-schedule"], epochSteps: fitSettingsFrom(a).epochSteps }, warnings);
  return { warnings, input };
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
    .option("seed", { type: "number", default: FIT_DEFAULTS.seed, describe: "seed of the fit's random starts" })
    .option("starts", { type: "number", default: FIT_DEFAULTS.starts, describe: "random starts of the fit" })
    .option("iterations", {
      type: "number",
      default: FIT_DEFAULTS.iterations,
      describe: "Adam iterations per start (and for the polish of the best)",
    })
    .option("points", {
      type: "number",
      default: FIT_DEFAULTS.points,
      describe: "bucket-averaged points the fit uses",
    })
    .option("epoch-steps", {
      type: "number",
      describe: "steps per epoch for the epoch sawtooth term (default: from the log; 0: none)",
    }) as Argv<T>;
}

export const fitCommand: CommandModule<object, FitArgs> = {
  command: "fit <log> [logs..]",
  describe: `fit a loss-response model (${modelNames().join(", ")}) to a run; validate it`,
  builder: (y) =>
    withFitOptions(withLoadOptions(y))
      .positional("log", { type: "string", demandOption: true, describe: "training log or curve file" })
      .positional("logs", { type: "string", array: true, describe: "more runs of the same setup (with --joint)" })
      .option("joint", {
        type: "boolean",
        default: false,
        describe: "fit one model to all the runs (shared parameters; --per-run ones per run); leave-one-run-out",
      })
      .option("per-run", {
        type: "string",
        describe: "joint: parameters each run holds for itself (default: the epoch sawtooth and the model's level b)",
      })
      .option("calibrate", {
        type: "number",
        default: 0.1,
        describe: "joint: fraction of a held-out run's steps its own parameters are calibrated on",
      })
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
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --out file" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("$0 fit run.log --model auto --out model.json --json", "fit, pick the model by validation")
      .example(
        "$0 fit poly.log multistep.log --joint --model effective --lr-schedule multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1",
        "joint fit of two runs of one setup, leave-one-run-out validation (--lr-schedule: for the log without LR)",
      )
      .example(
        "$0 fit other.log --model-from model.json --lr-schedule multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1 --validate --json",
        "cross protocol",
      ) as unknown as Argv<FitArgs>,
  handler: async (a) => {
    const settings = fitSettingsFrom(a);
    const more = (a.logs ?? []).map(String);
    if (more.length > 0 || a.joint) {
      if (!a.joint) throw new ConfigError(M.severalLogsNeedJoint(more.length + 1), M.E_SIMULATE_OPTION);
      if (more.length === 0) throw new ConfigError(M.jointNeedsRuns(1), M.E_SIMULATE_OPTION);
      if (a["model-from"] !== undefined) throw new ConfigError(M.jointWithModelFrom(), M.E_SIMULATE_OPTION);
      if (!(a.calibrate > 0 && a.calibrate < 1))
        throw new ConfigError(M.badCalibrate(a.calibrate), M.E_SIMULATE_OPTION);
      checkModelChoice(a.model);
      refuseExistingOut(a);
      await fitJointCommand({ ...a, paths: [a.log, ...more] }, settings);
      return;
    }
    if (a["model-from"] !== undefined && a.out !== undefined) {
      throw new ConfigError(M.outWithModelFrom, M.E_SIMULATE_OPTION);
    }
    if (a["model-from"] === undefined) checkModelChoice(a.model);
    refuseExistingOut(a);
    const { warnings, input } = await loadFitInput(a);
    const started = performance.now();
    let out: Record<string, unknown>;
    if (a["model-from"] !== undefined) {
      const file: ModelFile = await readModelFile(a["model-from"]);
      const model = getModel(file.model);
      const params = paramsForRun(file.params, input);
      const validation = validateCross(
        model,
        params,
        file.inSample.points,
        input.points,
        input.lr.eta,
        a["seed-state"],
      );
      const checks = physicalChecks(model, params, input.lr.eta);
      warnUnphysical(model.name, checks, warnings);
      if (validation.seeded)
        warnings.add(M.W_SEEDED_STATE, M.seeded(model.name, validation.seeded.step, validation.seeded.loss));
      else warnings.add(M.W_SEEDED_STATE, M.notSeeded(model.name));
      out = {
        model: file.model,
        params: file.params,
        inSample: file.inSample,
        checks,
        fittedOn: file.fittedOn,
        ...(a.validate ? { validation } : {}),
      };
      if (!a.validate) out.prediction = { r2: validation.r2, mae: validation.mae, relMae: validation.relMae };
    } else {
      const bar = await phaseProgress("fit", [
        a.model === "auto" ? "fitting every model, ranked on the tail" : `fitting ${a.model}`,
        ...(a.model !== "auto" && a.validate ? ["tail validation"] : []),
      ]);
      bar.next();
      const fit = fitRun(input, a.model, settings, warnings, (done, total) => bar.update(done, total));
      let validation: Validation | undefined = fit.candidates?.find((c) => c.model === fit.fitted.model)?.tail;
      if (a.validate && !validation) {
        bar.next();
        const model = getModel(fit.fitted.model);
        validation = validateTail(model, input.points, input.lr.eta, a.tail, fitOptions(settings, input)).validation;
      }
      bar.stop();
      const file = modelFileOf(input, fit);
      if (a.out !== undefined) await writeJsonFile(a.out, file);
      out = {
        model: fit.fitted.model,
        params: fit.fitted.params,
        inSample: fit.inSample,
        checks: fit.checks,
        ...(a.validate && validation ? { validation } : {}),
        ...(fit.candidates ? { candidates: fit.candidates } : {}),
        fit: {
          objective: fit.fitted.objective,
          fitPoints: fit.fitted.fitPoints,
          seconds: (performance.now() - started) / 1000,
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
    const pct = (v: number) => percent(v, { decimals: 2 });
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
