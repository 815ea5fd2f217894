/**
 * `fastface replay <curve-or-log>`: replay LR schedulers over a logged loss curve, find the stationary
 * subsequences (plateaus) with the judge, and score each scheduler (plateaus removed, premature decays,
 * detection lag, open-loop lead, final LR).
 */
import type { Argv, CommandModule } from "yargs";
import { ConfigError } from "../../errors.ts";
import { loadCurve } from "../../ingest/load.ts";
import { badExpand, coldStartNote, E_REPLAY_OPTION, OPEN_LOOP_CAVEAT, totalStepsNote } from "../../messages/replay.ts";
import { replayCurve } from "../../replay/replay.ts";
import type { ReplayResult } from "../../replay/types.ts";
import { replaySections } from "../../report/charts-replay.ts";
import { writeReport } from "../../report/write.ts";
import { schedulerNames } from "../../schedulers/registry.ts";
import { log, logWarnings, printJson, printText, table } from "../output.ts";
import { type LoadArgs, loadOptionsFrom, withLoadOptions } from "./ingest.ts";

interface ReplayArgs extends LoadArgs {
  input: string;
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

/** What the judge says about one decay, for the table. */
function judged(
  d: ReplayResult["schedulers"][number]["decays"][number],
  s: ReplayResult["schedulers"][number],
  r: ReplayResult,
): string {
  const cold = d.coldStart ? " (cold start)" : "";
  return judgedPlateau(d, s, r) + cold;
}

function judgedPlateau(
  d: ReplayResult["schedulers"][number]["decays"][number],
  s: ReplayResult["schedulers"][number],
  r: ReplayResult,
): string {
  if (r.judge?.refused) return "not judged";
  if (d.plateau === null) {
    const eps = Number(r.judge?.params.eps);
    return d.rate !== undefined && d.rate >= eps
      ? `premature: the loss was still falling (r = ${d.rate.toExponential(2)}/step before it, eps ${eps.toPrecision(3)})`
      : `premature: outside every plateau${d.rate !== undefined ? ` (r = ${d.rate.toExponential(2)}/step before it)` : ""}`;
  }
  const p = r.stationary[d.plateau]!;
  if (!d.removes) return `inside plateau ${d.plateau + 1} (a later decay)`;
  const lag = s.detection.lags[d.plateau];
  return d.step > p.end
    ? `ends plateau ${d.plateau + 1} (${int(d.step - p.end)} steps after its end)`
    : `removes plateau ${d.plateau + 1} (lag ${int(lag ?? 0)}, lead ${int(p.end - d.step)})`;
}

/** Human-readable replay summary: T, the plateaus, then a table per scheduler, then the open-loop caveat. */
export function formatReplay(r: ReplayResult): string {
  const c = r.curve;
  const out: string[] = [];
  out.push(
    `${c.name} (${c.format}): ${c.points} points, steps ${c.firstStep}..${c.lastStep}, ${c.steps} per-step values`,
  );
  if (r.totalSteps) out.push(totalStepsNote(r.totalSteps.value, r.totalSteps.from));
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
  command: "replay <input>",
  describe: "replay LR schedulers (fastface, hck and peers) over a logged loss curve and score them on its plateaus",
  builder: (y) =>
    withLoadOptions(y)
      .positional("input", {
        type: "string",
        demandOption: true,
        describe: "a training log, event file, table or curve file",
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
      .option("report", { type: "string", describe: "write a self-contained HTML report to this file" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing --report file" })
      .example("$0 replay data/curves/ms1mv3_r50.arrow", "fastface + hck with official defaults")
      .example("$0 replay run.log -s fastface:lambda=2e-5,tau=0.03 -s hck:m=2000 --json", "custom parameters, JSON")
      .example(
        "$0 replay run.log -s plateau-torch:patience=5000 -s dlib --total-steps 202320",
        "the peers",
      ) as Argv<ReplayArgs>,
  handler: async (a) => {
    if (a.expand !== "hold" && a.expand !== "none") throw new ConfigError(badExpand(a.expand), E_REPLAY_OPTION);
    const curve = await loadCurve(a.input, loadOptionsFrom(a));
    logWarnings(curve.meta.warnings);
    const traces = a.traces ?? (a.report !== undefined ? REPORT_TRACE_POINTS : undefined);
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
    if (a.report !== undefined) {
      const html = (await import("../../report/page.ts")).renderReportHtml({
        title: `fastface replay: ${result.curve.name}`,
        sections: replaySections(result),
      });
      await writeReport(a.report, html, { force: a.force });
      log(`report written to ${a.report}`);
    }
    if (a.json) printJson(result);
    else printText(formatReplay(result));
  },
};
