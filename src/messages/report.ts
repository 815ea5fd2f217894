/**
 * Message catalogue of the report area (`fastface report`, `fastface demo`, src/report/**).
 * Error codes `E_REPORT_*`, warning codes `W_REPORT_*`.
 */

import { triedList } from "./common.ts";

export const E_REPORT_INPUT = "E_REPORT_INPUT";
export const E_REPORT_EXISTS = "E_REPORT_EXISTS";
export const E_DEMO_NO_DATA = "E_DEMO_NO_DATA";

export const W_REPORT_NO_TRACES = "W_REPORT_NO_TRACES";
export const W_DEMO_SKIPPED = "W_DEMO_SKIPPED";

export const reportExists = "exists; pass --force to overwrite it";

export const reportInputIsFolder =
  "is a folder: give result files (replay, simulate, retrain or explain --json, a sweep .duckdb); for logs, run `fastface replay LOG... --report page.html`";

export const notJson = (why: string): string => `not valid JSON: ${why}`;

export const unknownReportInput = (path: string, attempts: ReadonlyArray<{ format: string; reason: string }>): string =>
  `${path}: no report kind accepts this input; tried:\n${triedList(attempts)}`;

export const replayShape = (what: string): string => `a replay result needs ${what}`;

export const noTraces = (name: string): string =>
  `run '${name}' has no traces: the report shows its decays and tables only (replay with traces for the loss, statistic and LR charts)`;

export const tooFewPoints = (n: number): string =>
  `Only ${n} logged point${n === 1 ? "" : "s"}: too few to chart a loss curve or to find a plateau.`;

export const noFiniteLoss = "Every logged loss of this run is NaN or infinite: there is no loss curve to draw.";

export const noTracesHowTo = (source: string | undefined): string =>
  source
    ? `This result has no traces and its source (${source}) could not be replayed again: for charts, run \`fastface replay ${source} --report page.html\` or \`replay --traces 1000 --json\`.`
    : "This result has no traces and names no source: for charts, replay the log with `--report page.html` or `--traces 1000 --json`.";

export const tracesRecomputed = (source: string): string =>
  `The result carried no traces: they were recomputed from ${source} with the result's schedulers and judge (the decays match).`;

export const tracesMismatch = (source: string): string =>
  `The result carried no traces, and replaying ${source} with its schedulers gives other decays (other options?): only the result's own decays are drawn.`;

export const demoNoData = (dir: string, folders: readonly string[]): string =>
  `no curves found under ${dir} (looked in ${folders.join(", ")}); pass --data <folder> or add logs to data/logs`;

export const demoSkipped = (path: string, why: string): string => `skipped ${path}: ${why}`;

export const cannotRead = (why: string): string => `cannot read: ${why}`;

export const emptyInput = "is empty";

export const demoRepeats = (n: number): string => `${n} curve file(s) repeat a run already read from data/ (skipped)`;
