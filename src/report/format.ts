/** Number and parameter formatting shared by the report's charts and tables (one way each). */

/**
 * A number as a label: integers as they are, others with 4 significant digits.
 *
 * @example
 * fmtNum(0.000123456); // "0.0001235"
 */
export function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/**
 * A fraction as a percentage with one decimal; "n/a" when it is not a finite number.
 *
 * @example
 * pct(0.1234); // "12.3%"
 */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "n/a" : `${(100 * v).toFixed(1)}%`;
}

/**
 * Parameters as `k=v, k=v` (numbers with 4 significant digits, lists joined by `;`).
 *
 * @example
 * paramsText({ lambda: 2.00001e-5, milestones: [10, 20] }); // "lambda=0.00002, milestones=10;20"
 */
export function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(";") : typeof v === "number" ? fmtNum(v) : String(v)}`)
    .join(", ");
}
