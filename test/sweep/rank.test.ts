import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DuckDBConnection } from "@duckdb/node-api";
import fc from "fast-check";
import { ConfigError } from "../../src/errors.ts";
import { type DuckDb, openDuckDb } from "../../src/io/duckdb.ts";
import { lambdaTransfer, paretoFront, robustConfigs, topK } from "../../src/sweep/rank.ts";

/** A hand-made results table (same shape as a sweep's): [curve, config, removed, openLoopLead, premature, mode]. */
const ROWS: Array<[number, string, number, number, number, string]> = [
  // curve 0: front by hand = c1 (900, 0), c3 (1500, 1), c5 (2000, 3); c2 (800, 0) and c4 (1500, 2) dominated
  [0, "c1", 2, 900, 0, "absolute"],
  [0, "c2", 1, 800, 0, "absolute"],
  [0, "c3", 3, 1500, 1, "relative"],
  [0, "c4", 3, 1500, 2, "relative"],
  [0, "c5", 4, 2000, 3, "relative"],
  // curve 1: front by hand = c2 (700, 0), c1 (1000, 1); c3 ties c1 on saved but has more premature
  [1, "c1", 2, 1000, 1, "absolute"],
  [1, "c2", 1, 700, 0, "absolute"],
  [1, "c3", 2, 1000, 2, "relative"],
  [1, "c4", 0, 0, 0, "relative"],
  [1, "c5", 2, 600, 0, "relative"],
];

async function loadTable(conn: DuckDBConnection, rows: typeof ROWS): Promise<void> {
  await conn.run("DROP TABLE IF EXISTS results");
  await conn.run(`CREATE TABLE results (curve_id INTEGER, curve VARCHAR, content_hash VARCHAR, config_id VARCHAR,
    params VARCHAR, p_lambdaMode VARCHAR, decays INTEGER, decaySteps BIGINT[], removed INTEGER, openLoopLead BIGINT,
    plateaus INTEGER, premature INTEGER, nsPerStep DOUBLE, lambdaEff DOUBLE, PRIMARY KEY (curve_id, config_id))`);
  for (const [curve, config, removed, saved, premature, mode] of rows) {
    await conn.run("INSERT INTO results VALUES (?, ?, 'h', ?, ?, ?, ?, [1, 2]::BIGINT[], ?, ?, 3, ?, 2.5, NULL)", [
      curve,
      `curve${curve}`,
      config,
      JSON.stringify({ id: config, lambdaMode: mode }),
      mode,
      removed + premature,
      removed,
      saved,
      premature,
    ]);
  }
}

/** Brute-force Pareto front of one curve's (saved, premature) points. */
function bruteFront(points: Array<{ id: string; saved: number; prem: number }>): string[] {
  return points
    .filter(
      (p) => !points.some((o) => o.saved >= p.saved && o.prem <= p.prem && (o.saved > p.saved || o.prem < p.prem)),
    )
    .map((p) => p.id)
    .sort();
}

