import { loadCurve } from "../src/ingest/load.ts";
import { runSweep } from "../src/sweep/run.ts";
const curve = await loadCurve("/work/shared/fixtures/logs/insightface_ms1mv3_r50_multistep.log");
const out = Deno.makeTempDirSync() + "/s.duckdb";
let t = performance.now();
const s = await runSweep([curve], { scheduler: "fastface", grid: ["lambda=1e-6..1e-4:log:5", "tau=0.01,0.03,0.05"], out, workers: Number(Deno.args[0] ?? 1) });
console.log((performance.now()-t).toFixed(0), "ms", JSON.stringify(s).slice(0, 400));
