/**
 * One self-contained HTML report: sections of escaped text, facts, tables and Vega-Lite charts rendered by
 * vega-embed from bundles inlined in the page. It opens offline from disk (no network, no CDN) under a strict
 * Content-Security-Policy: `default-src 'none'`, scripts only by the sha256 hash of each inline script, the
 * one stylesheet by its hash, no `'unsafe-eval'` (vega runs with `{ast: true, expr: vegaInterpreter}`, so no
 * `eval`/`Function`). Every chart's spec can be downloaded as JSON through a `blob:` link the page script makes.
 */
import { cspHash, libraryScripts } from "./bundles.ts";
import { compileVegaLite } from "./compile.ts";
import { escapeHtml, jsonForScript, slug } from "./escape.ts";
import type { ChartSpec, ReportDocument, ReportSection, TableSpec } from "./types.ts";

const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.7em; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.3em; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
.subtitle, .caption, caption, .generated { color: var(--muted); }
nav ol { margin: 8px 0 16px; padding-left: 20px; columns: 2; }
nav a, a.download { color: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
table { border-collapse: collapse; margin: 12px 0; font-size: 0.92em; min-width: 420px; }
caption { caption-side: bottom; text-align: left; padding-top: 4px; font-size: 0.9em; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: var(--bg-alt); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.chart { margin: 16px 0; }
figure.chart figcaption { font-weight: 600; display: flex; gap: 16px; align-items: baseline; }
figure.chart figcaption a.download { font-weight: 400; font-size: 0.9em; }
.vis { min-height: 60px; }
.vis .error { color: #cf222e; }
.vega-embed { position: relative; display: inline-block; }
.vega-embed details { position: absolute; top: 0; right: -28px; }
.vega-embed details summary { list-style: none; cursor: pointer; padding: 0 6px; border: 1px solid var(--line);
  border-radius: 4px; background: #fff; font-size: 14px; }
.vega-embed details summary::-webkit-details-marker { display: none; }
.vega-embed details summary svg { width: 14px; height: 14px; vertical-align: middle; }
.vega-embed details:not([open]) > .vega-actions { display: none; }
.vega-embed .vega-actions { position: absolute; right: 0; top: 26px; z-index: 10; display: flex; flex-direction: column;
  background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 4px 0; }
.vega-embed .vega-actions a { padding: 4px 12px; white-space: nowrap; color: var(--fg); text-decoration: none; }
.vega-embed .vega-actions a:hover { background: var(--bg-alt); }
#vg-tooltip-element { position: fixed; z-index: 1000; visibility: hidden; pointer-events: none; padding: 6px 8px;
  background: rgba(255,255,255,0.96); border: 1px solid var(--line); border-radius: 4px; font-size: 12px;
  box-shadow: 0 2px 6px rgba(0,0,0,0.12); }
#vg-tooltip-element.visible { visibility: visible; }
#vg-tooltip-element table { margin: 0; border: 0; }
#vg-tooltip-element td { border: 0; padding: 1px 4px; }
#vg-tooltip-element td.key { color: var(--muted); text-align: right; }
footer { max-width: 1180px; margin: 32px auto; padding: 0 24px; color: var(--muted); font-size: 0.85em; }
`;

/**
 * The page script (a constant, so its hash is constant): renders each chart with vega-embed under the
 * interpreter, wires the JSON download links, and marks `body[data-charts-ready]` when every chart settled.
 */
const BOOT = `(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("fastface-specs").textContent);
  var options = {
    ast: true,
    expr: globalThis.vegaInterpreter.expressionInterpreter,
    mode: "vega",
    renderer: "svg",
    defaultStyle: false,
    forceActionsMenu: true,
    tooltip: { disableDefaultStyle: true },
    actions: { export: true, source: false, compiled: false, editor: false }
  };
  document.body.setAttribute("data-boot", String(Math.round(performance.now())));
  // Charts render one per task in document order, so the page stays responsive while the rest draw.
  function next(i) {
    if (i >= charts.length) {
      document.body.setAttribute("data-charts-ready", String(Math.round(performance.now())));
      return;
    }
    var chart = charts[i];
    var figure = document.getElementById(chart.domId);
    var vis = figure.querySelector(".vis");
    var link = figure.querySelector("a.download");
    // The blob: URL is made on first use, so serialising big specs does not delay the charts.
    link.addEventListener("click", function () {
      if (link.getAttribute("href") !== "#") return;
      var blob = new Blob([JSON.stringify(chart.spec, null, 2) + "\\n"], { type: "application/json" });
      link.href = URL.createObjectURL(blob);
    });
    var rendered = chart.vega === null
      ? Promise.reject(new Error(chart.error))
      : globalThis.vegaEmbed(vis, chart.vega, options);
    rendered.then(function () {
      figure.setAttribute("data-rendered", "true");
    }, function (err) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = "This chart could not be rendered: " + (err && err.message ? err.message : String(err));
      vis.appendChild(p);
      figure.setAttribute("data-rendered", "error");
      console.error(err);
    }).then(function () {
      setTimeout(function () { next(i + 1); }, 0);
    });
  }
  next(0);
})();
`;

const STYLE_HASH = cspHash(STYLE);
const BOOT_HASH = cspHash(BOOT);

/** Unique DOM ids: slugs, with `-2`, `-3`, … appended on collision. */
class IdPool {
  private readonly used = new Set<string>();
  take(prefix: string, raw: string): string {
    const base = `${prefix}-${slug(raw)}`;
    let id = base;
    for (let k = 2; this.used.has(id); k++) id = `${base}-${k}`;
    this.used.add(id);
    return id;
  }
}

/** Format a table/fact value: integers with thousands separators, other numbers with 4 significant digits. */
export function formatValue(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return Math.abs(v) >= 10000 ? v.toLocaleString("en-US") : String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  return String(v);
}

function renderTable(t: TableSpec): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
  const body = t.rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell) => `<td${typeof cell === "number" ? ' class="num"' : ""}>${escapeHtml(formatValue(cell))}</td>`)
          .join("")}</tr>`,
    )
    .join("\n");
  const caption = t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : "";
  return `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function renderChart(c: ChartSpec, domId: string): string {
  const file = `${slug(c.id)}.vl.json`;
  return `<figure class="chart" id="${escapeHtml(domId)}"><figcaption><span>${escapeHtml(c.title)}</span>\
