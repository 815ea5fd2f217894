/**
 * The unit of work of an explain search: replay one candidate rule over the logged per-step losses, read the
 * LR it would have printed at every logged point, and score it against the logged trace. The same scheduler
 * objects as replay (`createScheduler`, `feedRange`); plain data in and out, so it runs in the sweep pool's
 * workers as well as in this thread.
 *
 * Timing: at a logged point with per-step index j the kernel reads the scheduler's LR twice, before and after
 * it consumes loss j. `immediate` compares the logged value with the LR after (the decision of step j is
 * printed at step j); `official` with the LR before (a decision shows one logged step later, as in the FastFace
 * code). Both are scored from one pass; the better one is kept.
 *
 * Scale: rules produce lr0 x multipliers. The candidate's lr0 (a guess from the log) is corrected by the median
 * of logged / reproduced over the points well above the printed precision, so a rule is not penalised for an
 * lr0 the log does not print.
 */
import { createScheduler, defaultTiming, getSchedulerFactory } from "../schedulers/registry.ts";
import { feedRange } from "../schedulers/step-range.ts";
import type { DecaySink, Params, SchedulerContext } from "../schedulers/types.ts";
import { detectChanges, type LoggedChange } from "./trace.ts";
import type { ExplainChange, ScoreFields, Timing } from "./types.ts";

/** What every evaluation of one explain run shares (posted once to each worker). */
export interface ExplainInput {
  /** Per-step losses (hold expansion; index i is curve step firstStep + i). */
  losses: Float64Array;
  firstStep: number;
  /** Scheduler context of every candidate. */
  totalSteps: number;
  stepOffset: number;
  /** Logged points: curve step and printed LR. */
  pointStep: Float64Array;
  pointLr: Float64Array;
  decimals: number | null;
  halfUlp: number;
  kind: "piecewise" | "continuous" | "constant";
  changes: LoggedChange[];
}

export interface Candidate {
  rule: string;
  params: Params;
  /** Guess of the initial LR (absolute). */
  lr0: number;
  /** Restrict the timing (default: both, the better is kept). */
  timing?: Timing;
}

/** The score of one candidate (no per-change detail). */
export interface CandidateScore extends ScoreFields {
  rule: string;
  params: Params;
  lr0: number;
  timing: Timing;
}

export interface CandidateDetail extends CandidateScore {
  changes: ExplainChange[];
  /** The reproduced LR at every logged point (scaled), for charts. */
  lr: Float64Array;
}

/** Extra (reproduced-only) rows kept in a change table; `extra` counts all of them. */
export const MAX_EXTRA_ROWS = 100;

/** Relative tolerance of a ratio comparison on top of the printed-precision interval. */
const RATIO_TOL = 1e-6;

interface Run {
  before: Float64Array;
  after: Float64Array;
  /** Per-step indices of the rule's discrete LR changes. */
  events: number[];
}

/**
 * Rules whose LR changes only at a step where `step()` returns true (a decay, or hck-proto's increase): their LR
 * at any index follows from the list of those events, so one pass through the rule's own fast path suffices.
 * The others (continuous fixed schedules, timm's warm-up and noise) are read at every logged point.
 * test/explain/kernel.test.ts checks this property for every rule listed.
 */
export const EVENT_EXACT: ReadonlySet<string> = new Set([
  "fastface",
  "hck",
  "hck-proto",
  "mhlr-7279bad",
  "multistep",
  "constant",
  "plateau-torch",
  "plateau-keras",
  "plateau-optax",
  "dlib",
]);

function runCandidate(input: ExplainInput, c: Candidate): Run {
  const ctx: SchedulerContext = { totalSteps: input.totalSteps, lr0: c.lr0 };
  if (input.stepOffset > 0) ctx.stepOffset = input.stepOffset;
  const s = createScheduler({ name: c.rule, params: c.params }, ctx);
  const n = input.pointStep.length;
  const before = new Float64Array(n);
  const after = new Float64Array(n);
  const losses = input.losses;
  const first = input.firstStep;
  const sink: DecaySink = { index: [], lr: [] };
  if (EVENT_EXACT.has(c.rule)) {
    const lr0 = s.lr;
    feedRange(s, losses, 0, losses.length, sink);
    const ev = sink.index;
    const evLr = sink.lr;
    // LR after consuming index j: the LR after the last event <= j
    let e = 0;
    let cur = lr0;
    for (let p = 0; p < n; p++) {
      const j = input.pointStep[p]! - first;
      while (e < ev.length && ev[e]! < j) cur = evLr[e++]!;
      before[p] = cur;
      while (e < ev.length && ev[e]! <= j) cur = evLr[e++]!;
      after[p] = cur;
    }
    return { before, after, events: ev };
  }
  let i = 0;
  for (let p = 0; p < n; p++) {
    const j = input.pointStep[p]! - first;
    for (; i < j; i++) if (s.step(losses[i]!)) sink.index.push(i);
    before[p] = s.lr;
    if (i === j && i < losses.length) {
      if (s.step(losses[i]!)) sink.index.push(i);
      i++;
    }
    after[p] = s.lr;
  }
  return { before, after, events: sink.index };
}

