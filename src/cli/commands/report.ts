/**
 * `fastface report <input> --out reports/x.html`: one self-contained HTML report from a result file. The
 * input kind (replay JSON, and the kinds other features register in src/report/kinds.ts) is recognised from
 * the content and extension.
 */
import { basename, extname, join } from "node:path";
import type { CommandModule } from "yargs";
import { Warnings } from "../../errors.ts";
import { pickReportKind, readReportInput } from "../../report/kinds.ts";
import { writeReport } from "../../report/write.ts";
import { log, logWarnings, printText } from "../output.ts";

interface ReportArgs {
  input: string;
  out?: string;
  title?: string;
  force: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report <input>",
  describe: "Write a self-contained HTML report (charts, tables) from a result file (e.g. replay --json)",
  builder: (y) =>
    y
      .positional("input", { type: "string", demandOption: true, describe: "result file (replay JSON, ...)" })
      .option("out", {
        alias: "o",
        type: "string",
        describe: "HTML file to write (default: reports/<input name>.html)",
      })
      .option("title", { type: "string", describe: "page title (default: from the input)" })
      .option("force", { type: "boolean", default: false, describe: "overwrite an existing output file" })
      .example("$0 report replay.json --out reports/ms1mv3.html", "replay results -> HTML"),
  handler: async (args) => {
    const input = await readReportInput(args.input);
    const kind = pickReportKind(input);
    const warnings = new Warnings();
    const built = await kind.build(input, warnings);
    const out = args.out ?? join("reports", `${basename(args.input, extname(args.input))}.html`);
    const html = (await import("../../report/page.ts")).renderReportHtml({
      title: args.title ?? built.title,
      subtitle: `From ${args.input} (${kind.name}).`,
      sections: built.sections,
    });
    await writeReport(out, html, { force: args.force });
    logWarnings(warnings.list);
    log(`report: ${built.sections.length} sections, ${(html.length / 1e6).toFixed(2)} MB`);
    printText(out);
  },
};
