/**
 * A page of replay runs: one run gives its section (summary first, details folded); several give the
 * comparison (headline across runs, overlay chart, table) and then each run's section. Run keys (ids and
 * data set names) are made unique here, so two runs with the same name fit one page.
 */

import { slug } from "./escape.ts";
import { type ReplayRun, runData } from "./replay-data.ts";
import { type CompareRun, compareSection } from "./sections-compare.ts";
import { replaySections, runTitle } from "./sections-replay.ts";
import type { ReportDocument, ReportSection } from "./types.ts";

export interface ReplayPageOptions {
  title?: string;
  subtitle?: string;
  /** Where the comparison of several runs goes: before the runs (default) or after them (the demo). */
  compare?: "first" | "last";
}

/** Unique keys for the runs' names (`name`, `name-2`, …). */
export function runKeys(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((n) => {
    const base = slug(n).replace(/-/g, "_");
    let key = base;
    for (let k = 2; used.has(key); k++) key = `${base}_${k}`;
    used.add(key);
    return key;
  });
}

/**
 * The report document of one or several replay runs.
 *
 * @example
 * renderReportHtml(replayPage([{ result, curve: curve.columns }]));
 */
export function replayPage(runs: readonly ReplayRun[], opts: ReplayPageOptions = {}): ReportDocument {
  const keys = runKeys(runs.map((r) => r.result.curve.name));
  const titles = runs.map((r) => runTitle(r.result));
  const data = runs.map((r, i) => runData(r, keys[i]!));
  const runSections: ReportSection[] = runs.flatMap((r, i) => replaySections(r, { key: keys[i]!, data: data[i]! }));
  if (runs.length === 1) {
    const r = runs[0]!.result;
    return {
      title: opts.title ?? titles[0]!,
      subtitle: opts.subtitle ?? `fastface replay of ${r.curve.source ?? r.curve.name}`,
      // the page's title names the run already, unless the caller chose another title (the demo)
      sections: opts.title ? runSections : runSections.map((s) => ({ ...s, title: "Summary" })),
    };
  }
  const compareRuns: CompareRun[] = runs.map((r, i) => ({
    result: r.result,
    data: data[i]!,
    label: titles[i]!,
  }));
  const compare = compareSection(compareRuns, { title: `${runs.length} runs compared` });
  return {
    title:
      opts.title ?? `${runs.length} runs compared: ${titles.slice(0, 3).join(", ")}${runs.length > 3 ? ", …" : ""}`,
    subtitle: opts.subtitle ?? "fastface replay",
    sections: opts.compare === "last" ? [...runSections, compare] : [compare, ...runSections],
  };
}
