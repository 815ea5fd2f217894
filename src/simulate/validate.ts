/**
 * Validation protocols (the model must earn trust):
 * - `tail`: fit on the points up to a split (a fraction of the step range, or a step number such as the step
 *   before an LR change), predict the held-out rest under the logged LR, score only the held-out points.
 * - `cross`: a model fitted on run A predicts run B under B's schedule with no refit; state models may have their
 *   state seeded with B's first logged loss (reported as `seeded`).
 * `--model auto` ranks the models by their tail error and refits the best on all points.
 */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { type CheckResult, failedChecks, physicalChecks } from "./checks.ts";
import { type FitOptions, type FittedModel, fitModel, type Metrics, metrics, predictSteps } from "./fit.ts";
import type { LossModel, ParamValues } from "./model.ts";
import { getModel, modelNames } from "./registry.ts";
import type { Points, StepLr } from "./schedule.ts";

export interface Validation {
  protocol: "tail" | "cross";
  r2: number;
  mae: number;
  relMae: number;
  /** Logged points the model was fitted to (tail: before the split; cross: on run A). */
  fitPoints: number;
  /** Logged points compared (tail: after the split; cross: all of run B). */
  heldOutPoints: number;
  /** tail: last fitted step. */
  splitStep?: number;
  /** cross: whether the state was seeded with B's first loss (and with what). */
  seeded?: { step: number; loss: number } | false;
}

/** Points with finite positive loss. */
export function usablePoints(points: Points): Points {
  const keep: number[] = [];
  for (let i = 0; i < points.step.length; i++) {
    const v = points.loss[i]!;
    if (Number.isFinite(v) && v > 0 && points.step[i]! >= 1) keep.push(i);
  }
  return {
    step: Float64Array.from(keep, (i) => points.step[i]!),
    loss: Float64Array.from(keep, (i) => points.loss[i]!),
  };
}

/**
 * The split step of `--tail X`: X in (0, 1) is a fraction of the step range; X > 1 is a step number.
 *
 * @example
 * splitStepOf({ step: Float64Array.from([10, 20, 30]), loss: ... }, 0.5); // 20
 */
export function splitStepOf(points: Points, tail: number): number {
  if (!(tail > 0) || tail === 1) throw new ConfigError(M.badTail(tail), M.E_SIMULATE_OPTION);
  if (tail > 1) return Math.round(tail);
  const first = points.step[0] ?? 0;
  const last = points.step[points.step.length - 1] ?? 0;
  return Math.round(first + tail * (last - first));
}

function slice(points: Points, from: number, to: number): Points {
  return { step: points.step.slice(from, to), loss: points.loss.slice(from, to) };
}

/**
 * Tail protocol: fit on the points up to the split, score the rest.
 *
 * @example
 * const { validation } = validateTail(floor, points, eta, 0.8, { seed: 1 });
 */
export function validateTail(
  model: LossModel,
  points: Points,
  eta: StepLr,
  tail: number,
  fitOpts: FitOptions = {},
): { validation: Validation; fitted: FittedModel } {
  const pts = usablePoints(points);
  const split = splitStepOf(pts, tail);
  let cut = 0;
  while (cut < pts.step.length && pts.step[cut]! <= split) cut++;
  const nFit = cut;
  const nHeld = pts.step.length - cut;
  if (nFit < 10 || nHeld < 10) throw new ConfigError(M.tailTooShort(nFit, nHeld), M.E_TOO_FEW_POINTS);
  const head = slice(pts, 0, cut);
  const rest = slice(pts, cut, pts.step.length);
  const lrRef = fitOpts.lrRef ?? maxOf(eta);
  const fitted = fitModel(model, head, eta.subarray(0, split), { ...fitOpts, lrRef });
  const pred = predictSteps(model, fitted.params, eta, rest.step);
  const m = metrics(rest.loss, pred);
  return {
    validation: {
      protocol: "tail",
      r2: m.r2,
      mae: m.mae,
      relMae: m.relMae,
      fitPoints: nFit,
      heldOutPoints: nHeld,
      splitStep: split,
    },
    fitted,
  };
}

/**
 * Cross protocol: `params` (fitted on run A) predict run B under B's schedule, no refit.
 *
 * @example
 * validateCross(effective, modelA.params, modelA.fitPoints, pointsB, etaB, true);
 */
export function validateCross(
  model: LossModel,
  params: ParamValues,
  fitPoints: number,
  points: Points,
  eta: StepLr,
  seed: boolean,
): Validation {
  const pts = usablePoints(points);
  const s = seed && model.seedable && pts.step.length > 0 ? { step: pts.step[0]!, loss: pts.loss[0]! } : undefined;
  const pred = predictSteps(model, params, eta, pts.step, s);
  const m = metrics(pts.loss, pred);
  return {
    protocol: "cross",
    r2: m.r2,
    mae: m.mae,
    relMae: m.relMae,
    fitPoints,
    heldOutPoints: pts.step.length,
    seeded: s ?? false,
  };
}

/** In-sample metrics at every usable logged point. */
export function inSample(model: LossModel, params: ParamValues, points: Points, eta: StepLr): Metrics {
  const pts = usablePoints(points);
  return metrics(pts.loss, predictSteps(model, params, eta, pts.step));
}

export interface AutoCandidate {
  model: string;
  tail: Validation;
  /** Physical checks of the model refitted on all points (only for the candidates auto refitted). */
  checks?: CheckResult[];
}

/**
 * `--model auto`: tail-validate every model (split `tail`, default 0.8), then refit them on all points in order of
 * their held-out relMae and keep the first whose refit passes the physical checks (checks.ts). When none passes,
 * a ConfigError (E_NO_PHYSICAL_MODEL) lists every candidate's failed checks.
 *
 * @example
 * const { fitted, candidates } = fitAuto(points, eta, { seed: 1 });
 */
export function fitAuto(
  points: Points,
  eta: StepLr,
  fitOpts: FitOptions = {},
  tail = 0.8,
  names: readonly string[] = modelNames(),
): { fitted: FittedModel; candidates: AutoCandidate[]; checks: CheckResult[] } {
  const candidates: AutoCandidate[] = [];
  for (const name of names) {
    const { validation } = validateTail(getModel(name), points, eta, tail, fitOpts);
    candidates.push({ model: name, tail: validation });
  }
  const ranked = [...candidates].sort((a, b) => rank(a) - rank(b));
  const usable = usablePoints(points);
  for (const c of ranked) {
    const model = getModel(c.model);
    const fitted = fitModel(model, usable, eta, fitOpts);
    c.checks = physicalChecks(model, fitted.params, eta);
    if (failedChecks(c.checks).length === 0) return { fitted, candidates, checks: c.checks };
  }
  throw new ConfigError(
    M.noPhysicalModel(ranked.map((c) => `${c.model}: ${failedChecks(c.checks ?? []).join(", ")}`)),
    M.E_NO_PHYSICAL_MODEL,
  );
}

/** Tail relMae for ranking (non-finite last). */
function rank(c: AutoCandidate): number {
  return Number.isFinite(c.tail.relMae) ? c.tail.relMae : Number.POSITIVE_INFINITY;
}

function maxOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m > 0 ? m : 1;
}
