/**
 * Physical sanity of a fitted loss-response model: what any training run does, whatever the model says.
 * Each check runs the model (epoch sawtooth off: the checks are about the trend) under a probe schedule over the
 * logged run's length T and compares with the model under the logged schedule (`ref`):
 * - `early-cut`: the LR cut to lr0/100 after the first 1% of the steps ends well above the logged schedule's final
 *   loss: at least a quarter of the way (log scale) from that final loss back up to the loss at the cut
 *   (`final >= Lend * (Lcut / Lend)^0.25`). A run whose LR is cut to almost nothing that early barely learns.
 * - `tiny-lr`: a constant lr0/1000 stays near the initial loss: it falls by at most a tenth of the logged run's
 *   fall (log scale): `final >= L1 * (Lend / L1)^0.1`, L1 the loss after step 1 under the logged schedule.
 * - `monotone`: at a constant LR (lr0, lr0/10, lr0/100) from step 1, more steps never raise the loss: on 200
 *   evenly spaced steps from 2% of the run on it never exceeds its running minimum by more than 1%. The first 2%
 *   are exempt: at initialisation the loss does rise while the SGD noise builds up (the r50 poly log goes
 *   46.5 -> 48.9 over its first 40 steps), a transient, not a trend.
 * A model that fails one is flagged (W_UNPHYSICAL), `--model auto` does not pick it and ensembles leave it out.
 */
import * as M from "../messages/simulate.ts";
import { makeStepper } from "./epoch.ts";
import type { LossModel, ParamValues } from "./model.ts";
import { predictAt } from "./model.ts";
import type { StepLr } from "./schedule.ts";

export interface CheckResult {
  name: "early-cut" | "tiny-lr" | "monotone";
  passed: boolean;
  /** The measured quantity (early-cut, tiny-lr: the probe's final loss; monotone: the largest relative rise). */
  value: number;
  /** The bound it is compared with (a lower bound for the losses, an upper bound for the rise). */
  limit: number;
  detail: string;
}

const EARLY_CUT_AT = 0.01;
const EARLY_CUT_FACTOR = 0.01;
const EARLY_CUT_SHARE = 0.25;
const TINY_FACTOR = 1e-3;
const TINY_SHARE = 0.1;
const MONOTONE_FACTORS = [1, 0.1, 0.01];
const MONOTONE_TOL = 0.01;
const MONOTONE_FROM = 0.02;
const GRID = 200;

/** The parameters with the epoch sawtooth switched off. */
function trendOnly(params: ParamValues): ParamValues {
  return params.epA ? { ...params, epA: 0 } : params;
}

/** Loss after every step in `at` (ascending, 1-based) under `eta`. */
function lossAt(model: LossModel, params: ParamValues, eta: StepLr, at: ArrayLike<number>): Float64Array {
  const minGap = Math.max(1, Math.floor(eta.length / 2000));
  return predictAt(makeStepper(model, params, { minGap }), eta, at);
}

/**
 * Run the checks of a model over the logged schedule `eta` (absolute LRs, one per step; lr0 = its first LR).
 *
 * @example
 * physicalChecks(floor, fitted.params, eta).every((c) => c.passed);
 */
export function physicalChecks(model: LossModel, params: ParamValues, eta: StepLr): CheckResult[] {
  const T = eta.length;
  const p = trendOnly(params);
  const lr0 = eta.find((v) => v > 0) ?? 1;
  const cut = Math.max(1, Math.round(EARLY_CUT_AT * T));
  const [l1, lCut, lEnd] = lossAt(model, p, eta, [1, cut, T]) as unknown as [number, number, number];
  const out: CheckResult[] = [];
  {
    const probe = new Float64Array(T);
    for (let i = 0; i < T; i++) probe[i] = i < cut ? eta[i]! : lr0 * EARLY_CUT_FACTOR;
    const final = lossAt(model, p, probe, [T])[0]!;
    const limit = lEnd * (lCut / lEnd) ** EARLY_CUT_SHARE;
    out.push({
      name: "early-cut",
      passed: final >= limit,
      value: final,
      limit,
      detail: M.earlyCutDetail(cut, T, final, limit, lEnd, lCut),
    });
  }
  {
    const probe = new Float64Array(T).fill(lr0 * TINY_FACTOR);
    const final = lossAt(model, p, probe, [T])[0]!;
    const limit = l1 * (lEnd / l1) ** TINY_SHARE;
    out.push({
      name: "tiny-lr",
      passed: final >= limit,
      value: final,
      limit,
      detail: M.tinyLrDetail(T, final, limit, l1),
    });
  }
  {
    const first = Math.max(1, Math.round(MONOTONE_FROM * T));
    const at = Array.from({ length: GRID }, (_, i) => Math.round(first + ((i + 1) * (T - first)) / GRID));
    let worst = 0;
    let where = "";
    for (const f of MONOTONE_FACTORS) {
      const curve = lossAt(model, p, new Float64Array(T).fill(lr0 * f), at);
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < curve.length; i++) {
        const v = curve[i]!;
        if (!Number.isFinite(v)) {
          worst = Number.POSITIVE_INFINITY;
          where = M.monotoneNonFinite(f, at[i]!);
          break;
        }
        if (v < min) min = v;
        const rise = (v - min) / Math.abs(min);
        if (rise > worst) {
          worst = rise;
          where = M.monotoneRiseAt(f, v, at[i]!, min);
        }
      }
    }
    out.push({
      name: "monotone",
      passed: worst <= MONOTONE_TOL,
      value: worst,
      limit: MONOTONE_TOL,
      detail: M.monotoneDetail(worst, where, MONOTONE_TOL),
    });
  }
  return out;
}

/** The names of the failed checks (empty when all pass). */
export function failedChecks(checks: readonly CheckResult[]): string[] {
  return checks.filter((c) => !c.passed).map((c) => c.name);
}
