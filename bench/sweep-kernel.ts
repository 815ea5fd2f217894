/**
 * Multi-configuration kernel shapes, inside a worker thread (where a sweep runs them): ns per configuration-step
 * on a synthetic 1M-step curve for
 *   - today's path: one configuration at a time through the scheduler's own stepRange (fastface, hck running);
 *   - JavaScript probes of the interleaved shape (K configurations per loop, the fastface recurrence and the
 *     counter, branch-free, leaving the loop on an overflow): state in locals (generated code) and in typed arrays;
 *   - the kernels of src/schedulers/batch (WebAssembly f64x2, the rule replayed from packed bits; whole
 *     configurations with scheduler creation and decays) for K = 2, 4, 8.
 * Time is the worker thread's CPU time (/proc/thread-self/schedstat on Linux; wall time elsewhere), rounds
 * interleaved across variants (64M configuration-steps per sample), the mean over rounds (total CPU time over total
 * configuration-steps) with the rounds' median and range; the load average is printed.
 *
 *   node --import tsx bench/sweep-kernel.ts [--quick] [--rounds N]
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { startWorker } from "../src/io/worker.ts";
import { BatchCurve } from "../src/schedulers/batch/curve.ts";
import { fastfaceBatch } from "../src/schedulers/batch/fastface.ts";
import { hckBatch } from "../src/schedulers/batch/hck.ts";
import { createScheduler } from "../src/schedulers/registry.ts";
import type { DecaySink, Scheduler } from "../src/schedulers/types.ts";
import { syntheticCurve } from "../test/sweep/synthetic.ts";

const STEPS = 1_000_000;

/** CPU time of the calling thread in ns (wall time when the kernel does not say). */
function threadNs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
  } catch {
    return performance.now() * 1e6;
  }
}

export interface Variant {
  name: string;
  /** Configurations per call. */
  k: number;
  run: () => void;
}

export interface KernelRow {
  name: string;
  k: number;
  /** ns per configuration-step: all rounds' CPU time over all their configuration-steps. */
  mean: number;
  /** ns per configuration-step: median, min, max over rounds. */
  median: number;
  min: number;
  max: number;
}

// ---- JavaScript probes of the interleaved shape (throwaway kernels, not used by the sweep) -------------------

interface ProbeParams {
  w1: Float64Array;
  w2: Float64Array;
  w3: Float64Array;
  lambda: Float64Array;
  toler: Int32Array;
}
interface ProbeState {
  x1: Float64Array;
  x2: Float64Array;
  count: Int32Array;
  prevL: Float64Array;
}
type Probe = (p: ProbeParams, s: ProbeState, losses: Float64Array, from: number, to: number) => number;

/** K lanes in locals: the recurrence, c = x < lambda ? c + 1 : 0, and one test of all counters per step. */
function localsProbe(k: number): Probe {
  const lanes = [...Array(k).keys()];
  let src = "";
  for (const j of lanes) {
    src += `const w1_${j}=P.w1[${j}],w2_${j}=P.w2[${j}],w3_${j}=P.w3[${j}],l_${j}=P.lambda[${j}],t_${j}=P.toler[${j}];`;
    src += `let x1_${j}=S.x1[${j}],x2_${j}=S.x2[${j}],c_${j}=S.count[${j}]|0;\n`;
  }
  src +=
    "let prevL=S.prevL[0];let i=from;let ev=0;\nwhile(i<to){for(;i<to;i++){const loss=L[i];const g=prevL-loss;prevL=loss;\n";
  for (const j of lanes)
    src += `const x_${j}=w1_${j}*x1_${j}-w2_${j}*x2_${j}+w3_${j}*g;x2_${j}=x1_${j};x1_${j}=x_${j};c_${j}=x_${j}<l_${j}?c_${j}+1:0;\n`;
  src += `if(${lanes.map((j) => `c_${j}>t_${j}`).join("||")})break;}\nif(i===to)break;\n`;
  for (const j of lanes) src += `if(c_${j}>t_${j}){c_${j}=0;ev++;}\n`;
  src += "i++;}\n";
  for (const j of lanes) src += `S.x1[${j}]=x1_${j};S.x2[${j}]=x2_${j};S.count[${j}]=c_${j};\n`;
  src += "S.prevL[0]=prevL;return ev;";
  return new Function("P", "S", "L", "from", "to", src) as Probe;
}

