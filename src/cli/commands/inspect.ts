/**
 * `fastface inspect <path>`: summary of the curves in a raw input (log, event files, table, mlruns) or in a
 * curve file written by `ingest` (.arrow / .parquet): points, steps, stride, tags, NaN / Inf, LR, config,
 * evaluations.
 */
import type { Argv, CommandModule } from "yargs";
import { loadCurves } from "../../ingest/load.ts";
import { formatSummary, summarizeCurve } from "../../ingest/summary.ts";
import { logWarnings, printJson, printText } from "../output.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";

interface InspectArgs extends LoadArgs {
  path: string;
  json: boolean;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: "inspect <path>",
  describe: "summarise curves: points, steps, stride, tags, NaN/Inf, LR known?, aggregation, config, evaluations",
  builder: (y) =>
    withLoadOptions(y)
      .positional("path", { type: "string", demandOption: true, describe: "a file or folder (raw or .arrow/.parquet)" })
      .option("json", { type: "boolean", default: false, describe: "print the summaries as JSON" })
      .example("$0 inspect data/curves/ms1mv3_r50.arrow", "summary of an ingested curve")
      .example("$0 inspect runs/events.out.tfevents.123 --json", "works on raw inputs too") as Argv<InspectArgs>,
  handler: async (a) => {
    const curves = await loadCurves(a.path, loadOptionsFrom(a));
    const summaries = curves.map(summarizeCurve);
    if (a.json) {
      printJson(summaries);
      return;
    }
    for (const c of curves) logWarnings(c.meta.warnings);
    printText(summaries.map((s) => formatSummary(s)).join("\n\n"));
  },
};
