/**
 * `fastface simulate <log> --scheduler SPEC...`: fit (or load) a loss-response model of the run, then drive each
 * scheduler in closed loop against it with resampled noise, `--seeds` times; print the per-scheduler summary,
 * optionally as JSON and as an HTML report.
 */
import type { Argv, CommandModule } from "yargs";
import { parseJudgeSpec } from "../../judge/stationary.ts";
import { percent } from "../../messages/format.ts";
import { coldStartNote } from "../../messages/replay.ts";
import { simulateSections } from "../../report/sections-simulate.ts";
import { writeReport } from "../../report/write.ts";
import { LR_TIMINGS, type LrTiming } from "../../schedulers/timing.ts";
import { ensembleModels, simulationMembers } from "../../simulate/ensemble.ts";
import { readModelFile } from "../../simulate/model-file.ts";
import { checkSimulateOptions, type SimulateResult, simulate } from "../../simulate/simulate.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";
import { phaseProgress } from "../progress.ts";
import { type FitArgsShared, fitSettingsFrom, loadFitInput, withFitOptions } from "./fit.ts";
import { type LoadArgs, withLoadOptions } from "./ingest.ts";

interface SimulateArgs extends LoadArgs, FitArgsShared {
  log: string;
  scheduler: string[];
  budget: number;
  seeds: number;
  "fit-seeds": number;
  judge?: string;
  noise: boolean;
  "lr-timing"?: string;
  json: boolean;
  report?: string;
  force: boolean;
}

const num = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "-");

