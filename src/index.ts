/**
 * fastface: offline loss-curve analysis and learning-rate scheduler simulation for face-recognition training.
 *
 * The layers, low to high: a file imports only from its own folder and from folders of a lower layer (never
 * upward, never sideways within a layer), and no import cycle exists anywhere in src/. Only src/cli knows argv,
 * stdout and exit codes. test/architecture/layers.test.ts reads this list and checks every import in src/.
 *
 *   layer 0  messages/                 the catalogue: every error and warning code and every text, once
 *   layer 1  errors.ts                 typed errors (exit codes) and the warnings collector
 *   layer 2  io/ random.ts             the edge shared by all (atomic writes, worker threads, DuckDB); the PRNG
 *   layer 3  curve/ schedulers/        a run as named Float64Array columns; one pure state machine per file
 *   layer 4  ingest/ judge/ train/     bytes -> curve (format table); the plateau judge; tfjs retraining
 *   layer 5  replay/ simulate/         open loop (ReplayResult); loss models, fits and the closed loop
 *   layer 6  explain/                  which rule and parameters reproduce a logged LR trace (uses replay)
 *   layer 7  sweep/                    grids, worker pool, BullMQ queue, DuckDB store, ranking (all SQL here)
 *   layer 8  report/                   Vega-Lite specs per result kind, one self-contained page (draws only)
 *   layer 9  cli/ index.ts             yargs commands (parse -> call -> print), one catch point; this API
 *
 * The pipeline (data flows one way):
 *
 *   training.log / tfevents / CSV / JSONL / trainer_state.json / mlruns / Arrow / Parquet
 *        │  ingest/ (pure parsers; load.ts is the only file-system edge)
 *        ▼
 *   Curve  { step, loss, lr?, epoch?, wallTime? : Float64Array } + meta        (curve/)
 *        │  expand (hold | none) → one loss per training step
 *        ▼
 *   ┌──────────── schedulers/ (one pure state machine per file, JSON state, registry by name) ────────────┐
 *   │ replay/   open loop: the logged losses drive each scheduler; judge/ finds plateaus, scores decays  │
 *   │ explain/  which rule and parameters reproduce a log's LR trace from its own logged loss            │
 *   │ simulate/ closed loop: a fitted loss-response model + bootstrap noise drives each scheduler       │
 *   │ sweep/    many configs × many curves in worker threads, results in DuckDB, ranked in SQL         │
 *   │ train/    tfjs retraining with the scheduler stepped by the live loss; verification accuracy      │
 *   └───────────────────────────────────────────────┬─────────────────────────────────────────────────────┘
 *        ▼  plain-JSON result objects (ReplayResult, SweepSummary, SimulateResult, RetrainResult, ExplainResult)
 *   report/  Vega-Lite specs → one self-contained HTML page (inlined bundles, strict CSP, escaped strings)
 */

export {
  curveFromArrowIPC,
  curveToArrowIPC,
  readCurveFile,
  readCurvesParquet,
  writeCurveFile,
  writeCurveParquet,
} from "./curve/arrow.ts";
export { makeCurve } from "./curve/clean.ts";
export type { LossColumn } from "./curve/columns.ts";
export type { Aggregation, Curve, CurveColumns, CurveMeta, Evaluation, FormatName } from "./curve/curve.ts";
export { curveLength } from "./curve/curve.ts";
export { expandCurve, expandHold, expandNone } from "./curve/expand.ts";
export * from "./errors.ts";
export { type ExplainOptions, explainCurve, prepareExplain } from "./explain/explain.ts";
export { FAMILY_NAMES } from "./explain/families.ts";
export { type Candidate, type CandidateScore, detailCandidate, scoreCandidate } from "./explain/kernel.ts";
export { type Evaluator, localEvaluator } from "./explain/search.ts";
export type { ExplainChange, ExplainResult, Explanation } from "./explain/types.ts";
export { parseArcfaceLog } from "./ingest/arcface-log.ts";
export { detectFormat } from "./ingest/detect.ts";
export { FORMAT_NAMES, FORMATS, type FormatEntry, formatEntry } from "./ingest/formats.ts";
export { parseTrainerState } from "./ingest/hf-state.ts";
export { parseJsonLog } from "./ingest/json-logs.ts";
export { type LoadOptions, loadCurve, loadCurves } from "./ingest/load.ts";
export { type CurveSummary, formatSummary, summarizeCurve } from "./ingest/summary.ts";
export { parseTable } from "./ingest/table.ts";
export { parseTfEvents } from "./ingest/tfevents.ts";
export { scoreDecays } from "./judge/score.ts";
export { findStationary, type JudgeParams, parseJudgeSpec } from "./judge/stationary.ts";
export { runScheduler } from "./replay/loop.ts";
export { type ReplayOptions, replayCurve } from "./replay/replay.ts";
export type { ReplayResult, ReplayTraces, SchedulerReplay, StationarySpan } from "./replay/types.ts";
export { buildDemo } from "./report/demo.ts";
export { buildReport, REPORT_KINDS, type ReportKind, type ReportPart } from "./report/kinds.ts";
export { renderReportHtml } from "./report/page.ts";
export { replayPage } from "./report/replay-page.ts";
export { explainSections } from "./report/sections-explain.ts";
export { replaySections } from "./report/sections-replay.ts";
export { retrainSections } from "./report/sections-retrain.ts";
export { simulateSections } from "./report/sections-simulate.ts";
export { sweepSections } from "./report/sections-sweep.ts";
export type { ChartSpec, ReportDocument, ReportSection, TableSpec, VegaLiteSpec } from "./report/types.ts";
export { BatchCurve, feedRangeBatch, hasBatchKernel } from "./schedulers/batch/index.ts";
export {
  createScheduler,
  formatSchedulerSpec,
  getSchedulerFactory,
  parseSchedulerSpec,
  restoreScheduler,
  schedulerNames,
} from "./schedulers/registry.ts";
export type { Params, Scheduler, SchedulerContext, SchedulerFactory, SchedulerState } from "./schedulers/types.ts";
export { type CheckResult, physicalChecks } from "./simulate/checks.ts";
export { type EnsembleMember, fitEnsemble, simulationMembers } from "./simulate/ensemble.ts";
export { type FittedModel, fitModel } from "./simulate/fit.ts";
export { FIT_DEFAULTS, fitInput, fitRun, fitSettings } from "./simulate/fit-input.ts";
export { fitJoint, fitJointRuns, leaveOneRunOut } from "./simulate/joint.ts";
export { getModel, modelNames } from "./simulate/registry.ts";
export { type SimulateOptions, type SimulateResult, simulate } from "./simulate/simulate.ts";
export { fitAuto, inSample, usablePoints, validateCross, validateTail } from "./simulate/validate.ts";
export { poolEvaluator } from "./sweep/explain-pool.ts";
export { paretoFront, paretoFrontAcrossCurves, robustConfigs, topK } from "./sweep/rank.ts";
export { type SweepReportData, sweepReportData } from "./sweep/report-data.ts";
export { openSweepReadOnly, queryRows } from "./sweep/store.ts";
export { planSweep, runSweep, type SweepOptions, type SweepSummary } from "./sweep/sweep.ts";
export { pairedDifference, studentQuantile, summarize } from "./train/paired.ts";
export { type RetrainOptions, type RetrainResult, retrain } from "./train/retrain.ts";
