/**
 * The configurations of a sweep from the text a user gives (`--scheduler name:k=v`, `--grid` axes, `--random N
 * --seed S`), parsed with the `-s` / `--grid` grammar and each checked by creating its scheduler. Shared by
 * `planSweep` (run.ts) and by queue workers (queue/worker.ts), which rebuild a sweep's configurations from the
 * same text instead of trusting parameters sent over the network.
 */
import { ConfigError, type Warnings } from "../errors.ts";
import * as M from "../messages/sweep.ts";
import {
  createScheduler,
  getSchedulerFactory,
  parseSchedulerSpec,
  type SchedulerSpec,
} from "../schedulers/registry.ts";
import type { Params, SchedulerFactory } from "../schedulers/types.ts";
import {
  effectiveParams,
  type GridDefinition,
  gridConfigs,
  parseGrid,
  randomConfigs,
  type SweepConfig,
} from "./grid.ts";

export interface PlannedConfigs {
  spec: SchedulerSpec;
  factory: SchedulerFactory;
  grid: GridDefinition;
  configs: SweepConfig[];
}

/**
 * Parse the scheduler spec and grid, build the configurations (grid or random search) and validate each one
 * (an invalid grid point throws; an invalid random draw is redrawn and counted in a warning).
 * @example planConfigs("fastface", ["tau=0.01,0.02"], null, 1).configs.length // 2
 */
export function planConfigs(
  scheduler: string,
  gridArgs: readonly string[],
  random: { n: number; seed: number } | null,
  lr0: number,
  warnings?: Warnings,
): PlannedConfigs {
  const spec = parseSchedulerSpec(scheduler);
  const factory = getSchedulerFactory(spec.name);
  const grid = parseGrid(gridArgs, factory, spec.params);
  if (random && (!Number.isInteger(random.n) || random.n < 1)) {
    throw new ConfigError(M.badRandom(random.n), M.E_SWEEP_OPTION);
  }
  const check = (params: Params) =>
    createScheduler({ name: spec.name, params: effectiveParams(params, 1) }, { totalSteps: 1000, lr0 });
  const valid = (params: Params) => {
    try {
      check(params);
      return true;
    } catch (err) {
      if (err instanceof ConfigError) return false;
      throw err;
    }
  };
  // a random draw the scheduler rejects is redrawn; an invalid grid point is the user's error (thrown)
  const configs = random ? randomConfigs(grid, random.n, random.seed, warnings, valid) : gridConfigs(grid);
  for (const cfg of configs) check(cfg.params);
  return { spec, factory, grid, configs };
}
