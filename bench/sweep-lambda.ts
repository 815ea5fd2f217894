/**
 * Study: does a loss-scale-relative lambda (lambdaMode=relative: lambda x the curve's initial loss level)
 * transfer across runs better than the absolute one? One sweep over the fixture logs and over copies of them
 * with the loss scaled by 0.25 (another loss head / scale s), both modes on the same lambda grid; then the
 * leave-one-out transfer table (src/sweep/rank.ts `lambdaTransfer`) for the fixtures alone and with the copies.
 *
 *   node --import tsx bench/sweep-lambda.ts [--workers 2]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Curve } from "../src/curve/curve.ts";
import { loadCurve } from "../src/ingest/load.ts";
import { lambdaTransfer, type TransferRow } from "../src/sweep/rank.ts";
import { openDb, queryRows } from "../src/sweep/store.ts";
import { runSweep } from "../src/sweep/sweep.ts";

const LOGS = fileURLToPath(new URL("../data/logs/", import.meta.url));
const FIXTURES = [
  "fastface_ms1mv3_r100.log",
  "insightface_ms1mv3_r50_multistep.log",
  "insightface_ms1mv3_r50_poly.log",
];
const SCALE = 0.25;
const arg = process.argv.indexOf("--workers");
const workers = arg > 0 ? Number(process.argv[arg + 1]) : Math.min(2, availableParallelism());

function scaled(c: Curve, k: number): Curve {
  return {
    columns: { ...c.columns, loss: c.columns.loss.map((v) => v * k) },
    meta: { ...c.meta, name: `${c.meta.name}_x${k}` },
  };
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");
function show(title: string, rows: TransferRow[]): void {
  console.log(`\n${title}`);
  console.log("mode       transfers  mean ratio  avoidable-premature rate  best common (worst curve)");
  for (const r of rows) {
    console.log(
      `${r.group.padEnd(10)} ${String(r.pairs).padStart(9)}  ${pct(r.meanRatio).padStart(10)}  ${pct(r.prematureRate).padStart(24)}  ${pct(r.bestCommonMinRatio).padStart(25)}`,
    );
  }
}

const originals = await Promise.all(FIXTURES.map((f) => loadCurve(join(LOGS, f))));
const curves = [...originals, ...originals.map((c) => scaled(c, SCALE))];
const dir = mkdtempSync(join(tmpdir(), "fastface-lambda-"));
const out = join(dir, "study.duckdb");
try {
  const grid = ["lambda=1e-9..1e-2:log:43", "lambdaMode=absolute,relative", "tau=0.01,0.02,0.05"];
  console.log(`sweep: fastface ${grid.join(" ")} on ${curves.length} curves, ${workers} workers`);
  const s = await runSweep(curves, { scheduler: "fastface", grid, out, workers });
  console.log(`${s.committed} results in ${s.seconds.toFixed(1)} s (${s.configsPerSecond.toFixed(0)} replays/s)`);
  const { conn, close } = await openDb(out, true);
  try {
    const scales = await queryRows(conn, "SELECT name, steps, plateaus, loss_scale FROM curves ORDER BY name");
    console.log("\ncurve                                   steps  plateaus  loss scale");
    for (const c of scales) {
      console.log(
        `${String(c.name).padEnd(38)} ${String(c.steps).padStart(7)}  ${String(c.plateaus).padStart(8)}  ${Number(c.loss_scale).toFixed(2).padStart(10)}`,
      );
    }
    const names = originals.map((c) => c.meta.name);
    for (const baseline of ["curveMin", "zero"] as const) {
      show(`fixtures only (baseline ${baseline})`, await lambdaTransfer(conn, { baseline, curves: names }));
      show(`fixtures + copies with loss x${SCALE} (baseline ${baseline})`, await lambdaTransfer(conn, { baseline }));
    }
    const best = await queryRows(
      conn,
      `WITH m AS (SELECT curve, p_lambdaMode AS md, min(premature) AS minp FROM results GROUP BY ALL)
       SELECT r.curve, r.p_lambdaMode AS md, max(r.openLoopLead) AS best, arg_max(r.p_lambda, r.openLoopLead) AS lambda,
              arg_max(r.lambdaEff, r.openLoopLead) AS lambda_eff, arg_max(r.p_tau, r.openLoopLead) AS tau, any_value(m.minp) AS minp
       FROM results r JOIN m ON m.curve = r.curve AND m.md = r.p_lambdaMode
       WHERE r.premature <= m.minp GROUP BY ALL ORDER BY md, r.curve`,
    );
    console.log("\nbest without avoidable premature decay, per curve and mode");
    console.log(
      "mode      curve                                   openLoopLead lambda (as given)  lambda used  tau   premature",
    );
    for (const b of best) {
      console.log(
        `${String(b.md).padEnd(9)} ${String(b.curve).padEnd(38)} ${String(b.best).padStart(11)}  ${Number(b.lambda).toExponential(2).padStart(17)}  ${Number(b.lambda_eff).toExponential(2).padStart(11)}  ${String(b.tau).padEnd(4)}  ${b.minp}`,
      );
    }
  } finally {
    close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
