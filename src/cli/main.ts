/**
 * The `fastface` command line: a table of yargs command modules (src/cli/commands/*.ts), each thin: parse
 * options, call the library, print. This file is the one catch point: typed errors become exit codes.
 */
import { readFileSync } from "node:fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EXIT, FastfaceError } from "../errors.ts";
import { commands } from "./commands/index.ts";
import { logError, logVerbose, setVerbosity } from "./output.ts";

/** The package version (src/cli and dist/cli both sit two folders below package.json). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const EPILOG = `Exit codes:
  0  success
  1  internal error (a bug: please report it with the command line)
  2  usage or configuration error (bad option, scheduler spec, grid)
  3  input missing, unreadable, empty, or an output that would be overwritten
  4  input malformed (parse error with file and line / byte offset, unknown format)
  5  retrain: candidate accuracy fell below baseline - tolerance (the verdict does not hold)
  6  compute backend unavailable`;

const ENVIRONMENT = `Environment:
  NO_COLOR   set (to anything) to print no colour codes; colour is only used on a terminal anyway`;

export async function main(argv: string[]): Promise<number> {
  const t0 = performance.now();
  let cli = yargs(argv)
    .scriptName("fastface")
    .strict()
    .demandCommand(1, "Name a command (see --help).")
    .recommendCommands()
    .epilog(`${EPILOG}\n\n${ENVIRONMENT}`)
    // no wrapping: a long example command stays on one line, so it can be copied
    .wrap(null)
    .help()
    .version(packageVersion())
    .option("quiet", {
      alias: "q",
      type: "boolean",
      global: true,
      describe: "print only results and errors (no warnings, notes or progress bars)",
    })
    .option("verbose", {
      alias: "v",
      type: "boolean",
      global: true,
      describe: "print more on stderr: timings, error codes, per-batch notes",
    })
    .conflicts("quiet", "verbose")
    .middleware((a) => {
      setVerbosity(a.quiet === true ? "quiet" : a.verbose === true ? "verbose" : "normal");
    })
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageFailure(msg);
    });
  for (const command of commands) cli = cli.command(command);
  try {
    const a = await cli.parseAsync();
    logVerbose(`fastface ${String(a._[0] ?? "")}: done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    return report(err);
  }
}

class UsageFailure extends Error {}

function report(err: unknown): number {
  if (err instanceof UsageFailure) {
    logError(`fastface: ${err.message}\nRun 'fastface --help' for usage.`);
    return EXIT.usage;
  }
  if (err instanceof FastfaceError) {
    logError(`fastface: ${err.message}`);
    logVerbose(`error code ${err.code}, exit ${err.exitCode}`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  logError(`fastface: internal error: ${e.stack ?? e.message}`);
  return EXIT.internal;
}

// `fastface ... | head`: a closed pipe ends the output, not with a stack trace
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const code = await main(hideBin(process.argv));
process.exitCode = code;
