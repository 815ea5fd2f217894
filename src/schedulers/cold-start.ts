/**
 * When an adaptive scheduler's statistic has warmed up. A decay before that is a *cold-start decay*: it reflects
 * how the statistic was started, not a plateau of the loss (the official FastFace start injects x_1 = alpha g_1,
 * a ramp that stays below lambda for thousands of steps when the first difference is negative). Criterion: the
 * weight the statistic still puts on its start is below 5%:
 * - fastface: the double EMA's kernel (two exponentials, time constants 1/alpha and 1/beta) keeps a mass of at most
 *   (1 + a t) e^(-a t) beyond age t, a = min(alpha, beta); below 5% from t = 4.74 / a (4,744 steps for the
 *   defaults alpha = beta = 0.001);
 * - hck: decisions start when the Haar window is full (m - 1), and the EMA inside it (LE_0 = L_0) forgets its
 *   start with weight (1 - alpha)^t, below 5% after ln 20 / alpha = 3.0 / alpha steps: m - 1 + ceil(3.0 / alpha);
 * - fixed schedules and the plateau peers have no such statistic: 0.
 * The comparison can be rerun with decisions held back for that long (the schedulers' `warmup=N`, issue 11).
 * Simulate marks its decays with it; it sits here, below replay and simulate, so replay can mark its own.
 */
import { FASTFACE_PARAMS } from "./fastface.ts";
import { HCK_PARAMS } from "./hck.ts";
import { resolveParams } from "./params.ts";
import { formatSchedulerSpec, getSchedulerFactory, type SchedulerSpec } from "./registry.ts";

/** Tail mass (1 + x) e^-x of the Gamma(2) kernel equals 5% at x = 4.74. */
const GAMMA2_5PCT = 4.744;
const EXP_5PCT = Math.log(20);

/** Cap on the ramp search (steps). */
const MAX_RAMP = 50_000_000;

/** Steps until the official start's response x_t (x_0 = 0, x_1 = alpha g1, no input) stays below |lambda|. */
function rampSteps(alpha: number, beta: number, lambda: number, g1: number): number {
  const w1 = 1 - alpha + (1 - beta);
  const w2 = (1 - alpha) * (1 - beta);
  const lim = Math.abs(lambda);
  let x2 = 0;
  let x1 = alpha * g1;
  let t = 1;
  let peaked = false;
  let prev = Math.abs(x1);
  while (t < MAX_RAMP) {
    const x = w1 * x1 - w2 * x2;
    t++;
    const ax = Math.abs(x);
    if (ax < prev) peaked = true;
    if (peaked && ax < lim) return t;
    prev = ax;
    x2 = x1;
    x1 = x;
  }
  return t;
}

/**
 * Steps before the scheduler's statistic has warmed up (0 when it has none). `g1` = the run's first loss
 * difference L_0 - L_1 (fastface's official start; without it the weight criterion alone).
 *
 * @example
 * coldStartSteps({ name: "fastface", params: {} }); // 4744
 */
export function coldStartSteps(spec: SchedulerSpec, g1?: number): number {
  if (spec.name === "fastface") {
    const p = resolveParams(spec.name, FASTFACE_PARAMS, spec.params);
    const a = Math.min(p.alpha, p.beta);
    const weight = a > 0 ? Math.ceil(GAMMA2_5PCT / a) : 0;
    if (p.debias || g1 === undefined || !Number.isFinite(g1) || g1 === 0) return weight;
    return Math.max(weight, rampSteps(p.alpha, p.beta, p.lambda, g1));
  }
  if (spec.name === "hck") {
    const p = resolveParams(spec.name, HCK_PARAMS, spec.params);
    return p.alpha > 0 ? p.m - 1 + Math.ceil(EXP_5PCT / p.alpha) : p.m - 1;
  }
  getSchedulerFactory(spec.name); // an unknown name is still the registry's error
  return 0;
}

/**
 * The spec rerun with decisions held back for `steps` (the scheduler's `warmup=N`, ours), so that its cold-start
 * decays go away; undefined when the scheduler has no `warmup` parameter or `steps` is 0.
 *
 * @example
 * warmedUpSpec({ name: "fastface", params: { lambda: 2e-5 } }, 4744); // "fastface:lambda=0.00002,warmup=4744"
 */
export function warmedUpSpec(spec: SchedulerSpec, steps: number): string | undefined {
  if (!(steps > 0) || !getSchedulerFactory(spec.name).paramSpecs.warmup) return undefined;
  return formatSchedulerSpec({ name: spec.name, params: { ...spec.params, warmup: Math.ceil(steps) } });
}

/**
 * The run's first loss difference L_0 - L_1 over its first two finite losses (what the official fastface start
 * injects); undefined with fewer than two.
 *
 * @example
 * firstLossDiff(Float64Array.of(NaN, 5, 4.5)); // 0.5
 */
export function firstLossDiff(losses: ArrayLike<number>): number | undefined {
  let first: number | undefined;
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i]!;
    if (!Number.isFinite(v)) continue;
    if (first === undefined) first = v;
    else return first - v;
  }
  return undefined;
}
