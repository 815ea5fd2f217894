/**
 * One self-contained HTML report: sections of escaped text, headline sentences, facts, tables (downloadable as
 * CSV/JSON), folded details and Vega-Lite charts, drawn by vega-embed from bundles inlined in the page. It
 * opens offline from disk (no network, no CDN) under a strict Content-Security-Policy: `default-src 'none'`,
 * scripts only by the sha256 hash of each inline script, the one stylesheet by its hash, no `'unsafe-eval'`
 * (vega runs with `{ast: true, expr: vegaInterpreter}`, so no `eval`/`Function`), no `'unsafe-inline'`.
 *
 * Every chart's data travels once (datasets.ts): specs are compiled to Vega here without their data, and the
 * page script (boot.ts) puts the stored data back when it draws a chart or builds its download.
 */

import { BOOT } from "./boot.ts";
import { cspHash, libraryScripts } from "./bundles.ts";
import { compileVegaLite } from "./compile.ts";
import { DataStore } from "./datasets.ts";
import { escapeHtml, jsonForScript, slug } from "./escape.ts";
import { STYLE } from "./style.ts";
import type { ChartSpec, ReportDocument, ReportSection, TableSpec } from "./types.ts";

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

/** What the page script reads per chart. */
interface PageChart {
  domId: string;
  /** The Vega-Lite spec without its data sets (the download puts them back). */
  spec: unknown;
  /** Names of the data sets the spec uses (in the page's store). */
  names: string[];
  vega: unknown;
  error?: string;
  link?: string;
  readout?: ChartSpec["readout"];
  height?: number;
}

type PageTable = { columns: string[]; rows: TableSpec["rows"] };

/** Collects what the page script needs while sections are rendered. */
class PageState {
  readonly ids = new IdPool();
  readonly store = new DataStore();
  readonly charts: PageChart[] = [];
  readonly tables: Record<string, PageTable> = {};
}

function renderTable(t: TableSpec, st: PageState, sectionId: string): string {
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
  const html = `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
  if (t.download === undefined) return html;
  const id = st.ids.take("table", `${sectionId}-${t.download}`);
  st.tables[id] = t.data ?? { columns: t.columns, rows: t.rows };
  const file = slug(t.download);
  const n = st.tables[id]!.rows.length;
  return `${html}\n<p class="downloads">${n} row${n === 1 ? "" : "s"}, download as\
<a class="download" href="#" data-table="${escapeHtml(id)}" data-format="csv" download="${escapeHtml(file)}.csv">CSV</a>\
<a class="download" href="#" data-table="${escapeHtml(id)}" data-format="json" download="${escapeHtml(file)}.json">JSON</a></p>`;
}

function renderChart(c: ChartSpec, st: PageState): string {
  const domId = st.ids.take("chart", c.id);
  const { spec, names } = st.store.take(c.spec, domId.replace(/[^a-z0-9]/gi, "_"));
  const chart: PageChart = { domId, spec, names, ...compileVegaLite(spec) };
  if (c.link !== undefined) chart.link = c.link;
  if (c.readout) chart.readout = c.readout;
  if (c.height !== undefined) chart.height = c.height;
  st.charts.push(chart);
  const file = `${slug(c.id)}.vl.json`;
  const readout = c.readout
    ? `<div class="readout">Hover the chart for the values at a step; drag to pan, scroll to zoom, double-click to reset.</div>`
    : "";
  return `<figure class="chart" id="${escapeHtml(domId)}"><figcaption><span>${escapeHtml(c.title)}</span>\
<a class="download" href="#" data-spec="1" download="${escapeHtml(file)}">Download spec (JSON)</a></figcaption>\
<div class="vis"></div>${readout}${c.caption ? `<p class="caption">${escapeHtml(c.caption)}</p>` : ""}</figure>`;
}

function renderSection(s: ReportSection, st: PageState, depth: number, domId?: string): string {
  const id = domId ?? st.ids.take("sec", s.id);
  const tag = depth === 0 ? "h2" : depth === 1 ? "h3" : "h4";
  const title = `<${tag}>${escapeHtml(s.title)}</${tag}>`;
  const parts: string[] = [];
  if (s.source) parts.push(`<p class="source">${escapeHtml(s.source)}</p>`);
  if (s.headline && s.headline.length > 0) {
    parts.push(`<ul class="headline">${s.headline.map((h) => `<li>${escapeHtml(h)}</li>`).join("")}</ul>`);
  }
  for (const p of s.paragraphs ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
  for (const n of s.notes ?? []) parts.push(`<p class="note">${escapeHtml(n)}</p>`);
  if (s.facts && s.facts.length > 0) {
    const items = s.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(formatValue(v))}</dd>`);
    parts.push(`<dl class="facts">${items.join("")}</dl>`);
  }
  for (const c of s.charts ?? []) parts.push(renderChart(c, st));
  for (const t of s.tables ?? []) parts.push(renderTable(t, st, id));
  for (const sub of s.sections ?? []) parts.push(renderSection(sub, st, depth + 1));
  const inner = parts.join("\n");
  if (s.folded) {
    return `<details class="fold" id="${escapeHtml(id)}"><summary>${title}</summary>\n${inner}\n</details>`;
  }
  return `<section id="${escapeHtml(id)}">\n${title}\n${inner}\n</section>`;
}

/**
 * Render a report document to one self-contained HTML string (about 0.85 MB of inlined libraries plus the
 * data). Every string from `doc` is escaped; specs and data travel as JSON in a `<script type="application/json">`.
 *
 * @example
 * const html = renderReportHtml({ title: "run", sections: [{ id: "s", title: "Loss", paragraphs: ["a < b"] }] });
 * html.includes("<p>a &lt; b</p>"); // true
 */
export function renderReportHtml(doc: ReportDocument): string {
  const libs = libraryScripts();
  const st = new PageState();
  const sectionIds = doc.sections.map((s) => st.ids.take("sec", s.id));
  const body = doc.sections.map((s, i) => renderSection(s, st, 0, sectionIds[i])).join("\n");
  const toc =
    doc.sections.length > 1
      ? `<nav class="toc">${doc.sections
          .map((s, i) => `<a href="#${escapeHtml(sectionIds[i] ?? "")}">${escapeHtml(s.title)}</a>`)
          .join(" ")}</nav>`
      : "";
  const csp = [
    "default-src 'none'",
    `script-src ${[...libs.map((l) => l.hash), BOOT_HASH].join(" ")}`,
    `style-src ${STYLE_HASH}`,
    "img-src data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const scripts = libs.map((l) => `<script>${l.text}</script>`).join("\n");
  const pageJson = jsonForScript({ charts: st.charts, data: st.store.toJSON(), tables: st.tables });
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
${toc}
</header>
<main>
${body}
</main>
<footer>Written by fastface. Self-contained: opens offline; charts by Vega-Lite, compiled to Vega when written and drawn by vega-embed with vega-interpreter. Each chart's spec and each table downloads as a file.</footer>
<script type="application/json" id="fastface-page">${pageJson}</script>
${scripts}
<script>${BOOT}</script>
</body>
</html>
`;
}
