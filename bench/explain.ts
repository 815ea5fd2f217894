/**
 * Explain benchmark: the wall time of `fastface explain` on the FastFace fixture log (202,301 per-step values,
 * all 14 families, the sweep pool's 2 workers), as a whole process like a user runs it, and in this process with
 * the pool and in one thread. Goal (issue 12): under 20 s on 2 cores. The peer, in the same run, is the unit of
 * work: one candidate (hck-proto, the prototype that explains the log) scored by the explain kernel, against a
 * numpy port of the prototype's lines (box-car means by cumsum, the Haar sums, the count loop in Python) on this
 * machine's python3 — what a user would write to check one configuration by hand.
 *
 *   node --import tsx bench/explain.ts            (add --quick for one repetition)
 *
 * The machine is shared: the load average is printed with every figure; CPU times are given beside wall times.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { explainCurve, prepareExplain } from "../src/explain/explain.ts";
import { scoreCandidate } from "../src/explain/kernel.ts";
import { loadCurve } from "../src/ingest/load.ts";
import { poolEvaluator } from "../src/sweep/explain-pool.ts";

const quick = process.argv.includes("--quick");
const REPS = quick ? 1 : 3;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LOG = join(ROOT, "data/logs/fastface_ms1mv3_r100.log");
const load = () => loadavg()[0]!.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuS = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

console.log(
  `machine: ${cpus().length} cores, load ${loadavg()
    .map((v) => v.toFixed(1))
    .join(" ")} at start`,
);

// 1. the CLI as a user runs it (whole process: start-up, ingest, search, output)
const cliWall: number[] = [];
for (let r = 0; r < REPS; r++) {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "explain", LOG, "--json"], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  const wall = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`explain failed: ${p.stderr}`);
  const j = JSON.parse(p.stdout) as { verdict: string; search: { evaluated: number } };
  cliWall.push(wall);
  console.log(
    `fastface explain (CLI, 2 workers): ${wall.toFixed(1)} s wall, ${j.search.evaluated} configurations, load ${load()}`,
  );
  if (r === 0) console.log(`  verdict: ${j.verdict}`);
}
console.log(`fastface explain (CLI): median ${median(cliWall).toFixed(1)} s over ${REPS} (goal < 20 s on 2 cores)`);

// 2. in this process: the search with the pool and in one thread (process CPU: the workers' threads included)
const curve = await loadCurve(LOG);
for (const workers of [2, 0]) {
  const walls: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const ev = workers > 0 ? poolEvaluator(workers) : undefined;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await explainCurve(curve, { ...(ev ? { evaluator: ev } : {}), tracePoints: 0 });
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuS(process.cpuUsage(c0));
    await ev?.close();
    walls.push(wall);
    console.log(
      `explainCurve, ${workers === 0 ? "this thread" : `${workers} workers`}: ${wall.toFixed(1)} s wall, process CPU ${cpu.toFixed(1)} s, ${res.search.evaluated} configurations, load ${load()}`,
    );
  }
  console.log(
    `explainCurve, ${workers === 0 ? "this thread" : `${workers} workers`}: median ${median(walls).toFixed(1)} s`,
  );
}

// 3. the unit of work against a numpy port of the prototype's lines, same candidate, same per-step losses
const { input, ex, trace: tr } = prepareExplain(curve);
const cand = { rule: "hck-proto", params: { increaseAfter: 3 }, lr0: 0.02 };
for (let k = 0; k < 3; k++) scoreCandidate(input, cand);
const ours: number[] = [];
for (let r = 0; r < 7; r++) {
  const c0 = process.cpuUsage();
  scoreCandidate(input, cand);
  ours.push(cpuS(process.cpuUsage(c0)));
}
const dir = mkdtempSync(join(tmpdir(), "fastface-bench-explain-"));
try {
  const lossFile = join(dir, "loss.f64");
  writeFileSync(lossFile, Buffer.from(ex.loss.buffer));
  const py = `
import sys, time, numpy as np
L = np.fromfile(sys.argv[1], dtype=np.float64)
def proto(y, m=4000, thres=0.06, wlimit=3):
    n = len(y); cs = np.concatenate([[0.0], np.cumsum(y)])
    avg = np.zeros(n); idx = np.arange(m, n); avg[idx] = (cs[idx + 1] - cs[idx + 1 - m]) / m
    ca = np.concatenate([[0.0], np.cumsum(avg)]); h = m // 2
    count = 0; w = 0; fires = []
    for i in range(2 * m, n):
        d = ((ca[i - m + h] - ca[i - m]) - (ca[i] - ca[i - m + h])) / m
        if d < thres:
            count += 1
            if count > 2 * m:
                count = 0; w += 1; fires.append(i)
            if w > wlimit: w = 0
        else:
            count = 0; w = 0
    return fires
best = 1e9
for r in range(3):
    t0 = time.process_time(); f = proto(L); best = min(best, time.process_time() - t0)
print(best, len(f))
`;
  const r = spawnSync("/usr/bin/python3", ["-c", py, lossFile], { encoding: "utf8" });
  const oursMin = Math.min(...ours);
  if (r.status === 0) {
    const [pyCpu, fires] = r.stdout.trim().split(/\s+/).map(Number);
    console.log(
      `one candidate (hck-proto:increaseAfter=3, ${ex.steps.toLocaleString("en-US")} steps): explain kernel ${(1000 * oursMin).toFixed(1)} ms CPU ` +
        `(run + LR at ${tr.step.length} points + scoring); numpy port of the prototype ${(1000 * pyCpu!).toFixed(0)} ms CPU (${fires} fires); ratio ${(pyCpu! / oursMin).toFixed(0)}x, load ${load()}`,
    );
  } else {
    console.log(
      `one candidate: explain kernel ${(1000 * oursMin).toFixed(1)} ms CPU; numpy peer unavailable (${r.stderr.trim().split("\n").pop()})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
