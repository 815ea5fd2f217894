/**
 * Report sections for an explain result (`fastface explain --json`, kind `fastface-explain`): the verdict and the
 * ranked explanations, the logged LR against the best explanations' LR over steps (log scale) with a marker per
 * change (matched, missed, extra), and the best explanation's change-by-change table. Self-contained (its own
 * constants); reads the result only and recomputes nothing.
 */
import type { ExplainResult, Explanation } from "../explain/types.ts";
import { percent, significant } from "../messages/format.ts";
import type { ChartSpec, ReportSection, TableSpec, VegaLiteSpec } from "./types.ts";
import { COLORS, VEGA_LITE_SCHEMA, WIDTH } from "./vl.ts";

const CONFIG = { mark: { invalid: "filter" } } as const;
const LOGGED = COLORS.logged;
const STATUS_COLORS = { matched: "#1a7f37", missed: "#cf222e", extra: "#bf8700" } as const;

type Row = Record<string, number | string | null>;

const inline = (values: Row[]) => ({ values, format: { parse: null } });

/** `null` when `v` has the fields the explain report reads; otherwise what is missing. */
export function explainShapeProblem(v: unknown): string | null {
  const o = v as Partial<ExplainResult> | null;
  if (!o || typeof o !== "object") return "an explain result is a JSON object";
  if (!o.curve || typeof o.curve.name !== "string") return 'an explain result needs "curve" with a "name"';
  if (!o.logged || !Array.isArray(o.logged.changes)) return 'an explain result needs "logged.changes"';
  if (!Array.isArray(o.explanations)) return 'an explain result needs "explanations" (an array)';
  for (const e of o.explanations) {
    if (!e || typeof e.rule !== "string" || !Array.isArray(e.changes)) {
      return 'an explain result needs "explanations[]" with "rule" and "changes"';
    }
  }
  return null;
}

/**
 * The cells of one explanation in a ranking table (CLI and report), after its rank and before its spec: rule,
 * relative errors and lr0 for a continuous trace; rule, changes matched of the logged ones, extra, off the line
 * and the offsets for a discrete one; then the timing.
 * @example rankingCells(result, result.explanations[0]); // ["multistep", "3/3", 0, 0, "0", "0", "immediate"]
 */
export function rankingCells(r: ExplainResult, e: Explanation): Array<string | number> {
  if (r.logged.kind === "continuous") {
    return [
      e.rule,
      percent(e.maxRelError, { significant: 3 }),
      percent(e.meanRelError, { significant: 3 }),
      significant(e.lr0),
      e.timing,
    ];
  }
  const n = r.logged.changes.length;
  return [
    e.rule,
    `${e.matched}/${n}`,
    e.extra,
    e.outside,
    significant(e.meanOffset, 3),
    significant(e.maxOffset, 6),
    e.timing,
  ];
}

function rankingTable(r: ExplainResult): TableSpec {
  if (r.logged.kind === "continuous") {
    return {
      columns: ["#", "rule", "max rel. error", "mean rel. error", "lr0", "timing", "evaluated", "spec"],
      rows: r.explanations.map((e, i) => [i + 1, ...rankingCells(r, e), e.evaluated, e.spec]),
      caption:
        "Each family's best configuration, ranked by the max, then the mean relative error beyond the printed precision.",
    };
  }
  return {
    columns: [
      "#",
      "rule",
      "matched",
      "extra",
      "off the line",
      "mean |offset|",
      "max |offset|",
      "timing",
      "evaluated",
      "spec",
    ],
    rows: r.explanations.map((e, i) => [i + 1, ...rankingCells(r, e), e.evaluated, e.spec]),
    caption:
      "Each family's best configuration, ranked by logged changes matched (within one logged line, same ratio), " +
      "then extra changes, then matched changes that fall on another logged line than the logged one.",
  };
}

function changeTable(e: Explanation): TableSpec {
  return {
    columns: ["logged step", "logged ratio", "reproduced step", "reproduced ratio", "offset", "status"],
    rows: e.changes.map((c) => [
      c.logged,
      significant(c.loggedRatio),
      c.reproduced,
      significant(c.ratio),
      c.offset,
      c.logged === null ? "extra" : c.reproduced === null ? "missed" : "matched",
    ]),
    caption:
      "Offset = reproduced - logged step. The logged step is the first logged line that shows the new LR, so an " +
      "offset between minus one stride and 0 means the reproduction changes the LR within the logged interval.",
  };
}

/** Markers of the best explanation's changes at the logged LR (matched, missed) or its own LR (extra). */
function markerRows(r: ExplainResult, best: Explanation): Row[] {
  const t = r.trace;
  const lrAt = (series: number[], step: number): number | null => {
    if (!t || t.step.length === 0) return null;
    let k = 0;
    while (k + 1 < t.step.length && t.step[k + 1]! <= step) k++;
    return series[k] ?? null;
  };
  const own = t?.explanations.find((x) => x.rule === best.rule)?.lr;
  return best.changes.map((c) => {
    const status = c.logged === null ? "extra" : c.reproduced === null ? "missed" : "matched";
    const step = (c.logged ?? c.reproduced)!;
    const lr = status === "extra" ? (own ? lrAt(own, step) : null) : t ? lrAt(t.logged, step) : null;
    return { step, lr, status, logged: c.logged, reproduced: c.reproduced, ratio: c.ratio, loggedRatio: c.loggedRatio };
  });
}

