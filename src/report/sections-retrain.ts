/**
 * Report sections for a retrain experiment (`fastface retrain --json`, runs/<out>/result.json, version 2),
 * summary first (docs/report.md's section model): the verdict sentence, the baseline's plateau share and the
 * caveats; one row per arm (mean accuracy with its range and bounds, TAR, decays, plateau share, the paired
 * difference to the baseline); the paired differences with their one-sided 95 % bounds against -tolerance; the
 * loss and LR of every run (zoom linked); verification accuracy over training. Folded: one row per arm and
 * seed, the candidate's feasibility checks (and what scale=auto chose), the setup. Reads the result only.
 */

import { percent } from "../messages/format.ts";
import type { ArmResult, RetrainResult } from "../train/retrain.ts";
import type { ChartSpec, DataRow, ReportSection, TableSpec } from "./types.ts";
import { CHART_CONFIG, named, VEGA_LITE_SCHEMA, WIDTH, zoomParam } from "./vl.ts";

const SCHEMA = VEGA_LITE_SCHEMA;
/** The page-wide name of the data set the loss and LR charts share. */
const TRACES = "retrain_traces";
const ROLE_ORDER = { baseline: 0, candidate: 1, control: 2 } as const;

const pct = (x: number | null | undefined) => percent(x, { decimals: 2 });
const pts = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
const num = (x: number, d = 4) => Number(x.toPrecision(d));

/**
 * A page title for a result: the candidate as the user wrote it (`fastface:scale=auto`, not what it resolved to).
 *
 * @example
 * retrainTitle(result); // "retrain: fastface:scale=auto vs multistep:milestones=0.5,0.75"
 */
export function retrainTitle(r: RetrainResult): string {
  const c = r.arms.find((a) => a.role === "candidate");
  const b = r.arms.find((a) => a.role === "baseline");
  return `retrain: ${r.feasibility?.scale?.from ?? c?.scheduler ?? "candidate"} vs ${b?.scheduler ?? "baseline"}`;
}

/** A spec that wraps in a table cell (a break after every comma of its parameters). */
const wrapSpec = (spec: string) => spec.replaceAll(",", ", ");

function armColors(arms: readonly ArmResult[]): { domain: string[]; range: string[] } {
  const palette = ["#57606a", "#0969da", "#bf8700", "#8250df", "#1a7f37", "#cf222e", "#953800", "#6e7781"];
  return { domain: arms.map((a) => a.name), range: arms.map((_, i) => palette[i % palette.length]!) };
}

function armTable(r: RetrainResult): TableSpec {
  return {
    columns: [
      "arm",
      "role",
      "scheduler",
      "steps",
      "accuracy: mean [range over seeds]",
      "one-sided 95% bounds of the mean",
      "TAR@FAR=1e-3: mean [range]",
      "decays",
      "plateau share",
      "vs baseline, points: mean [one-sided 95% bounds]",
    ],
    rows: r.arms.map((a) => [
      a.name,
      a.role,
      wrapSpec(a.scheduler),
      a.steps,
      `${pct(a.accuracy.mean)} [${pct(a.accuracy.min)} to ${pct(a.accuracy.max)}]`,
      a.accuracy.lower95 === null ? "one seed" : `${pct(a.accuracy.lower95)} / ${pct(a.accuracy.upper95)}`,
      `${pct(a.tar.mean)} [${pct(a.tar.min)} to ${pct(a.tar.max)}]`,
      a.decays.min === a.decays.max ? String(a.decays.min) : `${a.decays.min} to ${a.decays.max}`,
      a.plateau
        ? `${percent(a.plateau.min, { decimals: 0 })} to ${percent(a.plateau.max, { decimals: 0 })}`
        : "not measured",
      a.vsBaseline
        ? a.vsBaseline.lower95 === null
          ? `${pts(a.vsBaseline.mean)} [one seed]`
          : `${pts(a.vsBaseline.mean)} [${pts(a.vsBaseline.lower95)} / ${pts(a.vsBaseline.upper95)}]`
        : "-",
    ]),
    caption:
      "Accuracy: 10-fold best-threshold verification accuracy on held-out identities (LFW protocol) at the end of each run. Bounds are one-sided 95 % Student-t bounds over the seeds (n - 1 degrees of freedom); differences are paired by seed (same data order and initial weights). A seed-dependent number is given as its range.",
  };
}

