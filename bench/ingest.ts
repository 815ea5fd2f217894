/**
 * Ingest throughput (MB/s, best of several runs, parsing from memory) and a bounded-memory check.
 *
 *   node --import tsx bench/ingest.ts            # throughput + a 1 GiB generated log streamed from disk
 *   FASTFACE_BENCH_LOG_MB=256 node --import tsx bench/ingest.ts
 *
 * Goals (issue #2): training.log >= 100 MB/s, event files >= 50 MB/s.
 * The memory check runs in a child process (so earlier allocations do not count) and reports its peak RSS.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArcfaceLog } from "../src/ingest/arcface-log.ts";
import { loadCurves } from "../src/ingest/load.ts";
import { parseTable } from "../src/ingest/table.ts";
import { parseTfEvents } from "../src/ingest/tfevents.ts";
import { readTfRecords, writeTfRecords } from "../src/ingest/tfrecord.ts";

const DATA = fileURLToPath(new URL("../data/", import.meta.url));
/** An input from the project's data folder (data/README.md gives its provenance). */
const fixture = (rel: string) => readFileSync(join(DATA, rel));

/** Best wall time and best CPU time (user + system) over `runs` runs, in seconds. CPU time is less disturbed
 * by other processes on a shared machine; both are printed. */
function best(runs: number, f: () => unknown): { wall: number; cpu: number } {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return { wall, cpu };
}

function report(label: string, bytes: number, t: { wall: number; cpu: number }, goal?: number): void {
  const mbs = bytes / 1e6 / t.wall;
  const cpuMbs = bytes / 1e6 / t.cpu;
  console.log(
    `${label.padEnd(46)} ${(bytes / 1e6).toFixed(2).padStart(6)} MB ${(t.wall * 1000).toFixed(1).padStart(7)} ms ${mbs
      .toFixed(0)
      .padStart(5)} MB/s wall ${cpuMbs.toFixed(0).padStart(5)} MB/s cpu${
      goal === undefined
        ? ""
        : `  (goal >= ${goal}: ${mbs >= goal ? "ok" : cpuMbs >= goal ? "ok by cpu time" : "MISSED"})`
    }`,
  );
}

async function memoryChild(path: string): Promise<void> {
  const t0 = performance.now();
  const [c] = await loadCurves(path);
  const s = (performance.now() - t0) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ points: c?.columns.step.length, seconds: s, peakRssMb: rssMb }));
}

async function main(): Promise<void> {
  if (process.argv[2] === "--memory-child") return memoryChild(process.argv[3] as string);

  console.log(`parse from memory, best of several runs (load average ${loadavg()[0]?.toFixed(1)}):`);
  for (const f of [
    "fastface_ms1mv3_r100.log",
    "insightface_ms1mv3_r50_poly.log",
    "insightface_ms1mv3_r50_multistep.log",
  ]) {
    const buf = fixture(`logs/${f}`);
    const text = buf.toString("utf8");
    report(
      `arcface-log ${f}`,
      buf.byteLength,
      best(15, () => parseArcfaceLog(text, f)),
      100,
    );
  }

  // event files: repeat the records of the fixtures into a ~16 MB file held in memory
  const sources = [
    "events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2",
    "pytorch_simple_value_strict/run_1/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0",
  ];
  for (const rel of sources) {
    const records = readTfRecords(
      fixture(rel.startsWith("events") ? `real/tfevents/${rel}` : `tfevents/${rel}`),
    ).records;
    const payloads: Uint8Array[] = [];
    let size = 0;
    while (size < 16e6) {
      for (const r of records) {
        payloads.push(r);
        size += r.byteLength + 16;
      }
    }
    const big = writeTfRecords(payloads);
    const label = rel.startsWith("events")
      ? "tfevents TF2 tensor_content (x repeated)"
      : "tfevents PyTorch simple_value (x repeated)";
    report(
      label,
      big.byteLength,
      best(9, () => parseTfEvents(big, "bench")),
      50,
    );
  }

  // CSV: a table shaped like the FastFace log
  const log = parseArcfaceLog(fixture("logs/fastface_ms1mv3_r100.log").toString("utf8"), "f");
  const rows = ["step,loss,lr,epoch"];
  for (let r = 0; r < 10; r++) {
    for (let i = 0; i < log.columns.step.length; i++) {
      rows.push(
        `${log.columns.step[i]! + r * 202320},${log.columns.loss[i]},${log.columns.lr?.[i]},${log.columns.epoch?.[i]}`,
      );
    }
  }
  const csv = `${rows.join("\n")}\n`;
  report(
    "csv (FastFace log as a table, x10)",
    Buffer.byteLength(csv),
    best(5, () => parseTable(csv, "b.csv", "csv")),
  );

  // bounded memory: stream a generated log from disk in a fresh process
  const mb = Number(process.env.FASTFACE_BENCH_LOG_MB ?? 1024);
  const dir = await mkdtemp(join(tmpdir(), "ff-bench-"));
  const path = join(dir, "training.log");
  const out = createWriteStream(path);
  let written = 0;
  let step = 0;
  const block: string[] = [];
  while (written < mb * 1e6) {
    block.length = 0;
    for (let i = 0; i < 5000; i++) {
      step += 10;
      block.push(
        `Training: 2024-01-01 00:00:00,000-Speed 790.00 samples/sec   Loss ${(40 * Math.exp(-step / 5e6) + 1).toFixed(4)}   LearningRate 0.020000   Epoch: ${Math.floor(step / 40000)}   Global Step: ${step}   Fp16 Grad Scale: 65536   Required: 1 hours\n`,
      );
    }
    const chunk = block.join("");
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--memory-child", path],
    {
      encoding: "utf8",
    },
  );
  rmSync(dir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(child.stderr);
  const m = JSON.parse(child.stdout.trim().split("\n").pop() as string) as {
    points: number;
    seconds: number;
    peakRssMb: number;
  };
  console.log(
    `streamed ${(written / 1e6).toFixed(0)} MB generated log from disk: ${m.points} points in ${m.seconds.toFixed(1)} s ` +
      `(${(written / 1e6 / m.seconds).toFixed(0)} MB/s), peak RSS ${m.peakRssMb.toFixed(0)} MB ` +
      `(${((m.peakRssMb * 1e6) / written).toFixed(2)} bytes of RSS per byte of log; the curve itself is 40 bytes/point)`,
  );
}

await main();
