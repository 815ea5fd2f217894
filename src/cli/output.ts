/**
 * The CLI's only channels: results go to stdout (`printJson` / `printText`), logs, warnings and progress to
 * stderr. Progress bars are drawn only when stderr is a TTY.
 */
import type { Warning } from "../errors.ts";
import { formatLocation } from "../errors.ts";

/**
 * Text from inputs (tag and column names, file contents quoted in messages) made safe for a terminal: control
 * characters (C0 but tab and line feed, DEL, C1: the bytes of escape sequences) are shown as `\x1b`-style
 * escapes instead of being sent raw.
 *
 * @example
 * terminalSafe("loss\u001b[2J") // "loss\\x1b[2J"
 */
export function terminalSafe(text: string, keepNewlines = true): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const control = c < 0x20 ? c !== 9 && (c !== 10 || !keepNewlines) : c >= 0x7f && c <= 0x9f;
    if (!control) continue;
    out += `${text.slice(from, i)}\\x${c.toString(16).padStart(2, "0")}`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** DEL and C1 controls as JSON escapes (JSON.stringify escapes only C0). */
function jsonSafe(json: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x7f || c > 0x9f) continue;
    out += `${json.slice(from, i)}\\u${c.toString(16).padStart(4, "0")}`;
    from = i + 1;
  }
  return from === 0 ? json : out + json.slice(from);
}

export function printJson(value: unknown): void {
  const json = jsonSafe(JSON.stringify(value, null, 2));
  process.stdout.write(`${json}\n`);
}

export function printText(text: string): void {
  const safe = terminalSafe(text);
  process.stdout.write(safe.endsWith("\n") ? safe : `${safe}\n`);
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
  if (verbosity !== "quiet") process.stderr.write(`${terminalSafe(message)}\n`);
}

/** Errors: always printed (red on a terminal). */
export function logError(message: string): void {
  const [first, ...rest] = message.split("\n");
  process.stderr.write(`${[paint(31, terminalSafe(first ?? "")), ...rest.map((r) => terminalSafe(r))].join("\n")}\n`);
}

/** Only under --verbose. */
export function logVerbose(message: string): void {
  if (verbosity === "verbose") process.stderr.write(`${terminalSafe(message)}\n`);
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
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => terminalSafe(String(c), false)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(cells[0] ?? []), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}
