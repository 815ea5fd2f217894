/**
 * `fastface sweep <curves..> --scheduler NAME --grid ... --out db.duckdb`: replay every configuration of a grid
 * (or a random search) on every curve in a worker pool, results in a DuckDB file; resumable after a crash.
 */
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import type { Argv, CommandModule } from "yargs";
import type { Curve } from "../../curve/curve.ts";
import type { ExpandMode } from "../../curve/expand.ts";
import { ConfigError, Warnings } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import * as MQ from "../../messages/queue.ts";
import * as M from "../../messages/sweep.ts";
import { log, logWarnings, printJson, printText, stderrIsTTY, table } from "../output.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";
import { type SweepQueueArgs, sweepQueueOptionsFrom, withSweepQueueOptions } from "./sweep-queue.ts";
import { type SweepSimulateArgs, sweepSimulateOptionsFrom, withSweepSimulateOptions } from "./sweep-simulate.ts";

interface SweepArgs extends LoadArgs, SweepSimulateArgs, SweepQueueArgs {
  curves: string[];
  scheduler: string;
  grid: string[];
  random?: number;
  seed: number;
  out: string;
  workers: number;
  resume: boolean;
  parquet?: string;
  judge?: string;
  expand: ExpandMode;
  "total-steps"?: number;
  lr0: number;
  "batch-size": number;
  verbose?: boolean;
  json: boolean;
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: "sweep <curves..>",
  describe: "replay a grid / random search of scheduler parameters on many curves (parallel, resumable, DuckDB)",
  builder: (y) =>
    withSweepQueueOptions(withSweepSimulateOptions(withLoadOptions(y)))
      .positional("curves", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "curve files (.arrow, .parquet) or raw logs",
      })
      .option("scheduler", {
        alias: "s",
        type: "string",
        demandOption: true,
        describe: "scheduler name, optionally with fixed params (fastface:alpha=0.002)",
      })
      .option("grid", {
        type: "string",
        array: true,
        demandOption: true,
        describe:
          "an axis: NAME=LO..HI:log:N, NAME=LO..HI:lin:N or NAME=V1,V2 (repeat per parameter); lambdaMode=absolute,relative",
      })
      .option("random", { type: "number", describe: "random search: N configurations drawn from the --grid ranges" })
      .option("seed", { type: "number", default: 1, describe: "seed of --random and of --simulate (fit, noise)" })
      .option("out", { type: "string", demandOption: true, describe: "DuckDB database file for the results" })
      .option("workers", { type: "number", default: availableParallelism(), describe: "worker threads" })
      .option("resume", {
        type: "boolean",
        default: false,
        describe: "complete an interrupted sweep in --out (same definition)",
      })
      .option("parquet", { type: "string", describe: "also export the results table to this Parquet file" })
      .option("judge", {
        type: "string",
        describe: "stationary-subsequence judge, e.g. haar:window=2000,eps=1e-6,minLength=5000",
      })
      .option("expand", {
        type: "string",
        choices: ["hold", "none"],
        default: "hold",
        describe: "per-step expansion of logged points",
      })
      .option("total-steps", {
        type: "number",
        describe: "T for tolerances (default: the per-step length of each curve)",
      })
      .option("lr0", { type: "number", default: 1, describe: "initial LR" })
      .option("batch-size", { type: "number", default: 256, describe: "results per committed transaction" })
      // --verbose (global, see main.ts) also logs every committed batch
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON" })
      .example(
        "$0 sweep data/curves/*.arrow --scheduler fastface --grid lambda=1e-6..1e-4:log:9 --grid tau=0.01,0.02,0.05 --out sweeps/ff.duckdb",
        "grid sweep",
      )
      .example(
        "$0 sweep run.log --scheduler hck --grid m=1000..8000:lin:8 --random 200 --seed 1 --out s.duckdb",
        "random search",
      )
      .example(
        "$0 sweep run.log --scheduler fastface --grid tau=0.01,0.02,0.05 --simulate --model-from model.json --seeds 5 --out s.duckdb",
        "closed-loop metrics too",
      )
      .example(
        "$0 sweep data/logs/*.log --scheduler fastface --grid tau=0.01,0.02,0.05 --queue redis://127.0.0.1:6379 --out s.duckdb",
        "coordinate a sweep on BullMQ/Redis; run `fastface worker --queue ...` on each machine",
      )
      .example("$0 sweep ... --resume", "finish an interrupted sweep") as unknown as Argv<SweepArgs>,
  handler: async (a) => {
    if (a.random !== undefined && (!Number.isInteger(a.random) || a.random < 1)) {
      throw new ConfigError(M.badRandom(a.random), M.E_SWEEP_OPTION);
    }
    if (!Number.isInteger(a["batch-size"]) || a["batch-size"] < 1) {
      throw new ConfigError(M.badBatchSize(a["batch-size"]), M.E_SWEEP_OPTION);
    }
    const simulate = await sweepSimulateOptionsFrom(a);
    const queue = sweepQueueOptionsFrom(a, log);
    const loadOpts = loadOptionsFrom(a);
    const curves: Curve[] = [];
    for (const path of a.curves) curves.push(await loadCurve(path, loadOpts));
    const warnings = new Warnings();
    for (const c of curves) warnings.list.push(...c.meta.warnings);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    // the sweep engine (DuckDB, cli-progress) loads only when the command runs, not for --help
    const { sweepProgress } = await import("../../sweep/progress.ts");
    const { runSweep } = await import("../../sweep/sweep.ts");
    const bar = sweepProgress(stderrIsTTY() && !a.verbose);
    // the database (and --parquet) may go into a folder that does not exist yet
    for (const file of [a.out, a.parquet]) if (file !== undefined) await mkdir(dirname(file), { recursive: true });
    try {
      const summary = await runSweep(curves, {
        scheduler: a.scheduler,
        grid: a.grid.map(String),
        random: a.random === undefined ? null : { n: a.random, seed: a.seed },
        ...(a.judge !== undefined ? { judge: a.judge } : {}),
        expand: a.expand,
        totalSteps: a["total-steps"] ?? null,
        lr0: a.lr0,
        out: a.out,
        workers: a.workers,
        resume: a.resume,
        ...(a.parquet !== undefined ? { parquet: a.parquet } : {}),
        batchSize: a["batch-size"],
        ...(simulate ? { simulate } : {}),
        ...(queue ? { queue } : {}),
        warnings,
        signal: controller.signal,
        onStart: (s) => {
          logWarnings(warnings.list);
          if (s.todo === 0) log(M.resumeNothingToDo(a.out, s.total));
          else if (a.verbose) log(`sweep: ${s.todo} of ${s.total} results to compute on ${s.workers} worker(s)`);
          if (s.todo > 0) bar.start(s.total, s.alreadyDone);
        },
        onProgress: (done) => bar.update(done),
        onCommit: (committed, total) => {
          if (a.verbose) log(`committed ${committed}/${total}`);
        },
      });
      bar.stop();
      if (summary.interrupted) {
        log(M.interrupted(summary.committed, summary.total, a.out));
        if (summary.queue) log(MQ.interruptedQueue());
        process.exitCode = 130;
      }
      if (a.json) {
        printJson(summary);
        return;
      }
      printText(
        table(
          [
            "database",
            "scheduler",
            "configs",
            "curves",
            "results",
            "computed now",
            "workers",
            "seconds",
            "configs/s",
            "ns/step",
          ],
          [
            [
              summary.db,
              summary.scheduler,
              summary.configs,
              summary.curves.length,
              `${summary.committed}/${summary.total}`,
              summary.computed,
              summary.workers,
              summary.seconds.toFixed(2),
              summary.configsPerSecond.toFixed(1),
              summary.nsPerStep.toFixed(2),
            ],
          ],
        ),
      );
      if (summary.parquet) printText(`parquet: ${summary.parquet}`);
      const q = summary.queue;
      if (q) {
        const by = Object.entries(q.byWorker)
          .map(([w, n]) => `${w} ${n}`)
          .join(", ");
        printText(MQ.queueLine(q.url, q.name, q.sweepId, q.jobs, q.enqueued, q.recovered, by));
      }
      if (!summary.interrupted) printText(`next: fastface sweep-top ${summary.db} --by openLoopLead --k 10`);
    } finally {
      bar.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
