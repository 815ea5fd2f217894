/**
 * `explainCurve`: which rule, with which parameters, produced a curve's logged LR trace. Every family's space
 * (families.ts) is searched (search.ts) by replaying the curve's own logged loss through the rule (kernel.ts)
 * and comparing the LR it would have printed with the LR the log printed, change by change (piecewise traces)
 * or point by point (continuous traces). Returns the ExplainResult JSON contract (types.ts), best first.
 *
 * The per-step sequence is replay's (`--expand hold`, index i is curve step firstStep + i, fixed schedules
 * offset by replay's `stepOffsetOf`), so an explanation's `spec` replayed with `fastface replay -s SPEC
 * --total-steps T` decides at the same steps.
 */
import type { Curve } from "../curve/curve.ts";
import { type Expanded, expandCurve } from "../curve/expand.ts";
import { ConfigError, InputError, Warnings } from "../errors.ts";
import * as M from "../messages/explain.ts";
import { E_REPLAY_EMPTY, E_REPLAY_OPTION, emptyCurve, tooLongToHold } from "../messages/replay.ts";
import { MAX_HOLD_STEPS, stepOffsetOf } from "../replay/replay.ts";
import {
  formatSchedulerSpec,
  getSchedulerFactory,
  parseSchedulerSpec,
  resolvedParams,
} from "../schedulers/registry.ts";
import type { Params } from "../schedulers/types.ts";
import {
  FAMILY_NAMES,
  type FamilyName,
  type FamilySpace,
  familySpace,
  type TraceFacts,
  traceFacts,
} from "./families.ts";
import { type Candidate, type CandidateDetail, compareKeys, type ExplainInput, rankKey } from "./kernel.ts";
import { type Evaluator, localEvaluator, searchFamilies } from "./search.ts";
import { type LoggedTrace, loggedTrace } from "./trace.ts";
import type { ExplainResult, Explanation, Timing } from "./types.ts";

export interface ExplainOptions {
  /** Families to search, each optionally with fixed parameters (`hck-proto:m=4000`); default all. */
  families?: readonly string[];
  /** Extra candidates per family (from `--grid`). */
  extra?: Record<string, Params[]>;
  /** Restrict the timing (default: each candidate is scored with both, the better is kept). */
  timing?: Timing;
  /** T override (default: the header's total_step, else the last step of a 1-based log, else the length). */
  totalSteps?: number;
  /** Evaluator (default: this thread). The caller closes it. */
  evaluator?: Evaluator;
  /** Trace points kept for the report (0: none; default 1500). */
  tracePoints?: number;
  /** Explanations whose LR goes into the trace (default 3). */
  traceTop?: number;
  onProgress?: (evaluated: number) => void;
}

/** Default trace points of a result (enough for the report's LR chart). */
export const TRACE_POINTS = 1500;

/**
 * Resolve `--family` arguments: names (default all families) with optional fixed parameters.
 * @example parseFamilies(["hck-proto:m=4000", "poly"]) // -> [{ name: "hck-proto", fixed: { m: 4000 } }, { name: "poly", fixed: {} }]
 */
