/** Number labels of the report's charts and tables (percentages and parameter lists: src/messages/format.ts). */

/**
 * A number as a label: integers as they are, others with 4 significant digits.
 *
 * @example
 * fmtNum(0.000123456); // "0.0001235"
 */
export function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
