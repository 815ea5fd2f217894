/**
 * `fastface replay <curve-or-log...>`: replay LR schedulers over logged loss curves, find the stationary
 * subsequences (plateaus) with the judge, and score each scheduler (plateaus removed, premature decays,
 * detection lag, open-loop lead, final LR). Several inputs give one result each (`--json`: an array) and, with
 * `--report`, one page comparing the runs.
 */
import type { Argv, CommandModule } from "yargs";
import { ConfigError } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import { badExpand, coldStartNote, E_REPLAY_OPTION, OPEN_LOOP_CAVEAT, totalStepsNote } from "../../messages/replay.ts";
import { decayJudgement as judged } from "../../replay/describe.ts";
import { replayCurve } from "../../replay/replay.ts";
import type { ReplayResult } from "../../replay/types.ts";
import type { ReplayRun } from "../../report/replay-data.ts";
import { writeReport } from "../../report/write.ts";
import { schedulerNames } from "../../schedulers/registry.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";
import { type LoadArgs, loadOptionsFrom, lossColumnNote, withLoadOptions } from "./ingest.ts";

interface ReplayArgs extends LoadArgs {
  input: string[];
  scheduler?: string[];
  judge: string;
  expand: string;
  "total-steps"?: number;
  lr0?: number;
  json: boolean;
  traces?: number;
  report?: string;
  force: boolean;
  "lr-floor"?: number;
}

/** Default number of trace points when a report is written. */
const REPORT_TRACE_POINTS = 2000;

