/**
 * `fastface:scale=auto` (ours): carry the paper's FastFace setting to a run of another length by keeping its
 * dimensionless ratios, measured on the paper's own run (amoonfana/FastFace, MS1MV3 r100, 5 epochs,
 * T = 202,320 steps, alpha = beta = 0.001, lambda = 5e-5, tau = 0.05; data/logs/fastface_ms1mv3_r100.log, first
 * 10 % of T, read with `probeStats(…, 10)` as test/train/scale.test.ts recomputes):
 *
 *   rho = lambda / g                  0.0327  lambda against the mean per-step decrease over the first 10 % of T
 *   z   = lambda / (sigma x gain)     3.99    lambda in noise deviations of the statistic (per-step noise sigma)
 *   k   = toler / M                   2.13    tolerance in memories of the statistic (M: 95 % step response)
 *   M / T                             2.3 %
 *
 * Given the candidate's T and a probe (its first 10 % of steps at lr0: sigma and g), the rule sets
 *   lambda = rho g;  alpha = beta such that lambda / (sigma gain) = z;
 *   if that memory exceeds T / 8: alpha such that M = T / 8 (z is then lower: reported as given up);
 *   toler = k M, at most T / 4 (tau = toler / T; k reported when capped);
 *   debias = true and warmup = M (ours: the official cold start injects the first loss difference with weight
 *   alpha instead of alpha beta, so a loss that jumps at step 1, as the margin loss does from a random
 *   initialisation, dominates the statistic for several memories; the paper's 10 memories of tolerance hid it,
 *   a short run's cannot);
 *   delta = 2 and maxDecays = 8 as the paper.
 * Parameters written next to `scale=auto` win over the rule's (`fastface:scale=auto,delta=10`).
 * On the paper's own run the rule returns alpha = 0.001, lambda = 5e-5, tau = 0.05 (tested).
 */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/train.ts";
import {
  formatSchedulerSpec,
  getSchedulerFactory,
  parseSchedulerSpec,
  type SchedulerSpec,
} from "../schedulers/registry.ts";
import type { Params } from "../schedulers/types.ts";
import { type ProbeStats, statisticResponse } from "./feasibility.ts";

/** The paper's ratios (see the file comment for how they were measured). */
export const PAPER_RATIOS = { rho: 0.0327, z: 3.99, k: 2.13, memoryFraction: 0.0234 } as const;
/** Limits of the rule (ours): the memory may take at most T/8, the tolerance at most T/4. */
export const SCALE_LIMITS = { memory: 1 / 8, toler: 1 / 4 } as const;

export interface ScaledRatio {
  name: "rho" | "z" | "k" | "M/T";
  paper: number;
  here: number;
  kept: boolean;
}

export interface Scaled {
  /** The resolved spec that runs (what the logs, curves and the report name). */
  spec: SchedulerSpec;
  text: string;
  ratios: ScaledRatio[];
  /** The user's spec as written (with scale=auto). */
  from: string;
}

/**
 * Split `scale=auto` off a spec: the rest parses with the shared grammar. `scale` is null when absent.
 *
 * @example
 * splitScale("fastface:scale=auto,delta=10"); // { scale: "auto", rest: "fastface:delta=10" }
 */
export function splitScale(text: string): { scale: "auto" | null; rest: string } {
  const colon = text.indexOf(":");
  if (colon < 0) return { scale: null, rest: text.trim() };
  const name = text.slice(0, colon).trim();
  const tokens = text.slice(colon + 1).split(",");
  let scale: "auto" | null = null;
  const kept: string[] = [];
  for (const raw of tokens) {
    const t = raw.trim();
    const eq = t.indexOf("=");
    if (eq > 0 && t.slice(0, eq).trim() === "scale") {
      const value = t.slice(eq + 1).trim();
      if (value !== "auto") throw new ConfigError(M.scaleValue(value), M.E_SCALE);
      scale = "auto";
    } else kept.push(raw);
  }
  const body = kept.join(",").trim();
  if (scale === "auto" && name !== "fastface") throw new ConfigError(M.scaleScheduler(name), M.E_SCALE);
  return { scale, rest: body === "" ? name : `${name}:${body}` };
}

const sig = (x: number, d = 3) => Number(x.toPrecision(d));

