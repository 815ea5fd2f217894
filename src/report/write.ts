/**
 * The report's file-system edge: write the HTML, creating the folder, refusing to overwrite unless asked.
 */
import { existsSync } from "node:fs";
import { InputError } from "../errors.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { E_REPORT_EXISTS, reportExists } from "../messages/report.ts";

/**
 * Write `html` to `path` (parent folders created). An existing file is an InputError unless `force`.
 *
 * @example
 * await writeReport("reports/x.html", renderReportHtml(doc), { force: true });
 */
export async function writeReport(path: string, html: string, opts: { force?: boolean } = {}): Promise<void> {
  if (!opts.force && existsSync(path)) throw new InputError(path, reportExists, E_REPORT_EXISTS);
  await writeFileAtomic(path, html); // temporary file + rename: never a truncated report
}