function fmtLr(v: number): string {
  return v === 0 ? "0" : v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** Human-readable replay summary: T, the plateaus, then a table per scheduler, then the open-loop caveat. */
export function formatReplay(r: ReplayResult): string {
  const c = r.curve;
  const out: string[] = [];
  out.push(
    `${c.name} (${c.format}): ${c.points} points, steps ${c.firstStep}..${c.lastStep}, ${c.steps} per-step values`,
  );
  const lossNote = lossColumnNote(c.lossColumn);
  if (lossNote !== undefined) out.push(lossNote);
  if (r.totalSteps) out.push(totalStepsNote(r.totalSteps.value, r.totalSteps.from, c.lastStep));
  const j = r.judge;
  const jp = j?.params;
  const judge = jp
    ? ` (judge haar: window=${jp.window}, eps=${Number(jp.eps).toPrecision(3)}, minLength=${jp.minLength}${
        jp.refine === 0 ? ", refine=0" : ""
      }; end tolerance ${j.tolerance} steps)`
    : "";
  if (j?.refused) {
    out.push(
      `stationary subsequences: not judged (${j.refused.points} points; the judge needs ${j.refused.needed}, see the warning)`,
    );
  } else {
    out.push(
      r.stationary.length === 0
        ? `stationary subsequences: none${judge}`
        : `stationary subsequences${judge}: ${r.stationary.map((s) => `[${s.start}, ${s.end}]`).join(" ")}`,
    );
  }
  const plateaus = r.stationary.length;
  for (const s of r.schedulers) {
    const params = Object.entries(s.params)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(";") : String(v)}`)
      .join(",");
    out.push("");
    out.push(`${s.name}${params ? `:${params}` : ""}`);
    const scores = j?.refused
      ? "not scored (too short to judge)"
      : `plateaus removed ${s.removed}/${plateaus} · premature ${s.premature} · detection lag ${
          s.detection.meanLag === null ? "-" : `${int(s.detection.meanLag)} steps (mean)`
        } · open-loop lead ${int(s.openLoopLead)}`;
    const floor = s.belowFloorStep !== undefined ? ` (below ${r.lrFloor} x lr0 from step ${s.belowFloorStep})` : "";
    out.push(
      `  decays ${s.decays.length} · ${scores} · final LR ${fmtLr(s.finalLrRatio)} x lr0${floor} · ${s.nsPerStep.toFixed(1)} ns/step${
        s.toler !== undefined ? ` · toler ${s.toler}` : ""
      }`,
    );
    if (s.coldStart && s.coldStart.decays > 0)
      out.push(`  ${coldStartNote(String(s.coldStart.decays), s.coldStart.steps, s.coldStart.rerun)}`);
    if (s.decays.length > 0) {
      const rows = s.decays.map((d, i) => [String(i + 1), String(d.step), fmtLr(d.lr), judged(d, s, r)]);
      out.push(
        table(["#", "step", "lr after", "judged"], rows)
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n"),
      );
    }
  }
  out.push("");
  out.push(OPEN_LOOP_CAVEAT);
  return out.join("\n");
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: "replay <input..>",
  describe: "replay LR schedulers (fastface, hck and peers) over a logged loss curve and score them on its plateaus",
  builder: (y) =>
    withLoadOptions(y)
      .positional("input", {
        type: "string",
        demandOption: true,
        array: true,
        describe: "training logs, event files, tables or curve files (several: one report comparing them)",
      })
      .option("scheduler", {
        alias: "s",
        type: "string",
        array: true,
        describe: `scheduler spec name:k=v,... (repeatable; default fastface + hck). Names: ${schedulerNames().join(", ")}`,
      })
      .option("judge", {
        type: "string",
        default: "haar",
        describe: "plateau judge spec haar:window=W,eps=E,minLength=M,band=B,refine=0|1",
      })
      .option("expand", {
        type: "string",
        default: "hold",
        describe: "per-step expansion of logged points: hold | none",
      })
      .option("total-steps", {
        type: "number",
        describe: "T for tolerances (default: the log header's total_step, else the last logged step)",
      })
      .option("lr-floor", {
        type: "number",
        describe: "warn when a decay takes the LR below this fraction of lr0 (default 1e-4)",
      })
      .option("lr0", { type: "number", describe: "initial LR (default: LRs are relative to 1.0)" })
      .option("json", { type: "boolean", default: false, describe: "print the ReplayResult JSON" })
      .option("traces", { type: "number", describe: "include downsampled traces with this many points (LTTB)" })
      .option("report", {
        type: "string",
        describe: "write a self-contained HTML report to this file (several inputs: the runs compared)",
      })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --report file" })
      .example("$0 replay data/curves/ms1mv3_r50.arrow", "fastface + hck with official defaults")
      .example("$0 replay run.log -s fastface:lambda=2e-5,tau=0.03 -s hck:m=2000 --json", "custom parameters, JSON")
      .example(
        "$0 replay run.log -s plateau-torch:patience=5000 -s dlib --total-steps 202320",
        "the peers",
      ) as Argv<ReplayArgs>,
  handler: async (a) => {
    if (a.expand !== "hold" && a.expand !== "none") throw new ConfigError(badExpand(a.expand), E_REPLAY_OPTION);
    const traces = a.traces ?? (a.report !== undefined ? REPORT_TRACE_POINTS : undefined);
    const runs: ReplayRun[] = [];
    for (const input of a.input) {
      const curve = await loadCurve(input, loadOptionsFrom(a));
      logWarnings(curve.meta.warnings);
      const result = replayCurve(curve, {
        schedulers: a.scheduler ?? [],
        judge: a.judge,
        expand: a.expand,
        totalSteps: a["total-steps"],
        lr0: a.lr0,
        traces,
        ...(a["lr-floor"] !== undefined ? { lrFloor: a["lr-floor"] } : {}),
      });
      logWarnings(result.warnings ?? []);
      runs.push({ result, curve: curve.columns });
    }
    if (a.report !== undefined) {
      const [{ renderReportHtml }, { replayPage }] = await Promise.all([
        import("../../report/page.ts"),
        import("../../report/replay-page.ts"),
      ]);
      await writeReport(a.report, renderReportHtml(replayPage(runs)), { force: a.force });
      log(`report written to ${a.report}`);
    }
    const results = runs.map((r) => r.result);
    if (a.json) printJson(results.length === 1 ? results[0] : results);
    else printText(results.map(formatReplay).join("\n\n"));
  },
};
