/** Run names derived from paths. */

/**
 * Short run name from a path: the file name without directories and known extensions; for generic file
 * names (`training.log`, `metrics.csv`, `trainer_state.json`, event files) the parent folder's name.
 *
 * @example
 * runName("runs/ms1mv3_r50/training.log") // "ms1mv3_r50"
 * runName("logs/insightface_poly.log")     // "insightface_poly"
 */
export function runName(source: string): string {
  const parts = source.split(/[\\/]+/).filter((p) => p.length > 0 && p !== ".");
  const base = (parts[parts.length - 1] ?? "run").replace(/\.gz$/i, "");
  const stem = base.replace(/\.(log|txt|csv|tsv|jsonl|ndjson|json|arrow|feather|ipc|parquet)$/i, "");
  const generic = /^(training|train|log|metrics|trainer_state|events\.out\.tfevents\..*|progress|history|scalars)$/i;
  if (generic.test(stem) && parts.length >= 2) return parts[parts.length - 2] as string;
  return stem || "run";
}
