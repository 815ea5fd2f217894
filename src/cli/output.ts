/**
 * The CLI's only channels: results go to stdout (`printJson` / `printText`), logs, warnings and progress to
 * stderr. Progress bars are drawn only when stderr is a TTY.
 */
import type { Warning } from "../errors.ts";
import { formatLocation } from "../errors.ts";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** `--quiet`: results and errors only; `--verbose`: also timings and notes. Set once by main.ts. */
export type Verbosity = "quiet" | "normal" | "verbose";
let verbosity: Verbosity = "normal";

export function setVerbosity(v: Verbosity): void {
  verbosity = v;
}

/**
 * Colour on stderr: only on a terminal, never when NO_COLOR is set (https://no-color.org), forced by
 * FORCE_COLOR=1 (for tests and pagers).
 */
export function useColor(env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stderr.isTTY)): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return tty && env.TERM !== "dumb";
}

const paint = (code: number, text: string) => (useColor() ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Notes and progress text on stderr (not under --quiet). */
export function log(message: string): void {
  if (verbosity !== "quiet") process.stderr.write(`${message}\n`);
}

/** Errors: always printed (red on a terminal). */
export function logError(message: string): void {
  const [first, ...rest] = message.split("\n");
  process.stderr.write(`${[paint(31, first ?? ""), ...rest].join("\n")}\n`);
}

/** Only under --verbose. */
export function logVerbose(message: string): void {
  if (verbosity === "verbose") process.stderr.write(`${message}\n`);
}

export function logWarnings(warnings: readonly Warning[]): void {
  for (const w of warnings) {
    const where = w.location ? formatLocation(w.location) : "";
    log(`${paint(33, `warning [${w.code}]`)}${where ? ` ${where}:` : ""} ${w.message}`);
  }
}

/** True when progress bars may be drawn: stderr is a terminal and --quiet is off. */
export const stderrIsTTY = (): boolean => Boolean(process.stderr.isTTY) && verbosity !== "quiet";

/** Render rows as an aligned plain-text table. */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(cells[0] ?? []), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}
