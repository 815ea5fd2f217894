/**
 * Replay benchmark: fastface ns/step on a 1M-step curve, hck running vs naive across m, and the same fastface
 * rule as a plain Python loop and as numpy/scipy (lfilter), run on this machine's python3 in the same run.
 *
 *   node --import tsx bench/replay.ts            (add --quick for a smaller run)
 *
 * Times are CPU time of this process per step (process.cpuUsage; Python: time.process_time_ns), minimum over
 * repetitions after JIT warm-up, so other processes on a shared machine disturb them less; wall-clock medians
 * are printed beside them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runScheduler } from "../src/replay/loop.ts";
import { createScheduler } from "../src/schedulers/registry.ts";

const quick = process.argv.includes("--quick");
const N = quick ? 200_000 : 1_000_000;
const WARM = quick ? 4 : 8; // the JIT settles after ~6 passes of 1M steps (OSR, feedback for the rare decay path)
const REPS = quick ? 3 : 6;

function curve(n: number, seed = 1): Float64Array {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const epochWiggle = 0.3 * Math.sin((2 * Math.PI * i) / 40000);
    out[i] = 2 + 40 * Math.exp(-i / (n / 6)) + epochWiggle + 0.5 * (rnd() - 0.5);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timing {
  cpu: number;
  wall: number;
  decays: number[];
}

/** CPU and wall ns/step of `spec` over losses[from..), after feeding losses[0..from) untimed (fills hck's window). */
function timeSpec(spec: string, losses: Float64Array, from = 0, warm = WARM, reps = REPS): Timing {
  const cpuS: number[] = [];
  const wallS: number[] = [];
  let decays: number[] = [];
  for (let r = 0; r < warm + reps; r++) {
    const s = createScheduler(spec, { totalSteps: losses.length, lr0: 1 });
    if (from > 0) runScheduler(s, losses, 0, from);
    const c0 = process.cpuUsage();
    const res = runScheduler(s, losses, from);
    const c = process.cpuUsage(c0);
    if (r < warm) continue;
    cpuS.push(((c.user + c.system) * 1000) / (losses.length - from));
    wallS.push(res.ns);
    decays = res.decayIndices;
  }
  return { cpu: Math.min(...cpuS), wall: median(wallS), decays };
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

console.log(
  `replay bench: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"} @ ${cpus()[0]?.speed ?? "?"} MHz, load ${loadavg()[0]!.toFixed(1)}, n = ${N}`,
);
const L = curve(N);

// 1. fastface
const ff = timeSpec("fastface", L);
console.log(
  `fastface             ${fmt(ff.cpu)} ns/step cpu (wall median ${fmt(ff.wall)})  goal <= 3  decays ${ff.decays.length}`,
);
const ffd = timeSpec("fastface:debias=true", L);
console.log(`fastface debias=true ${fmt(ffd.cpu)} ns/step cpu (wall median ${fmt(ffd.wall)})`);

// machine reference: the same recurrence + rule as one plain function with constants (no scheduler object)
function plainLoop(losses: Float64Array, toler: number): number {
  const a = 0.001;
  const w1 = 2 - a - a;
  const w2 = (1 - a) * (1 - a);
  const w3 = a * a;
  let x1 = a * (losses[0]! - losses[1]!);
  let x2 = 0;
  let prev = losses[1]!;
  let count = x1 < 5e-5 ? 1 : 0;
  let events = 0;
  for (let k = 2; k < losses.length; k++) {
    const v = losses[k]!;
    const x = w1 * x1 - w2 * x2 + w3 * (prev - v);
    prev = v;
    x2 = x1;
    x1 = x;
    if (x < 5e-5) {
      if (count < toler) count++;
      else {
        count = 0;
        events++;
      }
    } else count = 0;
  }
  return events;
}
{
  const samples: number[] = [];
  for (let r = 0; r < WARM + REPS; r++) {
    const c0 = process.cpuUsage();
    plainLoop(L, Math.floor(N * 0.05));
    const c = process.cpuUsage(c0);
    if (r >= WARM) samples.push(((c.user + c.system) * 1000) / N);
  }
  const plain = Math.min(...samples);
  console.log(
    `plain JS loop        ${fmt(plain)} ns/step cpu (machine reference: the rule hand-inlined, no scheduler object)`,
  );
}

// 2. hck running, flat in m
const ms = [100, 1000, 10000, 100000];
const running: number[] = [];
for (const m of ms) {
  const r = timeSpec(`hck:m=${m}`, L, m - 1);
  running.push(r.cpu);
  console.log(`hck running m=${String(m).padEnd(6)} ${fmt(r.cpu)} ns/step cpu (wall median ${fmt(r.wall)})`);
}
const flat = Math.max(...running) / Math.min(...running);
console.log(`hck running max/min over m = 100..100000: ${flat.toFixed(2)}x (goal <= 1.5x)`);

// 3. hck naive: O(m); fewer timed steps for big m
const naiveMs = quick ? [100, 1000, 10000] : [100, 1000, 10000, 100000];
for (const m of naiveMs) {
  const timed = Math.max(300, Math.min(200_000, Math.floor(1e8 / m)));
  const slice = L.subarray(0, m - 1 + timed);
  const r = timeSpec(`hck:m=${m},impl=naive`, slice, m - 1, 1, 1);
  const run = running[ms.indexOf(m)] ?? Number.NaN;
  console.log(
    `hck naive   m=${String(m).padEnd(6)} ${fmt(r.cpu)} ns/step cpu over ${timed} full-window steps = ${fmt(r.cpu / run)}x running`,
  );
}

// 4. Python: a plain loop and numpy/scipy, same rule, same curve
const dir = mkdtempSync(join(tmpdir(), "fastface-bench-"));
try {
  const file = join(dir, "losses.f64");
  writeFileSync(file, new Uint8Array(L.buffer, L.byteOffset, L.byteLength));
  const py = (script: string) => {
    const path = fileURLToPath(new URL(`python/${script}`, import.meta.url));
    const out = spawnSync("python3", [path, file, String(N)], { encoding: "utf8" });
    if (out.status !== 0) return { error: (out.stderr || out.error?.message || "failed").trim().split("\n").pop() };
    return JSON.parse(out.stdout) as { impl: string; ns_per_step: number; cpu_ns_per_step: number; decays: number[] };
  };
  for (const script of ["fastface_loop.py", "fastface_numpy.py"]) {
    const r = py(script);
    if ("error" in r) {
      console.log(`${script}: not run (${r.error})`);
      continue;
    }
    const same = JSON.stringify(r.decays) === JSON.stringify(ff.decays);
    console.log(
      `${r.impl.padEnd(20)} ${fmt(r.cpu_ns_per_step)} ns/step cpu (wall ${fmt(r.ns_per_step)}) = ${fmt(r.cpu_ns_per_step / ff.cpu)}x fastface TS  decays ${same ? "identical" : `DIFFER: ${r.decays.slice(0, 8)}`}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