/** K lanes in typed arrays, an inner loop over lanes. */
function arraysProbe(k: number): Probe {
  return (P, S, L, from, to) => {
    const { w1, w2, w3, lambda, toler } = P;
    const { x1, x2, count } = S;
    let prevL = S.prevL[0]!;
    let ev = 0;
    for (let i = from; i < to; i++) {
      const loss = L[i]!;
      const g = prevL - loss;
      prevL = loss;
      for (let j = 0; j < k; j++) {
        const x = w1[j]! * x1[j]! - w2[j]! * x2[j]! + w3[j]! * g;
        x2[j] = x1[j]!;
        x1[j] = x;
        const c = x < lambda[j]! ? count[j]! + 1 : 0;
        if (c > toler[j]!) {
          count[j] = 0;
          ev++;
        } else count[j] = c;
      }
    }
    S.prevL[0] = prevL;
    return ev;
  };
}

function probeRun(probe: Probe, k: number, losses: Float64Array): () => void {
  return () => {
    const P: ProbeParams = {
      w1: new Float64Array(k),
      w2: new Float64Array(k),
      w3: new Float64Array(k),
      lambda: new Float64Array(k),
      toler: new Int32Array(k),
    };
    for (let j = 0; j < k; j++) {
      const a = 1e-3 * (1 + 0.37 * j);
      const b = 1e-3;
      P.w1[j] = 1 - a + (1 - b);
      P.w2[j] = (1 - a) * (1 - b);
      P.w3[j] = a * b;
      P.lambda[j] = 1e-6 * 3 ** j;
      P.toler[j] = Math.floor(STEPS * 0.01 * (1 + j));
    }
    const S: ProbeState = {
      x1: new Float64Array(k),
      x2: new Float64Array(k),
      count: new Int32Array(k),
      prevL: Float64Array.of(losses[0]!),
    };
    // chunks of 2048 steps, like the single-config fast path (short calls are optimised early)
    for (let i = 1; i < losses.length; i += 2048) probe(P, S, losses, i, Math.min(losses.length, i + 2048));
  };
}

// ---- the real kernels ------------------------------------------------------------------------------------------

const ctxOf = () => ({ totalSteps: STEPS, lr0: 1 });
/** Distinct statistics per lane (alpha varies), so no two configurations share work. */
function fastfaceConfig(j: number): Scheduler {
  return createScheduler(
    { name: "fastface", params: { alpha: 1e-3 * (1 + 0.37 * j), lambda: 1e-6 * 2 ** (j % 8), tau: 0.01 } },
    ctxOf(),
  );
}
function hckConfig(j: number): Scheduler {
  return createScheduler(
    { name: "hck", params: { m: 4000, alpha: 1e-3 * (1 + 0.37 * j), lambda: 1e-6 * 2 ** (j % 8), tau: 0.01 } },
    ctxOf(),
  );
}
const sinks = (k: number): DecaySink[] => Array.from({ length: k }, () => ({ index: [], lr: [] }));

/** The variants of this bench (`only`: names to keep, by prefix). */
export function variants(losses: Float64Array, only: readonly string[] = []): Variant[] {
  const curve = new BatchCurve(losses);
  const all: Variant[] = [
    {
      name: "fastface today (1 config, stepRange)",
      k: 1,
      run: () => fastfaceConfig(0).stepRange!(losses, 0, losses.length, sinks(1)[0]!),
    },
    ...[2, 4, 8].map((k) => ({
      name: `fastface JS probe, locals K=${k}`,
      k,
      run: probeRun(localsProbe(k), k, losses),
    })),
    ...[4, 8].map((k) => ({
      name: `fastface JS probe, typed arrays K=${k}`,
      k,
      run: probeRun(arraysProbe(k), k, losses),
    })),
    ...([1, 2, 3, 4] as const).map((pairs) => ({
      name: `fastface wasm f64x2 K=${2 * pairs}`,
      k: 2 * pairs,
      run: () => {
        const batch = Array.from({ length: 2 * pairs }, (_, j) => fastfaceConfig(j));
        fastfaceBatch(batch, curve, 0, losses.length, sinks(batch.length), { pairs });
      },
    })),
    {
      name: "hck today (1 config, stepRange)",
      k: 1,
      run: () => hckConfig(0).stepRange!(losses, 0, losses.length, sinks(1)[0]!),
    },
    ...([1, 2, 4] as const).map((pairs) => ({
      name: `hck wasm f64x2 K=${2 * pairs}`,
      k: 2 * pairs,
      run: () => {
        const batch = Array.from({ length: 2 * pairs }, (_, j) => hckConfig(j));
        hckBatch(batch, curve, 0, losses.length, sinks(batch.length), { pairs });
      },
    })),
  ];
  return only.length === 0 ? all : all.filter((v) => only.some((o) => v.name.startsWith(o)));
}

