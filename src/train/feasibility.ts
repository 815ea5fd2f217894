/**
 * Can a loss-driven candidate work on this run? Checks made before any arm trains, from the candidate's own
 * scheduler object and a short probe of the loss (the candidate's first steps at its initial LR, same model,
 * data and seed: for fastface/hck these are exactly its first steps, which no decision can change).
 *
 * From the probe: the per-step noise sigma of the loss (robust: 1.4826 MAD of the first differences / sqrt 2)
 * and its mean per-step decrease g (mean of the first fifth minus mean of the last fifth, over the distance
 * between their centres). From the scheduler, by feeding it test inputs (so every rule is measured the same way,
 * with no second copy of its arithmetic): its statistic's noise gain (the L2 norm of its response to a unit
 * impulse in the loss, so a loss with white noise sigma gives a statistic with standard deviation sigma x gain)
 * and its memory M (the steps its statistic needs to reach 95 % of a new constant per-step decrease).
 *
 * Refusals (exit 2 unless --force):
 * - memory: M > T / 4. The statistic would still remember the start of training when a quarter of the run is
 *   gone (the paper's setting: M = 2.3 % of T).
 * - tolerance: toler = floor(T tau) < M / 10. The rule fires whenever the slowly varying statistic dips below
 *   lambda, so toler no longer filters anything (the paper: toler = 2.1 M).
 * - learning: (g - lambda) / (sigma gain) < 2. While the loss still falls at the probe's rate the statistic is
 *   within two noise deviations of lambda: decays fire while the model learns fastest.
 * - probe: the scheduler, fed the probe's losses, decays during the probe (the loss fell by the reported amount).
 * A warning (never a refusal): plateau: lambda / (sigma gain) < 1, the statistic of a flat loss is above lambda
 * on more than 16 % of its steps, so decays on real plateaus come late or not at all (the paper: 4.0).
 * Fixed schedules (multistep, cosine, ...) always pass; loss-driven rules without a statistic (plateau-*,
 * dlib) get the probe check only.
 */

import { tolerance } from "../schedulers/decide.ts";
import { createScheduler, getSchedulerFactory, type SchedulerSpec } from "../schedulers/registry.ts";
import type { Params, Scheduler } from "../schedulers/types.ts";

/** What the probe says about the loss. */
export interface ProbeStats {
  /** Per-step losses in the probe. */
  steps: number;
  /** Mean per-step decrease (mean of the first fifth minus the last fifth, per step between their centres). */
  decrease: number;
  /** Standard error of `decrease` under white noise of `noise`. */
  decreaseSe: number;
  /** Per-step loss noise (robust, from first differences). */
  noise: number;
  /** Mean loss of the first and last fifth. */
  first: number;
  last: number;
}

/**
 * Noise and decrease rate of a stretch of loss values. `stride` > 1: the values are means of `stride` steps
 * (a log written every `stride` steps); the noise is then scaled to one step (white noise: x sqrt(stride)) and
 * the decrease is per step.
 *
 * @example
 * probeStats(Float64Array.from({ length: 100 }, (_, i) => 50 - 0.1 * i)); // decrease 0.1, noise 0
 */
export function probeStats(loss: ArrayLike<number>, stride = 1): ProbeStats {
  const v: number[] = [];
  for (let i = 0; i < loss.length; i++) if (Number.isFinite(loss[i]!)) v.push(loss[i]!);
  const n = v.length;
  if (n < 10) {
    return {
      steps: n * stride,
      decrease: Number.NaN,
      decreaseSe: Number.NaN,
      noise: Number.NaN,
      first: Number.NaN,
      last: Number.NaN,
    };
  }
  const k = Math.max(2, Math.floor(n / 5));
  const mean = (a: number, b: number) => {
    let s = 0;
    for (let i = a; i < b; i++) s += v[i]!;
    return s / (b - a);
  };
  const first = mean(0, k);
  const last = mean(n - k, n);
  const distance = (n - k) * stride;
  const diffs: number[] = [];
  for (let i = 1; i < n; i++) diffs.push(v[i]! - v[i - 1]!);
  const med = median(diffs);
  const mad = median(diffs.map((d) => Math.abs(d - med)));
  const noiseOfValues = (1.4826 * mad) / Math.SQRT2;
  const noise = noiseOfValues * Math.sqrt(stride);
  return {
    steps: n * stride,
    decrease: (first - last) / distance,
    decreaseSe: (noiseOfValues * Math.sqrt(2 / k)) / distance,
    noise,
    first,
    last,
  };
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Steps fed before a test input so the statistic is defined (hck needs its window) and the start is forgotten. */
const LEAD = 100_000;
const CAP = 5_000_000;

function fresh(spec: SchedulerSpec, totalSteps: number): Scheduler {
  return createScheduler(spec, { totalSteps, lr0: 1 });
}

/** Feed zeros until the statistic is finite; the step index reached (or -1: the rule has no statistic). */
function lead(s: Scheduler): number {
  for (let t = 0; t < CAP; t++) {
    s.step(0);
    if (s.statistic === undefined) return -1;
    if (t >= LEAD && Number.isFinite(s.statistic)) return t;
  }
  return -1;
}

/**
 * The statistic's noise gain (L2 norm of its response to a unit loss impulse) and memory (steps to 95 % of a
 * constant per-step decrease), measured on the scheduler itself. Null when the rule has no statistic.
 *
 * @example
 * statisticResponse({ name: "fastface", params: { alpha: 0.01, beta: 0.01 } }, 1e6);
 * // { gain: 5.04e-4, memory: 474 }
 */
export function statisticResponse(spec: SchedulerSpec, totalSteps: number): { gain: number; memory: number } | null {
  const a = fresh(spec, totalSteps);
  if (lead(a) < 0) return null;
  // impulse: one loss of 1 among zeros; sum of squares of the response until it has died out
  let energy = 0;
  a.step(1);
  energy += a.statistic! * a.statistic!;
  let chunk = 0;
  for (let t = 1; t < CAP; t++) {
    a.step(0);
    const x = a.statistic!;
    chunk += x * x;
    if (t % 1000 === 0) {
      energy += chunk;
      if (chunk <= 1e-14 * energy) break;
      chunk = 0;
    }
  }
  // step in the decrease: the loss falls by 1 per step from here on; the statistic tends to 1
  const b = fresh(spec, totalSteps);
  lead(b);
  let memory = CAP;
  for (let t = 1; t < CAP; t++) {
    b.step(-t);
    if (b.statistic! >= 0.95) {
      memory = t;
      break;
    }
  }
  return { gain: Math.sqrt(energy), memory };
}

export interface FeasibilityCheck {
  name: "memory" | "tolerance" | "learning" | "probe" | "plateau";
  /** The measured value and the limit it is held to (`ok` when it passes). */
  value: number;
  limit: number;
  ok: boolean;
  /** Refusals stop the run (exit 2) unless forced; warnings never do. */
  severity: "refuse" | "warn";
  /** One sentence: what was measured and what it means. */
  why: string;
}

export interface Feasibility {
  /** The candidate spec checked (after scale=auto). */
  scheduler: string;
  steps: number;
  probe: ProbeStats & { decays: number[] };
  /** Statistic noise gain and memory (null for rules without a statistic). */
  statistic: { gain: number; memory: number; noise: number; lambda: number; toler: number } | null;
  checks: FeasibilityCheck[];
  /** True when no refusal failed. */
  ok: boolean;
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));

