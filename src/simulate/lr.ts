/**
 * The per-step LR a logged run trained with: the log's LR column, or `--lr-schedule SPEC` (any replay scheduler
 * spec; `lr=` is taken as the initial LR when the scheduler has no such parameter). A log without an LR column
 * and without a spec is a ConfigError that says what to pass.
 */
import type { Curve } from "../curve/curve.ts";
import { ConfigError, type Warnings } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { coerceNumber } from "../schedulers/params.ts";
import {
  createScheduler,
  getSchedulerFactory,
  parseSchedulerSpec,
  type SchedulerSpec,
} from "../schedulers/registry.ts";
import type { ParamSpec } from "../schedulers/types.ts";
import { type StepLr, stepLrFromLogged } from "./schedule.ts";

export interface LrSource {
  /** `eta[i]` = absolute LR of step i+1, for steps 1..last logged step. */
  eta: StepLr;
  /** Initial LR. */
  lr0: number;
  from: "log" | "spec";
  spec?: string;
}

/** `lr=` of an `--lr-schedule` spec: a number of the shared grammar (schedulers/params.ts), > 0. */
const LR_SPEC: ParamSpec = { type: "number", default: undefined, above: 0, doc: "initial LR" };

/**
 * Split `lr=V` off a scheduler spec when the scheduler has no `lr` parameter.
 *
 * @example
 * splitLr("multistep:lr=0.1,milestones=10,20,gamma=0.1");
 * // { spec: { name: "multistep", params: { milestones: [10, 20], gamma: 0.1 } }, lr: 0.1 }
 */
export function splitLr(spec: string): { spec: SchedulerSpec; lr?: number } {
  const colon = spec.indexOf(":");
  if (colon < 0) return { spec: parseSchedulerSpec(spec) };
  const name = spec.slice(0, colon).trim();
  const factory = getSchedulerFactory(name);
  if (factory.paramSpecs.lr) return { spec: parseSchedulerSpec(spec) };
  let lr: number | undefined;
  const kept: string[] = [];
  for (const token of spec.slice(colon + 1).split(",")) {
    const m = /^\s*lr\s*=\s*(.*)$/.exec(token);
    if (m) {
      try {
        lr = coerceNumber(name, "lr", LR_SPEC, m[1]);
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(M.inLrSchedule(spec, err.message), err.code);
        throw err;
      }
    } else kept.push(token);
  }
  const rest = kept.join(",").trim();
  const parsed = parseSchedulerSpec(rest === "" ? name : `${name}:${rest}`);
  return lr === undefined ? { spec: parsed } : { spec: parsed, lr };
}

/** True when the curve has at least one finite LR value. */
export function hasLr(curve: Curve): boolean {
  const lr = curve.columns.lr;
  if (!lr) return false;
  for (let i = 0; i < lr.length; i++) if (Number.isFinite(lr[i]!)) return true;
  return false;
}

/** Per-step losses for steps 1..last, each logged value held backwards over its interval. */
export function stepLossFromLogged(curve: Curve): Float64Array {
  return stepLrFromLogged(curve.columns.step, curve.columns.loss);
}

/**
 * Resolve the schedule of a logged run.
 *
 * @example
 * resolveStepLr(curve, "multistep:lr=0.1,milestones=49820,79712,104622,gamma=0.1", warnings).eta[49820]; // 0.01
 */
export function resolveStepLr(curve: Curve, spec: string | undefined, warnings: Warnings): LrSource {
  const steps = curve.columns.step;
  const last = steps.length > 0 ? Math.round(steps[steps.length - 1]!) : 0;
  if (spec === undefined) {
    if (!hasLr(curve)) throw new ConfigError(M.noLr(curve.meta.source || curve.meta.name), M.E_NO_LR);
    const lrCol = Float64Array.from(curve.columns.lr!);
    // carry the last finite LR over gaps
    let prev = Number.NaN;
    for (let i = 0; i < lrCol.length; i++) {
      if (Number.isFinite(lrCol[i]!)) prev = lrCol[i]!;
      else lrCol[i] = prev;
    }
    const first = lrCol.find((v) => Number.isFinite(v)) ?? 1;
    for (let i = 0; i < lrCol.length && !Number.isFinite(lrCol[i]!); i++) lrCol[i] = first;
    return { eta: stepLrFromLogged(steps, lrCol), lr0: first, from: "log" };
  }
  if (hasLr(curve)) warnings.add(M.W_LR_OVERRIDDEN, M.lrOverridden(spec));
  const { spec: parsed, lr } = splitLr(spec);
  const configLr = Number(curve.meta.config.lr);
  let lr0 = lr ?? (Number.isFinite(configLr) && configLr > 0 ? configLr : Number.NaN);
  if (!Number.isFinite(lr0)) {
    warnings.add(M.W_RELATIVE_LR, M.relativeLr(spec));
    lr0 = 1;
  }
  const totalRaw = Number(curve.meta.config.total_step);
  const totalSteps = Number.isFinite(totalRaw) && totalRaw >= last ? totalRaw : last;
  const sched = createScheduler(parsed, { totalSteps, lr0 });
  const losses = stepLossFromLogged(curve);
  const eta = new Float64Array(last);
  for (let i = 0; i < last; i++) {
    eta[i] = sched.lr;
    sched.step(losses[i]!);
  }
  return { eta, lr0, from: "spec", spec };
}
