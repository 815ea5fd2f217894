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

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function logWarnings(warnings: readonly Warning[]): void {
  for (const w of warnings) {
    const where = w.location ? formatLocation(w.location) : "";
    log(`warning [${w.code}]${where ? ` ${where}:` : ""} ${w.message}`);
  }
}

export const stderrIsTTY = (): boolean => Boolean(process.stderr.isTTY);

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
