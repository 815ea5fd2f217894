/** The one stylesheet of every report (a constant, allowed by its CSP hash). */
export const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; --accent: #0969da; --note: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; padding-bottom: 4px; }
h1 { font-size: 1.6em; margin: 0 0 2px; overflow-wrap: anywhere; }
h2 { font-size: 1.35em; margin: 28px 0 4px; padding-top: 12px; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
main > section:first-child > h2 { border-top: 0; margin-top: 8px; padding-top: 0; }
h3, h4 { font-size: 1.05em; margin: 0; display: inline; overflow-wrap: anywhere; }
.subtitle, .caption, caption, .source { color: var(--muted); }
.subtitle { margin: 0 0 6px; }
.source { margin: 0 0 8px; font-size: 0.92em; overflow-wrap: anywhere; }
nav.toc { font-size: 0.92em; margin: 2px 0 6px; }
nav.toc a { margin-right: 14px; white-space: nowrap; }
a { color: var(--accent); }
ul.headline { margin: 6px 0 8px; padding-left: 20px; }
ul.headline li { margin: 1px 0; }
p.note { margin: 6px 0; padding: 4px 10px; border-left: 3px solid var(--note); background: #fff8c5; font-size: 0.92em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 10px 0 4px; font-size: 0.9em; }
caption { caption-side: bottom; text-align: left; padding-top: 4px; font-size: 0.9em; }
th, td { border: 1px solid var(--line); padding: 3px 8px; vertical-align: top; text-align: left; }
th { background: var(--bg-alt); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.downloads { font-size: 0.85em; margin: 0 0 10px; color: var(--muted); }
.downloads a { margin-left: 8px; }
details.fold { margin: 8px 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px; }
details.fold > summary { cursor: pointer; padding: 4px 0; }
details.fold[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: 6px; }
details.fold details.fold { border-style: dashed; }
figure.chart { margin: 10px 0 14px; }
figure.chart figcaption { font-weight: 600; display: flex; gap: 16px; align-items: baseline; }
figure.chart figcaption a.download { font-weight: 400; font-size: 0.85em; }
.vis { min-height: 40px; }
.vis .error { color: #cf222e; }
.readout { min-height: 1.5em; font-size: 0.85em; font-variant-numeric: tabular-nums; color: var(--muted); }
.readout .item { margin-right: 14px; white-space: nowrap; }
.readout .item:first-child { color: var(--fg); font-weight: 600; }
.readout .k { color: var(--fg); }
.vega-embed { position: relative; display: inline-block; }
.vega-embed .chart-wrapper { display: flex; flex-direction: column; }
.vega-embed .vega-bindings { order: -1; display: flex; flex-wrap: wrap; gap: 4px 22px; font-size: 0.85em; margin: 2px 0 4px; }
.vega-embed .vega-bind label, .vega-embed .vega-bind-radio label { display: inline-flex; align-items: center; gap: 3px; margin-right: 8px; }
.vega-embed .vega-bind-name { color: var(--muted); margin-right: 6px; }
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
@media print { .vega-embed details, a.download, .downloads { display: none; } }
`;
