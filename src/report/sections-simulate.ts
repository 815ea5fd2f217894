/**
 * Report sections for a closed-loop simulation (`fastface simulate --json` / `--report`), summary first: the
 * ensemble members and how well they reproduce the logged run, one headline per scheduler (what the members
 * say, plainly when they disagree; steps to target and loss at the budget as medians with their 10-90% range;
 * decays, cold-start decays and the rerun they suggest), the closed-loop caveat, the simulated loss (mean and
 * 10-90% band) against the logged curve and the model under the logged LR, the LR each scheduler chose and the
 * ensemble table; folded: the members with their physical checks and identifiability, the summary table, the
 * decays and the stationary subsequences. Reads the result only (no recomputation).
 */

import { percent } from "../messages/format.ts";
import type { SimulateResult } from "../simulate/simulate.ts";
import type { ChartSpec, ReportSection, TableSpec, VegaLiteSpec } from "./types.ts";
import { CHART_CONFIG, VEGA_LITE_SCHEMA, WIDTH } from "./vl.ts";

const SCHEMA = VEGA_LITE_SCHEMA;

type Row = Record<string, number | string | null>;

const fix = (v: number, d = 3) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);

/** `null` when `v` looks like a SimulateResult, else what is missing. */
export function simulateShapeProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null) return "expected a JSON object";
  const o = v as Record<string, unknown>;
  if (o.kind !== "fastface-simulate") return 'expected "kind": "fastface-simulate"';
  if (!Array.isArray(o.schedulers) || !Array.isArray(o.grid)) return 'expected "schedulers" and "grid" arrays';
  return null;
}

function lossChart(r: SimulateResult): ChartSpec {
  const rows: Row[] = [];
  r.logged.step.forEach((s, i) => {
    rows.push({ step: s, loss: r.logged.loss[i]!, series: "logged", lo: null, hi: null });
    rows.push({ step: s, loss: r.logged.model[i]!, series: "model, logged LR", lo: null, hi: null });
  });
  for (const s of r.schedulers) {
    r.grid.forEach((step, i) => {
      rows.push({ step, loss: s.curve.mean[i]!, series: s.spec, lo: s.curve.lo[i]!, hi: s.curve.hi[i]! });
    });
  }
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: WIDTH,
    height: 360,
    data: { values: rows, format: { parse: null } },
    encoding: {
      x: { field: "step", type: "quantitative", title: "step", axis: { format: "~s" } },
      color: { field: "series", type: "nominal", title: null },
    },
    layer: [
      {
        mark: { type: "area", opacity: 0.2 },
        transform: [{ filter: "datum.lo !== null" }],
        encoding: {
          y: { field: "lo", type: "quantitative", scale: { type: "log" }, title: "loss" },
          y2: { field: "hi" },
        },
      },
      {
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          y: { field: "loss", type: "quantitative", scale: { type: "log" }, title: "loss" },
          tooltip: [
            { field: "series", type: "nominal" },
            { field: "step", type: "quantitative" },
            { field: "loss", type: "quantitative", format: ".4f" },
          ],
        },
      },
    ],
  };
  return {
    id: "simulate-loss",
    title: "Simulated loss (mean of seeds, 10-90% band) vs the logged run",
    spec,
    caption:
      "Each scheduler drives the fitted model in closed loop; the band is the spread of the noisy loss over the seeds. " +
      "'model, logged LR' is the model under the run's own schedule: where it departs from 'logged', trust the simulation less.",
  };
}

