/**
 * Sweep throughput on a synthetic 1M-step curve (fastface scheduler, the real worker pool and DuckDB store):
 *   0. the multi-configuration kernel against today's one-config-at-a-time path, inside a worker thread: ns per
 *      configuration-step (thread CPU time; goals: fastface <= 0.7 ns and >= 3.5x today, hck running <= 2x its
 *      single-config cost), and the 10,000-config sweep with 2 workers before (`kernel: "single"`) and after
 *      (the default batch kernel), interleaved and repeated;
 *   1. speed-up of 2 workers over 1 on 10,000 configurations over the 1M-step curve (goal >= 1.7x);
 *   2. the same 10,000 configurations with 2 workers (goal < 60 s);
 *   3. for contrast, a short sweep of 1,200 configurations, where the fixed start-up weighs more.
 * Prints wall seconds of the whole call (planning, worker start-up, replays, commits) and of the steady state
 * (first result to the end), configs/s, the per-step cost (wall ns per replayed step over all workers, and the
 * in-worker scheduler ns/step), the cores kept busy (process CPU / wall; < 2 means others share the CPU) and
 * CPU ns per replayed step.
 *
 *   node --import tsx bench/sweep.ts [--quick]      (--quick: 2,000 configs in part 2)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runSweep, type SweepSummary } from "../src/sweep/sweep.ts";
import type { SweepKernel } from "../src/sweep/worker.ts";
import { syntheticCurve } from "../test/sweep/synthetic.ts";
import { inWorker, printRows } from "./sweep-kernel.ts";

const STEPS = 1_000_000;
const quick = process.argv.includes("--quick");
const curve = syntheticCurve("synthetic-1M", STEPS, { seed: 1, phases: 4 });
const dir = mkdtempSync(join(tmpdir(), "fastface-bench-sweep-"));

interface Timed {
  summary: SweepSummary;
  /** Wall seconds of the whole runSweep call (planning, worker start-up, replays, commits). */
  wall: number;
  /** Wall seconds from the first result to the end (steady state: all workers busy). */
  steady: number;
  /** Process CPU seconds (all threads) over the whole call: cpu / wall = cores kept busy. */
  cpu: number;
}

