/**
 * The parameter search of explain: per family a grid (the family's space, `families.ts`), then a pattern
 * search from the best three grid points: every numeric parameter one step up and down (a factor on log
 * scales), every alternative of a choice; move to the best neighbour when it scores better, halve the steps
 * when none does, stop at the parameter's resolution or after MAX_ROUNDS. All families advance together, one
 * batch of candidates per round, so an evaluator with a worker pool stays busy.
 *
 * The evaluator is injected (`Evaluator`): `localEvaluator` scores in this thread; the CLI hands in the sweep
 * pool's workers (src/sweep/explain-pool.ts), which run the same kernel. This module never imports the pool.
 */
import { ConfigError } from "../errors.ts";
import { numberParam } from "../schedulers/params.ts";
import { getSchedulerFactory } from "../schedulers/registry.ts";
import type { Params, ParamValue } from "../schedulers/types.ts";
import type { FamilySpace, NumDim } from "./families.ts";
import { invertFirstChange } from "./invert.ts";
import {
  type Candidate,
  type CandidateDetail,
  type CandidateScore,
  compareKeys,
  detailCandidate,
  type ExplainInput,
  rankKey,
  scoreCandidate,
} from "./kernel.ts";

/** Scores candidates; `start` receives the shared input once. */
export interface Evaluator {
  /** Worker threads used (0: this thread). */
  readonly workers: number;
  start(input: ExplainInput): Promise<void>;
  evaluate(candidates: readonly Candidate[]): Promise<CandidateScore[]>;
  /** The change-by-change detail of each candidate (the final explanations). */
  detail(candidates: readonly Candidate[]): Promise<CandidateDetail[]>;
  close(): Promise<void>;
}

/** A score for a candidate the rule refuses (e.g. wsd with warmup + decay > T): ranks last. */
export function refusedScore(c: Candidate, changes: number): CandidateScore {
  return {
    rule: c.rule,
    params: c.params,
    lr0: c.lr0,
    timing: c.timing ?? "immediate",
    matched: 0,
    extra: Number.MAX_SAFE_INTEGER,
    missed: changes,
    meanOffset: null,
    maxOffset: null,
    outside: 0,
    meanExcess: null,
    maxRelError: Number.POSITIVE_INFINITY,
    meanRelError: Number.POSITIVE_INFINITY,
  };
}

/**
 * Score a candidate; a configuration the rule refuses (ConfigError) gets `refusedScore` instead of failing the
 * whole search.
 * @example safeScore(input, { rule: "hck", params: { m: 3 }, lr0: 1 }).extra // -> Number.MAX_SAFE_INTEGER
 */
export function safeScore(input: ExplainInput, c: Candidate): CandidateScore {
  try {
    return scoreCandidate(input, c);
  } catch (e) {
    if (e instanceof ConfigError) return refusedScore(c, input.changes.length);
    throw e;
  }
}

/**
 * Scores in this thread.
 * @example const ev = localEvaluator(); await ev.start(input); await ev.evaluate([cand]);
 */
export function localEvaluator(): Evaluator {
  let input: ExplainInput | null = null;
  return {
    workers: 0,
    async start(i) {
      input = i;
    },
    async evaluate(cands) {
      if (!input) throw new Error("localEvaluator: start() was not called");
      const inp = input;
      return cands.map((c) => safeScore(inp, c));
    },
    async detail(cands) {
      if (!input) throw new Error("localEvaluator: start() was not called");
      const inp = input;
      return cands.map((c) => detailCandidate(inp, c));
    },
    async close() {},
  };
}

/**
 * On a piecewise trace, a family whose best matches fewer than this share of the changes the best family
 * matches stops refining: refinement moves a family by a few changes, not from a third to all of them. (On a
 * continuous trace: a max relative error above 50% and ten times the best's.)
 */
export const PRUNE = 0.5;
/** Structural combinations a family's first-change inversion runs for at most. */
export const MAX_INVERSIONS = 48;
/** Rounds of the pattern search at most. */
export const MAX_ROUNDS = 10;
/** Grid points the refinement starts from, per family. */
export const STARTS = 2;

function tidy(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(10));
}

function snap(d: NumDim, v: number): number {
  let x = v;
  const min = d.min ?? (d.scale === "log" ? d.lo / 10 : d.lo);
  const max = d.max ?? (d.scale === "log" ? d.hi * 10 : d.hi);
  x = Math.min(max, Math.max(min, x));
  if (d.integer) {
    x = Math.round(x);
    if (d.even && x % 2 !== 0) x += x + 1 <= max ? 1 : -1;
  }
  return d.integer ? x : tidy(x);
}