function runTable(r: RetrainResult): TableSpec {
  return {
    columns: [
      "arm",
      "seed",
      "accuracy",
      "+- (folds)",
      "TAR@FAR=1e-3",
      "decays",
      "decay steps",
      "final loss",
      "plateau share",
      "wall time (s)",
    ],
    rows: r.arms.flatMap((a) =>
      a.runs.map((run) => [
        a.name,
        run.seed,
        pct(run.accuracy),
        pct(run.accuracyStd),
        pct(run.tar),
        run.decays,
        run.decaySteps.join(", "),
        num(run.finalLoss),
        run.plateau ? percent(run.plateau.share, { decimals: 0 }) : "-",
        Number(run.wallSeconds.toFixed(1)),
      ]),
    ),
  };
}

function diffChart(r: RetrainResult): ChartSpec {
  const rows = r.arms
    .filter((a) => a.vsBaseline && a.vsBaseline.lower95 !== null)
    .map((a) => ({
      arm: a.name,
      role: a.role,
      mean: num(a.vsBaseline!.mean),
      lower: num(a.vsBaseline!.lower95!),
      upper: num(a.vsBaseline!.upper95!),
    }));
  const tol = -r.design.tolerance;
  return {
    id: "retrain-differences",
    title: "Paired difference to the baseline (accuracy points)",
    caption: `Mean over ${r.design.seeds} paired seeds with its one-sided 95 % bounds (the bar). Non-inferiority holds when the lower bound is right of the dashed line at ${tol}.`,
    spec: {
      $schema: SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: Math.max(80, 34 * rows.length),
      data: { values: rows, format: { parse: null } },
      layer: [
        {
          mark: { type: "rule", strokeWidth: 3 },
          encoding: {
            y: { field: "arm", type: "nominal", sort: null, title: null },
            x: { field: "lower", type: "quantitative", title: "arm - baseline (points)" },
            x2: { field: "upper" },
            color: {
              field: "role",
              type: "nominal",
              scale: { domain: ["candidate", "control"], range: ["#0969da", "#8c959f"] },
            },
          },
        },
        {
          mark: { type: "point", filled: true, size: 80, color: "#24292f" },
          encoding: {
            y: { field: "arm", type: "nominal", sort: null },
            x: { field: "mean", type: "quantitative" },
            tooltip: [
              { field: "arm", type: "nominal" },
              { field: "mean", type: "quantitative", format: "+.2f" },
              { field: "lower", type: "quantitative", format: "+.2f" },
              { field: "upper", type: "quantitative", format: "+.2f" },
            ],
          },
        },
        {
          data: { values: [{ x: tol }], format: { parse: null } },
          mark: { type: "rule", strokeDash: [4, 4], color: "#cf222e" },
          encoding: { x: { field: "x", type: "quantitative" } },
        },
        {
          data: { values: [{ x: 0 }], format: { parse: null } },
          mark: { type: "rule", color: "#8c959f" },
          encoding: { x: { field: "x", type: "quantitative" } },
        },
      ],
    },
  };
}

/** One row per arm, seed and traced step: loss and the LR the step trained with (shared by both charts). */
function traceRows(r: RetrainResult): DataRow[] {
  const rows: DataRow[] = [];
  for (const a of r.arms) {
    for (const run of a.runs) {
      run.traces.step.forEach((s, i) => {
        const loss = run.traces.loss[i];
        const lr = run.traces.lr[i];
        // non-positive LRs (poly ends at 0) cannot sit on the log axis: invalid values are filtered
        rows.push({
          arm: a.name,
          seed: run.seed,
          step: s,
          loss: loss === undefined || !Number.isFinite(loss) ? null : loss,
          lr: lr === undefined || !(lr > 0) ? null : lr,
        });
      });
    }
  }
  return rows;
}