function lrChart(r: SimulateResult): ChartSpec {
  const rows: Row[] = [];
  r.logged.step.forEach((s, i) => {
    rows.push({ step: s, lr: r.logged.lr[i]!, series: "logged" });
  });
  for (const s of r.schedulers) {
    r.grid.forEach((step, i) => {
      rows.push({ step, lr: s.curve.lr[i]!, series: s.spec });
    });
  }
  // an LR that anneals to 0 (poly) would stretch the log axis over decades: show 1e-4 of the peak and above
  const peak = Math.max(0, ...rows.map((x) => (typeof x.lr === "number" && Number.isFinite(x.lr) ? x.lr : 0)));
  const floorLr = peak * 1e-4;
  return {
    id: "simulate-lr",
    title: "LR chosen in closed loop (mean over seeds)",
    spec: {
      $schema: SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: 220,
      data: {
        values: rows.filter((x) => typeof x.lr === "number" && (x.lr as number) > floorLr),
        format: { parse: null },
      },
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x: { field: "step", type: "quantitative", axis: { format: "~s" } },
        y: { field: "lr", type: "quantitative", scale: { type: "log" }, title: "LR" },
        color: { field: "series", type: "nominal", title: null },
      },
    },
    caption: "The mean over seeds smooths decays that happen at different steps in different seeds.",
  };
}

function summaryTable(r: SimulateResult): TableSpec {
  const rows: TableSpec["rows"] = [
    [
      "logged LR (model, open loop)",
      null,
      r.logged.stationary.length,
      fix(r.logged.modelFinalLoss),
      null,
      null,
      percent(r.logged.modelTimeToTarget),
    ],
  ];
  for (const s of r.schedulers) {
    rows.push([
      s.spec,
      fix(s.decays.count.mean, 1),
      fix(s.stationary.count.mean, 1),
      fix(s.finalLoss.mean),
      fix(s.finalLoss.lo),
      fix(s.finalLoss.hi),
      s.timeToTarget.fraction
        ? `${percent(s.timeToTarget.fraction.mean)} (${s.timeToTarget.reached}/${s.timeToTarget.of} seeds)`
        : `not reached (0/${s.timeToTarget.of})`,
    ]);
  }
  return {
    columns: ["scheduler", "decays (mean)", "stationary (mean)", "loss at budget", "10%", "90%", "time to target"],
    rows,
    caption: `Time to target: fraction of the logged run's ${r.curve.lastStep} steps the model needs to reach the logged final loss ${r.target.loss.toFixed(4)} (${r.target.how}).`,
  };
}

function spansTable(r: SimulateResult): TableSpec {
  const rows: TableSpec["rows"] = r.logged.stationary.map((s) => ["logged", s.start, s.end, s.end - s.start + 1]);
  for (const s of r.schedulers) {
    for (const sp of s.stationary.firstSeed)
      rows.push([`${s.spec} (seed ${r.seed0})`, sp.start, sp.end, sp.end - sp.start + 1]);
  }
  return { columns: ["curve", "start", "end", "steps"], rows, caption: "Stationary subsequences found by the judge." };
}

function decaysTable(r: SimulateResult): TableSpec {
  const rows: TableSpec["rows"] = [];
  for (const s of r.schedulers) {
    const first = s.decays.perSeed[0] ?? [];
    rows.push([
      s.spec,
      first.map((d) => `${d.step}${d.coldStart ? " (cold start)" : ""}`).join(", ") || "none",
      first.map((d) => d.lr.toPrecision(3)).join(", "),
    ]);
  }
  return {
    columns: ["scheduler", `decay steps (first member, seed ${r.seed0})`, "LR after"],
    rows,
    caption:
      "A cold-start decay fired before the scheduler's statistic had warmed up (docs/simulate.md): it reflects how " +
      "the statistic was started, not a plateau of the loss.",
  };
}

/** Per scheduler: what the ensemble members say, plainly when they disagree. */
function ensembleTable(r: SimulateResult): TableSpec {
  const last = r.curve.lastStep;
  return {
    columns: [
      "scheduler",
      "members",
      "steps to target: median [10-90%]",
      "loss at budget: median [10-90%]",
      "cold-start decays",
      "rerun suggestion",
    ],
    rows: r.schedulers.map((s) => {
      const e = s.ensemble;
      const t = e.stepsToTarget;
      return [
        s.spec,
        e.verdict,
        t ? `${percent(t.median / last)} [${percent(t.p10 / last)}-${percent(t.p90 / last)}]` : "not reached",
        `${fix(e.finalLoss.median)} [${fix(e.finalLoss.p10)}-${fix(e.finalLoss.p90)}]`,
        fix(s.decays.coldStart.mean, 1),
        s.decays.rerun ?? "-",
      ];
    }),
    caption: `Over ${e0(r)} ensemble member(s), ${r.seeds} noise seed(s) each; steps to target as a fraction of the logged run's ${last} steps. A member reaches the target when at least half of its noise seeds do.`,
  };
}

