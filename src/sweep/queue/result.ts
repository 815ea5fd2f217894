/**
 * A job's results as its BullMQ return value: one column per metric (about half the JSON of row objects, and
 * the returnvalue also travels in the queue's event stream). Rows are implicit: configurations first ..
 * first+count-1 of the job's curve, in order. The coordinator checks every column (length, integer or finite
 * number, ranges) before a row reaches the store: a worker is another machine, not trusted to be right.
 */
import { METRIC_COLUMNS, SIM_COLUMNS } from "../store.ts";
import type { ResultRow, SimMetrics } from "../types.ts";
import type { JobPayload } from "./protocol.ts";

/** The returnvalue of a job. */
export interface ResultColumns {
  v: 1;
  /** Name of the worker that computed it (host:pid; a label for the coordinator's summary). */
  worker: string;
  decays: number[];
  decaySteps: number[][];
  removed: number[];
  openLoopLead: number[];
  plateaus: number[];
  premature: number[];
  nsPerStep: number[];
  lambdaEff: Array<number | null>;
  /** Closed-loop metrics by name (`--simulate` sweeps only); null where a metric is undefined. */
  sim?: Record<string, Array<number | null>>;
}

/**
 * Rows (configurations first .. first+count-1, in order) -> columns.
 * @example encodeResult(rows, "node7:4242").decays // [2, 3, ...]
 */
export function encodeResult(rows: readonly ResultRow[], worker: string): ResultColumns {
  const out: ResultColumns = {
    v: 1,
    worker,
    decays: rows.map((r) => r.decays),
    decaySteps: rows.map((r) => r.decaySteps),
    removed: rows.map((r) => r.removed),
    openLoopLead: rows.map((r) => r.openLoopLead),
    plateaus: rows.map((r) => r.plateaus),
    premature: rows.map((r) => r.premature),
    nsPerStep: rows.map((r) => r.nsPerStep),
    lambdaEff: rows.map((r) => r.lambdaEff),
  };
  const first = rows[0]?.sim;
  if (first) {
    const sim: Record<string, Array<number | null>> = {};
    for (const key of Object.keys(first) as Array<keyof SimMetrics>) {
      sim[key] = rows.map((r) => {
        const v = r.sim?.[key];
        return typeof v === "number" && Number.isFinite(v) ? v : null;
      });
    }
    out.sim = sim;
  }
  return out;
}

/**
 * Check a job's returnvalue against its payload and turn it into store rows; throws an Error saying what is
 * wrong. `simulate`: the sweep has closed-loop columns (they must be there, and only then).
 */
export function decodeResult(value: unknown, job: JobPayload, simulate: boolean): ResultRow[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
  const v = value as Record<string, unknown>;
  if (v.v !== 1) throw new Error(`unknown result version ${String(v.v)}`);
  const n = job.count;
  const column = (name: string): unknown[] => {
    const c = v[name];
    if (!Array.isArray(c) || c.length !== n) throw new Error(`'${name}' must be a list of ${n} values`);
    return c;
  };
  const ints = (name: string, min: number): number[] =>
    column(name).map((x, i) => {
      if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) {
        throw new Error(`${name}[${i}] must be an integer >= ${min}; got ${JSON.stringify(x)}`);
      }
      return x;
    });
  const decays = ints("decays", 0);
  const removed = ints("removed", 0);
  const openLoopLead = ints("openLoopLead", Number.MIN_SAFE_INTEGER);
  const plateaus = ints("plateaus", 0);
  const premature = ints("premature", 0);
  const nsPerStep = column("nsPerStep").map((x, i) => {
    if (typeof x !== "number" || !(x >= 0) || !Number.isFinite(x))
      throw new Error(`nsPerStep[${i}] must be a number >= 0`);
    return x;
  });
  const lambdaEff = column("lambdaEff").map((x, i) => {
    if (x !== null && (typeof x !== "number" || !Number.isFinite(x)))
      throw new Error(`lambdaEff[${i}] must be a number or null`);
    return x as number | null;
  });
  const decaySteps = column("decaySteps").map((x, i) => {
    if (
      !Array.isArray(x) ||
      x.length !== decays[i] ||
      x.some((s) => typeof s !== "number" || !Number.isSafeInteger(s))
    ) {
      throw new Error(`decaySteps[${i}] must be a list of ${decays[i]} integer steps`);
    }
    return x as number[];
  });
  let sim: Array<SimMetrics> | null = null;
  if (simulate) {
    const s = v.sim;
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw new Error("closed-loop columns missing");
    const cols = s as Record<string, unknown>;
    const keys = SIM_COLUMNS.map(([name]) => name);
    for (const k of Object.keys(cols))
      if (!(keys as string[]).includes(k)) throw new Error(`unexpected column sim.${k}`);
    sim = Array.from({ length: n }, () => ({}) as SimMetrics);
    for (const [name] of SIM_COLUMNS) {
      const c = cols[name];
      if (!Array.isArray(c) || c.length !== n) throw new Error(`'sim.${name}' must be a list of ${n} values`);
      c.forEach((x, i) => {
        if (x !== null && (typeof x !== "number" || !Number.isFinite(x)))
          throw new Error(`sim.${name}[${i}] must be a number or null`);
        (sim![i] as unknown as Record<string, number | null>)[name] = x as number | null;
      });
    }
  } else if (v.sim !== undefined) throw new Error("closed-loop columns in a sweep without --simulate");
  const known: string[] = ["v", "worker", ...METRIC_COLUMNS, "sim"];
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new Error(`unexpected field '${k}'`);
  const rows: ResultRow[] = [];
  for (let i = 0; i < n; i++) {
    const row: ResultRow = {
      curveId: job.curve,
      configIndex: job.first + i,
      decays: decays[i]!,
      decaySteps: decaySteps[i]!,
      removed: removed[i]!,
      openLoopLead: openLoopLead[i]!,
      plateaus: plateaus[i]!,
      premature: premature[i]!,
      nsPerStep: nsPerStep[i]!,
      lambdaEff: lambdaEff[i]!,
    };
    if (sim) row.sim = sim[i]!;
    rows.push(row);
  }
  return rows;
}
