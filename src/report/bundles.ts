/**
 * The browser libraries inlined into every report: the UMD builds of vega and vega-embed, and
 * vega-interpreter (the CSP-safe expression evaluator). vega-interpreter ships only an ES module
 * (`build/vega-interpreter.js`, one `import {…} from 'vega-util'` and one `export {…}`); its three vega-util
 * imports are re-exported by the vega UMD global, so `interpreterScript` rewrites exactly those two lines to
 * read them from `globalThis.vega` and publish `globalThis.vegaInterpreter`. The rewrite checks the exact
 * shape and fails loudly if a new release changes it.
 *
 * Texts and their sha256 hashes are read once per process and cached.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface InlineScript {
  name: string;
  text: string;
  /** `'sha256-…'` source expression for the Content-Security-Policy. */
  hash: string;
}

/** CSP source expression (`'sha256-<base64>'`) of an inline script or style text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Find `node_modules/<rel>` walking up from this file (works in the repo and when installed as a dependency). */
function findModuleFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules", rel);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`report: cannot find node_modules/${rel} (is the package installed?)`);
    dir = up;
  }
}

function checkInlineSafe(name: string, text: string): string {
  // Inside <script>, the HTML parser ends the element at `</script` and treats `<!--` specially.
  if (/<\/script/i.test(text) || text.includes("<!--")) {
    throw new Error(`report: ${name} contains '</script' or '<!--' and cannot be inlined`);
  }
  // The HTML parser turns CR and CRLF into LF before the browser hashes the text.
  return text.replace(/\r\n?/g, "\n");
}

/**
 * One speed patch of vega-interpreter's `interpret`, which runs for every expression evaluation (each mark
 * item's encoding, each calculated field): it built a fresh function table and six event-function closures
 * every time, needed only for expressions evaluated on an event. Without an event the shared table is used
 * as it is (nothing writes to it then): the main replay chart draws with about a fifth less CPU. Exact lines
 * of the installed build (a test checks they are patched; a release without them only loses the speed-up).
 */
export const INTERPRETER_PATCHES: ReadonlyArray<[string, string]> = [
  ["  $.fn = Object.create(fn);", "  $.fn = event ? Object.create(fn) : fn;"],
  [
    "  EventFunctions.forEach(f => $.fn[f] = (...args) => event.vega[f](...args));",
    "  if (event) EventFunctions.forEach(f => $.fn[f] = (...args) => event.vega[f](...args));",
  ],
];

/**
 * Turn vega-interpreter's ES module into a classic script defining `globalThis.vegaInterpreter`, with the
 * speed patch above.
 *
 * @example
 * interpreterScript("import { isString } from 'vega-util';\nconst expression = {};\nexport { expression as expressionInterpreter };\n");
 * // "(function (vega) {\n\"use strict\";\nconst { isString } = vega;\n…globalThis.vegaInterpreter = { expressionInterpreter: expression };\n})(globalThis.vega);\n"
 */
export function interpreterScript(moduleText: string): string {
  const importRe = /^import\s*\{([\w\s,]+)\}\s*from\s*['"]vega-util['"];?[ \t]*$/m;
  const exportRe = /^export\s*\{\s*(\w+)\s+as\s+expressionInterpreter\s*\};?[ \t]*$/m;
  const imp = importRe.exec(moduleText);
  const exp = exportRe.exec(moduleText);
  const otherImports = moduleText
    .replace(importRe, "")
    .replace(exportRe, "")
    .match(/^(import|export)\b/m);
  if (!imp || !exp || otherImports) {
    throw new Error(
      "report: vega-interpreter's build no longer has the expected shape (one import from vega-util, one export)",
    );
  }
  let body = moduleText;
  for (const [from, to] of INTERPRETER_PATCHES) body = body.replace(from, to);
  body = body
    .replace(importRe, `const {${imp[1]}} = vega;`)
    .replace(exportRe, `globalThis.vegaInterpreter = { expressionInterpreter: ${exp[1]} };`);
  return `(function (vega) {\n"use strict";\n${body}\n})(globalThis.vega);\n`;
}

let cache: InlineScript[] | undefined;

/**
 * The library scripts in load order (vega, vega-embed, vega-interpreter), cached. Vega-Lite is compiled in
 * Node (compile.ts), so its bundle is not needed in the page.
 *
 * @example
 * const scripts = libraryScripts(); // [{name: "vega", text, hash: "'sha256-…'"}, …]
 */
export function libraryScripts(): InlineScript[] {
  if (cache) return cache;
  const read = (rel: string) => readFileSync(findModuleFile(rel), "utf8");
  const entries: Array<[string, string]> = [
    ["vega", read("vega/build/vega.min.js")],
    ["vega-embed", read("vega-embed/build/vega-embed.min.js")],
    ["vega-interpreter", interpreterScript(read("vega-interpreter/build/vega-interpreter.js"))],
  ];
  cache = entries.map(([name, raw]) => {
    const text = checkInlineSafe(name, raw);
    return { name, text, hash: cspHash(text) };
  });
  return cache;
}