const e0 = (r: SimulateResult) => r.ensemble.members.length;

/** The members (and the fits left out), with their physical checks. */
function membersTable(r: SimulateResult): TableSpec {
  const checks = (c: SimulateResult["ensemble"]["members"][number]) =>
    c.checks.length === 0
      ? "-"
      : c.checks.every((x) => x.passed)
        ? "pass"
        : `fails ${c.checks
            .filter((x) => !x.passed)
            .map((x) => x.name)
            .join(", ")}`;
  return {
    columns: ["fit", "in-sample relMAE", "physical checks", "member"],
    rows: [
      ...r.ensemble.members.map((m) => [m.id, percent(m.inSample.relMae), checks(m), "yes"]),
      ...r.ensemble.rejected.map((m) => [m.id, percent(m.inSample.relMae), checks(m), `no: ${m.rejected}`]),
    ],
    caption:
      "Members are the fits that pass the physical checks (an early LR cut ends well above the logged final loss; a " +
      "tiny constant LR stays near the initial loss; a constant LR never raises the loss) and fit the run within 5%.",
  };
}

function identifiabilityTable(r: SimulateResult): TableSpec {
  return {
    columns: ["model", "fits of equal quality", "not pinned down by this run"],
    rows: r.ensemble.identifiability.map((i) => [i.model, `${i.equalQuality}/${i.fits}`, i.unpinned.join(", ") || "-"]),
    caption:
      "A parameter is not pinned down when its value varies by more than 10x across fit seeds of equal quality, or " +
      "its local standard error exceeds a factor e.",
  };
}

const fix3 = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "n/a");

/**
 * One sentence per scheduler: decays, loss at the budget (mean and 10-90% over the seeds), time to target.
 *
 * @example
 * simulateHeadline(result); // ["fastface: 2 decays (mean of 5 seeds); loss at the budget 6.945 (10-90%: 6.945–6.945); …", …]
 */
export function simulateHeadline(r: SimulateResult): string[] {
  const members = r.ensemble?.members.length ?? 1;
  const runs = `${members} member${members === 1 ? "" : "s"} × ${r.seeds} seed${r.seeds === 1 ? "" : "s"}`;
  const out = [
    `Model under the logged LR: loss ${fix3(r.logged.modelFinalLoss)} at the budget, reaching the logged final loss ` +
      `${fix3(r.target.loss)} ${r.logged.modelTimeToTarget === null ? "never" : `at ${percent(r.logged.modelTimeToTarget)} of the run`}.`,
  ];
  const last = r.curve.lastStep;
  for (const s of r.schedulers) {
    const e = s.ensemble;
    const cold =
      s.decays.coldStart && s.decays.coldStart.mean > 0
        ? `, ${fix3(s.decays.coldStart.mean)} at a cold start${s.decays.rerun ? ` (rerun: ${s.decays.rerun})` : ""}`
        : "";
    if (e) {
      const t = e.stepsToTarget;
      const split = e.reached > 0 && e.reached < e.members;
      // the verdict already says whether the members reach the target: add only when, once
      const at = t
        ? `at ${percent(t.median / last)} of the logged steps (median; 10–90% ${percent(t.p10 / last)}–${percent(t.p90 / last)})`
        : "";
      const reach = t ? (split ? ` (the members disagree; those that reach it do ${at})` : ` ${at}`) : "";
      out.push(
        `${s.spec}: ${e.verdict}${reach}; loss at the budget ${fix3(e.finalLoss.median)} (10–90%: ` +
          `${fix3(e.finalLoss.p10)}–${fix3(e.finalLoss.p90)}); decays: ${fix3(s.decays.count.mean)} (mean of ${runs})${cold}.`,
      );
      continue;
    }
    const t = s.timeToTarget;
    const reach =
      t.fraction && t.reached > 0
        ? `reaches the target at ${percent(t.fraction.mean)} of the logged steps (${t.reached} of ${t.of} seeds${t.reached > 1 ? `, ${percent(t.fraction.lo)}–${percent(t.fraction.hi)}` : ""})`
        : `never reaches the target (0 of ${t.of} seeds)`;
    out.push(
      `${s.spec}: ${fix3(s.decays.count.mean)} decays (mean of ${runs})${cold}; loss at the budget ${fix3(s.finalLoss.mean)} ` +
        `(10–90%: ${fix3(s.finalLoss.lo)}–${fix3(s.finalLoss.hi)}); ${reach}.`,
    );
  }
  return out;
}