function traceChart(r: RetrainResult, key: "loss" | "lr", rows: DataRow[]): ChartSpec {
  const color = armColors(r.arms);
  // poly and cosine end near 0: LRs below 1e-4 of the largest sit on the bottom edge (as on replay pages)
  const lrFloor = Number((1e-4 * rows.reduce((m, x) => Math.max(m, Number(x.lr ?? 0)), r.design.lr)).toPrecision(3));
  return {
    id: `retrain-${key}`,
    title: key === "loss" ? "Training loss of every run" : "Learning rate of every run",
    link: "retrain",
    caption:
      key === "loss"
        ? "Per-step margin-softmax loss (bin means), one line per arm and seed. The baseline runs the full budget; the candidate and the controls stop at theirs. Drag to pan, wheel to zoom (linked with the LR chart)."
        : "The LR each step trained with (log scale; LRs below 1e-4 of the largest sit on the bottom edge); each drop is a decay. The candidate's decays come from its live loss.",
    spec: {
      $schema: SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: 280,
      datasets: { [TRACES]: rows },
      data: named(TRACES),
      params: [zoomParam()],
      mark: { type: "line", interpolate: key === "lr" ? "step-after" : "linear", strokeWidth: 1.2 },
      encoding: {
        x: { field: "step", type: "quantitative", title: "global step" },
        y: {
          field: key,
          type: "quantitative",
          title: key === "loss" ? "loss" : "LR",
          scale: key === "lr" ? { type: "log", domainMin: lrFloor, clamp: true } : { zero: false },
        },
        color: { field: "arm", type: "nominal", scale: color, sort: color.domain },
        detail: { field: "seed", type: "nominal" },
        tooltip: [
          { field: "arm", type: "nominal" },
          { field: "seed", type: "quantitative" },
          { field: "step", type: "quantitative", format: "," },
          { field: key, type: "quantitative", format: ".5g" },
        ],
      },
    },
  };
}

function accuracyChart(r: RetrainResult): ChartSpec {
  const rows = r.arms.flatMap((a) =>
    a.runs.flatMap((run) =>
      run.evaluations.map((e) => ({ arm: a.name, seed: run.seed, step: e.step, accuracy: e.accuracy })),
    ),
  );
  const color = armColors(r.arms);
  return {
    id: "retrain-accuracy",
    title: "Verification accuracy during training",
    caption: `10-fold accuracy on the held-out pairs at ${r.design.evalAt.map((f) => `${Math.round(100 * f)} %`).join(", ")} of every run; one line per arm and seed.`,
    spec: {
      $schema: SCHEMA,
      config: CHART_CONFIG,
      width: WIDTH,
      height: 260,
      data: { values: rows, format: { parse: null } },
      mark: { type: "line", point: true, strokeWidth: 1.2 },
      encoding: {
        x: { field: "step", type: "quantitative", title: "global step" },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "accuracy",
          scale: { zero: false },
          axis: { format: ".0%" },
        },
        color: { field: "arm", type: "nominal", scale: color, sort: color.domain },
        detail: { field: "seed", type: "nominal" },
        tooltip: [
          { field: "arm", type: "nominal" },
          { field: "seed", type: "quantitative" },
          { field: "step", type: "quantitative" },
          { field: "accuracy", type: "quantitative", format: ".2%" },
        ],
      },
    },
  };
}

function feasibilitySection(r: RetrainResult): ReportSection | null {
  const f = r.feasibility;
  if (!f) return null;
  const tables: TableSpec[] = [
    {
      columns: ["check", "value", "limit", "passed", "on failure", "what it means"],
      rows: f.checks.map((c) => [
        c.name,
        num(c.value, 3),
        num(c.limit, 3),
        c.ok,
        c.severity === "refuse" ? "refuse (exit 2)" : "warn",
        c.why,
      ]),
      caption: `Measured before training: the candidate's own scheduler object fed test inputs (noise gain, memory) and a ${f.probe.steps}-step probe at the initial LR (noise ${num(f.probe.noise, 3)} per step, decrease ${num(f.probe.decrease, 3)} per step).`,
    },
  ];
  if (f.scale) {
    tables.push({
      columns: ["ratio", "paper", "this run", "kept"],
      rows: f.scale.ratios.map((x) => [x.name, x.paper, x.here, x.kept]),
      caption: `${f.scale.from} resolved to ${f.scale.text}: rho = lambda / probe decrease, z = lambda / statistic noise, k = tolerance / memory, M/T = memory / run (docs/retrain.md).`,
    });
  }
  return {
    id: "retrain-feasibility",
    title: "Can the candidate work on this run?",
    folded: true,
    paragraphs: [
      f.ok
        ? "Every refusal check passed."
        : f.forced
          ? "The candidate failed a refusal check and ran only because of --force: its result says little about the rule."
          : "The candidate failed a refusal check.",
    ],
    tables,
  };
}

