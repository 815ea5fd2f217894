/**
 * `fastface simulate <log> --scheduler SPEC...`: fit (or load) a loss-response model of the run, then drive each
 * scheduler in closed loop against it with resampled noise, `--seeds` times; print the per-scheduler summary,
 * optionally as JSON and as an HTML report.
 */
import type { Argv, CommandModule } from "yargs";
import { parseJudgeSpec } from "../../judge/stationary.ts";
import { simulateSections } from "../../report/charts-simulate.ts";
import { writeReport } from "../../report/write.ts";
import { checkModelChoice, fitRun, inSampleOf, paramsForRun } from "../../simulate/fit-input.ts";
import { readModelFile } from "../../simulate/model-file.ts";
import { getModel } from "../../simulate/registry.ts";
import { checkSimulateOptions, type SimulateResult, simulate } from "../../simulate/simulate.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";
import { type FitArgsShared, fitSettingsFrom, loadFitInput, withFitOptions } from "./fit.ts";
import { type LoadArgs, withLoadOptions } from "./ingest.ts";

interface SimulateArgs extends LoadArgs, FitArgsShared {
  log: string;
  scheduler: string[];
  budget: number;
  seeds: number;
  judge?: string;
  noise: boolean;
  json: boolean;
  report?: string;
  force: boolean;
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "-" : `${(v * 100).toFixed(1)}%`);
const num = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "-");

/** Plain-text summary of a simulation. */
export function simulateTable(r: SimulateResult): string {
  const rows: Array<Array<string | number>> = [
    [
      "logged LR (model)",
      "-",
      `${r.logged.stationary.length}`,
      num(r.logged.modelFinalLoss),
      r.logged.modelTimeToTarget === null ? "not reached" : pct(r.logged.modelTimeToTarget),
    ],
  ];
  for (const s of r.schedulers) {
    const t = s.timeToTarget;
    rows.push([
      s.spec,
      `${s.decays.count.mean.toFixed(1)} [${s.decays.count.min}-${s.decays.count.max}]`,
      `${s.stationary.count.mean.toFixed(1)}`,
      `${num(s.finalLoss.mean)} [${num(s.finalLoss.lo)}-${num(s.finalLoss.hi)}]`,
      t.fraction ? `${pct(t.fraction.mean)} (${t.reached}/${t.of})` : `not reached (0/${t.of})`,
    ]);
  }
  return [
    `${r.curve.name}: model ${r.model.name} (in-sample relMAE ${pct(r.model.inSample.relMae)}), budget ${r.budget} = ${r.budgetSteps} steps, ${r.seeds} seed(s), noise sigma ${r.noise.sigma.toFixed(4)} block ${r.noise.blockLength}`,
    `target: logged final loss ${r.target.loss.toFixed(4)} (${r.target.how}); logged curve has ${r.logged.stationary.length} stationary subsequence(s)`,
    table(["scheduler", "decays", "stationary", "loss at budget [10-90%]", "time to target"], rows),
  ].join("\n");
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: "simulate <log>",
  describe: "closed-loop simulation: schedulers drive a loss model fitted to the run (time to target, plateaus)",
  builder: (y) =>
    withFitOptions(withLoadOptions(y))
      .positional("log", { type: "string", demandOption: true, describe: "training log or curve file" })
      .option("scheduler", {
        alias: "s",
        type: "string",
        array: true,
        default: ["fastface", "hck"],
        describe: "scheduler spec (repeatable), e.g. fastface:lambda=2e-5 or hck:m=2000",
      })
      .option("budget", { type: "number", default: 1, describe: "simulated length as a fraction of the logged run" })
      .option("seeds", { type: "number", default: 20, describe: "runs per scheduler (noise resampled per seed)" })
      .option("judge", { type: "string", describe: "stationary judge, e.g. haar:window=2000,eps=1e-6,minLength=5000" })
      .option("noise", {
        type: "boolean",
        default: true,
        describe: "resample fit residuals as noise (--no-noise: off)",
      })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("report", { type: "string", describe: "write an HTML report here" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --report file" })
      .example("$0 simulate run.log --scheduler fastface --scheduler hck:m=2000 --budget 0.25 --seeds 20 --json", "")
      .example(
        "$0 simulate run.log --model-from model.json --report reports/sim.html",
        "",
      ) as unknown as Argv<SimulateArgs>,
  handler: async (a) => {
    checkSimulateOptions({ budget: a.budget, seeds: a.seeds });
    const judge = a.judge === undefined ? undefined : parseJudgeSpec(a.judge).params;
    const settings = fitSettingsFrom(a);
    if (a["model-from"] === undefined) checkModelChoice(a.model);
    const { warnings, input } = await loadFitInput(a);
    const { curve, lr } = input;
    let fitted: Parameters<typeof simulate>[3];
    if (a["model-from"] !== undefined) {
      const file = await readModelFile(a["model-from"]);
      const params = paramsForRun(file.params, input);
      fitted = {
        model: getModel(file.model),
        params,
        inSample: inSampleOf(input, { model: file.model, params }),
        from: a["model-from"],
      };
    } else {
      const fit = fitRun(input, a.model, settings);
      fitted = {
        model: getModel(fit.fitted.model),
        params: fit.fitted.params,
        inSample: fit.inSample,
        from: `fit (${a.model})`,
      };
      log(`fitted ${fit.fitted.model}: in-sample relMAE ${pct(fitted.inSample.relMae)}`);
    }
    const result = simulate(
      curve,
      lr.eta,
      { from: lr.from, ...(lr.spec !== undefined ? { spec: lr.spec } : {}), lr0: lr.lr0 },
      fitted,
      {
        schedulers: a.scheduler.map(String),
        budget: a.budget,
        seeds: a.seeds,
        seed0: a.seed,
        ...(judge ? { judge } : {}),
        noNoise: !a.noise,
      },
      warnings,
    );
    logWarnings(warnings.list);
    if (a.report !== undefined) {
      const html = (await import("../../report/page.ts")).renderReportHtml({
        title: `Simulation: ${result.curve.name}`,
        sections: simulateSections(result),
      });
      await writeReport(a.report, html, { force: a.force });
      log(`wrote ${a.report}`);
    }
    if (a.json) printJson(result);
    else printText(simulateTable(result));
  },
};