/** Grid values of a numeric dimension (log- or evenly spaced, inclusive ends, plus its extras). */
export function gridValues(d: NumDim): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.grid; i++) {
    const f = d.grid === 1 ? 0 : i / (d.grid - 1);
    const v = d.scale === "log" ? d.lo * (d.hi / d.lo) ** f : d.lo + (d.hi - d.lo) * f;
    out.push(snap(d, v));
  }
  for (const e of d.extra ?? []) out.push(snap(d, e));
  return [...new Set(out)].sort((a, b) => a - b);
}

const keyOf = (c: Candidate): string => `${c.rule}|${c.timing ?? ""}|${JSON.stringify(sortKeys(c.params))}`;

function sortKeys(p: Params): Params {
  const out: Params = {};
  for (const k of Object.keys(p).sort()) out[k] = p[k]!;
  return out;
}

function product(lists: Array<{ name: string; values: ParamValue[] }>): Params[] {
  let out: Params[] = [{}];
  for (const { name, values } of lists) {
    const next: Params[] = [];
    for (const p of out) for (const v of values) next.push({ ...p, [name]: v });
    out = next;
  }
  return out;
}

/** The grid of a family: numeric grids x choices (refine-only choices at their first value), plus the seeds. */
export function familyGrid(space: FamilySpace): Params[] {
  const lists = [
    ...space.nums.map((d) => ({ name: d.name, values: gridValues(d) as ParamValue[] })),
    ...space.choices.map((c) => ({ name: c.name, values: c.refineOnly ? c.values.slice(0, 1) : c.values })),
  ];
  const grid = lists.length > 0 ? product(lists) : [];
  return [...grid, ...space.seeds].map((p) => ({ ...space.fixed, ...p }));
}

/**
 * For a family with an inverted parameter: every combination of its other grid values, with the values of the
 * inverted parameter that put the first fire in the first logged decrease's interval (invert.ts).
 */
export function invertedCandidates(input: ExplainInput, space: FamilySpace): Params[] {
  const inv = space.invert;
  if (!inv || input.kind !== "piecewise") return [];
  const lists = [
    ...space.nums
      .filter((d) => d.name !== inv.param)
      .map((d) => ({
        name: d.name,
        values: [...new Set([...gridValues(d), ...(d.invertExtra ?? []).map((v) => snap(d, v))])] as ParamValue[],
      })),
    ...space.choices
      .filter((c) => c.name !== inv.param && !c.laterOnly)
      .map((c) => ({ name: c.name, values: c.values })),
  ];
  const later = space.choices.filter((c) => c.name !== inv.param && c.laterOnly);
  let combos = product(lists);
  if (combos.length > MAX_INVERSIONS) {
    // an even subsample (the structural grids are small; only long gap-derived lists get here)
    const every = combos.length / MAX_INVERSIONS;
    combos = Array.from({ length: MAX_INVERSIONS }, (_, k) => combos[Math.floor(k * every)]!);
  }
  const out: Params[] = [];
  for (const combo of combos) {
    const params = { ...space.fixed, ...combo };
    let values: number[];
    try {
      values = invertFirstChange(input, space.rule, params, inv);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      continue;
    }
    // the rule's default value too: a run that changed the window and kept the published threshold is common
    const dflt = getSchedulerFactory(space.rule).paramSpecs[inv.param]?.default;
    if (typeof dflt === "number" && !values.includes(dflt)) values.push(dflt);
    for (const tail of product(later.map((c) => ({ name: c.name, values: c.values })))) {
      for (const v of values) out.push({ ...params, ...tail, [inv.param]: v });
    }
  }
  return out;
}

/** SCAN values of a parameter within a factor 2 of v (log-spaced; integers rounded; linear around 0 or < 0). */
export const SCAN = 24;
function scanValues(v: number, integer: boolean): number[] {
  if (!Number.isFinite(v)) return [];
  const out: number[] = [];
  for (let k = 0; k < SCAN; k++) {
    const f = k / (SCAN - 1);
    const x = v > 0 ? v * 2 ** (2 * f - 1) : v - Math.abs(v || 1e-9) * (2 * f - 1);
    out.push(integer ? Math.max(1, Math.round(x)) : Number(x.toPrecision(10)));
  }
  return [...new Set(out)].filter((x) => x !== v);
}