async function timed(
  name: string,
  grid: string[],
  workers: number,
  kernel?: SweepKernel,
  random?: { n: number; seed: number },
): Promise<Timed> {
  let first = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await runSweep([curve], {
    scheduler: "fastface",
    grid,
    out: join(dir, `${name}.duckdb`),
    workers,
    batchSize: 1000,
    ...(kernel ? { kernel } : {}),
    ...(random ? { random } : {}),
    onProgress: () => {
      if (first === 0) first = performance.now();
    },
  });
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return { summary, wall: (end - t0) / 1000, steady: (end - first) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function line(label: string, t: Timed): void {
  const s = t.summary;
  console.log(
    `${label.padEnd(22)} ${String(s.computed).padStart(6)} configs  ${t.wall.toFixed(2).padStart(7)} s wall  ${t.steady.toFixed(2).padStart(7)} s steady  ${(s.computed / t.wall).toFixed(1).padStart(7)} configs/s  ${((t.wall * 1e9) / (s.computed * STEPS)).toFixed(2).padStart(6)} wall ns/step  ${s.nsPerStep.toFixed(2).padStart(6)} ns/step in worker  ${(t.cpu / t.wall).toFixed(2)} cores busy  ${((t.cpu * 1e9) / (s.computed * STEPS)).toFixed(2)} CPU ns/step`,
  );
}

const load = () => `load ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`;

try {
  console.log(`curve: ${STEPS.toLocaleString("en-US")} per-step losses, scheduler fastface`);
  const big = quick
    ? ["lambda=1e-7..1e-3:log:20", "tau=0.01..0.1:lin:10", "alpha=1e-4..1e-2:log:10"]
    : ["lambda=1e-7..1e-3:log:100", "tau=0.01..0.1:lin:10", "alpha=1e-4..1e-2:log:10"];
  // 0. the kernel inside a worker thread, then the whole sweep before and after
  console.log(`\nkernel inside a worker thread (thread CPU time, interleaved rounds; ${load()})`);
  const rows = await inWorker({
    only: ["fastface today", "fastface wasm", "hck today", "hck wasm"],
    rounds: quick ? 3 : 5,
    sampleSteps: quick ? 16e6 : 64e6,
  });
  printRows(rows);
  const ns = (name: string) => rows.find((r) => r.name === name)!.mean;
  const ff = ns("fastface wasm f64x2 K=6");
  const ffToday = ns("fastface today (1 config, stepRange)");
  const hk = ns("hck wasm f64x2 K=8");
  const hkToday = ns("hck today (1 config, stepRange)");
  console.log(
    `fastface K=6 (the default): ${ff.toFixed(3)} ns/config-step, ${(ffToday / ff).toFixed(2)}x today (goal <= 0.7 ns and >= 3.5x: ${ff <= 0.7 && ffToday / ff >= 3.5 ? "met" : "NOT met"}); hck running K=8: ${(hk / hkToday).toFixed(2)}x its single-config cost per config-step (goal <= 2x: ${hk <= 2 * hkToday ? "met" : "NOT met"}), ${(hkToday / hk).toFixed(2)}x faster`,
  );
  console.log(
    `\n${quick ? "2,000" : "10,000"} configs x 1M steps, 2 workers: before (one config at a time) and after (batch kernel), interleaved`,
  );
  const pairs: Array<[Timed, Timed]> = [];
  for (let r = 0; r < 2; r++) {
    const before = await timed(`before-${r}`, big, 2, "single");
    line("before (single)", before);
    const after = await timed(`after-${r}`, big, 2);
    line("after (batch)", after);
    pairs.push([before, after]);
  }
  const cps = (t: Timed) => t.summary.computed / t.wall;
  const cpuPer = (t: Timed) => t.cpu / t.summary.computed;
  console.log(
    `configs/s with 2 workers: before ${pairs.map(([b]) => cps(b).toFixed(1)).join(", ")}; after ${pairs.map(([, a]) => cps(a).toFixed(1)).join(", ")}; after/before ${pairs.map(([b, a]) => (cps(a) / cps(b)).toFixed(2)).join(", ")}x wall, ${pairs.map(([b, a]) => (cpuPer(b) / cpuPer(a)).toFixed(2)).join(", ")}x CPU per config (${load()})`,
  );
  // the grid above shares a pass among the tau axis (10 configs per statistic); random configs share nothing
  const n = quick ? 600 : 2000;
  console.log(`\n${n} random configs (no two share a statistic) x 1M steps, 2 workers: before and after`);
  const rb = await timed("random-before", big, 2, "single", { n, seed: 7 });
  line("before (single)", rb);
  const ra = await timed("random-after", big, 2, undefined, { n, seed: 7 });
  line("after (batch)", ra);
  console.log(
    `random configs: after/before ${(cps(ra) / cps(rb)).toFixed(2)}x configs/s, ${(cpuPer(rb) / cpuPer(ra)).toFixed(2)}x CPU per config (${load()})`,
  );
  // 1. the speed-up, measured on the sweep the issue names (10,000 configs over the 1M-step curve): the fixed
  //    start-up (planning, DuckDB file, TypeScript loading in each worker, ~0.6 s) is part of the wall time.
  const one = await timed("big-w1", big, 1);
  line("1 worker", one);
  const two = await timed("big-w2", big, 2);
  line("2 workers", two);
  console.log(
    `speed-up 2 vs 1 workers (${two.summary.computed} configs): ${(one.wall / two.wall).toFixed(2)}x end to end, ${(one.steady / two.steady).toFixed(2)}x steady state (goal >= 1.7x); CPU time 2 vs 1: ${(two.cpu / one.cpu).toFixed(2)}x`,
  );
  // 2. the 10,000-config target itself is the 2-worker run above.
  const goal = quick ? "" : ` (goal < 60 s: ${two.wall < 60 ? "met" : "NOT met"})`;
  console.log(
    `${two.summary.computed} configs x 1M steps: ${two.wall.toFixed(1)} s${goal}, ${(two.summary.computed / two.wall).toFixed(1)} configs/s, ${((two.wall * 1e9) / (two.summary.computed * STEPS)).toFixed(2)} wall ns/step, ${two.summary.nsPerStep.toFixed(2)} ns/step per worker`,
  );
  // 3. a short sweep (1,200 configs, ~4 s on one worker) for contrast: there the fixed start-up weighs more.
  const grid1200 = ["lambda=1e-7..1e-3:log:40", "tau=0.01..0.1:lin:30"];
  const s1 = await timed("short-w1", grid1200, 1);
  line("short, 1 worker", s1);
  const s2 = await timed("short-w2", grid1200, 2);
  line("short, 2 workers", s2);
  console.log(
    `short sweep speed-up: ${(s1.wall / s2.wall).toFixed(2)}x end to end, ${(s1.steady / s2.steady).toFixed(2)}x steady state`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