<a class="download" href="#" download="${escapeHtml(file)}">Download spec (JSON)</a></figcaption>\
<div class="vis"></div>${c.caption ? `<p class="caption">${escapeHtml(c.caption)}</p>` : ""}</figure>`;
}

/** What the page script reads per chart: the Vega-Lite spec (for download) and its Vega compilation (to draw). */
interface PageChart {
  domId: string;
  spec: unknown;
  vega: unknown;
  error?: string;
}

function renderSection(s: ReportSection, domId: string, ids: IdPool, charts: PageChart[]) {
  const parts: string[] = [`<section id="${escapeHtml(domId)}">`, `<h2>${escapeHtml(s.title)}</h2>`];
  for (const p of s.paragraphs ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
  if (s.facts && s.facts.length > 0) {
    const items = s.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(formatValue(v))}</dd>`);
    parts.push(`<dl class="facts">${items.join("")}</dl>`);
  }
  for (const c of s.charts ?? []) {
    const chartId = ids.take("chart", c.id);
    charts.push({ domId: chartId, spec: c.spec, ...compileVegaLite(c.spec) });
    parts.push(renderChart(c, chartId));
  }
  for (const t of s.tables ?? []) parts.push(renderTable(t));
  parts.push("</section>");
  return parts.join("\n");
}

/**
 * Render a report document to one self-contained HTML string (about 0.85 MB of inlined libraries plus the
 * specs). Every string from `doc` is escaped; specs travel as JSON in a `<script type="application/json">`.
 *
 * @example
 * const html = renderReportHtml({ title: "run", sections: [{ id: "s", title: "Loss", paragraphs: ["a < b"] }] });
 * html.includes("<p>a &lt; b</p>"); // true
 */
export function renderReportHtml(doc: ReportDocument): string {
  const libs = libraryScripts();
  const ids = new IdPool();
  const charts: PageChart[] = [];
  const sectionIds = doc.sections.map((s) => ids.take("sec", s.id));
  const body = doc.sections.map((s, i) => renderSection(s, sectionIds[i] ?? "sec", ids, charts)).join("\n");
  const toc = doc.sections
    .map((s, i) => `<li><a href="#${escapeHtml(sectionIds[i] ?? "")}">${escapeHtml(s.title)}</a></li>`)
    .join("");
  const csp = [
    "default-src 'none'",
    `script-src ${[...libs.map((l) => l.hash), BOOT_HASH].join(" ")}`,
    `style-src ${STYLE_HASH}`,
    "img-src data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const scripts = libs.map((l) => `<script>${l.text}</script>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fastface">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(doc.title)}</h1>
${doc.subtitle ? `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>` : ""}
${doc.sections.length > 1 ? `<nav><ol>${toc}</ol></nav>` : ""}
</header>
<main>
${body}
</main>
<footer>Written by fastface. Self-contained: opens offline; charts by Vega-Lite, compiled to Vega when written and drawn by vega-embed with vega-interpreter.</footer>
<script type="application/json" id="fastface-specs">${jsonForScript(charts)}</script>
${scripts}
<script>${BOOT}</script>
</body>
</html>
`;
}
