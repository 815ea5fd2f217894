/**
 * The `--simulate` options of `fastface sweep` (closed-loop metrics per (curve, config)): option definitions and
 * their translation into `SweepSimulateOptions`. The simulator is imported only when `--simulate` is given.
 */
import type { Argv } from "yargs";
import { ConfigError } from "../../errors.ts";
import * as M from "../../messages/sweep.ts";
import type { SweepSimulateOptions } from "../../sweep/sim-plan.ts";
import { log } from "../output.ts";

export interface SweepSimulateArgs {
  simulate: boolean;
  "model-from"?: string;
  model?: string;
  seeds?: number;
  budget?: number;
  "lr-schedule"?: string;
  noise?: boolean;
  starts?: number;
  iterations?: number;
  points?: number;
  "epoch-steps"?: number;
  seed: number;
}

const SIM_ONLY = [
  "model-from",
  "model",
  "seeds",
  "budget",
  "lr-schedule",
  "noise",
  "starts",
  "iterations",
  "points",
  "epoch-steps",
] as const;

/** Add the `--simulate` options to the sweep command. */
export function withSweepSimulateOptions<T>(y: Argv<T>): Argv<T> {
  const group = "Closed loop (--simulate):";
  return y
    .option("simulate", {
      type: "boolean",
      default: false,
      group,
      describe: "also drive each config in closed loop against a loss model of each curve (see docs/sweep.md)",
    })
    .option("model-from", { type: "string", group, describe: "model.json from `fastface fit --out` (no fit)" })
    .option("model", {
      type: "string",
      group,
      describe: "model fitted once per curve: auto (default), multipower, annealing, floor, effective, sde",
    })
    .option("seeds", { type: "number", group, describe: "closed-loop runs per (curve, config), noise resampled (5)" })
    .option("budget", { type: "number", group, describe: "simulated length as a fraction of each logged run (1)" })
    .option("lr-schedule", {
      type: "string",
      group,
      describe: "the schedule the runs used, as a scheduler spec (needed when a log has no LR column)",
    })
    .option("noise", { type: "boolean", group, describe: "resample fit residuals as noise (--no-noise: off)" })
    .option("starts", { type: "number", group, describe: "random starts of the fit (3)" })
    .option("iterations", { type: "number", group, describe: "Adam iterations per start (300)" })
    .option("points", { type: "number", group, describe: "bucket-averaged points the fit uses (200)" })
    .option("epoch-steps", {
      type: "number",
      group,
      describe: "steps per epoch for the epoch sawtooth (default: from each log; 0: none)",
    }) as Argv<T>;
}

/**
 * `--simulate` arguments -> library options (null without `--simulate`; a closed-loop option without it is an
 * error). Reads `--model-from`.
 * @example const sim = await sweepSimulateOptionsFrom(argv); // { seeds: 5, modelFrom, ... } | null
 */
export async function sweepSimulateOptionsFrom(a: SweepSimulateArgs): Promise<SweepSimulateOptions | null> {
  if (!a.simulate) {
    const given = SIM_ONLY.filter((k) => a[k] !== undefined);
    if (given.length > 0) throw new ConfigError(M.simulateOptionWithout(given.map((k) => `--${k}`)), M.E_SWEEP_OPTION);
    return null;
  }
  if (a["model-from"] !== undefined && a.model !== undefined) {
    throw new ConfigError(M.simulateModelAndFile(), M.E_SWEEP_OPTION);
  }
  let modelFrom: SweepSimulateOptions["modelFrom"];
  if (a["model-from"] !== undefined) {
    const { readModelFile } = await import("../../simulate/model-file.ts");
    modelFrom = await readModelFile(a["model-from"]);
  }
  return {
    seed: a.seed,
    ...(modelFrom ? { modelFrom } : {}),
    ...(a.model !== undefined ? { model: a.model } : {}),
    ...(a.seeds !== undefined ? { seeds: a.seeds } : {}),
    ...(a.budget !== undefined ? { budget: a.budget } : {}),
    ...(a["lr-schedule"] !== undefined ? { lrSchedule: a["lr-schedule"] } : {}),
    ...(a.noise !== undefined ? { noise: a.noise } : {}),
    ...(a.starts !== undefined ? { starts: a.starts } : {}),
    ...(a.iterations !== undefined ? { iterations: a.iterations } : {}),
    ...(a.points !== undefined ? { points: a.points } : {}),
    ...(a["epoch-steps"] !== undefined ? { epochSteps: a["epoch-steps"] } : {}),
    onLog: log,
  };
}
