/**
 * Sweep throughput on BullMQ/Redis against the local pool, on bench/sweep.ts's sweep (10,000 fastface configs
 * over a synthetic 1M-step curve, the real store):
 *   1. the queue path with 2 `fastface worker` processes (1 kernel thread each) vs the local pool with 2
 *      worker threads, interleaved repeats;
 *   2. the queue path with 1, 2 and 4 worker processes.
 * A redis-server is started on a free loopback port (no persistence) and stopped at the end. Worker processes
 * are started and ready before a sweep starts (long-lived workers serve many sweeps), so their start-up is
 * not in the queue's wall time; the local pool's thread start-up is in its own (it is part of every local
 * sweep). CPU is the coordinator's process CPU plus each worker's and redis-server's (from /proc, Linux) over
 * the sweep. Each run
 * prints the load average before it: on a shared 2-core machine, 4 worker processes cannot beat 2.
 *
 *   node --import tsx bench/sweep-queue.ts [--quick] [--repeat N]
 *   node --import tsx bench/sweep-queue.ts --one queue|local [--workers N] [--quick]   one end-to-end run as a
 *       whole process (redis-server and worker start-up included), for an external timer
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSweep, type SweepSummary } from "../src/sweep/sweep.ts";
import { redisServerMissing, startRedis } from "../test/sweep/queue/redis-server.ts";
import { syntheticCurve } from "../test/sweep/synthetic.ts";

const STEPS = 1_000_000;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const repeat = Number(flag("--repeat", "2"));
const BIN = fileURLToPath(new URL("../bin/fastface.js", import.meta.url));
const GRID = quick
  ? ["lambda=1e-7..1e-3:log:20", "tau=0.01..0.1:lin:10", "alpha=1e-4..1e-2:log:10"]
  : ["lambda=1e-7..1e-3:log:100", "tau=0.01..0.1:lin:10", "alpha=1e-4..1e-2:log:10"];
const QUEUE = "fastface-bench";

const missing = redisServerMissing();
if (missing) {
  console.log(`bench skipped: ${missing}`);
  process.exit(0);
}

const curve = syntheticCurve("synthetic-1M", STEPS, { seed: 1, phases: 4 });
const dir = mkdtempSync(join(tmpdir(), "fastface-bench-queue-"));
let seq = 0;

/** utime + stime of a live process, seconds (Linux /proc; 0 elsewhere). */
function procCpu(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Workers {
  procs: ChildProcess[];
  stop(): Promise<void>;
}

async function startWorkers(url: string, n: number): Promise<Workers> {
  const procs = Array.from({ length: n }, (_, i) =>
    spawn(
      process.execPath,
      [BIN, "worker", "--queue", url, "--queue-name", QUEUE, "--concurrency", "1", "--name", `bench-w${i}`],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    ),
  );
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve, reject) => {
          let err = "";
          p.stderr?.setEncoding("utf8");
          p.stderr?.on("data", (c: string) => {
            err += c;
            if (err.includes("listening on")) resolve();
          });
          p.once("exit", (code) => reject(new Error(`worker exited (${code}): ${err}`)));
        }),
    ),
  );
  return {
    procs,
    async stop() {
      await Promise.all(
        procs.map((p) => {
          const exited = new Promise((r) => p.once("exit", r));
          p.kill("SIGTERM");
          return exited;
        }),
      );
    },
  };
}

interface Timed {
  summary: SweepSummary;
  wall: number;
  cpu: number;
  load: number;
}

async function timed(run: () => Promise<SweepSummary>, pids: Array<number | undefined> = []): Promise<Timed> {
  const load = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const w0 = pids.map(procCpu);
  const t0 = performance.now();
  const summary = await run();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const workers = pids.map(procCpu).reduce((s, v, i) => s + v - w0[i]!, 0);
  return { summary, wall, cpu: (c.user + c.system) / 1e6 + workers, load };
}

const local = (workers: number) => () =>
  runSweep([curve], {
    scheduler: "fastface",
    grid: GRID,
    out: join(dir, `l${seq++}.duckdb`),
    workers,
    batchSize: 1000,
  });
