/**
 * `fastface report <input...> --out reports/x.html`: one self-contained HTML report from result files. The
 * input kind (replay JSON, simulate / retrain JSON, sweep databases, and the kinds other features register in
 * src/report/kinds.ts) is recognised from the content and extension; several replay results share one page
 * that compares the runs.
 */
import { basename, extname, join } from "node:path";
import type { CommandModule } from "yargs";
import { Warnings } from "../../errors.ts";
import { buildReport, readReportInput } from "../../report/kinds.ts";
import { writeReport } from "../../report/write.ts";
import { log, logWarnings, printText } from "../output.ts";

interface ReportArgs {
  input: string[];
  out?: string;
  title?: string;
  force: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report <input..>",
  describe:
    "Write a self-contained HTML report (charts, tables) from result files (replay --json, ...); several runs are compared",
  builder: (y) =>
    y
      .positional("input", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "result files (replay JSON, simulate/retrain JSON, sweep .duckdb)",
      })
      .option("out", {
        alias: "o",
        type: "string",
        describe: "HTML file to write (default: reports/<first input name>.html)",
      })
      .option("title", { type: "string", describe: "page title (default: from the input)" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing output file" })
      .example("$0 report replay.json --out reports/ms1mv3.html", "replay results -> HTML")
      .example("$0 report a.json b.json --out reports/compare.html", "two runs compared on one page"),
  handler: async (args) => {
    const inputs = [];
    for (const path of args.input) inputs.push(await readReportInput(path));
    const warnings = new Warnings();
    const { doc, kinds } = await buildReport(inputs, warnings);
    const first = args.input[0]!;
    const out = args.out ?? join("reports", `${basename(first, extname(first))}.html`);
    const html = (await import("../../report/page.ts")).renderReportHtml({
      ...doc,
      title: args.title ?? doc.title,
      subtitle: `${doc.subtitle ? `${doc.subtitle} · ` : ""}from ${args.input.join(", ")} (${kinds.map((k) => k.name).join(", ")})`,
    });
    await writeReport(out, html, { force: args.force });
    logWarnings(warnings.list);
    log(`report: ${doc.sections.length} section(s), ${(html.length / 1e6).toFixed(2)} MB`);
    printText(out);
  },
};
