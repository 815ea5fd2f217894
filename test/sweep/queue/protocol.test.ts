/**
 * The queue's wire formats without a Redis: URL parsing and redaction, job payload and setup checks (what a
 * worker refuses), prepared curves as bytes (round trip, corruption found), columnar results (round trip,
 * a wrong result refused by the coordinator) and the chunking of a sweep into jobs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../../src/errors.ts";
import { planConfigs } from "../../../src/sweep/configs.ts";
import { evaluateConfig, type PreparedCurve } from "../../../src/sweep/kernel.ts";
import { prepareCurve } from "../../../src/sweep/prepare.ts";
import { decodeCurve, encodeCurve, sha256Hex } from "../../../src/sweep/queue/curve-blob.ts";
import {
  chunkSize,
  configsDigest,
  fastfaceVersion,
  jobIdOf,
  PayloadError,
  parseJobPayload,
  parseSetup,
  planJobs,
} from "../../../src/sweep/queue/protocol.ts";
import { decodeResult, encodeResult } from "../../../src/sweep/queue/result.ts";
import { parseRedisUrl, redactUrl, scrub } from "../../../src/sweep/queue/url.ts";
import type { SimCurve } from "../../../src/sweep/types.ts";
import { syntheticCurve } from "../synthetic.ts";

describe("--queue URL", () => {
  it("parses host, port, db, user and password; prints the URL without the password", () => {
    const t = parseRedisUrl("redis://ci:s%40cret@redis.lab:6380/2", {});
    assert.deepEqual(t.options, { host: "redis.lab", port: 6380, db: 2, username: "ci", password: "s@cret" });
    assert.equal(t.display, "redis://ci:***@redis.lab:6380/2");
    assert.ok(t.secrets.includes("s@cret"));
    assert.deepEqual(parseRedisUrl("redis://127.0.0.1", {}).options, { host: "127.0.0.1", port: 6379, db: 0 });
    assert.equal(parseRedisUrl("redis://[::1]:7000", {}).display, "redis://[::1]:7000");
  });

  it("rediss:// turns TLS on (SNI for host names, none for IP addresses)", () => {
    assert.deepEqual(parseRedisUrl("rediss://:pw@redis.lab", {}).options.tls, { servername: "redis.lab" });
    assert.deepEqual(parseRedisUrl("rediss://10.1.2.3:6380", {}).options.tls, {});
    assert.equal(parseRedisUrl("redis://h", {}).options.tls, undefined);
  });

  it("takes the password from FASTFACE_REDIS_PASSWORD when the URL has none", () => {
    const t = parseRedisUrl("redis://h:6379", { FASTFACE_REDIS_PASSWORD: "envpw" });
    assert.equal(t.options.password, "envpw");
    assert.equal(t.display, "redis://:***@h:6379");
    assert.equal(parseRedisUrl("redis://:urlpw@h", { FASTFACE_REDIS_PASSWORD: "envpw" }).options.password, "urlpw");
  });

  it("bad URLs are a ConfigError that never shows the password", () => {
    for (const [url, why] of [
      ["http://:hunter2@h:6379", /unsupported scheme 'http:'/],
      ["redis://:hunter2@h:99999", /not a URL|bad port/],
      ["redis://:hunter2@h:6379/x", /not a database number/],
      ["redis://:hunter2@h:6379?db=1", /no query/],
      ["redis//:hunter2@h", /not a URL/],
    ] as const) {
      assert.throws(
        () => parseRedisUrl(url, {}),
        (err: Error) => err instanceof ConfigError && why.test(err.message) && !err.message.includes("hunter2"),
        url,
      );
    }
    assert.equal(redactUrl("redis://u:p@h"), "redis://u:***@h");
    assert.equal(scrub("AUTH hunter2 failed: hunter2", ["hunter2"]), "AUTH *** failed: ***");
  });
});

describe("job payloads and sweep setups (what a worker refuses)", () => {
  const good = { v: 1 as const, sweep: "0123456789abcdef", curve: 2, first: 64, count: 64 };

  it("a payload is exactly {v, sweep, curve, first, count} and its id is implied by it", () => {
    assert.deepEqual(parseJobPayload({ ...good }, jobIdOf(good)), good);
    const refused = (data: unknown, id: string, why: RegExp) =>
      assert.throws(
        () => parseJobPayload(data, id),
        (e: Error) => e instanceof PayloadError && why.test(e.message),
      );
    refused({ ...good, fn: "x" }, jobIdOf(good), /unexpected field 'fn'/);
    refused({ ...good, count: undefined }, jobIdOf(good), /missing field 'count'|'count' must be/);
    refused({ ...good, sweep: "../../etc/passwd" }, jobIdOf(good), /'sweep' must be a string matching/);
    refused({ ...good, first: -1 }, jobIdOf(good), /'first' must be an integer/);
    refused({ ...good, curve: 1.5 }, jobIdOf(good), /'curve' must be an integer/);
    refused({ ...good, v: 2 }, jobIdOf(good), /unknown payload version/);
    refused(good, "something-else", /job id does not match/);
    refused([1, 2], "x", /data must be an object/);
  });

  const setup = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      protocol: 1,
      fastface: fastfaceVersion(),
      sweepId: good.sweep,
      scheduler: "fastface",
      grid: ["tau=0.01,0.02"],
      random: null,
      lr0: 1,
      configs: 2,
      configsDigest: configsDigest(planConfigs("fastface", ["tau=0.01,0.02"], null, 1).configs),
      simulate: false,
      curves: [{ id: 0, hash: "0123456789abcdef", bytes: 1024, sha256: "a".repeat(64) }],
      curvesFrom: null,
      ...over,
    });

  it("a setup is checked field by field (protocol, version, sizes)", () => {
    const s = parseSetup(setup(), good.sweep);
    assert.equal(s.scheduler, "fastface");
    assert.equal(s.curves[0]!.sha256, "a".repeat(64));
    const refused = (text: string, why: RegExp) =>
      assert.throws(
        () => parseSetup(text, good.sweep),
        (e: Error) => e instanceof PayloadError && why.test(e.message),
      );
    refused("{not json", /not JSON/);
    refused(setup({ protocol: 99 }), /queue protocol/);
    refused(setup({ fastface: "0.0.1" }), /planned by fastface 0\.0\.1/);
    refused(setup({ sweepId: "fedcba9876543210" }), /it names sweep/);
    refused(setup({ extra: true }), /unexpected field 'extra'/);
    refused(setup({ grid: "tau=1" }), /'grid' must be a list/);
    refused(setup({ lr0: "1" }), /'lr0' must be a finite number/);
    refused(
      setup({ curves: [{ id: 1, hash: "0123456789abcdef", bytes: 1024, sha256: "a".repeat(64) }] }),
      /curves\[0\]\.id must be 0/,
    );
    refused(setup({ curves: [{ id: 0, hash: "x", bytes: 1024, sha256: "a".repeat(64) }] }), /curves\[0\]\.hash/);
  });
});

function simOf(n: number): SimCurve {
  return {
    model: "floor",
    params: { L0: 40, Linf: 2, k: 1e-4 },
    lr0: 0.1,
    noise: { values: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 0.01), blockLength: 3 },
    stride: 20,
    budgetSteps: 5000,
    lastStep: 5000,
    target: 2.5,
    minGap: 2,
    judge: { window: 300, eps: 1e-4, minLength: 200 },
    loggedPlateaus: 2,
    seeds: 3,
    seed0: 1,
  };
}

function asPrepared(shared: ReturnType<typeof decodeCurve>): PreparedCurve {
  return {
    ...shared,
    losses: new Float64Array(shared.losses),
    stepAt: shared.stepAt ? new Float64Array(shared.stepAt) : null,
  };
}

describe("prepared curves as bytes", () => {
  it("round trip: hold and none expansion, with and without a closed-loop setup", () => {
    const curve = syntheticCurve("a", 6000, { seed: 2, stride: 20 });
    for (const expand of ["hold", "none"] as const) {
      const { prepared } = prepareCurve(curve, 3, { expand, judge: "haar", totalSteps: null });
      for (const p of [prepared, { ...prepared, sim: simOf(250) }]) {
        const bytes = encodeCurve(p);
        const back = asPrepared(decodeCurve(bytes, "t"));
        assert.deepEqual(back, p);
        assert.equal(sha256Hex(encodeCurve(back)), sha256Hex(bytes), "deterministic bytes");
      }
    }
  });

  it("property: any losses (NaN, +-Infinity, -0) and spans survive the round trip", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 50 }),
        (values, first) => {
          const n = values.length;
          const p: PreparedCurve = {
            curveId: 0,
            losses: Float64Array.from(values),
            spans: n > 2 ? [{ start: 0, end: Math.floor(n / 2) }] : [],
            stepAt: null,
            firstStep: first,
            totalSteps: n,
            tolerance: 0,
            lossScale: 1,
            stepOffset: 0,
          };
          const back = asPrepared(decodeCurve(encodeCurve(p), "t"));
          assert.deepEqual(
            Array.from(back.losses, (v) => (Object.is(v, -0) ? "-0" : v)),
            Array.from(p.losses, (v) => (Object.is(v, -0) ? "-0" : v)),
          );
          assert.deepEqual(back.spans, p.spans);
        },
      ),
      { numRuns: 100, seed: 18 },
    );
  });

  it("a damaged or forged blob is refused with the reason", () => {
    const { prepared } = prepareCurve(syntheticCurve("a", 3000), 0, {
      expand: "hold",
      judge: "haar",
      totalSteps: null,
    });
    const bytes = encodeCurve(prepared);
    const refused = (b: Uint8Array, why: RegExp) =>
      assert.throws(
        () => decodeCurve(b, "curve 0"),
        (e: Error) => e instanceof PayloadError && why.test(e.message),
      );
    refused(bytes.subarray(0, bytes.length - 8), /its header implies/);
    refused(Buffer.concat([Buffer.from("NOTACURV"), bytes.subarray(8)]), /bad magic/);
    const forge = (header: Record<string, unknown>) => {
      const json = Buffer.from(JSON.stringify(header));
      const head = Buffer.alloc(12);
      head.write("FFCURVE1", 0, "latin1");
      head.writeUInt32LE(json.length, 8);
      const pad = Buffer.alloc((8 - ((12 + json.length) % 8)) % 8);
      return Buffer.concat([head, json, pad, Buffer.alloc(8 * 4)]);
    };
    const base = {
      curveId: 0,
      n: 4,
      spans: [],
      stepAt: false,
      firstStep: 1,
      totalSteps: 4,
      tolerance: 0,
      lossScale: 1,
      stepOffset: 0,
      sim: null,
    };
    assert.equal(decodeCurve(forge(base), "x").curveId, 0);
    refused(forge({ ...base, spans: [{ start: 2, end: 9 }] }), /spans\[0\]\.end must be an integer/);
    refused(forge({ ...base, lossScale: "1" }), /lossScale must be a finite number/);
    refused(
      forge({ ...base, sim: { ...simOf(0), noise: null, model: "x;rm -rf" } }),
      /sim\.model must be a model name/,
    );
  });
});

describe("results as columns", () => {
  const { prepared } = prepareCurve(syntheticCurve("a", 20000, { seed: 7 }), 1, {
    expand: "hold",
    judge: "haar",
    totalSteps: null,
  });
  const rows = [0, 1, 2].map((i) =>
    evaluateConfig(prepared, "fastface", { lambda: 10 ** (-5 + i), tau: 0.01 }, 1, 10 + i),
  );
  const job = { v: 1 as const, sweep: "0123456789abcdef", curve: 1, first: 10, count: 3 };

  it("round trip equals the kernel's rows", () => {
    const value = JSON.parse(JSON.stringify(encodeResult(rows, "host:1")));
    assert.deepEqual(decodeResult(value, job, false), rows);
    const withSim = rows.map((r, i) => ({
      ...r,
      sim: {
        simDecays: 2,
        simFinalLoss: 3.1,
        simFinalLossLo: 3,
        simFinalLossHi: 3.2,
        timeToTarget: i === 0 ? null : 0.8,
        simReached: i === 0 ? 0 : 1,
        simPlateaus: 1,
        simLoggedPlateaus: 3,
        simPlateausRemoved: 2,
        simNsPerStep: 250,
      },
    }));
    const back = decodeResult(JSON.parse(JSON.stringify(encodeResult(withSim as never, "h"))), job, true);
    assert.deepEqual(back, withSim);
  });

  it("a wrong result is refused, saying what is wrong", () => {
    const enc = () => JSON.parse(JSON.stringify(encodeResult(rows, "h"))) as Record<string, unknown[]>;
    const refused = (value: unknown, why: RegExp, simulate = false) =>
      assert.throws(() => decodeResult(value, job, simulate), why);
    refused({ ...enc(), decays: [1, 2] }, /'decays' must be a list of 3 values/);
    refused({ ...enc(), removed: [0, 0.5, 1] }, /removed\[1\] must be an integer/);
    refused({ ...enc(), nsPerStep: [1, -1, 1] }, /nsPerStep\[1\]/);
    refused({ ...enc(), decaySteps: [[1], [], []] }, /decaySteps\[0\] must be a list of/);
    refused({ ...enc(), evil: 1 }, /unexpected field 'evil'/);
    refused(enc(), /closed-loop columns missing/, true);
    refused({ ...enc(), v: 2 }, /unknown result version/);
  });
});

describe("jobs of a sweep", () => {
  it("chunks aim at ~192M replay steps in whole kernel passes, at least 8 jobs per curve, at most 512 configs", () => {
    assert.equal(chunkSize(1_000_000, 10_000), 192);
    assert.equal(chunkSize(200_000, 10_000), 504);
    assert.equal(chunkSize(10_000, 100_000), 504);
    assert.equal(chunkSize(3_000_000, 10_000), 48);
    assert.equal(chunkSize(200_000, 24), 3);
    assert.equal(chunkSize(200_000, 5), 1);
    assert.equal(chunkSize(1e9, 100), 1);
    assert.equal(chunkSize(1_000_000, 10, 4), 4);
    assert.equal(chunkSize(1_000_000, 3, 4), 3);
  });

  it("every missing pair is in exactly one job; complete chunks are skipped; ids are deterministic", () => {
    const done = new Set(["0/0", "0/1", "0/2", "1/5"]);
    const jobs = planJobs(
      "0123456789abcdef",
      [0, 1],
      8,
      () => 3,
      (c, i) => !done.has(`${c}/${i}`),
    );
    assert.deepEqual(jobs.map(jobIdOf), [
      "0123456789abcdef-0-3-3",
      "0123456789abcdef-0-6-2",
      "0123456789abcdef-1-0-3",
      "0123456789abcdef-1-3-3",
      "0123456789abcdef-1-6-2",
    ]);
    const covered = jobs.flatMap((j) => Array.from({ length: j.count }, (_, k) => `${j.curve}/${j.first + k}`));
    assert.equal(new Set(covered).size, covered.length);
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 8; i++) if (!done.has(`${c}/${i}`)) assert.ok(covered.includes(`${c}/${i}`));
  });
});
