/**
 * How numbers and parameters read in every text of fastface (CLI tables, warnings, report pages): one percent
 * formatter and one parameter list, so a value reads the same wherever it is shown.
 */

/**
 * A fraction as a percentage: `decimals` after the point (default 1), or `significant` digits when given (for
 * values that may be tiny, such as relative errors); "-" when there is no finite value.
 *
 * @example
 * percent(0.1234); // "12.3%"
 * percent(0.00012345, { significant: 3 }); // "0.0123%"
 * percent(null); // "-"
 */
export function percent(v: number | null | undefined, opts: { decimals?: number; significant?: number } = {}): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const p = 100 * v;
  return `${opts.significant !== undefined ? Number(p.toPrecision(opts.significant)) : p.toFixed(opts.decimals ?? 1)}%`;
}

/**
 * Parameters as `k=v, k=v`: numbers with at most 6 significant digits (enough to tell grid points apart), lists
 * joined by `,` as in a scheduler spec (`-s name:k=v,...`), anything else as its string.
 *
 * @example
 * paramsText({ lambda: 2.00001e-5, milestones: [10, 20] }); // "lambda=0.0000200001, milestones=10,20"
 */
export function paramsText(params: Readonly<Record<string, unknown>>): string {
  const val = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v));
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(val).join(",") : val(v)}`)
    .join(", ");
}

/**
 * A number with at most `digits` significant digits (default 4); "-" when there is no finite value.
 *
 * @example
 * significant(0.000123456); // "0.0001235"
 * significant(null); // "-"
 */
export function significant(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "-" : String(Number(v.toPrecision(digits)));
}
