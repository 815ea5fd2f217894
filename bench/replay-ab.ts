/**
 * A/B of the scheduler hot loops between this tree and another checkout, interleaved in one process (A B A B
 * ..., same 1M-step curve as bench/replay.ts), so machine load drifts hit both alike. Prints the CPU ns/step
 * medians and minima, their ratio, and whether the decays are identical.
 *
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node --import tsx bench/replay-ab.ts /tmp/before [spec ...]      (default specs: fastface, hck:m=1000)
 *   node --import tsx bench/replay-ab.ts /tmp/before --step [spec ...]   (per-call `step()`, not the fast path)
 *
 * Without a checkout argument it prints this usage and exits (so `npm run bench` skips it).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runScheduler } from "../src/replay/loop.ts";
import { createScheduler } from "../src/schedulers/registry.ts";

const N = 1_000_000;
const PASSES = 30;
const WARM = 8;

interface Tree {
  create: typeof createScheduler;
  run: typeof runScheduler;
}

function curve(n: number): Float64Array {
  let s = 1;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = 2 + 40 * Math.exp(-i / (n / 6)) + 0.3 * Math.sin((2 * Math.PI * i) / 40000) + 0.5 * (rnd() - 0.5);
  }
  return out;
}

function pass(tree: Tree, spec: string, losses: Float64Array, perCall: boolean): { ns: number; decays: string } {
  const s = tree.create(spec, { totalSteps: losses.length, lr0: 1 });
  const c0 = process.cpuUsage();
  let decays: number[];
  if (perCall) {
    decays = [];
    for (let i = 0; i < losses.length; i++) if (s.step(losses[i]!)) decays.push(i);
  } else decays = tree.run(s, losses).decayIndices;
  const c = process.cpuUsage(c0);
  return { ns: ((c.user + c.system) * 1000) / losses.length, decays: decays.join(",") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) {
    console.log("usage: node --import tsx bench/replay-ab.ts <other checkout> [spec ...] (see the file comment)");
    return;
  }
  const root = resolve(other);
  const b: Tree = {
    create: (await import(pathToFileURL(`${root}/src/schedulers/registry.ts`).href)).createScheduler,
    // the hot loop was src/replay/run.ts before issue 19
    run: (
      await import(
        pathToFileURL(`${root}/src/replay/${existsSync(`${root}/src/replay/loop.ts`) ? "loop" : "run"}.ts`).href
      )
    ).runScheduler,
  };
  const a: Tree = { create: createScheduler, run: runScheduler };
  const perCall = process.argv.includes("--step");
  const rest = process.argv.slice(3).filter((x) => x !== "--step");
  const specs = rest.length > 0 ? rest : ["fastface", "hck:m=1000"];
  const losses = curve(N);
  for (const spec of specs) {
    const ta: number[] = [];
    const tb: number[] = [];
    let same = true;
    for (let k = 0; k < PASSES; k++) {
      const x = pass(a, spec, losses, perCall);
      const y = pass(b, spec, losses, perCall);
      if (x.decays !== y.decays) same = false;
      if (k < WARM) continue;
      ta.push(x.ns);
      tb.push(y.ns);
    }
    console.log(
      `${spec}${perCall ? " (step)" : ""}: this tree ${median(ta).toFixed(2)} (min ${Math.min(...ta).toFixed(2)}) vs ${other} ` +
        `${median(tb).toFixed(2)} (min ${Math.min(...tb).toFixed(2)}) ns/step CPU, ratio of medians ` +
        `${(median(ta) / median(tb)).toFixed(3)}, decays ${same ? "identical" : "DIFFER"}`,
    );
  }
}

await main();