/** Plain-text summary of a simulation. */
export function simulateTable(r: SimulateResult): string {
  const members = r.ensemble.members;
  const k = members.length;
  const rows: Array<Array<string | number>> = [
    [
      "logged LR (model)",
      "-",
      `${r.logged.stationary.length}`,
      num(r.logged.modelFinalLoss),
      r.logged.modelTimeToTarget === null ? "not reached" : percent(r.logged.modelTimeToTarget),
      `${members.filter((m) => m.loggedStepsToTarget !== null && m.loggedStepsToTarget !== undefined).length}/${k}`,
    ],
  ];
  for (const s of r.schedulers) {
    const e = s.ensemble;
    const cold = s.decays.coldStart.mean;
    const steps = e.stepsToTarget
      ? `${percent(e.stepsToTarget.median / r.curve.lastStep)} [${percent(e.stepsToTarget.p10 / r.curve.lastStep)}-${percent(e.stepsToTarget.p90 / r.curve.lastStep)}]`
      : "not reached";
    rows.push([
      s.spec,
      `${s.decays.count.mean.toFixed(1)} [${s.decays.count.min}-${s.decays.count.max}]${cold > 0 ? `, ${cold.toFixed(1)} cold-start` : ""}`,
      `${s.stationary.count.mean.toFixed(1)}`,
      `${num(e.finalLoss.median)} [${num(e.finalLoss.p10)}-${num(e.finalLoss.p90)}]`,
      steps,
      `${e.reached}/${e.members}`,
    ]);
  }
  const idLines = r.ensemble.identifiability
    .filter((i) => i.unpinned.length > 0)
    .map((i) => `  ${i.model}: not pinned down by this run: ${i.unpinned.join(", ")}`);
  return [
    `${r.curve.name}: ${k} ensemble member(s) (${members.map((m) => `${m.id} ${percent(m.inSample.relMae)}`).join(", ")}), ${r.seeds} noise seed(s) each; budget ${r.budget} = ${r.budgetSteps} steps`,
    ...(r.ensemble.rejected.length > 0
      ? [`left out: ${r.ensemble.rejected.map((m) => `${m.id} (${m.rejected})`).join("; ")}`]
      : []),
    `target: logged final loss ${r.target.loss.toFixed(4)} (${r.target.how}); logged curve has ${r.logged.stationary.length} stationary subsequence(s)`,
    table(
      [
        "scheduler",
        "decays",
        "stationary",
        "loss at budget, median [10-90%] of members",
        "steps to target",
        "members reaching",
      ],
      rows,
    ),
    ...r.schedulers.map((s) => `${s.spec}: ${s.ensemble.verdict}`),
    ...(idLines.length > 0 ? ["identifiability:", ...idLines] : []),
    ...r.schedulers
      .filter((s) => s.decays.rerun)
      .map(
        (s) =>
          `${s.spec}: ${coldStartNote(s.decays.coldStart.mean.toFixed(1), Math.round(s.decays.coldStartSteps.mean), s.decays.rerun, true)}`,
      ),
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
      .option("model", {
        type: "string",
        default: "ensemble",
        describe:
          "loss-response models: ensemble (every model; members are the fits that pass the physical checks), " +
          "a model name or comma-separated names (x --fit-seeds each), or auto (one model, best by tail validation)",
      })
      .option("fit-seeds", { type: "number", default: 3, describe: "fit seeds per model of the ensemble" })
      .option("seeds", { type: "number", default: 3, describe: "noise seeds per ensemble member and scheduler" })
      .option("judge", { type: "string", describe: "stationary judge, e.g. haar:window=2000,eps=1e-6,minLength=5000" })
      .option("noise", {
        type: "boolean",
        default: true,
        describe: "resample fit residuals as noise (--no-noise: off)",
      })
      .option("lr-timing", {
        type: "string",
        choices: [...LR_TIMINGS],
        describe: "when a decision reaches the model: official (MHLR, two steps later; fastface's default) | immediate",
      })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("report", { type: "string", describe: "write an HTML report here" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --report file" })
      .example(
        "$0 simulate run.log -s fastface -s hck -s multistep -s cosine --budget 0.25 --json",
        "every physical fit of every model x 3 fit seeds, 3 noise seeds each",
      )
      .example(
        "$0 simulate run.log --model-from model.json --report reports/sim.html",
        "",
      ) as unknown as Argv<SimulateArgs>,
  handler: async (a) => {
    checkSimulateOptions({ budget: a.budget, seeds: a.seeds });
    const judge = a.judge === undefined ? undefined : parseJudgeSpec(a.judge).params;
    const settings = fitSettingsFrom(a);
    const modelFrom =
      a["model-from"] !== undefined ? { file: await readModelFile(a["model-from"]), path: a["model-from"] } : undefined;
    if (!modelFrom && a.model !== "auto") ensembleModels(a.model);
    const { warnings, input } = await loadFitInput(a);
    const { curve, lr } = input;
    const loopLabel = (members: number) =>
      `closed loop: ${a.scheduler.length} scheduler(s)${members > 1 ? ` x ${members} member(s)` : ""} x ${a.seeds} seed(s)`;
    const bar = await phaseProgress("simulate", [
      ...(modelFrom ? [] : [a.model === "auto" ? "fitting auto" : `fitting the ensemble (${a.model})`]),
      loopLabel(1),
    ]);
    const progress = (p: { done: number; total: number }) => bar.update(p.done, p.total);
    if (!modelFrom) bar.next();
    const ens = simulationMembers(
      input,
      { model: a.model, fitSeeds: a["fit-seeds"], ...(modelFrom ? { modelFrom } : {}) },
      settings,
      warnings,
      progress,
    );
    bar.next(loopLabel(ens.members.length));
    await new Promise((r) => setImmediate(r)); // draw the phase before the synchronous closed loop
    const result = simulate(
      curve,
      lr.eta,
      { from: lr.from, ...(lr.spec !== undefined ? { spec: lr.spec } : {}), lr0: lr.lr0 },
      ens.members,
      {
        schedulers: a.scheduler.map(String),
        budget: a.budget,
        seeds: a.seeds,
        seed0: a.seed,
        ...(judge ? { judge } : {}),
        noNoise: !a.noise,
        ...(a["lr-timing"] ? { timing: a["lr-timing"] as LrTiming } : {}),
        onProgress: progress,
      },
      warnings,
      ens,
    );
    bar.stop();
    for (const m of ens.members) log(`member ${m.id}: in-sample relMAE ${percent(m.inSample.relMae)}`);
    for (const m of ens.rejected) log(`left out ${m.id}: ${m.rejected}`);
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