/**
 * The LR chart: logged (black) and the best explanations (coloured step lines), change markers of the best.
 * @example explainChart(result, "run-explain-lr").spec.layer.length // -> 3 (logged, explanations, markers)
 */
export function explainChart(r: ExplainResult, id: string): ChartSpec {
  const t = r.trace;
  const best = r.explanations[0];
  const logged: Row[] = t ? t.step.map((s, i) => ({ step: s, lr: t.logged[i]! })) : [];
  const lines: Row[] = t
    ? t.explanations.flatMap((x) => t.step.map((s, i) => ({ step: s, lr: x.lr[i]!, rule: x.rule })))
    : [];
  const markers = best && r.logged.kind !== "continuous" ? markerRows(r, best).filter((m) => m.lr !== null) : [];
  const positive = [...logged, ...lines].map((x) => x.lr as number).filter((v) => v > 0);
  const top = positive.length > 0 ? Math.max(...positive) : 1;
  const floor = Math.max(positive.length > 0 ? Math.min(...positive) : 1, top * 1e-6);
  const y = { field: "lr", type: "quantitative", title: "LR", scale: { type: "log", domainMin: floor, clamp: true } };
  const x = { field: "step", type: "quantitative", title: "step" };
  const rules = t ? t.explanations.map((e) => e.rule) : [];
  const layers: VegaLiteSpec[] = [
    {
      data: inline(lines),
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.6, clip: true },
      encoding: { x, y, color: { field: "rule", type: "nominal", title: "explanation", scale: { domain: rules } } },
    },
    {
      data: inline(logged),
      mark: {
        type: "line",
        interpolate: "step-after",
        color: LOGGED,
        strokeDash: [4, 3],
        strokeWidth: 1.4,
        clip: true,
      },
      encoding: { x, y },
    },
    {
      data: inline(markers),
      mark: { type: "point", filled: true, size: 80, clip: true },
      encoding: {
        x,
        y,
        shape: { field: "status", type: "nominal", title: "change", scale: { domain: ["matched", "missed", "extra"] } },
        fill: {
          field: "status",
          type: "nominal",
          title: "change",
          scale: {
            domain: ["matched", "missed", "extra"],
            range: [STATUS_COLORS.matched, STATUS_COLORS.missed, STATUS_COLORS.extra],
          },
        },
        tooltip: [
          { field: "status", type: "nominal" },
          { field: "logged", type: "quantitative", title: "logged step" },
          { field: "reproduced", type: "quantitative", title: "reproduced step" },
          { field: "loggedRatio", type: "quantitative", title: "logged ratio", format: ".4g" },
          { field: "ratio", type: "quantitative", title: "reproduced ratio", format: ".4g" },
        ],
      },
    },
  ];
  return {
    id,
    title: "Logged LR and the best explanations",
    caption:
      "Dashed black: the LR the log printed; coloured: the LR each explanation would have printed at the same " +
      "logged steps (log scale)." +
      (markers.length > 0
        ? ` Markers: the best explanation's changes (${best!.rule}), matched, missed or extra.`
        : "") +
      (t ? "" : " The result has no trace, so no lines are drawn."),
    spec: { $schema: VEGA_LITE_SCHEMA, config: CONFIG, width: WIDTH, height: 300, layer: layers },
  };
}

/**
 * The report sections of one explain result.
 * @example const sections = explainSections(result); sections[0].title // -> "Explain: <run>"
 */
export function explainSections(r: ExplainResult): ReportSection[] {
  const id = `${r.curve.name.replace(/[^A-Za-z0-9_-]+/g, "-")}-explain`;
  const best = r.explanations[0];
  const summary: ReportSection = {
    id,
    title: `Explain: ${r.curve.name}`,
    paragraphs: [
      r.verdict,
      "Each rule was replayed over the run's own logged loss and the LR it would have printed was compared with the " +
        "LR the log printed. Loss-driven rules are deterministic functions of the loss, so a rule that reproduces " +
        "every change at the logged steps with the logged ratios is an explanation that can be checked line by line.",
    ],
    facts: [
      ["logged points with an LR", r.logged.points],
      ["logged changes", r.logged.changes.length],
      ["trace", r.logged.kind],
      ["printed decimals", r.logged.decimals ?? "not rounded"],
      ["logged stride", r.logged.stride],
      ["T of the rules", r.curve.totalSteps],
      ["families searched", r.search.families.join(", ")],
      ["configurations evaluated", r.search.evaluated],
    ],
    tables: [rankingTable(r)],
    charts: [explainChart(r, `${id}-lr`)],
  };
  const sections = [summary];
  if (best && r.logged.kind !== "continuous") {
    sections.push({
      id: `${id}-changes`,
      title: `Change by change: ${best.spec}`,
      tables: [changeTable(best)],
      ...(r.released
        ? {
            paragraphs: [
              `The released FastFace rule with its official defaults (fastface) reproduces ${r.released.matched} of the ` +
                `${r.logged.changes.length} logged changes, with ${r.released.extra} extra changes.`,
            ],
          }
        : {}),
    });
  }
  return sections;
}
