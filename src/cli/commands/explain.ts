/**
 * `fastface explain <log>`: which rule, with which parameters, produced the log's LR trace. Composes explain's
 * search (src/explain) with the sweep worker pool (src/sweep/explain-pool.ts) and sweep's grid grammar for
 * `--grid` (src/sweep/grid.ts), so explain itself never imports sweep.
 */
import { availableParallelism } from "node:os";
import type { Argv, CommandModule } from "yargs";
import { ConfigError } from "../../errors.ts";
import { FAMILY_NAMES } from "../../explain/families.ts";
import type { ExplainResult } from "../../explain/types.ts";
import { loadCurve } from "../../ingest/load.ts";
import * as M from "../../messages/explain.ts";
import { significant } from "../../messages/format.ts";
import { rankingCells } from "../../report/sections-explain.ts";
import { getSchedulerFactory } from "../../schedulers/registry.ts";
import { parseTiming } from "../../schedulers/timing.ts";
import type { Params } from "../../schedulers/types.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";

interface ExplainArgs extends LoadArgs {
  input: string;
  family?: string[];
  grid?: string[];
  timing: string;
  "total-steps"?: number;
  top: number;
  workers?: number;
  json: boolean;
  report?: string;
  force: boolean;
}

/**
 * Human output: the verdict, the top explanations, the best one's change-by-change table.
 * @example printText(formatExplain(result, 5));
 */
export function formatExplain(r: ExplainResult, top: number): string {
  const c = r.curve;
  const out: string[] = [];
  out.push(
    `${c.name} (${c.format}): ${r.logged.points} logged LR points, steps ${c.firstStep}..${c.lastStep}, ` +
      `${r.logged.kind} trace with ${r.logged.changes.length} changes (printed with ${r.logged.decimals ?? "full"} decimals, stride ${r.logged.stride}); T = ${c.totalSteps}`,
  );
  out.push(`verdict: ${r.verdict}`);
  out.push("");
  const list = r.explanations.slice(0, top);
  const n = r.logged.changes.length;
  if (r.logged.kind === "continuous") {
    out.push(
      table(
        ["#", "rule", "max rel err", "mean rel err", "lr0", "timing", "spec"],
        list.map((e, i) => [i + 1, ...rankingCells(r, e), e.spec]),
      ),
    );
  } else {
    out.push(
      table(
        ["#", "rule", "matched", "extra", "off line", "mean|off|", "max|off|", "timing", "spec"],
        list.map((e, i) => [i + 1, ...rankingCells(r, e), e.spec]),
      ),
    );
    const best = r.explanations[0];
    if (best && best.changes.length > 0) {
      out.push("");
      out.push(`change by change (${best.spec}):`);
      out.push(
        table(
          ["logged", "ratio", "reproduced", "ratio", "offset"],
          best.changes.map((x) => [
            x.logged ?? "-",
            significant(x.loggedRatio),
            x.reproduced ?? "-",
            significant(x.ratio),
            x.offset ?? (x.logged === null ? "extra" : "missed"),
          ]),
        ),
      );
    }
    if (r.released) {
      out.push("");
      out.push(
        `released fastface (official defaults): ${r.released.matched}/${n} logged changes matched, ${r.released.extra} extra`,
      );
    }
  }
  out.push("");
  out.push(
    `${r.search.evaluated} configurations of ${r.search.families.length} families in ${r.search.seconds} s` +
      ` (${r.search.workers === 0 ? "this thread" : `${r.search.workers} workers`})`,
  );
  return out.join("\n");
}