export function parseFamilies(args: readonly string[] | undefined): Array<{ name: FamilyName; fixed: Params }> {
  const list = args && args.length > 0 ? args.flatMap(splitFamilies) : [...FAMILY_NAMES];
  return list.map((arg) => {
    const name = arg.includes(":") ? arg.slice(0, arg.indexOf(":")).trim() : arg.trim();
    if (!(FAMILY_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(M.unknownFamily(name, FAMILY_NAMES), M.E_EXPLAIN_FAMILY);
    }
    const spec = parseSchedulerSpec(arg);
    return { name: name as FamilyName, fixed: spec.params };
  });
}

/** `a,b:k=v,k=v,c` -> [a, b:k=v,k=v, c]: a token that names a family (alone or before ':') starts a new one. */
function splitFamilies(arg: string): string[] {
  const names: readonly string[] = FAMILY_NAMES;
  const out: string[] = [];
  for (const tok of arg.split(",")) {
    const colon = tok.indexOf(":");
    const head = (colon < 0 ? tok : tok.slice(0, colon)).trim();
    const starts = names.includes(head) && (colon >= 0 || !tok.includes("="));
    if (out.length === 0 || starts) out.push(tok);
    else out[out.length - 1] += `,${tok}`;
  }
  return out.filter((s) => s.trim() !== "");
}

/** A family's space with the user's fixed parameters taken out of the search. */
function withFixed(space: FamilySpace, fixed: Params): FamilySpace {
  const names = new Set(Object.keys(fixed));
  return {
    ...space,
    fixed: { ...space.fixed, ...fixed },
    nums: space.nums.filter((d) => !names.has(d.name)),
    choices: space.choices.filter((c) => !names.has(c.name)),
    seeds: space.seeds.map((s) => {
      const out: Params = { ...s };
      for (const n of names) delete out[n];
      return out;
    }),
  };
}

/** T of the rules: the header's total_step, else the last step when the log counts steps from 1, else n. */
export function explainTotalSteps(curve: Curve, lastStep: number, n: number): number {
  const header = Number(curve.meta.config?.total_step);
  if (Number.isInteger(header) && header > 0) return header;
  // logs that count global steps from 1 (arcface_torch, HF Trainer) end at step T
  if (Number.isInteger(lastStep) && lastStep >= n) return lastStep;
  return n;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** The one-line verdict on the best explanation. */
export function verdictOf(r: Pick<ExplainResult, "logged" | "explanations">): string {
  const best = r.explanations[0];
  if (!best) return "no family could be evaluated";
  const n = r.logged.changes.length;
  const stride = r.logged.stride;
  if (r.logged.kind === "continuous") {
    const what =
      best.maxRelError === 0
        ? "every logged LR within the printed precision"
        : `the logged LR with max relative error ${fmt(100 * best.maxRelError)}% (mean ${fmt(100 * best.meanRelError)}%)`;
    return `${best.spec} reproduces ${what} (lr0 ${fmt(best.lr0)}, ${best.timing} timing)`;
  }
  if (r.logged.kind === "constant") {
    return best.extra === 0
      ? `the logged LR never changes; ${best.spec} reproduces it (so does any rule that never changes the LR)`
      : "the logged LR never changes and no family reproduces it without changes";
  }
  if (best.matched === 0) return `no family reproduces any of the ${n} logged LR changes; closest: ${best.spec}`;
  const lines =
    best.outside === 0
      ? `, each on the logged line (logged stride ${stride})`
      : `, ${best.matched - best.outside} on the logged line and ${best.outside} one logged line off (stride ${stride})`;
  const within = `${lines}; reproduced steps within ${best.maxOffset} steps of the logged ones`;
  const extra = best.extra === 0 ? "no extra changes" : `${best.extra} extra change${best.extra === 1 ? "" : "s"}`;
  return `${best.spec} reproduces ${best.matched}/${n} logged LR changes with the logged ratios${within}, ${extra} (${best.timing} timing)`;
}

function toExplanation(d: CandidateDetail, evaluated: number): Explanation {
  const spec = { name: d.rule, params: d.params };
  const params = resolvedParams(spec);
  // the canonical spec lists what differs from the defaults
  const defaults = resolvedParams({ name: d.rule, params: {} });
  const shown: Params = {};
  for (const [k, v] of Object.entries(params)) {
    if (JSON.stringify(defaults[k]) !== JSON.stringify(v)) shown[k] = v;
  }
  return {
    rule: d.rule,
    params,
    spec: formatSchedulerSpec({ name: d.rule, params: shown }),
    lr0: d.lr0,
    timing: d.timing,
    matched: d.matched,
    extra: d.extra,
    missed: d.missed,
    meanOffset: d.meanOffset === null ? null : Number(d.meanOffset.toFixed(2)),
    maxOffset: d.maxOffset,
    outside: d.outside,
    meanExcess: d.meanExcess === null ? null : Number(d.meanExcess.toFixed(2)),
    maxRelError: Number(d.maxRelError.toPrecision(6)),
    meanRelError: Number(d.meanRelError.toPrecision(6)),
    changes: d.changes,
    evaluated,
  };
}

/** Points kept for the report: every change (logged or reproduced) and its predecessor, plus an even spread. */
function tracePointsOf(n: number, budget: number, changePoints: Iterable<number>): number[] {
  const keep = new Set<number>();
  for (const p of changePoints) {
    if (p >= 0 && p < n) keep.add(p);
    if (p - 1 >= 0 && p - 1 < n) keep.add(p - 1);
  }
  const spread = Math.max(2, budget - keep.size);
  for (let i = 0; i < spread; i++) keep.add(Math.round((i * (n - 1)) / (spread - 1)));
  return [...keep].filter((p) => p >= 0 && p < n).sort((a, b) => a - b);
}

/** What the search runs on: the kernel's input, the logged trace, the per-step sequence, and the warnings so far. */
export interface PreparedExplain {
  input: ExplainInput;
  trace: LoggedTrace;
  ex: Expanded;
  warnings: Warnings;
}

/**
 * The logged trace and the per-step losses of a curve as the kernel takes them (hold expansion, replay's step
 * offset, T from `explainTotalSteps` unless given), with the input's warnings. Bad input throws (no LR, an empty
 * curve, too long to hold, a bad T).
 * @example const { input } = prepareExplain(curve); scoreCandidate(input, { rule: "poly", params: {}, lr0: 0.1 });
 */
export function prepareExplain(curve: Curve, totalSteps?: number): PreparedExplain {
  const trace = loggedTrace(curve);
  const warnings = new Warnings();
  if (trace.dropped > 0) warnings.add(M.W_EXPLAIN_DROPPED, M.droppedLr(trace.dropped));
  if (trace.kind === "constant") warnings.add(M.W_EXPLAIN_CONSTANT, M.constantLr(trace.lr[0]!));
  const steps = curve.columns.step;
  const span = steps.length > 0 ? steps[steps.length - 1]! - steps[0]! + 1 : 0;
  if (span > MAX_HOLD_STEPS) throw new ConfigError(tooLongToHold(span, MAX_HOLD_STEPS), E_REPLAY_OPTION);
  const ex = expandCurve(curve, "hold");
  if (ex.steps === 0) {
    throw new InputError(curve.meta.source || curve.meta.name, emptyCurve(curve.meta.name), E_REPLAY_EMPTY);
  }
  if (totalSteps !== undefined && !(Number.isInteger(totalSteps) && totalSteps > 0)) {
    throw new ConfigError(M.badTotalSteps(totalSteps), M.E_EXPLAIN_OPTION);
  }
  let nonFinite = 0;
  for (let i = 0; i < ex.loss.length; i++) if (!Number.isFinite(ex.loss[i]!)) nonFinite++;
  if (nonFinite > 0) warnings.add(M.W_EXPLAIN_NON_FINITE, M.nonFiniteLoss(nonFinite));
  const input: ExplainInput = {
    losses: ex.loss,
    firstStep: ex.firstStep,
    totalSteps: totalSteps ?? explainTotalSteps(curve, ex.lastStep, ex.steps),
    stepOffset: stepOffsetOf(curve, "hold", ex.firstStep),
    pointStep: trace.step,
    pointLr: trace.lr,
    decimals: trace.decimals,
    halfUlp: trace.halfUlp,
    kind: trace.kind,
    changes: trace.changes,
  };
  return { input, trace, ex, warnings };
}

/**
 * Explain a curve's logged LR trace.
 * @example const r = await explainCurve(curve, { families: ["hck-proto", "fastface"] }); r.explanations[0].matched
 */
export async function explainCurve(curve: Curve, opts: ExplainOptions = {}): Promise<ExplainResult> {
  const t0 = performance.now();
  const { input, trace, ex, warnings } = prepareExplain(curve, opts.totalSteps);
  const steps = curve.columns.step;
  const T = input.totalSteps;
  const facts: TraceFacts = traceFacts(trace, ex.loss, {
    totalSteps: T,
    firstStep: ex.firstStep,
    lastStep: ex.lastStep,
  });
  const families = parseFamilies(opts.families);
  for (const f of families) getSchedulerFactory(f.name);
  const spaces = families.map((f) => withFixed(familySpace(f.name, facts), f.fixed));
  const evaluator = opts.evaluator ?? localEvaluator();
  await evaluator.start(input);
  let outcomes: Awaited<ReturnType<typeof searchFamilies>>;
  let details: Array<{ d: CandidateDetail; n: number }>;
  let releasedDetail: CandidateDetail | undefined;
  try {
    outcomes = await searchFamilies(input, spaces, evaluator, {
      ...(opts.extra ? { extra: opts.extra } : {}),
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    // the change-by-change detail of every family's best, and of the released rule exactly as published
    // (official defaults) when fastface was searched, in one batch (in the pool's workers when there is one)
    const kept = outcomes.filter((o) => o.best.extra !== Number.MAX_SAFE_INTEGER);
    const todo = kept.filter((o) => !o.detail);
    const cands: Candidate[] = todo.map((o) => ({
      rule: o.best.rule,
      params: o.best.params,
      lr0: o.best.lr0,
      timing: o.best.timing,
    }));
    const withReleased = spaces.some((s) => s.rule === "fastface");
    if (withReleased) {
      cands.push({ rule: "fastface", params: {}, lr0: facts.firstLr, ...(opts.timing ? { timing: opts.timing } : {}) });
    }
    const got = await evaluator.detail(cands);
    const fresh = new Map(todo.map((o, i) => [o, got[i]!]));
    details = kept.map((o) => ({ d: o.detail ?? fresh.get(o)!, n: o.evaluated }));
    if (withReleased) releasedDetail = got[got.length - 1];
  } finally {
    if (!opts.evaluator) await evaluator.close();
  }
  details.sort((a, b) => compareKeys(rankKey(trace.kind, a.d), rankKey(trace.kind, b.d)));
  const explanations = details.map(({ d, n }) => toExplanation(d, n));

  const result: ExplainResult = {
    kind: "fastface-explain",
    curve: {
      name: curve.meta.name,
      format: curve.meta.format,
      source: curve.meta.source,
      points: steps.length,
      firstStep: ex.firstStep,
      lastStep: ex.lastStep,
      steps: ex.steps,
      totalSteps: T,
      stride: curve.meta.stride,
    },
    logged: {
      changes: trace.changes.map((c) => ({ step: c.step, ratio: Number(c.ratio.toPrecision(6)) })),
      points: trace.step.length,
      kind: trace.kind,
      decimals: trace.decimals,
      stride: trace.stride,
      dropped: trace.dropped,
    },
    explanations,
    verdict: "",
    search: {
      families: spaces.map((s) => s.rule),
      evaluated: outcomes.reduce((a, o) => a + o.evaluated, 0),
      seconds: 0,
      workers: evaluator.workers,
    },
  };
  result.verdict = verdictOf(result);
  if (releasedDetail) result.released = toExplanation(releasedDetail, 1);
  const budget = opts.tracePoints ?? TRACE_POINTS;
  if (budget > 0) {
    const top = details.slice(0, opts.traceTop ?? 3);
    const changePoints = new Set<number>(trace.changes.map((c) => c.point));
    for (const { d } of top) {
      for (let p = 1; p < d.lr.length; p++) if (d.lr[p] !== d.lr[p - 1]) changePoints.add(p);
    }
    const idx = tracePointsOf(trace.step.length, budget, changePoints);
    result.trace = {
      step: idx.map((p) => trace.step[p]!),
      logged: idx.map((p) => trace.lr[p]!),
      explanations: top.map(({ d }) => ({ rule: d.rule, lr: idx.map((p) => Number(d.lr[p]!.toPrecision(8))) })),
    };
  }
  if (warnings.list.length > 0) result.warnings = warnings.list;
  result.search.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
  return result;
}
