/**
 * What a feature hands the report page. Every result kind (replay, sweep, simulate, retrain, explain) turns its
 * own plain-JSON result object into sections; `renderReportHtml` (page.ts) lays them out in one
 * self-contained file.
 */

import type { ParseError, Warnings } from "../errors.ts";

/** A Vega-Lite specification (top-level JSON object, `$schema` included). */
export type VegaLiteSpec = Record<string, unknown>;

/** One row of a chart's data set. */
export type DataRow = Record<string, number | string | boolean | null>;

/**
 * A line of the hover readout under a chart: the value of `field` in data set `data` at the hovered step
 * (`nearest` row, or `hold`: the last row at or before it, for step-after series like an LR), optionally only
 * among the rows whose `where` fields equal the given values.
 */
export interface ReadoutItem {
  /** Label shown before the value (plain text; the page sets it with textContent). */
  label: string;
  data: string;
  field: string;
  /** Read the field name from this top-level signal at hover time instead (e.g. the chosen smoothing). */
  fieldSignal?: string;
  mode: "nearest" | "hold";
  where?: Record<string, string | number>;
  /** `int`: thousands separators; `hours`: wall time in hours; default 4 significant digits. */
  format?: "int" | "hours" | "num";
}

/**
 * Hover readout: the chart defines a point selection `param` (nearest on x) over rows with a `field` (the
 * step); the page reads the hovered step from it and prints every item's value at that step.
 */
export interface Readout {
  param: string;
  field: string;
  items: ReadoutItem[];
}

export interface ChartSpec {
  /** Stable id, used for the container element and the downloadable JSON file name. */
  id: string;
  title: string;
  /**
   * The Vega-Lite spec. Its data may sit in top-level `datasets` (referenced by `data: {name}`): the page
   * stores each named data set once (shared by every chart that names it, names are page-wide) and puts it
   * back into the spec for the download link.
   */
  spec: VegaLiteSpec;
  /** One or two sentences shown under the chart: how to read it. */
  caption?: string;
  /**
   * Charts with the same `link` share their x zoom/pan: each defines an interval param `zoom` bound to the x
   * scale (signal `zoom_step` or `zoom_x`), and the page copies one chart's domain to the others.
   */
  link?: string;
  readout?: Readout;
  /** Height the placeholder reserves before the chart is drawn (charts draw when scrolled into view). */
  height?: number;
}

/** A table of plain values; the page escapes every cell. */
export interface TableSpec {
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
  caption?: string;
  /**
   * File name stem of the table's CSV and JSON download links (no links when absent). The download holds
   * `data` when given (e.g. the long form, full precision), else the displayed rows.
   */
  download?: string;
  data?: { columns: string[]; rows: Array<Array<string | number | boolean | null>> };
}

export interface ReportSection {
  id: string;
  title: string;
  /** One muted line under the title (where the data comes from). */
  source?: string;
  /** Headline sentences, shown first and prominently (plain text, escaped). */
  headline?: string[];
  /** Plain-text paragraphs (escaped by the page; never HTML). */
  paragraphs?: string[];
  /** One-line notes set apart from the text (caveats, why a chart is missing). */
  notes?: string[];
  /** Key/value metadata, shown as a definition list (escaped). */
  facts?: Array<[string, string | number | boolean]>;
  charts?: ChartSpec[];
  tables?: TableSpec[];
  /** Shown folded (`<details>`): metadata, configs, raw tables. Its charts draw when it is opened. */
  folded?: boolean;
  /** Sub-sections (a run's folded details under its summary). */
  sections?: ReportSection[];
}

export interface ReportDocument {
  title: string;
  /** Plain-text subtitle (escaped). */
  subtitle?: string;
  sections: ReportSection[];
}

/** One input of `fastface report`, as the report kinds (kinds.ts) see it. */
export interface ReportInput {
  path: string;
  /** Lower-case extension with the dot (`.json`, `.duckdb`). */
  ext: string;
  /** The parsed document when the file is JSON; undefined for binary inputs. */
  json?: unknown;
  /** Why JSON parsing failed, when it was tried and failed. */
  jsonError?: ParseError;
}

/** A kind's share of the page. */
export interface ReportPart {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
}

export interface ReportKind {
  name: string;
  /** `null` when this kind reads the input; otherwise the reason it does not (listed when nothing matches). */
  accept(input: ReportInput): string | null;
  /** The part of the page for one accepted input. */
  build(input: ReportInput, warnings: Warnings): Promise<ReportPart>;
  /** One part for several accepted inputs (compare them); without it, each input gets its own part. */
  combine?(inputs: readonly ReportInput[], warnings: Warnings): Promise<ReportPart>;
}
