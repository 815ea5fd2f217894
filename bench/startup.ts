/**
 * CLI start-up: the built bin (dist/, what `npm ci` / an installed package runs) against the TypeScript
 * sources through tsx (what the bin ran before there was a build), on `--help` and on a small replay
 * (data/retrain, 30 points) and a 3-config sweep on 2 worker threads (the workers load dist/*.js, or the
 * sources through tsx). Whole processes, alternated A B A B, CPU time from /usr/bin/time when present
 * (wall time otherwise); the figure to read is the ratio built/tsx of the medians, measured in one run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.FASTFACE_BENCH_RUNS ?? 7);
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`], {
  cwd: ROOT,
  stdio: "inherit",
});

/** One whole-process run: CPU seconds (user + sys) when /usr/bin/time is there, else wall seconds. */
function once(args: string[]): number {
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ["-f", "%U %S", process.execPath, ...args], { cwd: ROOT, encoding: "utf8" })
    : spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  if (!TIME) return wall;
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [u, s] = last.split(" ").map(Number);
  return (u ?? Number.NaN) + (s ?? Number.NaN);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

const tmp = mkdtempSync(join(os.tmpdir(), "ff-bench-startup-"));
let n = 0;
const CASES: Array<[string, () => string[]]> = [
  ["--help", () => ["--help"]],
  ["replay (30 points)", () => ["replay", "data/retrain/synthetic_mlp_fastface_quarter.log", "--json"]],
  [
    "sweep, 2 workers",
    () => [
      "sweep",
      "data/retrain/synthetic_mlp_fastface_quarter.log",
      "-s",
      "fastface",
      "--grid",
      "tau=0.01,0.02,0.05",
      "--workers",
      "2",
      "--out",
      join(tmp, `s${n++}.duckdb`),
    ],
  ],
];
const [load1] = os.loadavg();
console.log(`runs ${RUNS} each, alternated; ${TIME ? "CPU s (user+sys)" : "wall s"}; load ${load1?.toFixed(2)}`);
console.log("case                  built (dist)   tsx (src)   built/tsx");
for (const [name, args] of CASES) {
  const built: number[] = [];
  const tsx: number[] = [];
  once(["bin/fastface.js", ...args()]); // warm-up (file cache)
  for (let i = 0; i < RUNS; i++) {
    built.push(once(["bin/fastface.js", ...args()]));
    tsx.push(once(["--import", "tsx", "src/cli/main.ts", ...args()]));
  }
  const b = median(built);
  const t = median(tsx);
  console.log(
    `${name.padEnd(21)} ${b.toFixed(3).padStart(12)} ${t.toFixed(3).padStart(11)} ${(b / t).toFixed(2).padStart(11)}`,
  );
}