/** The median of up to ~2,000 evenly spaced values of `xs` (enough for a robust scale). */
function sampledMedian(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const every = Math.max(1, Math.floor(xs.length / 2000));
  const sample = every === 1 ? xs : xs.filter((_, i) => i % every === 0);
  sample.sort((a, b) => a - b);
  const m = sample.length >> 1;
  return sample.length % 2 === 1 ? sample[m]! : 0.5 * (sample[m - 1]! + sample[m]!);
}

/**
 * The factor that maps the rule's LR onto the logged one, over points well above the printed precision.
 * Piecewise and constant traces anchor it at the first such point (before the rule's first change the two
 * must agree); continuous traces take the median ratio, as no single rounded point pins it.
 */
function fitScale(rep: Float64Array, logged: Float64Array, half: number, kind: ExplainInput["kind"]): number {
  const floor = Math.max(40 * half, 0);
  let c = Number.NaN;
  if (kind !== "continuous") {
    for (let p = 0; p < rep.length; p++) {
      if (logged[p]! > floor && rep[p]! > 0 && Number.isFinite(rep[p]!)) {
        c = logged[p]! / rep[p]!;
        break;
      }
    }
  } else {
    const ratios: number[] = [];
    for (let p = 0; p < rep.length; p++) {
      const l = logged[p]!;
      const r = rep[p]!;
      if (l > floor && r > 0 && Number.isFinite(r)) ratios.push(l / r);
    }
    c = sampledMedian(ratios);
  }
  if (!(Number.isFinite(c) && c > 0)) return 1;
  return Math.abs(c - 1) < 1e-9 ? 1 : Number(c.toPrecision(6));
}

/** Relative error of `rep * scale` at the printed precision: 0 while |rep - logged| <= q/2. */
function relErrors(
  rep: Float64Array,
  scale: number,
  logged: Float64Array,
  half: number,
): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let p = 0; p < rep.length; p++) {
    const l = logged[p]!;
    const r = rep[p]! * scale;
    const excess = Math.max(0, Math.abs(r - l) - half * (1 + 1e-9));
    const denom = Math.max(Math.abs(l), 2 * half, 1e-300);
    const e = Number.isFinite(r) ? excess / denom : Number.POSITIVE_INFINITY;
    if (e > max) max = e;
    sum += e;
  }
  return { max, mean: rep.length > 0 ? sum / rep.length : 0 };
}

/**
 * lr0 = guess x fitted scale, then the same rounded to 1..6 significant digits: the value with the smallest max
 * (then mean) error wins, the roundest among equals (a log printed lr 0.1, not 0.0999996).
 */
function pickLr0(raw: Float64Array, guess: number, scale: number, logged: Float64Array, half: number) {
  const fit = guess * scale;
  const cands = [fit];
  for (let d = 6; d >= 1; d--) {
    const v = Number(fit.toPrecision(d));
    if (v > 0 && !cands.includes(v)) cands.push(v);
  }
  let best = { lr0: fit, err: relErrors(raw, scale, logged, half) };
  for (const v of cands.slice(1)) {
    const err = relErrors(raw, v / guess, logged, half);
    if (err.max < best.err.max || (err.max === best.err.max && err.mean <= best.err.mean)) best = { lr0: v, err };
  }
  return best;
}

interface Pair {
  a: number;
  b: number;
}

/**
 * Match logged changes to reproduced ones: a pair must lie at most one logged point apart and have compatible
 * ratios; matches do not cross (both lists are in time order). Dynamic programme: most matches, then the
 * smallest total |point distance|.
 */
