/**
 * Rich display for the notebooks (Deno Jupyter kernel): Vega-Lite charts, report sections and tables.
 *
 * Notebook glue only, no analysis: the numbers and the chart specs come from the fastface API; these helpers
 * turn them into Jupyter MIME bundles. Nothing here loads a URL: charts render from the spec alone.
 *
 * A chart is sent as one bundle with
 * - `application/vnd.vegalite.v6+json`: the spec as the report builds it (Vega-Lite 6), for frontends that know v6;
 * - `application/vnd.vegalite.v5+json`: the same spec with a v5 `$schema`, which JupyterLab 4 and VS Code render
 *   inline with the Vega bundled in the frontend (no CDN). fastface's specs use nothing Vega-Lite 6 added;
 * - `image/svg+xml`: a static SVG rendered here by Vega (headless, no canvas), for viewers without a Vega renderer
 *   (GitHub, nbconvert HTML) and for the headless test, which asserts that every chart rendered;
 * - `text/plain`: the chart title.
 */
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { ChartSpec, ReportSection, TableSpec, VegaLiteSpec } from "../../src/report/types.ts";

export const VEGALITE_V6_MIME = "application/vnd.vegalite.v6+json";
export const VEGALITE_V5_MIME = "application/vnd.vegalite.v5+json";
const V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

type Bundle = Record<string, string | object>;

/** Something the kernel displays when it is the value of a cell's last expression. */
export interface Displayable {
  [Deno.jupyter.$display]: () => Bundle | Promise<Bundle>;
}

function displayable(make: () => Bundle | Promise<Bundle>): Displayable {
  return { [Deno.jupyter.$display]: make };
}

function isChartSpec(x: ChartSpec | VegaLiteSpec): x is ChartSpec {
  return typeof (x as ChartSpec).id === "string" && typeof (x as ChartSpec).spec === "object";
}

/**
 * Render a Vega-Lite spec to an SVG string with Vega's headless renderer.
 *
 * @example
 * const svg = await renderSvg({ mark: "point", data: { values: [{ a: 1 }] }, encoding: { x: { field: "a" } } });
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The MIME bundle of one chart (see the module comment for the MIME types).
 *
 * @example
 * await Deno.jupyter.display(await chartBundle(section.charts[0]), { raw: true });
 */
export async function chartBundle(chart: ChartSpec | VegaLiteSpec, opts: { svg?: boolean } = {}): Promise<Bundle> {
  const spec = isChartSpec(chart) ? chart.spec : chart;
  const title = isChartSpec(chart) ? chart.title : typeof spec.title === "string" ? spec.title : "Vega-Lite chart";
  const bundle: Bundle = {
    [VEGALITE_V6_MIME]: spec,
    [VEGALITE_V5_MIME]: { ...spec, $schema: V5_SCHEMA },
    "text/plain": `[chart] ${title}`,
  };
  if (opts.svg !== false) bundle["image/svg+xml"] = await renderSvg(spec);
  return bundle;
}

/**
 * A chart as a displayable value: make it the last expression of a cell, or pass it to `show`.
 *
 * @example
 * chart(replaySections(result)[0].charts[0]);
 */
export function chart(spec: ChartSpec | VegaLiteSpec, opts: { svg?: boolean } = {}): Displayable {
  return displayable(() => chartBundle(spec, opts));
}

/**
 * Display now (inside loops or in the middle of a cell). Yields briefly afterwards: Deno's kernel may report
 * the cell idle before a just-sent output reaches the frontend, which then drops it (see run.sh).
 */
export async function show(x: Displayable): Promise<void> {
  await Deno.jupyter.display(await x[Deno.jupyter.$display](), { raw: true });
  await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

function tableFromRows(rows: ReadonlyArray<Record<string, unknown>>): TableSpec {
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  return { columns, rows: rows.map((r) => columns.map((c) => cellText(r[c]))) };
}

function tableBundle(t: TableSpec, maxRows: number): Bundle {
  const hidden = Math.max(0, t.rows.length - maxRows);
  const cells = t.rows.slice(0, maxRows).map((r) => r.map(cellText));
  if (hidden > 0) cells.push([`… ${hidden} more row(s)`, ...t.columns.slice(1).map(() => "")]);
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const text = [line(t.columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = cells.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`).join("\n");
  const caption = t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : "";
  return {
    "text/html": `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    "text/plain": t.caption ? `${t.caption}\n${text}` : text,
  };
}

/**
 * A table as a displayable value: a report `TableSpec`, or an array of row objects (e.g. DuckDB's
 * `getRowObjects()`; bigints and nested values are printed as text). Every cell is escaped. Shows the first
 * `maxRows` rows (default 50) and says how many more there are.
 *
 * @example
 * table([{ scheduler: "fastface", removed: 3 }, { scheduler: "hck", removed: 2 }]);
 */
export function table(
  t: TableSpec | ReadonlyArray<Record<string, unknown>>,
  opts: { maxRows?: number } = {},
): Displayable {
  const spec = Array.isArray(t) ? tableFromRows(t) : (t as TableSpec);
  return displayable(() => tableBundle(spec, opts.maxRows ?? 50));
}

/**
 * Display report sections (as built for the HTML report) inline: title, source, headline, paragraphs, notes,
 * facts, charts, tables, then the sub-sections (folded in the page).
 * `charts` picks charts by id (default: all); tables show their first `maxRows` rows (default 12).
 *
 * @example
 * await showSections(replaySections(result), { charts: ["loss"] });
 */
export async function showSections(
  sections: ReadonlyArray<ReportSection>,
  opts: { charts?: string[]; svg?: boolean; maxRows?: number } = {},
): Promise<void> {
  for (const s of sections) {
    const facts = (s.facts ?? []).map(
      ([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`,
    );
    const source = s.source ? `<p><i>${escapeHtml(s.source)}</i></p>` : "";
    const headline =
      (s.headline ?? []).length > 0
        ? `<ul>${(s.headline ?? []).map((h) => `<li>${escapeHtml(h)}</li>`).join("")}</ul>`
        : "";
    const paras = [...(s.paragraphs ?? []), ...(s.notes ?? [])].map((p) => `<p>${escapeHtml(p)}</p>`);
    const factsHtml = facts.length > 0 ? `<table>${facts.join("")}</table>` : "";
    const plain = [
      s.title,
      ...(s.source ? [s.source] : []),
      ...(s.headline ?? []).map((h) => `- ${h}`),
      ...(s.paragraphs ?? []),
      ...(s.notes ?? []),
      ...(s.facts ?? []).map(([k, v]) => `${k}: ${v}`),
    ].join("\n");
    await Deno.jupyter.display(
      {
        "text/html": `<h3>${escapeHtml(s.title)}</h3>${source}${headline}${paras.join("")}${factsHtml}`,
        "text/plain": plain,
      },
      { raw: true },
    );
    for (const c of s.charts ?? []) {
      if (opts.charts === undefined || opts.charts.includes(c.id)) await show(chart(c, { svg: opts.svg }));
    }
    for (const t of s.tables ?? []) await show(table(t, { maxRows: opts.maxRows ?? 12 }));
    // the page folds these; a notebook shows them in order
    if (s.sections) await showSections(s.sections, opts);
  }
}