/** alpha = beta with statistic gain `target` (gain grows like alpha^1.5; a few multiplicative steps). */
function alphaForGain(base: Params, target: number, T: number): number {
  let a = 0.01;
  for (let i = 0; i < 30; i++) {
    const r = statisticResponse({ name: "fastface", params: { ...base, alpha: a, beta: a } }, T)!;
    const next = Math.min(1, Math.max(1e-6, a * (target / r.gain) ** (2 / 3)));
    if (Math.abs(next / a - 1) < 1e-4) return next;
    a = next;
  }
  return a;
}

/** alpha = beta with memory `target` steps (memory falls like 1/alpha). */
function alphaForMemory(base: Params, target: number, T: number): number {
  let a = 0.01;
  for (let i = 0; i < 30; i++) {
    const r = statisticResponse({ name: "fastface", params: { ...base, alpha: a, beta: a } }, T)!;
    const next = Math.min(1, Math.max(1e-6, (a * r.memory) / target));
    if (Math.abs(next / a - 1) < 1e-4) return next;
    a = next;
  }
  return a;
}

/**
 * Resolve `fastface:scale=auto` for a run of `T` steps from a probe of its loss.
 *
 * @example
 * scaleAuto("fastface:scale=auto", 1000, probeStats(probeLosses)).text;
 * // e.g. "fastface:alpha=0.0379,beta=0.0379,lambda=0.00718,tau=0.25,debias=true,warmup=125"
 */
export function scaleAuto(text: string, T: number, probe: ProbeStats): Scaled {
  const { rest } = splitScale(text);
  const user = parseSchedulerSpec(rest);
  if (!(probe.decrease > 0) || !(probe.noise > 0)) {
    throw new ConfigError(M.scaleProbe(probe.steps, probe.decrease, probe.noise), M.E_SCALE);
  }
  const specs = getSchedulerFactory("fastface").paramSpecs;
  const lambda = (user.params.lambda as number | undefined) ?? PAPER_RATIOS.rho * probe.decrease;
  const base: Params = { lambda, debias: true };
  let alpha: number;
  const ratios: ScaledRatio[] = [];
  if (user.params.alpha !== undefined) alpha = user.params.alpha as number;
  else alpha = alphaForGain(base, lambda / (PAPER_RATIOS.z * probe.noise), T);
  let resp = statisticResponse({ name: "fastface", params: { ...base, alpha, beta: alpha } }, T)!;
  if (user.params.alpha === undefined && resp.memory > T * SCALE_LIMITS.memory) {
    alpha = alphaForMemory(base, T * SCALE_LIMITS.memory, T);
  }
  alpha = sig(alpha);
  const beta = (user.params.beta as number | undefined) ?? alpha;
  resp = statisticResponse({ name: "fastface", params: { ...base, alpha, beta } }, T)!;
  const memory = resp.memory;
  let toler = Math.round(PAPER_RATIOS.k * memory);
  if (toler > T * SCALE_LIMITS.toler) toler = Math.floor(T * SCALE_LIMITS.toler);
  const tau = sig(Math.min(1, (toler + 0.5) / T), 4);
  const params: Params = { alpha, beta, lambda: sig(lambda), tau, delta: 2, maxDecays: 8, debias: true };
  if (specs.warmup) params.warmup = memory;
  Object.assign(params, user.params);
  const spec = { name: "fastface", params };
  const z = (params.lambda as number) / (probe.noise * resp.gain);
  const tolerNow = Math.floor(T * (params.tau as number));
  ratios.push(
    {
      name: "rho",
      paper: PAPER_RATIOS.rho,
      here: sig((params.lambda as number) / probe.decrease),
      kept: user.params.lambda === undefined,
    },
    { name: "z", paper: PAPER_RATIOS.z, here: sig(z), kept: Math.abs(z / PAPER_RATIOS.z - 1) < 0.05 },
    {
      name: "k",
      paper: PAPER_RATIOS.k,
      here: sig(tolerNow / memory),
      kept: Math.abs(tolerNow / memory / PAPER_RATIOS.k - 1) < 0.05,
    },
    {
      name: "M/T",
      paper: PAPER_RATIOS.memoryFraction,
      here: sig(memory / T),
      kept: Math.abs(memory / T / PAPER_RATIOS.memoryFraction - 1) < 0.05,
    },
  );
  return { spec, text: formatSchedulerSpec(spec), ratios, from: text };
}
