/** Run names derived from paths. */

/**
 * Short run name from a path: the file name without directories and known extensions; for generic file
 * names (`training.log`, `metrics.csv`, `trainer_state.json`, event files) the parent folder's name.
 *
 * @example
 * runName("runs/ms1mv3_r50/training.log") // "ms1mv3_r50"
 * runName("logs/insightface_poly.log")     // "insightface_poly"
 * runName("work_dirs/yolov3_balloon/20230209_161439.log.json")               // "yolov3_balloon"
 * runName("work_dirs/rtmdet_tiny/20230605_200941/vis_data/scalars.json")     // "rtmdet_tiny"
 */
export function runName(source: string): string {
  const parts = source.split(/[\\/]+/).filter((p) => p.length > 0 && p !== ".");
  const base = (parts[parts.length - 1] ?? "run").replace(/\.gz$/i, "");
  const ext = /\.(log\.json|log|txt|csv|tsv|jsonl|ndjson|json|arrow|feather|ipc|parquet)$/i;
  const stem = base.replace(ext, "").replace(ext, "");
  // generic names, and the timestamps mmcv / mmengine name their logs by (`20230209_161439.log.json`)
  const generic =
    /^(training|train|log|metrics|trainer_state|events\.out\.tfevents\..*|progress|history|scalars|None|\d{8}_\d{6})$/i;
  if (generic.test(stem) && parts.length >= 2) {
    // mmengine: <work_dir>/<timestamp>/vis_data/scalars.json -> the work_dir (named after the config)
    let k = parts.length - 2;
    if (k >= 1 && /^vis_data$/i.test(parts[k] as string)) k--;
    if (k >= 1 && /^\d{8}_\d{6}$/.test(parts[k] as string)) k--;
    return parts[k] as string;
  }
  return stem || "run";
}
