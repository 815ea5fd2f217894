/**
 * The `fastface` command line: a table of yargs command modules (src/cli/commands/*.ts), each thin: parse
 * options, call the library, print. This file is the one catch point: typed errors become exit codes.
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EXIT, FastfaceError } from "../errors.ts";
import { commands } from "./commands/index.ts";
import { log } from "./output.ts";

const EPILOG = `Exit codes:
  0  success
  1  internal error (a bug: please report it with the command line)
  2  usage or configuration error (bad option, scheduler spec, grid)
  3  input missing, unreadable, empty, or an output that would be overwritten
  4  input malformed (parse error with file and line / byte offset, unknown format)
  5  retrain: candidate accuracy fell below baseline - tolerance (the verdict does not hold)
  6  compute backend unavailable`;

export async function main(argv: string[]): Promise<number> {
  let cli = yargs(argv)
    .scriptName("fastface")
    .strict()
    .demandCommand(1, "Name a command (see --help).")
    .recommendCommands()
    .epilog(EPILOG)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .help()
    .version(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageFailure(msg);
    });
  for (const command of commands) cli = cli.command(command);
  try {
    await cli.parseAsync();
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    return report(err);
  }
}

class UsageFailure extends Error {}

function report(err: unknown): number {
  if (err instanceof UsageFailure) {
    log(`fastface: ${err.message}\nRun 'fastface --help' for usage.`);
    return EXIT.usage;
  }
  if (err instanceof FastfaceError) {
    log(`fastface: ${err.message}`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  log(`fastface: internal error: ${e.stack ?? e.message}`);
  return EXIT.internal;
}

const code = await main(hideBin(process.argv));
process.exitCode = code;
