/**
 * Vega-Lite → Vega compilation in Node, once per chart when the page is written, so the browser neither parses
 * the vega-lite bundle nor compiles specs before drawing (the page's charts are interactive sooner). The
 * Vega-Lite spec itself still travels in the page: it is what the "Download spec (JSON)" link gives.
 * vega-lite is ESM-only with top-level await, hence the top-level import here; importers load this module
 * lazily (it costs ~0.25 s).
 */
import * as vl from "vega-lite";
import type { VegaLiteSpec } from "./types.ts";

export type CompiledChart = { vega: unknown; error?: undefined } | { vega: null; error: string };

/**
 * Compile one Vega-Lite spec to a Vega spec; a spec Vega-Lite rejects gives its error message instead (the
 * page shows it in place of that chart, as vega-embed would have).
 *
 * @example
 * compileVegaLite({ mark: "point", data: { values: [{ x: 1 }] }, encoding: { x: { field: "x", type: "quantitative" } } }).vega
 */
export function compileVegaLite(spec: VegaLiteSpec): CompiledChart {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: vega-lite's TopLevelSpec type is wider than our plain JSON type
    return { vega: vl.compile(spec as any).spec };
  } catch (err) {
    return { vega: null, error: err instanceof Error ? err.message : String(err) };
  }
}