describe("ranking SQL on a hand-made table", () => {
  let db: DuckDb;
  let conn: DuckDBConnection;
  before(async () => {
    db = await openDuckDb();
    conn = db.conn;
    await loadTable(conn, ROWS);
  });
  after(() => db.close());

  it("top-k per curve by openLoopLead, ties broken by premature then config id", async () => {
    const rows = await topK(conn, { by: "openLoopLead", k: 2 });
    assert.deepEqual(
      rows.map((r) => [r.curve, r.rank, r.configId, r.openLoopLead]),
      [
        ["curve0", 1, "c5", 2000],
        ["curve0", 2, "c3", 1500],
        ["curve1", 1, "c1", 1000],
        ["curve1", 2, "c3", 1000],
      ],
    );
    assert.deepEqual(rows[0]!.params, { id: "c5", lambdaMode: "relative" });
    assert.deepEqual(rows[0]!.decaySteps, [1, 2]);
    const all = await topK(conn, { by: "premature", k: null });
    assert.equal(all.length, ROWS.length);
    assert.deepEqual(
      all.filter((r) => r.curveId === 0).map((r) => r.configId),
      ["c1", "c2", "c3", "c4", "c5"],
    );
  });

  it("unknown objective is a ConfigError listing the valid ones", async () => {
    await assert.rejects(
      () => topK(conn, { by: "speed", k: 3 }),
      (e: unknown) => e instanceof ConfigError && /openLoopLead, removed, premature/.test(e.message),
    );
  });

  it("Pareto front equals the front computed by hand", async () => {
    const front = await paretoFront(conn);
    assert.deepEqual(
      front.map((r) => [r.curveId, r.configId]),
      [
        [0, "c1"],
        [0, "c3"],
        [0, "c5"],
        [1, "c2"],
        [1, "c1"],
      ],
    );
  });

  it("Pareto front equals brute force on random tables (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 })), {
          minLength: 1,
          maxLength: 25,
        }),
        async (points) => {
          const rows = points.map(
            ([saved, prem], i) =>
              [0, `k${String(i).padStart(2, "0")}`, 1, saved * 100, prem, "absolute"] as (typeof ROWS)[number],
          );
          await loadTable(conn, rows);
          const got = (await paretoFront(conn)).map((r) => r.configId).sort();
          const want = bruteFront(rows.map((r) => ({ id: r[1], saved: r[3], prem: r[4] })));
          assert.deepEqual(got, want);
        },
      ),
      { seed: 1, numRuns: 40 },
    );
    await loadTable(conn, ROWS);
  });

  it("robust configs: removed >= 1 and premature == 0 on every curve, by worst curve", async () => {
    const robust = await robustConfigs(conn);
    // c2 is the only one with premature 0 and removed >= 1 on both curves
    assert.deepEqual(
      robust.map((r) => [r.configId, r.minOpenLoopLead, r.meanOpenLoopLead, r.curves]),
      [["c2", 700, 750, 2]],
    );
    const loose = await robustConfigs(conn, { maxPremature: 1 });
    // c1: premature 0/1, min saved 900; c2: min 700; c5 has premature 3 on curve 0
    assert.deepEqual(
      loose.map((r) => r.configId),
      ["c1", "c2"],
    );
  });

  it("lambda transfer, baseline zero: leave-one-out ratio per lambdaMode", async () => {
    const rows = await lambdaTransfer(conn, { baseline: "zero" });
    // absolute: best without premature on curve0 = c1 (900); on curve1 = c2 (700)
    //   c1 on curve1 has premature 1 -> ratio 0; c2 on curve0: 800/900
    // relative: curve0 has no premature-free relative row -> no source; curve1 best = c5 (600);
    //   c5 on curve0 has premature 3 -> ratio 0
    const abs = rows.find((r) => r.group === "absolute")!;
    const rel = rows.find((r) => r.group === "relative")!;
    assert.equal(abs.pairs, 2);
    assert.ok(Math.abs(abs.meanRatio - (0 + 800 / 900) / 2) < 1e-12);
    assert.equal(abs.prematureRate, 0.5);
    assert.ok(Math.abs(abs.bestCommonMinRatio - 800 / 900) < 1e-12);
    assert.equal(rel.pairs, 1);
    assert.equal(rel.meanRatio, 0);
    assert.equal(rel.prematureRate, 1);
  });

  it("lambda transfer, baseline curveMin: premature decays every config fires are not held against it", async () => {
    const rows = await lambdaTransfer(conn);
    // relative on curve0: fewest premature = 1, so c3 (1500, 1) is acceptable and becomes a source;
    //   c3 on curve1 has 2 > 0 premature -> 0; c5 (curve1's best, 600) on curve0 has 3 > 1 -> 0
    const abs = rows.find((r) => r.group === "absolute")!;
    const rel = rows.find((r) => r.group === "relative")!;
    assert.equal(abs.pairs, 2);
    assert.ok(Math.abs(abs.meanRatio - (0 + 800 / 900) / 2) < 1e-12);
    assert.equal(rel.pairs, 2);
    assert.equal(rel.meanRatio, 0);
    assert.equal(rel.prematureRate, 1);
    assert.equal(rel.bestCommonMinRatio, 0);
    const only0 = await lambdaTransfer(conn, { curves: ["curve0"] });
    assert.deepEqual(
      only0.map((r) => r.pairs),
      [0, 0],
    );
  });
});
