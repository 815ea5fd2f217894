/**
 * Message catalogue of the report area (`fastface report`, `fastface demo`, src/report/**).
 * Error codes `E_REPORT_*`, warning codes `W_REPORT_*`.
 */

export const E_REPORT_INPUT = "E_REPORT_INPUT";
export const E_REPORT_EXISTS = "E_REPORT_EXISTS";
export const E_DEMO_NO_DATA = "E_DEMO_NO_DATA";

export const W_REPORT_NO_TRACES = "W_REPORT_NO_TRACES";
export const W_DEMO_SKIPPED = "W_DEMO_SKIPPED";

export const reportExists = "exists; pass --force to overwrite it";

export const notJson = (why: string): string => `not valid JSON: ${why}`;

export const unknownReportInput = "no report kind accepts this input";

export const replayShape = (what: string): string => `a replay result needs ${what}`;

export const noTraces = (name: string): string =>
  `run '${name}' has no traces: the report shows its decays and tables only (replay with traces for the loss, statistic and LR charts)`;

export const demoNoData = (dir: string, folders: readonly string[]): string =>
  `no curves found under ${dir} (looked in ${folders.join(", ")}); pass --data <folder> or add logs to data/logs`;

export const demoSkipped = (path: string, why: string): string => `skipped ${path}: ${why}`;
