/**
 * What a feature hands the report page. Every feature (replay, sweep, simulate, retrain) turns its own
 * plain-JSON result object into sections; `renderReportHtml` (page.ts) lays them out in one self-contained file.
 */

/** A Vega-Lite specification (top-level JSON object, `$schema` included). */
export type VegaLiteSpec = Record<string, unknown>;

export interface ChartSpec {
  /** Stable id, used for the container element and the downloadable JSON file name. */
  id: string;
  title: string;
  spec: VegaLiteSpec;
  /** One or two sentences shown under the chart: how to read it. */
  caption?: string;
}

/** A table of plain values; the page escapes every cell. */
export interface TableSpec {
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
  caption?: string;
}

export interface ReportSection {
  id: string;
  title: string;
  /** Plain-text paragraphs (escaped by the page; never HTML). */
  paragraphs?: string[];
  /** Key/value metadata, shown as a definition list (escaped). */
  facts?: Array<[string, string | number | boolean]>;
  tables?: TableSpec[];
  charts?: ChartSpec[];
}

export interface ReportDocument {
  title: string;
  /** Plain-text subtitle (escaped). */
  subtitle?: string;
  sections: ReportSection[];
}