/**
 * Sections of a simulation report.
 *
 * @example
 * renderReportHtml({ title: "Simulation", sections: simulateSections(result) });
 */
export function simulateSections(r: SimulateResult): ReportSection[] {
  const summary = summaryTable(r);
  return [
    {
      id: "simulate-summary",
      title: `Closed-loop simulation: ${r.curve.name}`,
      source:
        `${r.curve.source} · ${r.ensemble ? `${r.ensemble.members.length} ensemble member(s): ${r.ensemble.members.map((m) => `${m.id} (relMAE ${percent(m.inSample.relMae)})`).join(", ")}` : `model '${r.model.name}' (${r.model.from}), relMAE ${percent(r.model.inSample.relMae)}`}` +
        ` · ${r.seeds} seed(s) × ${r.budgetSteps} steps (budget ${r.budget})`,
      headline: simulateHeadline(r),
      notes: [
        "Closed loop on fitted models: each scheduler sees a member's loss (times resampled fit residuals) and the " +
          "member answers its LR; the numbers are only as good as the models (their relMAE above), and a split verdict " +
          "means the run does not pin the answer down. Where 'model, logged LR' departs from 'logged' in the chart, " +
          "trust the simulation less.",
      ],
      charts: [lossChart(r), lrChart(r)],
      ...(r.ensemble ? { tables: [{ ...ensembleTable(r), download: `${r.curve.name}-simulate-ensemble` }] } : {}),
      sections: [
        ...(r.ensemble
          ? [
              {
                id: "simulate-ensemble",
                title: "Ensemble members",
                folded: true,
                tables: [
                  { ...membersTable(r), download: `${r.curve.name}-simulate-members` },
                  ...(r.ensemble.identifiability.length > 0 ? [identifiabilityTable(r)] : []),
                ],
              },
            ]
          : []),
        {
          id: "simulate-table",
          title: "Per scheduler (table)",
          folded: true,
          tables: [{ ...summary, download: `${r.curve.name}-simulate` }],
        },
        {
          id: "simulate-decays",
          title: "Decays and stationary subsequences",
          folded: true,
          tables: [
            { ...decaysTable(r), download: `${r.curve.name}-simulate-decays` },
            { ...spansTable(r), download: `${r.curve.name}-simulate-stationary` },
          ],
        },
        {
          id: "simulate-setup",
          title: "Setup",
          folded: true,
          paragraphs: [
            `Model '${r.model.name}' (${r.model.from}) reproduces the logged run with relMAE ${percent(r.model.inSample.relMae)} ` +
              `(R^2 ${r.model.inSample.r2.toFixed(4)}). Each scheduler ran ${r.seeds} time(s) for ${r.budgetSteps} steps ` +
              `(budget ${r.budget} of the logged length), seeing the model's loss times resampled fit residuals.`,
          ],
          facts: [
            ["log", r.curve.source],
            ["LR of the logged run", r.lr.from === "spec" ? `--lr-schedule ${r.lr.spec}` : "LearningRate column"],
            [
              "noise",
              r.noise.enabled ? `sigma ${r.noise.sigma.toFixed(4)} (log), block ${r.noise.blockLength} points` : "off",
            ],
            ["judge", `window ${r.judge.window}, eps ${r.judge.eps.toExponential(2)}, minLength ${r.judge.minLength}`],
          ],
        },
      ],
    },
  ];
}