/** `--grid FAMILY:AXIS` arguments -> extra candidates per family, through sweep's grid grammar. */
async function gridCandidates(args: readonly string[]): Promise<Record<string, Params[]>> {
  if (args.length === 0) return {};
  const { parseGrid, gridConfigs } = await import("../../sweep/grid.ts");
  const byFamily = new Map<string, string[]>();
  for (const arg of args) {
    const colon = arg.indexOf(":");
    const eq = arg.indexOf("=");
    if (colon < 0 || (eq >= 0 && eq < colon)) throw new ConfigError(M.gridFamilyMissing(arg), M.E_EXPLAIN_OPTION);
    const fam = arg.slice(0, colon).trim();
    if (!(FAMILY_NAMES as readonly string[]).includes(fam)) {
      throw new ConfigError(M.unknownFamily(fam, FAMILY_NAMES), M.E_EXPLAIN_FAMILY);
    }
    byFamily.set(fam, [...(byFamily.get(fam) ?? []), arg.slice(colon + 1)]);
  }
  const out: Record<string, Params[]> = {};
  for (const [fam, axes] of byFamily) {
    out[fam] = gridConfigs(parseGrid(axes, getSchedulerFactory(fam))).map((c) => c.params);
  }
  return out;
}

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: "explain <input>",
  describe: "find the rule and parameters that reproduce a log's LR trace from its own logged loss",
  builder: (y) =>
    withLoadOptions(y)
      .positional("input", {
        type: "string",
        demandOption: true,
        describe: "a training log or curve with an LR column",
      })
      .option("family", {
        type: "string",
        array: true,
        describe: `families to search, comma-separated or repeated, each optionally with fixed params (hck-proto:m=4000). Default all: ${FAMILY_NAMES.join(", ")}`,
      })
      .option("grid", {
        type: "string",
        array: true,
        describe: "extra candidates in sweep's grid grammar, per family: FAMILY:NAME=LO..HI:log:N or FAMILY:NAME=V1,V2",
      })
      .option("timing", {
        type: "string",
        default: "auto",
        describe:
          "when the log shows a decision: official (one logged step later, as the FastFace code prints it), immediate, or auto (the better of both per candidate)",
      })
      .option("total-steps", {
        type: "number",
        describe: "T of the rules (default: header total_step, else the last step)",
      })
      .option("top", { type: "number", default: 5, describe: "explanations shown in the table" })
      .option("workers", {
        type: "number",
        describe: "worker threads of the sweep pool (default: min(2, cores); 0: this thread)",
      })
      .option("json", { type: "boolean", default: false, describe: "print the ExplainResult JSON" })
      .option("report", { type: "string", describe: "write a self-contained HTML report to this file" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --report file" })
      .example("$0 explain data/logs/fastface_ms1mv3_r100.log", "ranked explanations, the best one change by change")
      .example("$0 explain run.log --family hck-proto,fastface,multistep --json", "some families, JSON")
      .example(
        "$0 explain run.log --report reports/explain.html",
        "logged vs reproduced LR, per change",
      ) as Argv<ExplainArgs>,
  handler: async (a) => {
    const timing = a.timing === "auto" ? undefined : parseTiming(a.timing);
    if (a.timing !== "auto" && timing === undefined) throw new ConfigError(M.badTiming(a.timing), M.E_EXPLAIN_OPTION);
    if (!(Number.isInteger(a.top) && a.top > 0)) throw new ConfigError(M.badTop(a.top), M.E_EXPLAIN_OPTION);
    const workers = a.workers ?? Math.min(2, availableParallelism());
    if (!(Number.isInteger(workers) && workers >= 0))
      throw new ConfigError(M.badWorkers(a.workers), M.E_EXPLAIN_OPTION);
    const extra = await gridCandidates(a.grid ?? []);
    const { explainCurve } = await import("../../explain/explain.ts");
    // the pool's threads start loading while the log is read
    const evaluator = workers > 0 ? (await import("../../sweep/explain-pool.ts")).poolEvaluator(workers) : undefined;
    let result: ExplainResult;
    try {
      const curve = await loadCurve(a.input, loadOptionsFrom(a));
      logWarnings(curve.meta.warnings);
      result = await explainCurve(curve, {
        ...(a.family ? { families: a.family } : {}),
        extra,
        ...(timing ? { timing } : {}),
        ...(a["total-steps"] !== undefined ? { totalSteps: a["total-steps"] } : {}),
        ...(evaluator ? { evaluator } : {}),
      });
    } finally {
      await evaluator?.close();
    }
    logWarnings(result.warnings ?? []);
    if (a.report !== undefined) {
      const { explainSections } = await import("../../report/sections-explain.ts");
      const { writeReport } = await import("../../report/write.ts");
      const html = (await import("../../report/page.ts")).renderReportHtml({
        title: `fastface explain: ${result.curve.name}`,
        sections: explainSections(result),
      });
      await writeReport(a.report, html, { force: a.force });
      log(`report written to ${a.report}`);
    }
    if (a.json) printJson(result);
    else printText(formatExplain(result, a.top));
  },
};
