export { loadCurve, loadCurves } from "../src/ingest/load.ts";
export { summarizeCurve, formatSummary } from "../src/ingest/summary.ts";
export { replayCurve } from "../src/replay/replay.ts";
export { replaySections } from "../src/report/charts-replay.ts";
export { findStationary } from "../src/judge/stationary.ts";
export { expandHold } from "../src/curve/expand.ts";
