/**
 * What every report chart shares: the Vega-Lite schema URL, the top-level config, the colours, and small
 * helpers for named data, linked x zoom and axes.
 */
import type { DataRow, VegaLiteSpec } from "./types.ts";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Top-level config of every report chart. `invalid: "filter"` drops invalid values with one filter per data
 * set instead of Vega-Lite's default path-breaking `defined` test on every line point, each of which the
 * CSP-safe expression interpreter would evaluate per row. `labelOverlap` hides labels that would collide.
 * `aria: false` drops the per-mark ARIA description Vega-Lite generates: an interpreted string expression per
 * mark item (the page's costliest expression) that would also quote axis titles, i.e. user strings, inside an
 * expression; the page's text (headline, tables) carries what the charts show.
 */
export const CHART_CONFIG = {
  aria: false,
  mark: { invalid: "filter" },
  // fewer ticks: every label is measured on a canvas and every tick and grid line is an SVG element
  axis: { labelOverlap: true, tickCount: 8 },
  legend: { labelLimit: 220 },
} as const;

/** Chart width of the main charts (px). */
export const WIDTH = 900;

/** Size of the scatter charts (sweep: Pareto front; sweep-sim: open vs closed loop). */
export const SCATTER_SIZE = { width: 700, height: 360 } as const;

export const COLORS = {
  raw: "#9aa4ae",
  smoothed: "#0969da",
  plateau: "#f2b447",
  threshold: "#cf222e",
  logged: "#1f2328",
  counter: "#1f2328",
};

/** Scheduler colours, in the order of the run's schedulers (fastface first in the defaults). */
export const PALETTE = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#9d755d",
  "#eeca3b",
  "#ff9da6",
  "#bab0ac",
];

/** A colour scale with an explicit domain, so every chart of a run gives a scheduler the same colour. */
export function colorScale(domain: readonly string[], fixed: Record<string, string> = {}) {
  let k = 0;
  const range = domain.map((d) => fixed[d] ?? PALETTE[k++ % PALETTE.length]!);
  return { domain: [...domain], range };
}

/** A reference to a named data set whose values are numbers already (no per-row parsing in the browser). */
export function named(name: string) {
  return { name, format: { parse: null } };
}

/** The data sets a spec uses, by name (only those given: an empty one is left out). */
export function datasetsOf(all: Record<string, DataRow[]>, names: readonly string[]): Record<string, DataRow[]> {
  const out: Record<string, DataRow[]> = {};
  for (const n of names) if (all[n]) out[n] = all[n]!;
  return out;
}

/** Interval param on x bound to the scales (drag to pan, wheel to zoom), over the given views. */
export function zoomParam(views?: readonly string[]): VegaLiteSpec {
  return {
    name: "zoom",
    select: { type: "interval", encodings: ["x"] },
    bind: "scales",
    ...(views ? { views: [...views] } : {}),
  };
}

/**
 * Tick values of a symlog axis with constant `c` over [lo, hi]: 0, and ±10^k from the largest magnitude down
 * to about c (so labels never crowd near zero), at most `max` of them.
 *
 * @example
 * symlogTicks(-1e-5, 0.6, 5e-5); // [0, 0.0001, 0.001, 0.01, 0.1, 1]
 */
export function symlogTicks(lo: number, hi: number, c: number, max = 7): number[] {
  const out = new Set<number>([0]);
  const side = (m: number, sign: 1 | -1) => {
    if (!(m > c)) return;
    let e = Math.ceil(Math.log10(m));
    const floor = Math.floor(Math.log10(c));
    for (let k = 0; e >= floor && k < max; e--, k++) out.add(sign * Number((10 ** e).toPrecision(1)));
  };
  side(hi, 1);
  side(-lo, -1);
  const ticks = [...out].sort((a, b) => a - b);
  if (ticks.length <= max) return ticks;
  // keep 0 and the largest magnitudes on each side
  const pos = ticks.filter((v) => v > 0).slice(-(max >> 1));
  const neg = ticks.filter((v) => v < 0).slice(0, max - 1 - pos.length);
  return [...neg, 0, ...pos];
}

/**
 * Tick values of a log axis over [lo, hi] (lo > 0): 1-2-5 steps per decade, thinned to about `target`.
 *
 * @example
 * logTicks(6.3, 55); // [7, 10, 20, 50]
 */
export function logTicks(lo: number, hi: number, target = 6): number[] {
  if (!(lo > 0 && hi >= lo)) return [];
  for (const mantissas of [[1, 1.5, 2, 3, 5, 7], [1, 2, 5], [1, 3], [1]]) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(3));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    if (out.length <= target) return out.length > 0 ? out : [Number(lo.toPrecision(3))];
  }
  return [Number(lo.toPrecision(3)), Number(hi.toPrecision(3))];
}

/**
 * Powers of ten over [lo, hi] (lo > 0) as tick values of a log axis: a log scale's own ticks are nine per
 * decade, each a label to measure and a grid line to draw. At most `max` (every other decade beyond).
 *
 * @example
 * decadeTicks(1e-4, 1); // [0.0001, 0.001, 0.01, 0.1, 1]
 */
export function decadeTicks(lo: number, hi: number, max = 6): number[] {
  if (!(lo > 0 && hi >= lo)) return [];
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const step = Math.max(1, Math.ceil((b - a + 1) / max));
  const out: number[] = [];
  for (let e = b; e >= a; e -= step) out.unshift(Number((10 ** e).toPrecision(1)));
  return out.length > 0 ? out : [Number(lo.toPrecision(2))];
}
