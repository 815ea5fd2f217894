/**
 * HuggingFace `trainer_state.json`: `log_history` entries with `loss`, `learning_rate`, `step`, `epoch`
 * become points; entries with `eval_*` keys become evaluation results; the run's settings (max_steps,
 * logging_steps, train_batch_size, num_train_epochs, ...) go to `meta.config`. The Trainer logs the mean loss
 * since the previous log, so `aggregation` is `"mean-of-interval"`; its `step` is `global_step` after the
 * optimizer step (a count, as arcface_torch's), so the curve is flagged `stepCounts`.
 */
import type { Curve, Evaluation } from "../curve/curve.ts";
import { ParseError, Warnings } from "../errors.ts";
import * as M from "../messages/ingest.ts";
import { runName } from "./name.ts";
import { cellBad, cellNumber, PointAccumulator } from "./points.ts";
import { parsePythonJson } from "./table.ts";

const EXPECTED = "a trainer_state.json object with a log_history array";

/**
 * Parse the text of a `trainer_state.json`.
 *
 * @example
 * const c = parseTrainerState('{"log_history": [{"loss": 2.1, "learning_rate": 5e-5, "step": 10}]}', "trainer_state.json");
 * c.meta.aggregation // "mean-of-interval"
 */
export function parseTrainerState(text: string, source: string, warnings: Warnings = new Warnings()): Curve {
  let root: unknown;
  try {
    root = parsePythonJson(text);
  } catch (e) {
    throw new ParseError(M.badJson(e instanceof Error ? e.message : String(e)), { file: source }, EXPECTED);
  }
  if (typeof root !== "object" || root === null || !Array.isArray((root as { log_history?: unknown }).log_history)) {
    throw new ParseError(M.noLogHistory, { file: source }, EXPECTED);
  }
  const state = root as Record<string, unknown> & { log_history: unknown[] };
  const acc = new PointAccumulator();
  const evaluations: Evaluation[] = [];
  const num = (v: unknown): number | undefined => {
    if (typeof v !== "number" && typeof v !== "string") return undefined;
    const n = cellNumber(v);
    return cellBad ? undefined : n;
  };
  state.log_history.forEach((entry, i) => {
    if (typeof entry !== "object" || entry === null) {
      acc.bad(i + 1);
      return;
    }
    const e = entry as Record<string, unknown>;
    const step = num(e.step);
    for (const [k, v] of Object.entries(e)) {
      if (!k.startsWith("eval_") || typeof v !== "number") continue;
      if (/_(runtime|samples_per_second|steps_per_second)$/.test(k)) continue;
      const ev: Evaluation = { name: "eval", metric: k, value: v };
      if (step !== undefined) ev.step = step;
      evaluations.push(ev);
    }
    if (!("loss" in e)) return;
    const loss = num(e.loss);
    if (loss === undefined || step === undefined) {
      acc.bad(i + 1);
      return;
    }
    acc.row(step, loss, num(e.learning_rate), num(e.epoch), undefined);
  });
  const config: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(state)) {
    if (k === "log_history") continue;
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") config[k] = v;
  }
  return acc.finish(
    {
      name: runName(source),
      source,
      format: "hf-trainer-state",
      tag: "loss",
      // the Trainer logs state.global_step after the optimizer step: a step value counts the steps done
      stepCounts: true,
      aggregation: "mean-of-interval",
      config,
      evaluations,
    },
    warnings,
    "log_history entries with loss and step (malformed ones are counted by entry index)",
  );
}
