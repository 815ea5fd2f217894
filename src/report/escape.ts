/**
 * Escaping for the report page. Every user-supplied string (run names come from file names, configs echo
 * the log) goes through `escapeHtml` before it reaches markup, and every JSON value embedded in a
 * `<script type="application/json">` goes through `jsonForScript`, so neither can close an element, open a
 * tag or start a comment.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape text for HTML element content and double- or single-quoted attribute values.
 *
 * @example
 * escapeHtml("<img src=x onerror=alert(1)>"); // "&lt;img src=x onerror=alert(1)&gt;"
 */
export function escapeHtml(text: string | number | boolean | null | undefined): string {
  if (text === null || text === undefined) return "";
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialize a value as JSON safe to place inside `<script type="application/json">…</script>`: `<`, `>`
 * and `&` become `\u003c`, `\u003e`, `\u0026` (so `</script>` and `<!--` cannot appear), and the line
 * separators U+2028 / U+2029 are escaped too. `JSON.parse` of the element's text gives the value back.
 * Non-finite numbers become `null` (as in `JSON.stringify`).
 *
 * @example
 * jsonForScript({ name: "</script><b>" }); // '{"name":"\\u003c/script\\u003e\\u003cb\\u003e"}'
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return "null";
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A string usable as an element id and a file name: lower-case letters, digits and `-`, never empty.
 *
 * @example
 * slug("ms1mv3 r50 (poly).log"); // "ms1mv3-r50-poly-log"
 */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s === "" ? "x" : s;
}
