/**
 * `model.json`: a fitted loss-response model, written by `fastface fit --out` and read by `--model-from`.
 */
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.ts";
import * as M from "../messages/simulate.ts";
import type { Metrics } from "./fit.ts";
import type { ParamValues } from "./model.ts";
import { getModel } from "./registry.ts";

export interface ModelFile {
  kind: "fastface-model";
  version: 1;
  model: string;
  params: ParamValues;
  fittedOn: { name: string; source: string; lastStep: number; lr: "log" | "spec"; spec?: string };
  inSample: Metrics;
  /**
   * A joint fit (`fastface fit a.log b.log --joint`): the parameters each run holds for itself and every fitted
   * run's full parameters; `params` are the first run's. Applied to another run, its own parameters are
   * calibrated on that run's first `calibrate` fraction of steps.
   */
  joint?: {
    perRun: string[];
    calibrate: number;
    runs: Array<{ name: string; source: string; params: ParamValues; inSample: Metrics }>;
  };
}

/**
 * Check a parsed JSON document and return it as a ModelFile.
 *
 * @example
 * parseModelFile(JSON.parse(text), "model.json").model; // "effective"
 */
export function parseModelFile(v: unknown, path: string): ModelFile {
  const bad = (why: string) => new InputError(path, M.badModelFile(path, why), M.E_MODEL_FILE);
  if (typeof v !== "object" || v === null) throw bad("expected a JSON object");
  const o = v as Record<string, unknown>;
  if (o.kind !== "fastface-model") throw bad('expected "kind": "fastface-model"');
  if (typeof o.model !== "string") throw bad('expected "model" (a string)');
  getModel(o.model);
  const params = o.params as Record<string, unknown> | undefined;
  if (typeof params !== "object" || params === null) throw bad('expected "params" (an object)');
  for (const [k, val] of Object.entries(params)) {
    if (typeof val !== "number" || !Number.isFinite(val)) throw bad(`params.${k} must be a finite number`);
  }
  if (typeof params.lrRef !== "number") throw bad('expected "params.lrRef"');
  if (o.joint !== undefined) {
    const j = o.joint as Record<string, unknown>;
    if (typeof j !== "object" || j === null || !Array.isArray(j.perRun) || !Array.isArray(j.runs)) {
      throw bad('expected "joint": {"perRun": [...], "calibrate": number, "runs": [...]}');
    }
  }
  return v as ModelFile;
}

/** Read and check a model file. */
export async function readModelFile(path: string): Promise<ModelFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(path, M.cannotReadModelFile((err as Error).message), M.E_MODEL_FILE);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(path, M.badModelFile(path, `invalid JSON: ${(err as Error).message}`), M.E_MODEL_FILE);
  }
  return parseModelFile(json, path);
}