/** Whether a family can make this kind of trace (continuous schedules continuous traces, jump rules the rest). */
function sameKind(input: ExplainInput, space: FamilySpace): boolean {
  return input.kind === "constant" || space.continuous === (input.kind === "continuous");
}

/** Grid points a family of the other kind gets (evenly picked from its grid). */
export const OTHER_KIND_GRID = 6;

function thin<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, k) => list[Math.round((k * (list.length - 1)) / (n - 1))]!);
}

interface Start {
  params: Params;
  score: CandidateScore;
  /** Per numeric dimension: the current step (log: exponent of the factor; lin: absolute). */
  steps: number[];
  done: boolean;
}

function initialStep(d: NumDim): number {
  if (d.scale === "log") {
    const span = d.grid > 1 ? Math.log(d.hi / d.lo) / (d.grid - 1) : Math.log(2);
    return span / 2;
  }
  const span = d.grid > 1 ? (d.hi - d.lo) / (d.grid - 1) : Math.max(Math.abs(d.hi), 1) * 0.1;
  return span / 2;
}

function resolved(d: NumDim, step: number, v: number): boolean {
  if (d.integer) return step < (d.even ? 2 : 1);
  if (d.scale === "log") return step < Math.log(1.0005);
  return step < Math.max(1e-9, Math.abs(v) * 5e-4, (d.hi - d.lo) * 1e-4);
}

function neighbours(space: FamilySpace, s: Start, round: number): Params[] {
  const out: Params[] = [];
  space.nums.forEach((d, i) => {
    const v = dimValue(space, s.params, d.name);
    const st = s.steps[i]!;
    if (resolved(d, st, v)) return;
    for (const sign of [1, -1]) {
      let x = d.scale === "log" ? v * Math.exp(sign * st) : v + sign * st;
      if (d.integer && Math.round(x) === v) x = v + sign * (d.even ? 2 : 1);
      const y = snap(d, x);
      if (y !== v) out.push({ ...s.params, [d.name]: y });
    }
  });
  if (round === 0 || round % 3 === 0) {
    for (const c of space.choices) {
      for (const v of c.values) if (v !== s.params[c.name]) out.push({ ...s.params, [c.name]: v });
    }
  }
  return out;
}

/**
 * A searched number of a candidate: its value, or the family's default when the candidate leaves it out (the
 * `{}` seed is the published defaults, and it can be a family's best).
 */
function dimValue(space: FamilySpace, params: Params, name: string): number {
  const dflt = getSchedulerFactory(space.rule).paramSpecs[name]?.default;
  return numberParam(params, name, typeof dflt === "number" ? dflt : undefined);
}

/** Nothing left to improve: every change matched on its logged line, or every point within the precision. */
function perfect(input: ExplainInput, s: CandidateScore): boolean {
  if (input.kind === "continuous") return s.maxRelError === 0;
  if (input.kind === "constant") return s.extra === 0 && s.maxRelError === 0;
  return s.matched === input.changes.length && s.extra === 0 && s.outside === 0;
}

export interface FamilyOutcome {
  rule: string;
  best: CandidateScore;
  evaluated: number;
  /** The best's change-by-change detail, when the search already computed it (a family of one candidate). */
  detail?: CandidateDetail;
}

export interface SearchOptions {
  /** Extra candidates per family (e.g. from `--grid`), merged over the family's fixed parameters. */
  extra?: Record<string, Params[]>;
  timing?: "official" | "immediate";
  /** Called after each batch with the evaluations so far. */
  onProgress?: (evaluated: number) => void;
}

/**
 * Search every family's space with `evaluator` (already started) and return the best candidate per family.
 * @example const out = await searchFamilies(input, spaces, localEvaluator());
 */