const queued = (url: string) => () =>
  runSweep([curve], {
    scheduler: "fastface",
    grid: GRID,
    out: join(dir, `q${seq++}.duckdb`),
    workers: 1,
    batchSize: 1000,
    queue: { url, name: QUEUE },
  });

function line(label: string, t: Timed): string {
  const s = t.summary;
  const jobs = s.queue ? `${s.queue.jobs} jobs` : "";
  return `${label.padEnd(26)} ${String(s.computed).padStart(6)} configs ${t.wall.toFixed(2).padStart(7)} s wall ${(s.computed / t.wall).toFixed(1).padStart(7)} configs/s ${((t.cpu * 1e9) / (s.computed * STEPS)).toFixed(2).padStart(6)} CPU ns/step ${t.cpu.toFixed(1).padStart(6)} s CPU  load ${t.load.toFixed(1).padStart(4)}  ${jobs}`;
}

async function one(): Promise<void> {
  const mode = flag("--one", "queue");
  const n = Number(flag("--workers", "2"));
  if (mode === "local") {
    const t = await timed(local(n));
    console.log(line(`local pool, ${n} thread(s)`, t));
    return;
  }
  const redis = await startRedis();
  try {
    const w = await startWorkers(redis.url, n);
    try {
      console.log(
        line(
          `queue, ${n} worker process(es)`,
          await timed(queued(redis.url), [redis.pid, ...w.procs.map((p) => p.pid)]),
        ),
      );
    } finally {
      await w.stop();
    }
  } finally {
    await redis.stop();
  }
}

async function full(): Promise<void> {
  console.log(
    `curve: ${STEPS.toLocaleString("en-US")} per-step losses, scheduler fastface, ${quick ? "quick grid" : "10,000 configs"}`,
  );
  const redis = await startRedis();
  try {
    // 1. queue (2 worker processes) vs local pool (2 threads), interleaved
    const w2 = await startWorkers(redis.url, 2);
    const pairs: Array<{ q: Timed; l: Timed }> = [];
    try {
      for (let r = 0; r < repeat; r++) {
        const q = await timed(queued(redis.url), [redis.pid, ...w2.procs.map((p) => p.pid)]);
        console.log(line("queue, 2 worker processes", q));
        const l = await timed(local(2));
        console.log(line("local pool, 2 threads", l));
        pairs.push({ q, l });
      }
    } finally {
      await w2.stop();
    }
    const ratios = pairs.map((p) => p.l.wall / p.q.wall);
    const cpuRatios = pairs.map((p) => p.q.cpu / p.l.cpu);
    const perJob = pairs.map((p) => ((p.q.cpu - p.l.cpu) * 1000) / (p.q.summary.queue?.jobs ?? 1));
    console.log(
      `queue vs local, 2 workers: throughput ratio ${ratios.map((r) => r.toFixed(2)).join(", ")} (queue/local configs/s), CPU ratio ${cpuRatios.map((r) => r.toFixed(3)).join(", ")} (queue/local), extra CPU per job ${perJob.map((v) => v.toFixed(1)).join(", ")} ms`,
    );
    // 2. scaling with 1, 2, 4 worker processes
    const byN = new Map<number, Timed[]>();
    for (const n of [1, 2, 4]) {
      const w = await startWorkers(redis.url, n);
      try {
        for (let r = 0; r < repeat; r++) {
          const t = await timed(queued(redis.url), [redis.pid, ...w.procs.map((p) => p.pid)]);
          console.log(line(`queue, ${n} worker process(es)`, t));
          byN.set(n, [...(byN.get(n) ?? []), t]);
        }
      } finally {
        await w.stop();
      }
    }
    const best = (n: number) => Math.min(...(byN.get(n) ?? []).map((t) => t.wall));
    console.log(
      `scaling (best wall of ${repeat}): 2 vs 1 worker processes ${(best(1) / best(2)).toFixed(2)}x, 4 vs 1 ${(best(1) / best(4)).toFixed(2)}x (2 cores: at most ~2x)`,
    );
  } finally {
    await redis.stop();
  }
}

try {
  if (args.includes("--one")) await one();
  else await full();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