export function matchChanges(logged: readonly LoggedChange[], rep: readonly LoggedChange[]): Pair[] {
  const byPoint = new Map<number, number>();
  rep.forEach((c, i) => {
    byPoint.set(c.point, i);
  });
  const cands: number[][] = logged.map((a) => {
    const out: number[] = [];
    for (const d of [0, 1, -1]) {
      const i = byPoint.get(a.point + d);
      if (i === undefined) continue;
      const r = rep[i]!.ratio;
      if (r >= a.ratioLo * (1 - RATIO_TOL) && r <= a.ratioHi * (1 + RATIO_TOL)) out.push(i);
    }
    return out;
  });
  // state: chosen reproduced index (or -1) for logged change k; value: [matches, -distance]
  type Cell = { m: number; d: number; last: number; prev: Cell | null; pick: number };
  let layer: Cell[] = [{ m: 0, d: 0, last: -1, prev: null, pick: -1 }];
  for (let k = 0; k < logged.length; k++) {
    const next: Cell[] = [];
    for (const pick of [-1, ...cands[k]!]) {
      let best: Cell | null = null;
      for (const c of layer) {
        if (pick >= 0 && pick <= c.last) continue;
        const m = c.m + (pick >= 0 ? 1 : 0);
        const d = c.d + (pick >= 0 ? Math.abs(rep[pick]!.point - logged[k]!.point) : 0);
        if (!best || m > best.m || (m === best.m && d < best.d)) {
          best = { m, d, last: pick >= 0 ? pick : c.last, prev: c, pick };
        }
      }
      if (best) next.push(best);
    }
    layer = next;
  }
  let end = layer[0]!;
  for (const c of layer) if (c.m > end.m || (c.m === end.m && c.d < end.d)) end = c;
  const pairs: Pair[] = [];
  for (let c: Cell | null = end, k = logged.length - 1; c?.prev; c = c.prev, k--) {
    if (c.pick >= 0) pairs.push({ a: k, b: c.pick });
  }
  return pairs.reverse();
}

interface Scored {
  score: CandidateScore;
  changes: ExplainChange[];
  lr: Float64Array;
}

function scoreTiming(
  input: ExplainInput,
  c: Candidate,
  raw: Float64Array,
  run: Run,
  timing: Timing,
  table: boolean,
): Scored {
  const half = input.halfUlp;
  const fitted = pickLr0(raw, c.lr0, fitScale(raw, input.pointLr, half, input.kind), input.pointLr, half);
  const scale = fitted.lr0 / c.lr0;
  const err = fitted.err;
  const lr0 = Number(fitted.lr0.toPrecision(10));
  const n = raw.length;
  const exact = new Float64Array(n);
  const printed = new Float64Array(n);
  // printed as the log would (roundTo, inlined: this loop runs for every candidate and every logged point)
  const f = input.decimals === null ? 0 : 10 ** input.decimals;
  for (let p = 0; p < n; p++) {
    const v = raw[p]! * scale;
    exact[p] = v;
    printed[p] = f === 0 ? v : Math.round(v * f) / f;
  }
  const score = (f: Omit<ScoreFields, "maxRelError" | "meanRelError">): CandidateScore => ({
    rule: c.rule,
    params: c.params,
    lr0,
    timing,
    ...f,
    maxRelError: err.max,
    meanRelError: err.mean,
  });
  if (input.kind === "continuous") {
    // a continuous trace is compared point by point; its changes (one per logged line) are not tabulated
    const none = { matched: 0, extra: 0, missed: 0, meanOffset: null, maxOffset: null, outside: 0, meanExcess: null };
    return { score: score(none), changes: [], lr: exact };
  }
  // reproduced changes at the printed precision, with the rule's exact ratio
  const rep = detectChanges(input.pointStep, printed, 0, exact);
  const lag = timing === "official" ? 1 : 0;
  // exact step from which a reproduced change is in force in the log's terms: the last discrete change of
  // the rule in the interval the point covers, else the point itself
  const events = run.events;
  let e = 0;
  const exactStep = rep.map((ch) => {
    const hi = input.pointStep[ch.point]! - input.firstStep - lag;
    const lo = ch.point > 0 ? input.pointStep[ch.point - 1]! - input.firstStep - lag : -1;
    let found = -1;
    while (e < events.length && events[e]! <= hi) {
      if (events[e]! > lo) found = events[e]!;
      e++;
    }
    return found >= 0 ? input.firstStep + found + lag : ch.step;
  });
  const pairs = matchChanges(input.changes, rep);
  const usedA = new Set(pairs.map((q) => q.a));
  const usedB = new Set(pairs.map((q) => q.b));
  let sumOff = 0;
  let maxOff = 0;
  let outside = 0;
  let sumExcess = 0;
  for (const { a, b } of pairs) {
    const la = input.changes[a]!;
    const r = exactStep[b]!;
    const off = r - la.step;
    sumOff += Math.abs(off);
    maxOff = Math.max(maxOff, Math.abs(off));
    // the logged interval: after the last line with the old LR, up to the first line with the new one
    const prev = la.point > 0 ? input.pointStep[la.point - 1]! : Number.NEGATIVE_INFINITY;
    const excess = r > la.step ? r - la.step : r <= prev ? prev + 1 - r : 0;
    if (excess > 0) outside++;
    sumExcess += excess;
  }
  // the table in time order: pairs and missed logged changes at their logged step, extras at theirs (the first
  // MAX_EXTRA_ROWS of them: a continuous rule on a piecewise trace has an extra change on every logged line)
  const rows: Array<{ key: number; row: ExplainChange }> = [];
  for (const { a, b } of table ? pairs : []) {
    const la = input.changes[a]!;
    rows.push({
      key: la.step,
      row: {
        logged: la.step,
        reproduced: exactStep[b]!,
        ratio: rep[b]!.ratio,
        loggedRatio: la.ratio,
        offset: exactStep[b]! - la.step,
      },
    });
  }
  input.changes.forEach((la, a) => {
    if (table && !usedA.has(a)) {
      rows.push({
        key: la.step,
        row: { logged: la.step, reproduced: null, ratio: null, loggedRatio: la.ratio, offset: null },
      });
    }
  });
  let extras = 0;
  rep.forEach((rb, b) => {
    if (table && !usedB.has(b) && extras++ < MAX_EXTRA_ROWS) {
      rows.push({
        key: exactStep[b]!,
        row: { logged: null, reproduced: exactStep[b]!, ratio: rb.ratio, loggedRatio: null, offset: null },
      });
    }
  });
  rows.sort((x, y) => x.key - y.key);
  const changes = rows.map((r) => r.row);
  const matched = pairs.length;
  return {
    score: score({
      matched,
      extra: rep.length - matched,
      missed: input.changes.length - matched,
      meanOffset: matched > 0 ? sumOff / matched : null,
      maxOffset: matched > 0 ? maxOff : null,
      outside,
      meanExcess: matched > 0 ? sumExcess / matched : null,
    }),
    changes,
    lr: exact,
  };
}

