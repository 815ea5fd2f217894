/**
 * `fastface sweep-top db.duckdb --by openLoopLead --k 10 [--pareto] [--robust] [--json]`: rank a sweep's results
 * in SQL. Default: the best k configurations of each curve. `--pareto`: each curve's front of open-loop lead vs
 * premature decays. `--robust`: configurations that remove a plateau without a premature decay on every curve.
 * Every table that shows openLoopLead ends with the open-loop caveat (OPEN_LOOP_CAVEAT).
 */
import type { Argv, CommandModule } from "yargs";
import { ConfigError } from "../../errors.ts";
import { paramsText, percent } from "../../messages/format.ts";
import { OPEN_LOOP_CAVEAT } from "../../messages/replay.ts";
import * as M from "../../messages/sweep.ts";
import { type RankedRow, rankedCells } from "../../sweep/rank.ts";
import { printJson, printText, table } from "../output.ts";

interface SweepTopArgs {
  db: string;
  by: string;
  k: string;
  pareto: boolean;
  robust: boolean;
  json: boolean;
}

/** `--k 10` -> 10, `--k all` -> null. */
export function parseK(k: string): number | null {
  if (k === "all") return null;
  const n = Number(k);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(M.badK(k), M.E_SWEEP_OPTION);
  return n;
}

/** 1-based position of row i within its curve's block. */
function frontIndex(rows: readonly RankedRow[], i: number): number {
  let k = i;
  while (k > 0 && rows[k - 1]!.curveId === rows[i]!.curveId) k--;
  return i - k + 1;
}

function rowJson(r: RankedRow): Record<string, unknown> {
  return {
    curve: r.curve,
    ...(r.rank !== undefined ? { rank: r.rank } : {}),
    configId: r.configId,
    params: r.params,
    decays: r.decays,
    decaySteps: r.decaySteps,
    removed: r.removed,
    openLoopLead: r.openLoopLead,
    plateaus: r.plateaus,
    premature: r.premature,
    nsPerStep: r.nsPerStep,
    ...(r.lambdaEff !== null ? { lambdaEff: r.lambdaEff } : {}),
    ...(r.sim ? r.sim : {}),
  };
}

const fix = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? "-" : v.toFixed(digits));

/** Text columns of the closed-loop metrics (sweeps run with --simulate). */
function simCells(r: RankedRow): Array<string | number> {
  const s = r.sim;
  if (!s) return ["-", "-", "-", "-"];
  return [
    fix(s.simDecays, 1),
    `${fix(s.simFinalLoss, 3)} [${fix(s.simFinalLossLo, 3)}-${fix(s.simFinalLossHi, 3)}]`,
    s.timeToTarget === null ? "not reached" : `${percent(s.timeToTarget)} (${percent(s.simReached, { decimals: 0 })})`,
    `${fix(s.simPlateaus, 1)}/${s.simLoggedPlateaus}`,
  ];
}

export const sweepTopCommand: CommandModule<object, SweepTopArgs> = {
  command: "sweep-top <db>",
  describe: "rank a sweep database: top-k per curve, Pareto front (--pareto), robust configs (--robust)",
  builder: (y) =>
    y
      .positional("db", { type: "string", demandOption: true, describe: "a DuckDB file written by fastface sweep" })
      .option("by", {
        type: "string",
        default: "openLoopLead",
        describe:
          "objective: openLoopLead, removed, premature, decays, nsPerStep; with --simulate also timeToTarget, simReached, simFinalLoss, simDecays, simPlateaus, simPlateausRemoved",
      })
      .option("k", { type: "string", default: "10", describe: "rows per curve (a number or 'all')" })
      .option("pareto", {
        type: "boolean",
        default: false,
        describe: "each curve's Pareto front: open-loop lead vs premature decays",
      })
      .option("robust", {
        type: "boolean",
        default: false,
        describe: "configs with removed >= 1 and no premature decay on every curve, by worst-curve open-loop lead",
      })
      .option("json", { type: "boolean", default: false, describe: "print a JSON array of rows" })
      .example("$0 sweep-top sweeps/ff.duckdb --by openLoopLead --k 10", "best 10 per curve")
      .example(
        "$0 sweep-top sweeps/ff.duckdb --robust --json",
        "configs that work on every curve",
      ) as unknown as Argv<SweepTopArgs>,
  handler: async (a) => {
    if (a.pareto && a.robust) throw new ConfigError(M.paretoAndRobust(), M.E_SWEEP_OPTION);
    const k = parseK(String(a.k));
    // DuckDB loads only when the command runs (not for --help or other commands)
    const { openSweepReadOnly } = await import("../../sweep/store.ts");
    const { paretoFront, robustConfigs, topK } = await import("../../sweep/rank.ts");
    const db = await openSweepReadOnly(a.db);
    try {
      if (a.robust) {
        const rows = await robustConfigs(db.conn, { k });
        if (a.json) {
          printJson(rows.map((r) => ({ curve: null, ...r })));
          return;
        }
        printText(
          rows.length === 0
            ? "no configuration removes a plateau without a premature decay on every curve"
            : `${table(
                ["config", "params", "curves", "min openLoopLead", "mean openLoopLead", "removed", "premature"],
                rows.map((r) => [
                  r.configId,
                  paramsText(r.params),
                  r.curves,
                  r.minOpenLoopLead,
                  r.meanOpenLoopLead.toFixed(1),
                  r.totalRemoved,
                  r.totalPremature,
                ]),
              )}\n${OPEN_LOOP_CAVEAT}`,
        );
        return;
      }
      const rows = a.pareto ? await paretoFront(db.conn) : await topK(db.conn, { by: a.by, k });
      if (a.json) {
        printJson(rows.map(rowJson));
        return;
      }
      const sim = rows.some((r) => r.sim !== undefined);
      const head = ["curve", a.pareto ? "front" : "rank", "params", "decays", "removed", "openLoopLead", "premature"];
      head.push("plateaus");
      if (sim) head.push("sim decays", "sim loss [10-90%]", "time to target (reached)", "sim/logged plateaus");
      printText(
        `${table(
          head,
          rows.map((r, i) => [...rankedCells(r, r.rank ?? frontIndex(rows, i)), ...(sim ? simCells(r) : [])]),
        )}\n${OPEN_LOOP_CAVEAT}`,
      );
    } finally {
      db.close();
    }
  },
};
