/**
 * Report size and speed. Goals (issue 16): the demo page under 3 MB; charts interactive in under 1 s in headless
 * chromium (navigation start -> the charts on the first screen drawn, `body[data-charts-ready]`).
 *
 *   node --import tsx bench/report.ts                      # everything (the browser part needs /usr/bin/chromium)
 *   node --import tsx bench/report.ts --no-browser
 *   node --import tsx bench/report.ts --page a.html --page b.html --runs 7   # time given pages, interleaved
 *
 * 1. pipeline: synthetic 1M-step curve -> replayCurve (fastface + hck, 2000 trace points) -> replayPage ->
 *    renderReportHtml (first render reads the inlined bundles; later ones use the cache), with the logged
 *    points (TensorBoard smoothing on all 1M of them).
 * 2. the demo page (data/, what `npm start` writes): build and render time, size, and the share of the data.
 * 3. chromium: per page, fresh loads (median, spread): time to the first screen's charts drawn, and with `#all`
 *    to every chart drawn; chromium CPU time per load; the machine's load average.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { makeCurve } from "../src/curve/clean.ts";
import { replayCurve } from "../src/replay/replay.ts";
import type { ReplayResult } from "../src/replay/types.ts";
import { buildDemo } from "../src/report/demo.ts";
import { renderReportHtml } from "../src/report/page.ts";
import { replayPage } from "../src/report/replay-page.ts";

const N = 1_000_000;
const OUT = fileURLToPath(new URL("../test-output/", import.meta.url));
const DATA = fileURLToPath(new URL("../data/", import.meta.url));
const argv = process.argv.slice(2);
const pages = argv.flatMap((a, i) => (a === "--page" && argv[i + 1] ? [argv[i + 1]!] : []));
const runsArg = argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(argv[runsArg + 1]) : 5;

/** A seeded synthetic FR-like loss: exponential decay with plateaus, drops at 40/64/88%, noise. */
function syntheticCurve(n: number) {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const step = new Float64Array(n);
  const loss = new Float64Array(n);
  const lr = new Float64Array(n);
  const wallTime = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    step[i] = i + 1;
    const drops = (i > 0.4 * n ? 1 : 0) + (i > 0.64 * n ? 1 : 0) + (i > 0.88 * n ? 1 : 0);
    loss[i] = 2 + 30 * Math.exp(-i / (0.05 * n)) + 8 * 0.45 ** drops + 0.3 * (rand() - 0.5);
    lr[i] = 0.1 * 0.1 ** drops;
    wallTime[i] = 1.7e9 + 0.2 * i;
  }
  return makeCurve(
    { step, loss, lr, wallTime },
    { name: "synthetic-1M", source: "bench/report.ts", format: "synthetic" },
  );
}

const ms = (t0: number) => performance.now() - t0;
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const mb = (n: number) => (n / 1e6).toFixed(2);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Bytes of the page's JSON (charts + data store + tables) and of its data store alone. */
function pageParts(html: string): { json: number; data: number } {
  const json = /<script type="application\/json" id="fastface-page">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  const data = json.length > 0 ? JSON.stringify((JSON.parse(json) as { data: unknown }).data).length : 0;
  return { json: json.length, data };
}

/**
 * CPU time (ms) used so far by every process of the chromium whose command line names `profile`, and its
 * descendants (renderer, GPU, utility), from /proc: wall time on a shared machine depends on the load, CPU
 * time much less.
 */
function chromiumCpuMs(profile: string): number {
  const procs = new Map<number, { ppid: number; ticks: number; cmd: string }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      // the process ended while we looked
    }
  }
  const mine = new Set<number>();
  for (const [pid, p] of procs) if (p.cmd.includes(profile)) mine.add(pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!mine.has(pid) && mine.has(p.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of mine) ticks += procs.get(pid)?.ticks ?? 0;
  return (ticks * 1000) / 100; // USER_HZ = 100 on Linux
}

mkdirSync(OUT, { recursive: true });
const targets: Array<{ name: string; file: string }> = pages.map((p, i) => ({ name: `page ${i + 1} (${p})`, file: p }));

