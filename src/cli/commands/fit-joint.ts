/**
 * `fastface fit a.log b.log ... --joint`: one model fitted to several runs of one setup (shared parameters, each
 * run's own `--per-run` ones), validated by leaving each run out (its own parameters calibrated on its first
 * `--calibrate` fraction of steps, the rest predicted under its own schedule), every run's parameters checked.
 */
import { Warnings } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import { writeFileAtomic } from "../../io/atomic.ts";
import { percent } from "../../messages/format.ts";
import { failedChecks } from "../../simulate/checks.ts";
import { type FitSettings, fitInput, warnUnphysical } from "../../simulate/fit-input.ts";
import { fitJointRuns, type JointRun } from "../../simulate/joint.ts";
import { hasLr } from "../../simulate/lr.ts";
import type { ModelFile } from "../../simulate/model-file.ts";
import { logWarnings, printJson, printText, table } from "../output.ts";
import { phaseProgress } from "../progress.ts";
import { type LoadArgs, loadOptionsFrom } from "./ingest.ts";

export interface JointArgs extends LoadArgs {
  paths: string[];
  model: string;
  "lr-schedule"?: string;
  "per-run"?: string;
  calibrate: number;
  out?: string;
  json: boolean;
}

/** Write a JSON document (a model file) atomically, creating its folder. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Run the joint fit of `fastface fit --joint` and print it. */
export async function fitJointCommand(a: JointArgs, settings: FitSettings): Promise<void> {
  const warnings = new Warnings();
  const runs: JointRun[] = [];
  for (const path of a.paths) {
    const curve = await loadCurve(path, loadOptionsFrom(a));
    warnings.list.push(...curve.meta.warnings);
    // with several logs, --lr-schedule is the schedule of the logs that have no LR column
    const spec = hasLr(curve) ? undefined : a["lr-schedule"];
    const input = fitInput(curve, { lrSchedule: spec, epochSteps: settings.epochSteps }, warnings);
    runs.push({ name: curve.meta.name, input });
  }
  const started = performance.now();
  const bar = await phaseProgress("fit", [`joint fit of ${a.model} on ${runs.length} runs, leave-one-run-out`]);
  bar.next();
  const perRun =
    a["per-run"] === undefined
      ? undefined
      : a["per-run"]
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
  const result = fitJointRuns(runs, a.model, {
    seed: settings.seed,
    starts: settings.starts,
    iterations: settings.iterations,
    maxPoints: settings.points,
    calibrate: a.calibrate,
    ...(perRun ? { perRun } : {}),
  });
  bar.stop();
  const { fit, folds, checks } = result;
  for (const c of checks) warnUnphysical(`${fit.model} on ${c.name}`, c.checks, warnings);
  const file: ModelFile = {
    kind: "fastface-model",
    version: 1,
    model: fit.model,
    params: fit.runs[0]!.params,
    fittedOn: {
      name: runs[0]!.input.curve.meta.name,
      source: runs[0]!.input.curve.meta.source,
      lastStep: runs[0]!.input.points.step[runs[0]!.input.points.step.length - 1]!,
      lr: runs[0]!.input.lr.from,
      ...(runs[0]!.input.lr.spec !== undefined ? { spec: runs[0]!.input.lr.spec } : {}),
    },
    inSample: fit.runs[0]!.inSample,
    joint: {
      perRun: [...fit.perRun],
      calibrate: a.calibrate,
      runs: fit.runs.map((r, i) => ({
        name: r.name,
        source: runs[i]!.input.curve.meta.source,
        params: r.params,
        inSample: r.inSample,
      })),
    },
  };
  if (a.out !== undefined) await writeJsonFile(a.out, file);
  const out = {
    model: fit.model,
    joint: true,
    perRun: fit.perRun,
    shared: fit.shared,
    runs: fit.runs.map((r, i) => ({ ...r, source: runs[i]!.input.curve.meta.source, checks: checks[i]!.checks })),
    validation: { protocol: "leave-one-run-out", calibrate: a.calibrate, folds },
    ...(result.candidates ? { candidates: result.candidates } : {}),
    fit: { objective: fit.objective, seconds: (performance.now() - started) / 1000 },
  };
  logWarnings(warnings.list);
  if (a.json) {
    printJson(out);
    return;
  }
  printText(`joint model: ${fit.model} over ${runs.length} runs; per run: ${fit.perRun.join(", ") || "(none)"}`);
  printText(
    table(
      ["run", "in-sample relMAE", "checks", "held out: predicted relMAE", "R^2", "calibrated on steps"],
      fit.runs.map((r, i) => {
        const f = folds[i]!;
        const failed = failedChecks(checks[i]!.checks);
        return [
          r.name,
          percent(r.inSample.relMae),
          failed.length > 0 ? `fails ${failed.join(", ")}` : "pass",
          percent(f.predicted.relMae),
          f.predicted.r2.toFixed(3),
          `1-${f.calibratedTo}`,
        ];
      }),
    ),
  );
  if (result.candidates) {
    printText(
      table(
        ["candidate", "mean held-out relMAE", "checks"],
        result.candidates.map((c) => [
          c.model,
          percent(c.meanPredictedRelMae),
          c.failed.length > 0 ? c.failed.join(", ") : "pass",
        ]),
      ),
    );
  }
  if (a.out !== undefined) printText(`wrote ${a.out}`);
}
