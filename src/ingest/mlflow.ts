/**
 * MLflow file store: `mlruns/<experiment>/<run>/metrics/<key>` files of `timestamp value step` lines
 * (timestamp in ms). One file = one scalar tag; a run's tags become one curve each (or only `--tag`).
 * The pure part parses one metric file; `load.ts` walks the folders.
 */

import { makeCurve } from "../curve/clean.ts";
import { Growable } from "../curve/columns.ts";
import type { Curve } from "../curve/curve.ts";
import { ParseError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { cellBad, cellNumber } from "./points.ts";

export interface MetricSeries {
  step: Float64Array;
  value: Float64Array;
  wallTime: Float64Array;
}

/**
 * Parse an MLflow metric file (`<timestamp ms> <value> <step>` per line; the step is optional in old stores).
 *
 * @example
 * parseMlflowMetric("1700000000000 2.5 0\n1700000001000 2.4 10\n", "metrics/loss").step // [0, 10]
 */
export function parseMlflowMetric(text: string, source: string, warnings: Warnings = new Warnings()): MetricSeries {
  const step = new Growable();
  const value = new Growable();
  const wall = new Growable();
  let bad = 0;
  const badAt: number[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.length === 0) continue;
    const parts = line.split(/\s+/);
    const ts = cellNumber(parts[0]);
    const tsBad = cellBad;
    const v = cellNumber(parts[1]);
    const vBad = cellBad;
    const s = parts.length > 2 ? cellNumber(parts[2]) : 0;
    if (parts.length < 2 || parts.length > 3 || tsBad || vBad || cellBad || ts === undefined || v === undefined) {
      bad++;
      if (badAt.length < 5) badAt.push(i + 1);
      continue;
    }
    step.push(s ?? Number.NaN);
    value.push(v);
    wall.push(ts / 1000);
  }
  if (bad > 0) warnings.add(M.W_MALFORMED_LINES, M.malformedLines(bad, badAt), { file: source });
  if (step.length === 0) throw new ParseError(M.noPoints, { file: source }, "lines of '<timestamp ms> <value> <step>'");
  return { step: step.toArray(), value: value.toArray(), wallTime: wall.toArray() };
}

/**
 * One MLflow metric series -> a curve (tag = metric key).
 *
 * @example
 * mlflowCurve(parseMlflowMetric(text, src), { run: "abc", key: "loss", source: src })
 */
export function mlflowCurve(
  series: MetricSeries,
  where: { run: string; key: string; source: string; lossKey?: string | undefined },
  warnings: Warnings = new Warnings(),
  lr?: Float64Array,
): Curve {
  return makeCurve(
    { step: series.step, loss: series.value, wallTime: series.wallTime, lr },
    {
      name: where.key === where.lossKey ? where.run : `${where.run}:${where.key}`,
      source: where.source,
      format: "mlflow",
      tag: where.key,
    },
    warnings,
  );
}
