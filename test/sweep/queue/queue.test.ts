/**
 * Sweeps on BullMQ/Redis against a real redis-server (started here on a free loopback port with a password,
 * no persistence, stopped after): `fastface worker` child processes compute, the coordinator stores.
 *   - the queue gives the same rows as the local sweep on the data/logs fixtures;
 *   - kill -9 of a worker mid-job: its job stalls, another worker's stalled check takes it over, every
 *     (curve, config) row is stored exactly once and equals the local sweep;
 *   - kill -9 of the coordinator, the workers finish the queue, `--resume` takes the finished jobs from the
 *     queue's completed set: nothing lost, nothing duplicated, Redis left clean;
 *   - bad payloads (extra fields, a forged id, an unregistered scheduler, an invalid grid) are refused at once;
 *   - the password is never printed, a wrong one is a clear error.
 * Skipped, loudly, when redis-server is not installed (CI installs it).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { writeCurveFile } from "../../../src/curve/arrow.ts";
import { loadCurve } from "../../../src/ingest/load.ts";
import { parseModelFile } from "../../../src/simulate/model-file.ts";
import { encodeCurve, sha256Hex } from "../../../src/sweep/queue/curve-blob.ts";
import { BULL_PREFIX, jobIdOf, setupKey } from "../../../src/sweep/queue/protocol.ts";
import { runQueueWorker } from "../../../src/sweep/queue/queue-worker.ts";
import { openDb, queryRows, SIM_COLUMNS } from "../../../src/sweep/store.ts";
import { planSweep, runSweep } from "../../../src/sweep/sweep.ts";
import { resultRows } from "../rows.ts";
import { syntheticCurve } from "../synthetic.ts";
import { type RedisServer, redisServerMissing, selfSignedCert, startRedis } from "./redis-server.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(ROOT, "bin/fastface.js");
const LOGS = fileURLToPath(new URL("../../../data/logs/", import.meta.url));
const PASSWORD = "Zq9-unguessable/pw";
const QUEUE = "fastface-test";
const skip = redisServerMissing() ?? false;
const inCI = process.env.CI === "true";

it("redis-server is available in CI", { skip: !inCI && skip ? "not in CI" : false }, () => {
  assert.equal(skip, false, "redis-server is missing: .ci/run must install redis-server with apt");
});

/** A child `fastface` process whose output is kept (and checked for the password). */
class Proc {
  readonly child: ChildProcess;
  out = "";
  err = "";
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private watchers: Array<() => void> = [];
  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    this.exit = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    this.child.stdout?.setEncoding("utf8");
    this.child.stderr?.setEncoding("utf8");
    this.child.stdout?.on("data", (c: string) => {
      this.out += c;
    });
    this.child.stderr?.on("data", (c: string) => {
      this.err += c;
      for (const w of this.watchers) w();
    });
  }
  /**
   * Resolves when stderr from offset `since` on matches (checked on every chunk); rejects after `ms` or when the
   * process exits.
   */
  waitFor(re: RegExp | ((err: string) => boolean), since = 0, ms = 60_000): Promise<void> {
    const match = typeof re === "function" ? re : (err: string) => re.test(err);
    const test = (err: string) => match(err.slice(since));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms:\n${this.err}`)), ms);
      const check = () => {
        if (test(this.err)) {
          clearTimeout(timer);
          this.watchers = this.watchers.filter((w) => w !== check);
          resolve();
        }
      };
      this.watchers.push(check);
      void this.exit.then(() => {
        clearTimeout(timer);
        if (!test(this.err)) reject(new Error(`exited before ${re}:\n${this.err}`));
      });
      check();
    });
  }
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exit;
  }
}

describe("sweep on BullMQ/Redis", { skip, timeout: 180_000 }, () => {
  let redis: RedisServer;
  let dir: string;
  let client: Redis;
  const procs: Proc[] = [];
  let w1: Proc;
  let w2: Proc;
  const workerArgs = (name: string) => [
    "worker",
    "--queue-name",
    QUEUE,
    "--concurrency",
    "1",
    "--lock-ms",
    "1500",
    "--stalled-ms",
    "500",
    "--name",
    name,
    "--verbose",
  ];
  const startWorker = (name: string, viaEnv: boolean): Proc => {
    // one worker gets the password in the URL, the other from the environment
    const url = viaEnv ? `redis://127.0.0.1:${redis.port}` : redis.url;
    const p = new Proc([...workerArgs(name), "--queue", url], viaEnv ? { FASTFACE_REDIS_PASSWORD: PASSWORD } : {});
    procs.push(p);
    return p;
  };

  before(async () => {
    redis = await startRedis({ password: PASSWORD });
    dir = mkdtempSync(join(tmpdir(), "fastface-queue-"));
    client = new Redis({ host: "127.0.0.1", port: redis.port, password: PASSWORD, maxRetriesPerRequest: null });
    w1 = startWorker("w1", false);
    w2 = startWorker("w2", true);
    await Promise.all([w1.waitFor(/listening on/), w2.waitFor(/listening on/)]);
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    client?.disconnect();
    for (const p of procs) {
      assert.ok(!p.out.includes(PASSWORD) && !p.err.includes(PASSWORD), "the password is never printed");
    }
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("2 worker processes give the same rows as the local sweep (data/logs)", async () => {
    const files = readdirSync(LOGS).filter((f) => f.endsWith(".log"));
    const curves = await Promise.all(files.map((f) => loadCurve(join(LOGS, f))));
    const options = { scheduler: "fastface", grid: ["lambda=1e-6..1e-3:log:4", "tau=0.01,0.05"], workers: 2 };
    const local = await runSweep(curves, { ...options, out: join(dir, "logs-local.duckdb") });
    const queued = await runSweep(curves, {
      ...options,
      out: join(dir, "logs-queue.duckdb"),
      queue: { url: redis.url, name: QUEUE, chunk: 3 },
    });
    assert.equal(queued.committed, 24);
    assert.equal(queued.computed, 24);
    assert.equal(queued.queue?.jobs, 9, "3 curves x chunks of 3, 3, 2 configurations");
    assert.equal(
      Object.values(queued.queue?.byWorker ?? {}).reduce((a, b) => a + b, 0),
      24,
    );
    assert.deepEqual(
      await resultRows(join(dir, "logs-queue.duckdb")),
      await resultRows(join(dir, "logs-local.duckdb")),
    );
    assert.equal(local.committed, 24);
    // the sweep's keys are gone from Redis once it is complete
    assert.deepEqual(await client.keys(`fastface-sweep:${QUEUE}:*`), []);
    assert.deepEqual(await client.keys(`${BULL_PREFIX}:${QUEUE}:${queued.queue?.sweepId}-*`), []);
  });

  it("--simulate over the queue: the closed-loop columns equal the local sweep's", async () => {
    const curve = syntheticCurve("sim", 12_000, { seed: 9, phases: 3, stride: 10 });
    const model = parseModelFile(
      {
        kind: "fastface-model",
        version: 2,
        model: "floor",
        params: { Linit: 20, k: 0.004, p: 0.5, a: 1, b: 10, q: 1, lrRef: 0.1 },
        fittedOn: { name: "hand-set", source: "test", lastStep: 12_000, lr: "log" },
        inSample: { r2: 1, mae: 0, relMae: 0, points: 1 },
      },
      "model.json",
    );
    const options = {
      scheduler: "fastface",
      grid: ["lambda=1e-3,1e-2", "tau=0.02,0.05"],
      workers: 1,
      simulate: { modelFrom: model, seeds: 2, lrSchedule: "multistep:lr=0.1,milestones=6000,9000,gamma=0.1" },
    };
    await runSweep([curve], { ...options, out: join(dir, "sim-local.duckdb") });
    const q = await runSweep([curve], {
      ...options,
      out: join(dir, "sim-queue.duckdb"),
      queue: { url: redis.url, name: QUEUE },
    });
    assert.equal(q.committed, 4);
    const simRows = async (db: string) => {
      const { conn, close } = await openDb(db, true);
      try {
        return await queryRows(
          conn,
          `SELECT config_id, ${SIM_COLUMNS.filter(([c]) => c !== "simNsPerStep")
            .map(([c]) => c)
            .join(", ")}
           FROM results ORDER BY config_id`,
        );
      } finally {
        close();
      }
    };
    const local = await simRows(join(dir, "sim-local.duckdb"));
    assert.ok(
      local.every((r) => typeof r.simFinalLoss === "number"),
      "closed-loop metrics computed",
    );
    assert.deepEqual(await simRows(join(dir, "sim-queue.duckdb")), local);
    assert.deepEqual(await resultRows(join(dir, "sim-queue.duckdb")), await resultRows(join(dir, "sim-local.duckdb")));
  });

  it("kill -9 of a worker mid-job: the job stalls, another worker takes it, every row exactly once", async () => {
    const curves = [
      syntheticCurve("a", 1_000_000, { seed: 3, phases: 3 }),
      syntheticCurve("b", 600_000, { seed: 4, phases: 2, scale: 0.3 }),
    ];
    // plateau-torch replays one config at a time (no multi-config kernel): jobs long enough to be killed in
    const options = { scheduler: "plateau-torch", grid: ["patience=1000..20000:lin:10", "factor=0.1,0.5"], workers: 1 };
    const ref = join(dir, "kill-worker-local.duckdb");
    await runSweep(curves, { ...options, out: ref });
    const out = join(dir, "kill-worker-queue.duckdb");
    const since = w1.err.length;
    const w2Since = w2.err.length;
    const running = runSweep(curves, { ...options, out, queue: { url: redis.url, name: QUEUE, chunk: 5 } });
    // w1 is killed while it holds a job of this sweep (it logs "started" before the replay begins)
    await w1.waitFor(/job \S+: started/, since);
    w1.child.kill("SIGKILL");
    const killed = await w1.exit;
    assert.equal(killed.signal, "SIGKILL");
    const summary = await running;
    assert.match(
      w2.err.slice(w2Since),
      /had stalled/,
      `w2's stalled-job check put w1's job back in the queue:\n${w1.err}\n---\n${w2.err}`,
    );
    assert.equal(summary.committed, 40);
    assert.deepEqual(summary.queue?.failed, []);
    const got = await resultRows(out);
    assert.equal(new Set(got.map((r) => `${r.curve}/${r.config_id}`)).size, 40, "every (curve, config) once");
    assert.deepEqual(got, await resultRows(ref));
  });

  it("kill -9 of the coordinator, then --resume: nothing lost, nothing duplicated", async () => {
    const files = [join(dir, "c.arrow"), join(dir, "d.arrow")];
    await writeCurveFile(files[0]!, syntheticCurve("c", 1_000_000, { seed: 5, phases: 3 }));
    await writeCurveFile(files[1]!, syntheticCurve("d", 700_000, { seed: 6, phases: 2 }));
    const grid = ["patience=1000..20000:lin:20", "factor=0.1,0.5"];
    const total = 2 * 40;
    const loaded = await Promise.all(files.map((f) => loadCurve(f)));
    const options = { scheduler: "plateau-torch", grid, workers: 1 };
    const ref = join(dir, "kill-coord-local.duckdb");
    await runSweep(loaded, { ...options, out: ref });
    const out = join(dir, "kill-coord-queue.duckdb");
    const args = [
      "sweep",
      ...files,
      "--scheduler",
      "plateau-torch",
      ...grid.flatMap((g) => ["--grid", g]),
      "--out",
      out,
    ];
    const coord = new Proc([
      ...args,
      "--queue",
      redis.url,
      "--queue-name",
      QUEUE,
      "--chunk",
      "2",
      "--batch-size",
      "2",
      "--verbose",
    ]);
    procs.push(coord);
    await coord.waitFor((err) => (err.match(/^committed /gm) ?? []).length >= 3);
    coord.child.kill("SIGKILL");
    assert.equal((await coord.exit).signal, "SIGKILL");
    const partial = await resultRows(out);
    assert.ok(
      partial.length >= 6 && partial.length < total,
      `3 batches survive, the kill came early (${partial.length})`,
    );
    // the workers go on: wait until the queue is drained, so the rest waits in the completed set
    const deadline = Date.now() + 60_000;
    const busy = async () =>
      (await client.llen(`${BULL_PREFIX}:${QUEUE}:wait`)) + (await client.llen(`${BULL_PREFIX}:${QUEUE}:active`));
    while ((await busy()) > 0) {
      assert.ok(Date.now() < deadline, "the workers drain the queue");
      await new Promise((r) => setTimeout(r, 100));
    }
    // the same sweep with --resume (in-process: the CLI's --resume flag is the library's `resume`)
    const summary = await runSweep(loaded, {
      ...options,
      out,
      resume: true,
      queue: { url: redis.url, name: QUEUE, chunk: 2 },
    });
    assert.equal(summary.alreadyDone, partial.length);
    assert.equal(summary.alreadyDone + summary.computed, total);
    assert.equal(summary.committed, total);
    assert.ok((summary.queue?.recovered ?? 0) > 0, "finished jobs were taken from the completed set");
    assert.equal(summary.queue?.url, `redis://:***@127.0.0.1:${redis.port}`);
    const got = await resultRows(out);
    assert.equal(new Set(got.map((r) => `${r.curve}/${r.config_id}`)).size, total);
    assert.deepEqual(got, await resultRows(ref));
    assert.deepEqual(await client.keys(`${BULL_PREFIX}:${QUEUE}:${summary.queue?.sweepId}-*`), [], "no job left");
    assert.deepEqual(await client.keys(`fastface-sweep:${QUEUE}:*`), [], "no setup or curve left");
  });

  it("--curves-from: a bad curve file fails its jobs, reported with the worker's error; --resume retries them", async () => {
    const curves = [syntheticCurve("e", 30_000, { seed: 11 }), syntheticCurve("f", 20_000, { seed: 12, phases: 2 })];
    const options = { scheduler: "fastface", grid: ["tau=0.005,0.01,0.02,0.05"], workers: 1 };
    const shared = join(dir, "shared-curves");
    mkdirSync(shared);
    // a file of the right name and size but the wrong content where curve 'f' (id 1) will be looked for
    const plan = planSweep(curves, { ...options, out: "unused" });
    const blob = encodeCurve(plan.curves[1]!.prepared);
    const bad = join(shared, `${sha256Hex(blob)}.ffcurve`);
    writeFileSync(bad, Buffer.alloc(blob.byteLength));
    const out = join(dir, "curves-from.duckdb");
    const queue = { url: redis.url, name: QUEUE, curvesFrom: shared, chunk: 2 };
    await assert.rejects(runSweep(curves, { ...options, out, queue }), (err: Error & { exitCode?: number }) => {
      assert.equal(err.exitCode, 6);
      assert.match(
        err.message,
        /2 job\(s\) failed for good \(refused, or still failing after their attempts\); 4 result\(s\) are in/,
      );
      assert.match(err.message, /-1-0-2: refused sweep \S+ curve 1: curve \S+: content does not match its sha256/);
      return true;
    });
    assert.equal((await resultRows(out)).length, 4, "curve e's results are stored");
    rmSync(bad);
    const resumed = await runSweep(curves, { ...options, out, resume: true, queue });
    assert.equal(resumed.computed, 4);
    assert.equal(resumed.committed, 8);
    await runSweep(curves, { ...options, out: join(dir, "curves-from-local.duckdb") });
    assert.deepEqual(await resultRows(out), await resultRows(join(dir, "curves-from-local.duckdb")));
  });

  it("bad payloads are refused at once with a clear error (no retries); a transient error is retried", async () => {
    const queue = new Queue(QUEUE, { connection: client, prefix: BULL_PREFIX });
    try {
      const sweep = "0123456789abcdef";
      const good = { v: 1 as const, sweep, curve: 0, first: 0, count: 1 };
      const setup = (scheduler: string, grid: string[]) =>
        JSON.stringify({
          protocol: 1,
          fastface: "0.1.0",
          sweepId: sweep,
          scheduler,
          grid,
          random: null,
          lr0: 1,
          configs: 1,
          configsDigest: "0".repeat(64),
          simulate: false,
          curves: [{ id: 0, hash: "0".repeat(16), bytes: 64, sha256: "0".repeat(64) }],
          curvesFrom: null,
        });
      const opts = { attempts: 3, backoff: { type: "fixed", delay: 10 }, removeOnComplete: false, removeOnFail: false };
      const cases: Array<{ data: unknown; id: string; setup?: string; expect: RegExp }> = [
        { data: { ...good, code: "process.exit(1)" }, id: jobIdOf(good), expect: /unexpected field 'code'/ },
        { data: good, id: "forged-id", expect: /job id does not match its data/ },
        { data: "rm -rf /", id: "text-1", expect: /data must be an object/ },
        { data: good, id: jobIdOf(good), setup: setup("evil:cmd=rm", ["x=1"]), expect: /unknown scheduler 'evil'/ },
        {
          data: good,
          id: jobIdOf(good),
          setup: setup("fastface", ["lambda=require('child_process')"]),
          expect: /--grid 'lambda=require\('child_process'\)'/,
        },
        { data: good, id: jobIdOf(good), setup: setup("fastface", ["tau=0.01"]), expect: /configurations rebuilt/ },
      ];
      for (const c of cases) {
        if (c.setup) await client.set(setupKey(QUEUE, sweep), c.setup);
        const job = await queue.add("replay", c.data, { ...opts, jobId: c.id });
        const deadline = Date.now() + 30_000;
        while ((await job.getState()) !== "failed") {
          assert.ok(Date.now() < deadline, `job ${c.id} fails`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const failed = await queue.getJob(c.id);
        assert.match(failed?.failedReason ?? "", c.expect);
        assert.match(failed?.failedReason ?? "", /^refused /);
        assert.equal(failed?.attemptsMade, 1, "refused, not retried");
        await queue.remove(c.id);
      }
      await client.del(setupKey(QUEUE, sweep));
      assert.match(w2.err + w1.err, /refused: refused job forged-id/);
      // a transient error (here: no setup in Redis) is retried with backoff, up to the job's attempts
      const lost = { ...good, sweep: "fedcba9876543210" };
      const job = await queue.add("replay", lost, { ...opts, jobId: jobIdOf(lost) });
      const deadline = Date.now() + 30_000;
      while ((await job.getState()) !== "failed") {
        assert.ok(Date.now() < deadline, "the job fails after its attempts");
        await new Promise((r) => setTimeout(r, 50));
      }
      const failed = await queue.getJob(jobIdOf(lost));
      assert.equal(failed?.attemptsMade, 3);
      assert.match(failed?.failedReason ?? "", /sweep fedcba9876543210 has no setup in Redis/);
      await queue.remove(jobIdOf(lost));
    } finally {
      await queue.close();
    }
  });

  it("rediss:// (TLS): a sweep runs when the CA is trusted, and an untrusted certificate is a clear error", async (t) => {
    const certs = selfSignedCert(dir);
    if (!certs) {
      t.skip("openssl not found: no certificate for the TLS test");
      return;
    }
    const tls = await startRedis({ password: PASSWORD, tls: certs });
    try {
      const stop = new AbortController();
      await assert.rejects(
        runQueueWorker({ url: tls.url, concurrency: 1, log: () => undefined, signal: stop.signal }),
        /cannot connect to Redis at rediss:\/\/:\*\*\*@localhost:\d+: self-signed certificate/,
      );
      const file = join(dir, "tls.arrow");
      await writeCurveFile(file, syntheticCurve("tls", 20_000, { seed: 8 }));
      const env = { NODE_EXTRA_CA_CERTS: certs.cert };
      const worker = new Proc(["worker", "--queue", tls.url, "--concurrency", "1"], env);
      procs.push(worker);
      await worker.waitFor(/listening on rediss:/);
      const out = join(dir, "tls.duckdb");
      const coord = new Proc(
        ["sweep", file, "-s", "fastface", "--grid", "tau=0.01,0.02", "--out", out, "--queue", tls.url, "--json"],
        env,
      );
      procs.push(coord);
      const { code } = await coord.exit;
      assert.equal(code, 0, coord.err);
      assert.equal((JSON.parse(coord.out) as { committed: number }).committed, 2);
      await worker.stop();
    } finally {
      await tls.stop();
    }
  });

  it("a wrong password is a clear error (exit code 6) that does not print the password", async () => {
    const wrong = "Not-The-Password-42";
    const stop = new AbortController();
    await assert.rejects(
      runQueueWorker({
        url: `redis://:${wrong}@127.0.0.1:${redis.port}`,
        concurrency: 1,
        log: () => undefined,
        signal: stop.signal,
      }),
      (err: Error & { exitCode?: number }) => {
        assert.equal(err.exitCode, 6);
        assert.match(err.message, /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
        assert.ok(!err.message.includes(wrong));
        return true;
      },
    );
    // the coordinator too, and it leaves no half-made database behind (the same command works later)
    const out = join(dir, "wrong-password.duckdb");
    await assert.rejects(
      runSweep([syntheticCurve("w", 5000)], {
        scheduler: "fastface",
        grid: ["tau=0.01"],
        workers: 1,
        out,
        queue: { url: `redis://:${wrong}@127.0.0.1:${redis.port}` },
      }),
      (err: Error) => /WRONGPASS/.test(err.message) && !err.message.includes(wrong),
    );
    assert.equal(existsSync(out), false);
  });
});