/**
 * Sections for one retrain result.
 *
 * @example
 * renderReportHtml({ title: retrainTitle(result), sections: retrainSections(result) });
 */
export function retrainSections(result: RetrainResult): ReportSection[] {
  const r = { ...result, arms: [...result.arms].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]) };
  const d = r.design;
  const b = r.arms.find((a) => a.role === "baseline");
  const plateau =
    b?.plateau && b.plateau.n > 0
      ? `The baseline spent ${plateauRange(b.plateau.min, b.plateau.max)} of its ${d.steps.baseline.toLocaleString("en-US")} steps inside stationary subsequences (the replay judge on each baseline run's own curve).`
      : "";
  const notes: string[] = [];
  if (d.seeds < 2) notes.push("One seed gives no interval: no verdict can hold; run --seeds 3 or more.");
  if (r.feasibility && !r.feasibility.ok && r.feasibility.forced) {
    notes.push(
      "The candidate failed a feasibility check and ran only because of --force: its result says little about the rule.",
    );
  }
  if (d.dataset.startsWith("synthetic")) {
    notes.push("Synthetic face-like images: the verdict is about this task, not about LFW or MS1MV3.");
  }
  const rows = traceRows(r);
  const folded: ReportSection[] = [
    {
      id: "retrain-runs",
      title: "Every run (one row per arm and seed)",
      folded: true,
      tables: [{ ...runTable(r), download: "retrain-runs" }],
    },
  ];
  const feas = feasibilitySection(r);
  if (feas) folded.push(feas);
  folded.push({
    id: "retrain-setup",
    title: "Setup",
    folded: true,
    facts: [
      ["data", d.dataset],
      ["model", `${d.model} (${d.parameters.toLocaleString("en-US")} parameters)`],
      ["backend", r.backend.name],
      ["seeds (paired)", `${d.seeds} (from ${d.firstSeed})`],
      ["steps", `baseline ${d.steps.baseline}, candidate and controls ${d.steps.candidate} (budget ${d.budget})`],
      ["tolerance", `${d.tolerance} point(s)`],
      [
        "optimiser",
        `SGD lr ${d.lr}, momentum ${d.momentum}, weight decay ${d.weightDecay}, clip ${d.clipNorm}, batch ${d.batchSize}`,
      ],
      ["margin (m1, m2, m3)", `${d.margin.m1}, ${d.margin.m2}, ${d.margin.m3} (s=${d.margin.s})`],
      ["LR timing", d.lrTiming ?? "each scheduler's own (official for fastface)"],
      [
        "time",
        `${r.wallSeconds.toFixed(0)} s wall, ${r.cpuSeconds.toFixed(0)} s CPU, ${d.workers} worker(s) on ${r.machine.cores} cores, 1-min load ${r.machine.loadStart.toFixed(1)} -> ${r.machine.loadEnd.toFixed(1)}`,
      ],
    ],
  });
  return [
    {
      id: "retrain-verdict",
      title: `Verdict: ${r.verdict.holds ? "holds" : "does not hold"}`,
      source: `${d.dataset} · ${d.model} · backend ${r.backend.name} · ${d.seeds} paired seed${d.seeds === 1 ? "" : "s"} · baseline ${d.steps.baseline.toLocaleString("en-US")} steps, candidate and controls ${d.steps.candidate.toLocaleString("en-US")}`,
      headline: [r.verdict.sentence, ...(plateau ? [plateau] : [])],
      ...(notes.length > 0 ? { notes } : {}),
      tables: [{ ...armTable(r), download: "retrain-arms" }],
      charts: [diffChart(r), traceChart(r, "loss", rows), traceChart(r, "lr", rows), accuracyChart(r)],
      sections: folded,
    },
  ];
}

function plateauRange(min: number, max: number): string {
  const a = percent(min, { decimals: 0 });
  const b = percent(max, { decimals: 0 });
  return a === b ? a : `${a.slice(0, -1)}-${b}`;
}
