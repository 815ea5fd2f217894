/**
 * `fastface report r.json` gets what it needs to draw: when the result's source log is still readable, its
 * logged points (for TensorBoard smoothing on every point and the wall-time axis), and, when the result has
 * no traces, the traces — by replaying the source again with the result's own schedulers (name and resolved
 * params) and judge. Recomputed traces are used only when the replay gives the same decays as the result
 * (other options such as --total-steps or --lr0 are not recorded in a result); otherwise, or when the source
 * cannot be read, the page says in one line how to get charts. Nothing the page prints as a metric comes
 * from the recomputation: headline and tables still read the result.
 */
import type { Curve } from "../curve/curve.ts";
import { FastfaceError } from "../errors.ts";
import { loadCurves } from "../ingest/load.ts";
import { tracesMismatch, tracesRecomputed } from "../messages/report.ts";
import { replayCurve } from "../replay/replay.ts";
import type { ReplayResult } from "../replay/types.ts";
import type { ReplayRun } from "./replay-data.ts";

/** Trace points recomputed for a result without traces (as `replay --report`). */
export const RECOMPUTE_TRACE_POINTS = 2000;

/** `name:k=v,…` of a scheduler with its resolved params (lists joined by `;`). */
export function specText(name: string, params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(";") : String(v)}`);
  return parts.length === 0 ? name : `${name}:${parts.join(",")}`;
}

/** The curve of the result in its source (same name and number of points), or undefined. */
async function sourceCurve(result: ReplayResult): Promise<Curve | undefined> {
  const source = result.curve.source;
  if (!source) return undefined;
  try {
    const curves = await loadCurves(source);
    return curves.find((c) => c.meta.name === result.curve.name && c.columns.step.length === result.curve.points);
  } catch (e) {
    if (e instanceof FastfaceError) return undefined;
    throw e;
  }
}

function sameDecays(a: ReplayResult, b: ReplayResult): boolean {
  if (a.schedulers.length !== b.schedulers.length) return false;
  return a.schedulers.every((s, k) => {
    const o = b.schedulers[k]!.decays;
    return (
      s.decays.length === o.length &&
      s.decays.every((d, i) => d.step === o[i]!.step && Math.abs(d.lr - o[i]!.lr) <= 1e-9 * Math.max(1, Math.abs(d.lr)))
    );
  });
}

/**
 * The run to draw for a replay result: with its source's logged points when readable, and with traces
 * recomputed from the source when the result has none (and the decays match).
 *
 * @example
 * const run = await runFromResult(JSON.parse(await readFile("r.json", "utf8")));
 * renderReportHtml(replayPage([run]));
 */
export async function runFromResult(result: ReplayResult): Promise<ReplayRun> {
  const curve = await sourceCurve(result);
  if (!curve) return { result };
  const run: ReplayRun = { result, curve: curve.columns };
  if (result.traces) return run;
  const c = result.curve;
  let again: ReplayResult;
  try {
    again = replayCurve(curve, {
      schedulers: result.schedulers.map((s) => specText(s.name, s.params)),
      ...(result.judge ? { judge: specText(result.judge.name, result.judge.params) } : {}),
      expand: c.steps === c.lastStep - c.firstStep + 1 ? "hold" : "none",
      traces: RECOMPUTE_TRACE_POINTS,
    });
  } catch (e) {
    if (e instanceof FastfaceError) return { result, notes: [tracesMismatch(c.source ?? c.name)] };
    throw e;
  }
  if (!sameDecays(result, again) || !again.traces) return { result, notes: [tracesMismatch(c.source ?? c.name)] };
  return {
    result: { ...result, traces: again.traces },
    curve: curve.columns,
    notes: [tracesRecomputed(c.source ?? c.name)],
  };
}