/** Measure `vs` in interleaved rounds in the calling thread. */
export function measure(vs: readonly Variant[], rounds: number, sampleSteps: number): KernelRow[] {
  const samples = vs.map(() => [] as number[]);
  const total = vs.map(() => ({ ns: 0, steps: 0 }));
  for (let r = 0; r <= rounds; r++) {
    vs.forEach((v, i) => {
      const passes = Math.max(1, Math.round(sampleSteps / (STEPS * v.k)));
      const t0 = threadNs();
      for (let p = 0; p < passes; p++) v.run();
      const ns = threadNs() - t0;
      if (r === 0) return; // round 0 warms up (JIT, WebAssembly tier-up)
      samples[i]!.push(ns / (passes * STEPS * v.k));
      total[i]!.ns += ns;
      total[i]!.steps += passes * STEPS * v.k;
    });
  }
  return vs.map((v, i) => {
    const s = [...samples[i]!].sort((a, b) => a - b);
    const mean = total[i]!.ns / total[i]!.steps;
    return { name: v.name, k: v.k, mean, median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
  });
}

export interface WorkerRequest {
  only: string[];
  rounds: number;
  sampleSteps: number;
}

/**
 * Run the measurement in a fresh worker thread (as a sweep worker would) and return its rows.
 * @example const rows = await inWorker({ only: ["fastface today", "fastface wasm f64x2 K=8"], rounds: 5, sampleSteps: 16e6 });
 */
export function inWorker(req: WorkerRequest): Promise<KernelRow[]> {
  return new Promise((resolve, reject) => {
    const w = startWorker(import.meta.url, "sweep-kernel", { workerData: req, execArgv: process.execArgv });
    w.once("message", (rows: KernelRow[]) => {
      resolve(rows);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

export function printRows(rows: readonly KernelRow[]): void {
  const today = new Map<string, number>();
  for (const r of rows) if (r.name.includes("today")) today.set(r.name.split(" ")[0]!, r.mean);
  for (const r of rows) {
    const base = today.get(r.name.split(" ")[0]!);
    const vs = base ? `  ${(base / r.mean).toFixed(2)}x today` : "";
    console.log(
      `${r.name.padEnd(38)} ${r.mean.toFixed(3).padStart(7)} ns/config-step (rounds: median ${r.median.toFixed(3)}, min ${r.min.toFixed(3)}, max ${r.max.toFixed(3)})${vs}`,
    );
  }
}

if (!isMainThread && workerData) {
  const req = workerData as WorkerRequest;
  const losses = syntheticCurve("synthetic-1M", STEPS, { seed: 1, phases: 4 }).columns.loss;
  parentPort!.postMessage(measure(variants(losses, req.only), req.rounds, req.sampleSteps));
} else if (isMainThread && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  const ri = process.argv.indexOf("--rounds");
  const rounds = ri > 0 ? Number(process.argv[ri + 1]) : quick ? 3 : 5;
  const sampleSteps = quick ? 16e6 : 64e6;
  const load0 = loadavg()[0]!;
  console.log(
    `curve: ${STEPS.toLocaleString("en-US")} per-step losses; worker thread CPU time, ${rounds} interleaved rounds`,
  );
  const rows = await inWorker({ only: [], rounds, sampleSteps });
  printRows(rows);
  console.log(
    `load average (1 min): ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${availableParallelism()} cores`,
  );
}