if (pages.length === 0) {
  // 1. pipeline
  const curve = syntheticCurve(N);
  const runs: Array<{ replay: number; render: number; size: number }> = [];
  let html = "";
  let result: ReplayResult | undefined;
  for (let k = 0; k < 3; k++) {
    let t = performance.now();
    result = replayCurve(curve, { schedulers: ["fastface", "hck"], traces: 2000 });
    const replay = ms(t);
    t = performance.now();
    html = renderReportHtml(replayPage([{ result, curve: curve.columns }]));
    runs.push({ replay, render: ms(t), size: html.length });
  }
  const file1M = join(OUT, "bench-report-1M.html");
  writeFileSync(file1M, html);
  const fmt = (v: number) => `${v.toFixed(0).padStart(5)} ms`;
  console.log(`1M-point curve -> HTML (${mb(html.length)} MB), load average ${loadavg()}`);
  runs.forEach((r, k) => {
    console.log(
      `  run ${k + 1}${k === 0 ? " (cold bundles)" : "               "}: replay ${fmt(r.replay)}  charts + render ${fmt(r.render)}  total ${fmt(r.replay + r.render)}`,
    );
  });
  console.log(`  best total ${Math.min(...runs.map((r) => r.replay + r.render)).toFixed(0)} ms`);
  targets.push({ name: "1M-point curve", file: file1M });

  // 2. the demo page
  let t = performance.now();
  const { doc } = await buildDemo({ dataDir: DATA });
  const build = ms(t);
  t = performance.now();
  const demo = renderReportHtml(doc);
  const render = ms(t);
  const fileDemo = join(OUT, "bench-report-demo.html");
  writeFileSync(fileDemo, demo);
  const parts = pageParts(demo);
  const size = Buffer.byteLength(demo, "utf8");
  console.log(
    `demo page (data/): ${mb(size)} MB (goal < 3 MB: ${size < 3e6 ? "ok" : "MISSED"}); page JSON ${mb(parts.json)} MB, of which data ` +
      `${mb(parts.data)} MB; replay of the runs ${build.toFixed(0)} ms, charts + render ${render.toFixed(0)} ms`,
  );
  targets.push({ name: "demo", file: fileDemo });
}

// 3. chromium
const CHROMIUM = "/usr/bin/chromium";
if (argv.includes("--no-browser")) {
  console.log("chromium: skipped (--no-browser)");
} else if (!existsSync(CHROMIUM)) {
  console.log(`chromium: skipped (${CHROMIUM} not found)`);
} else {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "fastface-bench-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1200 },
  });
  type Sample = { ready: number; cpu: number; drawn: number };
  const samples = new Map<string, Sample[]>();
  const load0 = loadavg();
  try {
    // interleaved: one load of every page and mode per round, so load changes hit them alike
    for (let k = 0; k < RUNS; k++) {
      for (const target of targets) {
        for (const mode of ["first screen", "all charts"] as const) {
          const page = await context.newPage();
          await page.waitForTimeout(300); // let the previous renderer exit before the CPU baseline
          const cpu0 = chromiumCpuMs(profile);
          await page.goto(pathToFileURL(target.file).href + (mode === "all charts" ? "#all" : ""));
          await page.waitForSelector("body[data-charts-ready]", { timeout: 240_000 });
          const sample = {
            ready: Number(await page.getAttribute("body", "data-charts-ready")),
            cpu: chromiumCpuMs(profile) - cpu0,
            drawn: await page.locator("figure.chart[data-rendered=true]").count(),
          };
          const key = `${target.name} | ${mode}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          await page.close();
        }
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`chromium (${RUNS} fresh loads each, interleaved; load average ${load0} before, ${loadavg()} after):`);
  for (const [key, xs] of samples) {
    const ready = xs.map((x) => x.ready);
    const r = median(ready);
    const goal = key.endsWith("first screen") ? `  (goal < 1000 ms: ${r < 1000 ? "ok" : "MISSED"})` : "";
    console.log(
      `  ${key}: ${xs[0]?.drawn} charts drawn, median ${r} ms (runs ${ready.join(", ")}; min ${Math.min(...ready)}, max ${Math.max(...ready)}); ` +
        `chromium CPU median ${median(xs.map((x) => x.cpu)).toFixed(0)} ms${goal}`,
    );
  }
}