export async function searchFamilies(
  input: ExplainInput,
  spaces: readonly FamilySpace[],
  evaluator: Evaluator,
  opts: SearchOptions = {},
): Promise<FamilyOutcome[]> {
  const cache = new Map<string, CandidateScore>();
  const evaluated = new Map<string, number>();
  let total = 0;
  const better = (a: CandidateScore, b: CandidateScore) =>
    compareKeys(rankKey(input.kind, a), rankKey(input.kind, b)) < 0;
  const cand = (space: FamilySpace, params: Params): Candidate => {
    const c: Candidate = { rule: space.rule, params, lr0: space.lr0 };
    if (opts.timing) c.timing = opts.timing;
    return c;
  };
  const run = async (batch: Array<{ space: FamilySpace; params: Params }>): Promise<CandidateScore[]> => {
    const todo: Candidate[] = [];
    const seen = new Set<string>();
    for (const { space, params } of batch) {
      const c = cand(space, params);
      const k = keyOf(c);
      if (!cache.has(k) && !seen.has(k)) {
        seen.add(k);
        todo.push(c);
        evaluated.set(space.rule, (evaluated.get(space.rule) ?? 0) + 1);
      }
    }
    if (todo.length > 0) {
      const scores = await evaluator.evaluate(todo);
      todo.forEach((c, i) => {
        cache.set(keyOf(c), scores[i]!);
      });
      total += todo.length;
      opts.onProgress?.(total);
    }
    return batch.map(({ space, params }) => cache.get(keyOf(cand(space, params)))!);
  };

  // round 0: every family's grid, with the first-change inversions, in one batch
  const grids = spaces.map((space) => [
    ...(sameKind(input, space) ? familyGrid(space) : thin(familyGrid(space), OTHER_KIND_GRID)),
    ...invertedCandidates(input, space),
    ...(opts.extra?.[space.rule] ?? []).map((p) => ({ ...space.fixed, ...p })),
  ]);
  // a family of a single candidate (multistep, constant, dlib at its default) is scored with its detail at once, so
  // its one run (dlib's costs half a second on 200k steps) is not repeated for the final table
  const singles = new Map<number, CandidateDetail>();
  const singleIdx = spaces.flatMap((_s, i) => (grids[i]!.length === 1 ? [i] : []));
  if (singleIdx.length > 0) {
    const cands = singleIdx.map((i) => cand(spaces[i]!, grids[i]![0]!));
    const details = await evaluator.detail(cands);
    singleIdx.forEach((i, k) => {
      singles.set(i, details[k]!);
      cache.set(keyOf(cands[k]!), details[k]!);
      evaluated.set(spaces[i]!.rule, (evaluated.get(spaces[i]!.rule) ?? 0) + 1);
    });
    total += cands.length;
  }
  const batch0 = spaces.flatMap((space, i) => grids[i]!.map((params) => ({ space, params })));
  const scores0 = await run(batch0);
  const starts: Start[][] = spaces.map(() => []);
  let off = 0;
  spaces.forEach((space, i) => {
    const scored = grids[i]!.map((params, q) => ({ params, score: scores0[off + q]! }));
    off += grids[i]!.length;
    scored.sort((a, b) => compareKeys(rankKey(input.kind, a.score), rankKey(input.kind, b.score)));
    const picked: typeof scored = [];
    const keys = new Set<string>();
    for (const s of scored) {
      const k = JSON.stringify(rankKey(input.kind, s.score));
      if (picked.length >= STARTS) break;
      if (keys.has(k) && picked.length > 0 && scored.length > STARTS) continue;
      keys.add(k);
      picked.push(s);
    }
    // a continuous schedule cannot make a piecewise-constant trace and a jump rule not a continuous one: those
    // families are scored on (a thinned) grid only
    const refinable = sameKind(input, space) && (space.nums.length > 0 || space.choices.length > 0);
    starts[i] = picked.map((s) => ({
      params: s.params,
      score: s.score,
      steps: space.nums.map(initialStep),
      done: !refinable || s.score.extra === Number.MAX_SAFE_INTEGER || perfect(input, s.score),
    }));
  });

  // families far behind the best one stop refining (their grid result is still reported)
  const prune = () => {
    if (input.kind === "piecewise") {
      let top = 0;
      for (const list of starts) for (const st of list) top = Math.max(top, st.score.matched);
      for (const list of starts) {
        for (const st of list) if (!st.done && st.score.matched < PRUNE * top) st.done = true;
      }
    } else if (input.kind === "continuous") {
      // an order of magnitude behind the best, and off by more than half the LR: no refinement closes that
      let top = Number.POSITIVE_INFINITY;
      for (const list of starts) for (const st of list) top = Math.min(top, st.score.maxRelError);
      for (const list of starts) {
        for (const st of list) {
          if (!st.done && st.score.maxRelError > Math.max(0.5, 10 * top)) st.done = true;
        }
      }
    }
  };
  prune();

  // a dense scan of the inverted parameter around each start: later changes pin it far tighter than the first
  {
    const batch: Array<{ space: FamilySpace; params: Params; start: Start }> = [];
    spaces.forEach((space, i) => {
      const inv = space.invert;
      if (!inv) return;
      for (const s of starts[i]!) {
        if (s.done) continue;
        for (const v of scanValues(dimValue(space, s.params, inv.param), inv.kind === "counter")) {
          batch.push({ space, params: { ...s.params, [inv.param]: v }, start: s });
        }
      }
    });
    const scores = await run(batch);
    batch.forEach((b, q) => {
      if (better(scores[q]!, b.start.score)) {
        b.start.params = b.params;
        b.start.score = scores[q]!;
      }
    });
  }

  for (let round = 0; round < MAX_ROUNDS; round++) {
    prune();
    const batch: Array<{ space: FamilySpace; params: Params; start: Start }> = [];
    spaces.forEach((space, i) => {
      for (const s of starts[i]!) {
        if (s.done) continue;
        const ns = neighbours(space, s, round);
        if (ns.length === 0) s.done = true;
        for (const params of ns) batch.push({ space, params, start: s });
      }
    });
    if (batch.length === 0) break;
    const scores = await run(batch);
    const bestOf = new Map<Start, { params: Params; score: CandidateScore }>();
    batch.forEach((b, q) => {
      const cur = bestOf.get(b.start);
      const sc = scores[q]!;
      if (!cur || better(sc, cur.score)) bestOf.set(b.start, { params: b.params, score: sc });
    });
    spaces.forEach((space, i) => {
      for (const s of starts[i]!) {
        if (s.done) continue;
        const nb = bestOf.get(s);
        if (nb && better(nb.score, s.score) && perfect(input, nb.score)) {
          s.params = nb.params;
          s.score = nb.score;
          s.done = true;
          continue;
        }
        if (nb && better(nb.score, s.score)) {
          s.params = nb.params;
          s.score = nb.score;
        } else {
          s.steps = s.steps.map((st) => st / 2);
          if (space.nums.every((d, k) => resolved(d, s.steps[k]!, dimValue(space, s.params, d.name)))) s.done = true;
        }
      }
    });
  }

  const bests = spaces.map((_space, i) => {
    let best = starts[i]![0] ?? null;
    for (const s of starts[i]!) if (best && better(s.score, best.score)) best = s;
    return best ? { params: best.params, score: best.score } : null;
  });

  // simplify: each searched number to the fewest significant digits that score as well (0.05994942741 -> 0.0599)
  const dimsOf = spaces.map((space) => space.nums.map((d) => d.name));
  const width = Math.max(0, ...dimsOf.map((d) => d.length));
  for (let k = 0; k < width; k++) {
    const batch: Array<{ space: FamilySpace; params: Params; i: number }> = [];
    spaces.forEach((space, i) => {
      const b = bests[i];
      const name = dimsOf[i]![k];
      if (!b || name === undefined || b.score.extra === Number.MAX_SAFE_INTEGER) return;
      for (const v of roundings(dimValue(space, b.params, name)))
        batch.push({ space, params: { ...b.params, [name]: v }, i });
    });
    if (batch.length === 0) continue;
    const scores = await run(batch);
    const picked = new Map<number, { params: Params; score: CandidateScore; digits: number }>();
    batch.forEach((q, j) => {
      const b = bests[q.i]!;
      const sc = scores[j]!;
      if (compareKeys(rankKey(input.kind, sc), rankKey(input.kind, b.score)) > 0) return;
      const name = dimsOf[q.i]![k]!;
      const digits = significant(numberParam(q.params, name));
      const cur = picked.get(q.i);
      if (!cur || digits < cur.digits) picked.set(q.i, { params: q.params, score: sc, digits });
    });
    for (const [i, p] of picked) bests[i] = { params: p.params, score: p.score };
  }

  return spaces.map((space, i) => {
    const best = bests[i]?.score ?? refusedScore(cand(space, space.fixed), input.changes.length);
    const single = singles.get(i);
    const out: FamilyOutcome = { rule: space.rule, best, evaluated: evaluated.get(space.rule) ?? 0 };
    if (single && keyOf(cand(space, best.params)) === keyOf(cand(space, single.params))) out.detail = single;
    return out;
  });
}

/** Significant digits of a number as written (0.0599 -> 3, 4000 -> 1). */
function significant(v: number): number {
  if (v === 0) return 1;
  const m = Math.abs(v).toExponential(15).split("e")[0]!.replace(".", "").replace(/0+$/, "");
  return Math.max(1, m.length);
}

/** `v` rounded to 1 .. 5 significant digits (distinct values other than v itself). */
function roundings(v: number): number[] {
  if (!Number.isFinite(v) || v === 0) return [];
  const out = new Set<number>();
  for (let d = 1; d <= 5; d++) {
    const r = Number(v.toPrecision(d));
    if (r !== v && r !== 0) out.add(r);
  }
  return [...out];
}
