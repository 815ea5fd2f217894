/**
 * `fastface demo` (what `npm start` runs): replay the curves shipped in data/ through fastface, hck and the
 * peers and write one report, reports/demo.html (overwritten on every run: it is the demo's own output).
 */
import type { CommandModule } from "yargs";
import { OPEN_LOOP_CAVEAT } from "../../messages/replay.ts";
import { buildDemo, DEMO_SCHEDULERS } from "../../report/demo.ts";
import { writeReport } from "../../report/write.ts";
import { log, logWarnings, printText, table } from "../output.ts";

interface DemoArgs {
  data: string;
  out: string;
  scheduler?: string[];
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: "demo",
  describe: "Replay the curves in data/ through fastface, hck and the peers; write reports/demo.html",
  builder: (y) =>
    y
      .option("data", { type: "string", default: "data", describe: "folder with logs/, tfevents/, curves/" })
      .option("out", { alias: "o", type: "string", default: "reports/demo.html", describe: "HTML file to write" })
      .option("scheduler", {
        alias: "s",
        type: "string",
        array: true,
        describe: `scheduler spec, repeatable (default: ${DEMO_SCHEDULERS.join(", ")})`,
      }),
  handler: async (args) => {
    const t0 = performance.now();
    const { doc, results, warnings } = await buildDemo({
      dataDir: args.data,
      ...(args.scheduler && args.scheduler.length > 0 ? { schedulers: args.scheduler } : {}),
    });
    const html = (await import("../../report/page.ts")).renderReportHtml(doc);
    await writeReport(args.out, html, { force: true });
    logWarnings(warnings.list);
    const rows = results.flatMap((r) =>
      r.schedulers.map((s) => [
        r.curve.name,
        s.name,
        s.decays.length,
        r.judge?.refused ? "not judged" : `${s.removed}/${r.stationary.length}`,
        String(s.premature),
        s.openLoopLead.toLocaleString("en-US"),
      ]),
    );
    printText(table(["run", "scheduler", "decays", "removed", "premature", "open-loop lead"], rows));
    printText(OPEN_LOOP_CAVEAT);
    log(`demo: ${results.length} run(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    printText(`report: ${args.out}`);
  },
};
