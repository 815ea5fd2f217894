/** The loss-response models by name. */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import { annealing } from "./annealing.ts";
import { effective } from "./effective.ts";
import { floor } from "./floor.ts";
import type { LossModel } from "./model.ts";
import { multipower } from "./multipower.ts";
import { sde } from "./sde.ts";

const MODELS: readonly LossModel[] = [multipower, annealing, floor, effective, sde];

/** Names accepted by `--model` (plus `auto`). */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/**
 * @example
 * getModel("floor").name; // "floor"
 */
export function getModel(name: string): LossModel {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new ConfigError(M.unknownModel(name, modelNames()), M.E_UNKNOWN_MODEL);
  return m;
}