/**
 * Check a candidate against its run length and a probe of the loss.
 *
 * @example
 * const f = checkFeasibility(parseSchedulerSpec("fastface:lambda=2e-5,tau=0.03"), 310, probeLosses, 0.02);
 * f.ok; // false: memory 4744 > 77, toler 9 < 474, decays in the probe
 */
export function checkFeasibility(
  spec: SchedulerSpec,
  steps: number,
  probeLoss: ArrayLike<number>,
  lr0: number,
  formatted: string,
): Feasibility {
  const factory = getSchedulerFactory(spec.name);
  const probe = probeStats(probeLoss);
  const checks: FeasibilityCheck[] = [];
  // the probe replayed through the candidate (open loop: the probe trained at lr0)
  const s = createScheduler(spec, { totalSteps: steps, lr0 });
  const decays: number[] = [];
  for (let i = 0; i < probeLoss.length; i++) if (s.step(probeLoss[i]!)) decays.push(i + 1);
  const fell = `${fmt(probe.first - probe.last)} ± ${fmt(probe.decreaseSe * (probe.steps - Math.floor(probe.steps / 5)) * Math.SQRT2)}`;
  let statistic: Feasibility["statistic"] = null;
  if (factory.adaptive) {
    checks.push({
      name: "probe",
      value: decays.length,
      limit: 0,
      ok: decays.length === 0,
      severity: "refuse",
      why:
        decays.length === 0
          ? `no decay during the ${probeLoss.length}-step probe (the loss fell by ${fell})`
          : `${decays.length} decay(s) during the ${probeLoss.length}-step probe (at step ${decays.join(", ")}) while the loss fell by ${fell}`,
    });
    const params = s.params as Params;
    const resp = typeof params.lambda === "number" ? statisticResponse(spec, steps) : null;
    if (resp && typeof params.lambda === "number") {
      const lambda = params.lambda;
      const toler = typeof params.tau === "number" ? tolerance(steps, params.tau) : Number.NaN;
      const sx = probe.noise * resp.gain;
      statistic = { gain: resp.gain, memory: resp.memory, noise: sx, lambda, toler };
      checks.push({
        name: "memory",
        value: resp.memory,
        limit: steps / 4,
        ok: resp.memory <= steps / 4,
        severity: "refuse",
        why: `the statistic needs ${resp.memory} steps to follow a change of the loss's slope (95 %); the run has ${steps} (limit: a quarter of it; the paper: 2.3 %)`,
      });
      if (Number.isFinite(toler)) {
        checks.push({
          name: "tolerance",
          value: toler,
          limit: resp.memory / 10,
          ok: toler >= resp.memory / 10,
          severity: "refuse",
          why: `toler = floor(${steps} x ${params.tau}) = ${toler} steps against a memory of ${resp.memory} (limit: a tenth of it; the paper: 2.1 memories)`,
        });
      }
      const zLearn = (probe.decrease - lambda) / sx;
      checks.push({
        name: "learning",
        value: zLearn,
        limit: 2,
        ok: zLearn >= 2,
        severity: "refuse",
        why: `while the loss falls at the probe's ${fmt(probe.decrease)} per step the statistic sits ${fmt(zLearn)} noise deviations (${fmt(sx)}) above lambda = ${fmt(lambda)} (limit 2; the paper: 118)`,
      });
      const zPlateau = lambda / sx;
      checks.push({
        name: "plateau",
        value: zPlateau,
        limit: 1,
        ok: zPlateau >= 1,
        severity: "warn",
        why: `on a flat loss the statistic's noise (${fmt(sx)}) is ${fmt(1 / zPlateau)} x lambda: it stays below lambda on ${fmt(100 * normalCdf(zPlateau))} % of steps (the paper: 4.0 deviations, 99.997 %)`,
      });
    }
  }
  return {
    scheduler: formatted,
    steps,
    probe: { ...probe, decays },
    statistic,
    checks,
    ok: checks.every((c) => c.ok || c.severity === "warn"),
  };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf; |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}