/**
 * Ranking key of a score (smaller is better). Piecewise traces: matched changes, extra changes, matched changes
 * on another logged line than the logged one, the explanation's complexity (`complexity`), the mean distance of
 * the matched changes from their logged interval, then the LR error (where inside a logged interval a change
 * happened the log cannot tell, so the offset inside it ranks late). Continuous traces: the max, then the mean
 * relative error, then the complexity. Constant traces: the number of (extra) changes, the error, the complexity.
 */
export function rankKey(kind: ExplainInput["kind"], s: CandidateScore): number[] {
  const k = complexity(s.rule, s.params);
  if (kind === "continuous") return [s.maxRelError, s.meanRelError, k, s.extra];
  if (kind === "constant") return [s.extra, s.maxRelError, k, s.meanRelError];
  return [-s.matched, s.extra, s.outside, k, s.meanExcess ?? Number.POSITIVE_INFINITY, s.maxRelError];
}

/**
 * How much an explanation says beyond its rule's defaults: the number of parameter values that differ from the
 * defaults (each entry of a list counts, so multistep's milestones count one per change). Among explanations that
 * match equally well the simpler one ranks first: multistep with a milestone per logged change fits any sequence
 * of decreases, a loss-driven rule that derives the steps from the loss with two settings says more.
 * @example complexity("multistep", { milestones: [620, 930], gamma: 0.1 }) // -> 2 (gamma is the default)
 */
export function complexity(rule: string, params: Params): number {
  const specs = getSchedulerFactory(rule).paramSpecs;
  let n = 0;
  for (const [key, v] of Object.entries(params)) {
    const d = specs[key]?.default;
    if (Array.isArray(v)) {
      n += Array.isArray(d) && JSON.stringify(d) === JSON.stringify(v) ? 0 : v.length;
    } else if (v !== d) n++;
  }
  return n;
}

/** Lexicographic comparison of two rank keys (negative: `a` is better). */
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function evaluate(input: ExplainInput, c: Candidate, table: boolean): Scored {
  const run = runCandidate(input, c);
  let same = true;
  for (let p = 0; p < run.before.length && same; p++) same = run.before[p] === run.after[p];
  // when both timings print the same values, the rule's own timing (its registry entry's) is reported: they
  // differ by one step in the exact reproduced steps only
  const own = defaultTiming(c.rule);
  const timings: Timing[] = c.timing ? [c.timing] : same ? [own] : ["official", "immediate"];
  let best: Scored | null = null;
  for (const t of timings) {
    const s = scoreTiming(input, c, t === "official" ? run.before : run.after, run, t, table);
    if (!best || compareKeys(rankKey(input.kind, s.score), rankKey(input.kind, best.score)) < 0) best = s;
  }
  return best!;
}

/**
 * Score one candidate (both timings unless it fixes one; the better is returned).
 * @example const s = scoreCandidate(input, { rule: "hck-proto", params: { increaseAfter: 3 }, lr0: 0.02 }); s.matched
 */
export function scoreCandidate(input: ExplainInput, c: Candidate): CandidateScore {
  return evaluate(input, c, false).score;
}

/**
 * Score one candidate and keep the change-by-change table and the reproduced LR at the logged points.
 * @example const d = detailCandidate(input, best); d.changes.filter((x) => x.offset !== null).length
 */
export function detailCandidate(input: ExplainInput, c: Candidate): CandidateDetail {
  const s = evaluate(input, c, true);
  return { ...s.score, changes: s.changes, lr: s.lr };
}
