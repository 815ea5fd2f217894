/** Replay results in words, for every front end (CLI, report): one way to say what a decay did. */
import type { ReplayResult } from "./types.ts";

const int = (v: number) => Math.round(v).toLocaleString("en-US");

/**
 * What the judge says about one decay of a scheduler, in words (the CLI's table, the report's decay table and
 * tooltips).
 *
 * @example
 * decayJudgement(result.schedulers[0].decays[0], result.schedulers[0], result); // "removes plateau 1 (lag 600, lead 400)"
 */
export function decayJudgement(
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
  // results written before decays carried their plateau say nothing here
  if (d.plateau === undefined) return "";
  if (d.plateau === null) {
    const eps = Number(r.judge?.params.eps);
    return d.rate !== undefined && d.rate >= eps
      ? `premature: the loss was still falling (r = ${d.rate.toExponential(2)}/step before it, eps ${eps.toPrecision(3)})`
      : `premature: outside every plateau${d.rate !== undefined ? ` (r = ${d.rate.toExponential(2)}/step before it)` : ""}`;
  }
  const p = r.stationary[d.plateau];
  if (!d.removes || !p) return `inside plateau ${d.plateau + 1}${d.removes ? "" : " (a later decay)"}`;
  const lag = s.detection.lags[d.plateau];
  return d.step > p.end
    ? `ends plateau ${d.plateau + 1} (${int(d.step - p.end)} steps after its end)`
    : `removes plateau ${d.plateau + 1} (lag ${int(lag ?? 0)}, lead ${int(p.end - d.step)})`;
}
