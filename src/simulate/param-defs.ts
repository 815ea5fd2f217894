/**
 * Parameter definitions that more than one loss-response model fits with the same meaning, bounds and start:
 * the loss at step 0 (`Linit`: floor, effective) and the squared weight-norm proxy of a scale-invariant net under
 * weight decay (`u0`, `kappa`: effective, sde). A model lists them in its `paramDefs` at its own positions.
 */
import type { FitScale, ModelParamDef } from "./model.ts";

/**
 * `Linit`, the loss at step 0 (log scale, from the smallest logged loss to twice the largest; starts at the first).
 * @example paramDefs(scale) { return [linitDef(scale), ...]; }
 */
export function linitDef(scale: FitScale): ModelParamDef {
  return {
    name: "Linit",
    lo: scale.lossMin,
    hi: scale.lossMax * 2,
    log: true,
    init: scale.lossFirst,
    doc: "loss at step 0",
  };
}

/**
 * `u0` then `kappa`: the norm proxy's start (1 = equilibrium at lrRef) and its relaxation rate at eta = lrRef,
 * which starts at 30 times `rate` (the model's typical per-step rate, 3 / steps).
 * @example paramDefs(scale) { const rate = 3 / scale.steps; return [...normDefs(rate), ...]; }
 */
export function normDefs(rate: number): ModelParamDef[] {
  return [
    { name: "u0", lo: 1e-3, hi: 1e3, log: true, init: 1, doc: "initial squared-norm proxy (1 = equilibrium at lrRef)" },
    { name: "kappa", lo: 1e-7, hi: 1e-2, log: true, init: 30 * rate, doc: "norm relaxation rate at eta = lrRef" },
  ];
}
