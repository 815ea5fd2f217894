/**
 * The closed-loop half of a `--simulate` sweep: one configuration driven against a curve's loss-response model,
 * once per seed, with the simulator's own loop (`runClosedLoop`: `createScheduler`, the same scheduler code as
 * replay) and summarised the way `fastface simulate` summarises a scheduler (`spreadOf` over seeds). Loaded by
 * the workers only when a sweep simulates, so plain sweeps never import the simulator.
 */

import type { Params } from "../schedulers/types.ts";
import { runClosedLoop } from "../simulate/closed-loop.ts";
import { getModel } from "../simulate/registry.ts";
import { spreadOf } from "../simulate/simulate.ts";
import type { SimCurve, SimMetrics } from "./types.ts";

const NO_GRID = new Float64Array(0);

/**
 * Run `sim.seeds` closed loops of one scheduler configuration and summarise them.
 * @example
 * const m = evaluateClosedLoop(sim, "fastface", { lambda: 2e-5 });
 * // m.simDecays, m.simFinalLoss, m.timeToTarget, m.simReached, m.simPlateausRemoved
 */
export function evaluateClosedLoop(sim: SimCurve, scheduler: string, params: Params): SimMetrics {
  const model = getModel(sim.model);
  const spec = { name: scheduler, params };
  const decays: number[] = [];
  const finals: number[] = [];
  const reached: number[] = [];
  const plateaus: number[] = [];
  const ns: number[] = [];
  for (let k = 0; k < sim.seeds; k++) {
    const run = runClosedLoop({
      model,
      params: sim.params,
      scheduler: spec,
      ctx: { totalSteps: sim.budgetSteps, lr0: sim.lr0 },
      steps: sim.budgetSteps,
      stride: sim.stride,
      ...(sim.noise ? { noise: sim.noise } : {}),
      seed: sim.seed0 + k,
      target: sim.target,
      grid: NO_GRID,
      judge: sim.judge,
      minGap: sim.minGap,
    });
    decays.push(run.decays.length);
    finals.push(run.finalLoss);
    if (run.reachStep !== null) reached.push(run.reachStep / sim.lastStep);
    plateaus.push(run.stationary.length);
    ns.push(run.nsPerStep);
  }
  const final = spreadOf(finals);
  const simPlateaus = spreadOf(plateaus).mean;
  return {
    simDecays: spreadOf(decays).mean,
    simFinalLoss: final.mean,
    simFinalLossLo: final.lo,
    simFinalLossHi: final.hi,
    timeToTarget: reached.length > 0 ? spreadOf(reached).mean : null,
    simReached: sim.seeds > 0 ? reached.length / sim.seeds : 0,
    simPlateaus,
    simLoggedPlateaus: sim.loggedPlateaus,
    simPlateausRemoved: sim.loggedPlateaus - simPlateaus,
    simNsPerStep: spreadOf(ns).mean,
  };
}
