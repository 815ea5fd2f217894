/**
 * The search space of every rule family explain can try: which parameters are read off the logged trace
 * (factors from the logged ratios, milestones from the change steps, warm-up from the peak, the prototype's
 * window from the gaps between consecutive changes), which are searched on a grid (log-spaced where the scale
 * is unknown) and then refined by a pattern search (`search.ts`), and the first guess of lr0.
 *
 * Loss-driven thresholds are searched relative to the loss scale (the mean of the first 1,000 per-step losses),
 * so the same grid fits a loss of 40 (ArcFace) and of 2 (cross-entropy).
 */
import { tolerance } from "../schedulers/decide.ts";
import { stepsOrFraction } from "../schedulers/fixed.ts";
import { numberParam } from "../schedulers/params.ts";
import type { Params, ParamValue } from "../schedulers/types.ts";
import type { InvertSpec } from "./invert.ts";
import type { LoggedTrace } from "./trace.ts";

/** A numeric dimension: grid values and the bounds and resolution of the refinement. */
export interface NumDim {
  name: string;
  scale: "log" | "lin";
  lo: number;
  hi: number;
  /** Grid points (inclusive endpoints). */
  grid: number;
  integer?: boolean;
  /** Integers that must be even (hck's window). */
  even?: boolean;
  /** Extra grid values (e.g. a default, or values read off the trace). */
  extra?: number[];
  /** Values tried only in the first-change inversion's combinations (many, each costing one recording run). */
  invertExtra?: number[];
  /** Refinement bounds (default lo / 10 .. hi * 10 for log, lo .. hi for lin). */
  min?: number;
  max?: number;
}

/** A dimension of a few alternatives, all on the grid. */
export interface ChoiceDim {
  name: string;
  values: ParamValue[];
  /** Only tried in the refinement (one flip per round), not on the grid. */
  refineOnly?: boolean;
  /** Does not change the first fire (so the first-change inversion need not run once per value). */
  laterOnly?: boolean;
}

export interface FamilySpace {
  rule: string;
  /** Parameters every candidate of the family has. */
  fixed: Params;
  nums: NumDim[];
  choices: ChoiceDim[];
  /** The initial LR guess (absolute). */
  lr0: number;
  /** Extra whole candidates (merged over `fixed`), e.g. the family's defaults. */
  seeds: Params[];
  /** A continuous schedule (poly, cosine, wsd): its LR changes at every step, not in a few jumps. */
  continuous: boolean;
  /** The parameter read off the first logged decrease (invert.ts), for every combination of the others. */
  invert?: InvertSpec;
}

const NEVER = -1e300;
/** toler + 1 stationary steps make the FastFace rule fire. */
const tolerWindow = (p: Params, T: number) => tolerance(T, numberParam(p, "tau", 0.05)) + 1;

/** What the families read off the log. */
export interface TraceFacts {
  trace: LoggedTrace;
  totalSteps: number;
  firstStep: number;
  lastStep: number;
  /** Mean of the first 1,000 finite per-step losses. */
  lossScale: number;
  /** First logged LR > 0. */
  firstLr: number;
  lrMax: number;
  /** First step at which the maximum is logged. */
  peakStep: number;
  /** Last step at which the maximum is logged. */
  lastPeakStep: number;
  lastLr: number;
  /** Typical factor of the logged decreases / increases (null: none). */
  decrease: number | null;
  increase: number | null;
  /** Steps of the logged decreases. */
  decreaseSteps: number[];
  /** Smallest gap between two consecutive logged changes (null: fewer than two). */
  minGap: number | null;
  /** Consecutive decreases before each logged increase. */
  decreasesBeforeIncrease: number[];
  /** The trace rises before its peak (a warm-up). */
  warmup: boolean;
}

/** Common factors a ratio read off a rounded log snaps to when the rounding allows it. */
const NICE = [0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99, 1.5, 2, 3, 4, 5, 10];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : 0.5 * (s[s.length / 2 - 1]! + s[s.length / 2]!);
}

/** The typical factor of a set of changes: a common value inside every ratio interval, else the median. */
function typicalFactor(changes: LoggedTrace["changes"]): number | null {
  if (changes.length === 0) return null;
  for (const v of NICE) {
    if (changes.every((c) => v >= c.ratioLo * (1 - 1e-9) && v <= c.ratioHi * (1 + 1e-9))) return v;
  }
  // the most common nice value among the changes, else the median ratio
  const hits = new Map<number, number>();
  for (const c of changes) {
    for (const v of NICE)
      if (v >= c.ratioLo * (1 - 1e-9) && v <= c.ratioHi * (1 + 1e-9)) hits.set(v, (hits.get(v) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [v, n] of hits) if (best === null || n > hits.get(best)!) best = v;
  if (best !== null && hits.get(best)! * 2 >= changes.length) return best;
  return Number(median(changes.map((c) => c.ratio)).toPrecision(4));
}

/**
 * Read the facts the families need off a logged trace and the per-step losses.
 * @example const f = traceFacts(trace, losses, { totalSteps: 202320, firstStep: 20, lastStep: 202320 }); f.decrease // -> 0.5
 */
export function traceFacts(
  trace: LoggedTrace,
  losses: Float64Array,
  run: { totalSteps: number; firstStep: number; lastStep: number },
): TraceFacts {
  let sum = 0;
  let cnt = 0;
  for (let i = 0; i < losses.length && cnt < 1000; i++) {
    const v = losses[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      cnt++;
    }
  }
  const lossScale = cnt > 0 && sum / cnt > 0 ? sum / cnt : 1;
  const lr = trace.lr;
  let lrMax = 0;
  let peak = 0;
  let lastPeak = 0;
  for (let p = 0; p < lr.length; p++) {
    if (lr[p]! > lrMax) {
      lrMax = lr[p]!;
      peak = p;
    }
    if (lr[p]! === lrMax) lastPeak = p;
  }
  let firstLr = lrMax;
  for (let p = 0; p < lr.length; p++) {
    if (lr[p]! > 0) {
      firstLr = lr[p]!;
      break;
    }
  }
  const down = trace.changes.filter((c) => c.ratio < 1);
  const up = trace.changes.filter((c) => c.ratio > 1);
  let minGap: number | null = null;
  for (let i = 1; i < trace.changes.length; i++) {
    const g = trace.changes[i]!.step - trace.changes[i - 1]!.step;
    if (minGap === null || g < minGap) minGap = g;
  }
  // consecutive fires before each increase: the decreases right before it whose gaps are those of back-to-back
  // fires (within one stride of the smallest gap); an earlier, longer gap means a non-stationary step between
  const before: number[] = [];
  const chain = (minGap ?? 0) + trace.stride;
  trace.changes.forEach((c, i) => {
    if (c.ratio <= 1) return;
    let n = 0;
    for (let k = i - 1; k >= 0; k--) {
      const d = trace.changes[k]!;
      if (d.ratio >= 1 || trace.changes[k + 1]!.step - d.step > chain) break;
      n++;
    }
    before.push(n);
  });
  return {
    trace,
    totalSteps: run.totalSteps,
    firstStep: run.firstStep,
    lastStep: run.lastStep,
    lossScale,
    firstLr: firstLr > 0 ? firstLr : 1,
    lrMax: lrMax > 0 ? lrMax : 1,
    peakStep: trace.step[peak] ?? run.firstStep,
    lastPeakStep: trace.step[lastPeak] ?? run.firstStep,
    lastLr: lr[lr.length - 1] ?? 0,
    decrease: typicalFactor(down),
    increase: typicalFactor(up),
    decreaseSteps: down.map((c) => c.step),
    minGap,
    decreasesBeforeIncrease: [...new Set(before)],
    warmup: peak > 0 && lr[0]! < lrMax && trace.changes.length > 0 && trace.changes[0]!.ratio > 1,
  };
}

const uniq = (xs: number[]): number[] => [...new Set(xs.filter((x) => Number.isFinite(x)))];

/**
 * The warm-up length in steps as a searched integer: the peak is first logged at `peakStep`, so the warm-up
 * ended in the logged interval before it (`offset` maps a curve step to the rule's own counter).
 */
function warmupDim(name: string, f: TraceFacts, offset: number): NumDim {
  const hi = Math.max(0, f.peakStep + offset);
  const lo = Math.max(0, hi - f.trace.stride + 1);
  return {
    name,
    scale: "lin",
    lo,
    hi,
    grid: Math.min(25, hi - lo + 1),
    integer: true,
    min: Math.max(0, lo - f.trace.stride),
    max: Math.max(0, Math.min(f.totalSteps - 1, hi + f.trace.stride)),
  };
}

/** The families explain knows how to search, in display order. */
export const FAMILY_NAMES = [
  "hck-proto",
  "fastface",
  "hck",
  "mhlr-7279bad",
  "multistep",
  "poly",
  "cosine",
  "wsd",
  "constant",
  "plateau-torch",
  "plateau-keras",
  "plateau-timm",
  "plateau-optax",
  "dlib",
] as const;

export type FamilyName = (typeof FAMILY_NAMES)[number];

/**
 * The search space of one family for a log.
 * @example familySpace("poly", facts).nums.map((d) => d.name) // -> ["power"]
 */
export function familySpace(rule: FamilyName, f: TraceFacts): FamilySpace {
  const ls = f.lossScale;
  const dec = f.decrease ?? 0.5;
  const T = f.totalSteps;
  const nDown = f.decreaseSteps.length;
  const loss = (lo: number, hi: number) => ({ lo: lo * ls, hi: hi * ls });
  const patienceDim = (name: string, extra: number[] = []): NumDim => ({
    name,
    scale: "log",
    lo: 50,
    hi: Math.max(100, Math.min(50_000, Math.floor(T / 4))),
    grid: 6,
    integer: true,
    extra,
    min: 1,
    max: T,
  });
  // consecutive decisions of a counting rule that stays stationary are (count limit + 1) steps apart, so the
  // smallest logged gap (known to one stride) suggests the tolerance / patience
  const gap = f.minGap;
  const stride = f.trace.stride;
  // the true gap lies within one stride of the logged one: every step of that range (at most 41 values)
  const gapSteps: number[] = [];
  if (gap !== null) {
    const every = Math.max(1, Math.ceil((2 * stride + 1) / 41));
    for (let g = gap - stride; g <= gap + stride; g += every) if (g >= 2) gapSteps.push(g);
  }
  // the ReduceLROnPlateau ports invert their patience from the gaps: torch and timm reduce when the bad count
  // exceeds patience (reductions patience + 1 steps apart), Keras and Optax when it reaches it (patience apart)
  const counterInvert = (param: string, exceeds: boolean) =>
    ({ kind: "counter", param, disable: { [param]: T + 10 }, exceeds, integer: true }) as const;
  const gapPatience = (param: string, exceeds: boolean): NumDim => ({
    ...patienceDim(param),
    invertExtra: exceeds ? gapSteps.map((g) => g - 1) : gapSteps,
  });
  // toler = floor(T tau) = g - 1 (the half keeps floor() off the boundary)
  const tauFromGap = gapSteps.map((g) => Number(((g - 0.5) / T).toPrecision(8)));
  // the two-EMA rules (fastface, mhlr-7279bad): lambda on a dense log grid, tau (the gaps suggest it), alpha and
  // beta at the published 0.001 and refined
  const emaDims = (): NumDim[] => [
    { name: "lambda", scale: "log", ...loss(1e-8, 1e-4), grid: 17, extra: [5e-5] },
    {
      name: "tau",
      scale: "lin",
      lo: 0.01,
      hi: 0.1,
      grid: 3,
      extra: [0.05],
      invertExtra: tauFromGap,
      min: 0.0005,
      max: 0.5,
    },
    { name: "alpha", scale: "log", lo: 0.001, hi: 0.001, grid: 1, min: 1e-4, max: 0.05 },
    { name: "beta", scale: "log", lo: 0.001, hi: 0.001, grid: 1, min: 1e-4, max: 0.05 },
  ];
  const base = {
    rule,
    fixed: {} as Params,
    nums: [] as NumDim[],
    choices: [] as ChoiceDim[],
    lr0: f.firstLr,
    seeds: [{}] as Params[],
    continuous: false,
  };
  switch (rule) {
    case "fastface":
      return {
        ...base,
        fixed: { delta: 1 / dec, maxDecays: Math.max(8, nDown) },
        invert: { kind: "window", param: "lambda", disable: { lambda: NEVER }, window: tolerWindow },
        nums: emaDims(),
      };
    case "hck":
      return {
        ...base,
        fixed: { delta: 1 / dec, maxDecays: Math.max(8, nDown) },
        invert: { kind: "window", param: "lambda", disable: { lambda: NEVER }, window: tolerWindow },
        nums: [
          { name: "m", scale: "log", lo: 1000, hi: 16_000, grid: 3, integer: true, even: true, extra: [4000], min: 2 },
          { name: "lambda", scale: "log", ...loss(1e-8, 1e-4), grid: 13, extra: [5e-5] },
          {
            name: "tau",
            scale: "lin",
            lo: 0.01,
            hi: 0.1,
            grid: 2,
            extra: [0.05],
            invertExtra: tauFromGap,
            min: 0.0005,
            max: 0.5,
          },
          { name: "alpha", scale: "log", lo: 0.001, hi: 0.001, grid: 1, min: 1e-4, max: 0.05 },
        ],
      };
    case "hck-proto": {
      // consecutive fires are patience + 1 = 2m + 1 steps apart: the smallest logged gap suggests m
      const fromGap = uniq(gapSteps.flatMap((g) => [Math.floor((g - 1) / 2), Math.floor((g - 2) / 2)]));
      const incAfter = f.increase === null ? [1_000_000] : uniq([...f.decreasesBeforeIncrease, 2]);
      return {
        ...base,
        fixed: { delta: 1 / dec, increase: f.increase ?? 4 },
        invert: {
          kind: "window",
          param: "threshold",
          disable: { threshold: NEVER },
          window: (p, T2) => {
            const m = stepsOrFraction(numberParam(p, "m", 4000), T2);
            const patience = numberParam(p, "patience", 2 * m);
            return patience + (p.countCheck === "before" ? 2 : 1);
          },
        },
        nums: [
          {
            name: "m",
            scale: "log",
            lo: 500,
            hi: 16_000,
            grid: 5,
            integer: true,
            extra: [4000],
            invertExtra: fromGap.filter((m) => m >= 2),
            min: 2,
            max: Math.max(2, Math.floor(T / 2)),
          },
          // the first-change inversion pins the threshold: a coarse grid is the fallback
          { name: "threshold", scale: "log", ...loss(1e-5, 1e-2), grid: 7, extra: [0.06] },
        ],
        choices: [
          { name: "increaseAfter", values: incAfter, laterOnly: true },
          { name: "countCheck", values: ["after", "before"], refineOnly: true },
        ],
      };
    }
    case "mhlr-7279bad":
      return {
        ...base,
        fixed: { delta: 1 / dec },
        invert: { kind: "cumulative", param: "lambda", disable: { lambda: NEVER }, count: tolerWindow },
        nums: emaDims(),
      };
    case "multistep":
      return {
        ...base,
        fixed: {},
        seeds: [{ milestones: f.decreaseSteps.length > 0 ? f.decreaseSteps : [0.4, 0.64, 0.88], gamma: dec }],
      };
    case "poly":
      return {
        ...base,
        lr0: f.lrMax,
        fixed: f.warmup ? {} : { warmup: 0 },
        nums: [
          { name: "power", scale: "lin", lo: 0.5, hi: 4, grid: 8, extra: [1, 2], min: 0.05, max: 10 },
          ...(f.warmup ? [warmupDim("warmup", f, 0)] : []),
        ],
        seeds: [],
        continuous: true,
      };
    case "cosine":
      return {
        ...base,
        lr0: f.lrMax,
        nums: [{ name: "T_max", scale: "log", lo: T / 2, hi: 2 * T, grid: 5, integer: true, extra: [T], min: 1 }],
        choices: [{ name: "eta_min", values: uniq([0, f.lastLr]) }],
        seeds: [],
        continuous: true,
      };
    case "wsd": {
      const decay = Math.max(0, T - f.lastPeakStep);
      return {
        ...base,
        lr0: f.lrMax,
        fixed: f.warmup ? {} : { warmup: 0 },
        nums: [
          ...(f.warmup ? [warmupDim("warmup", f, 0)] : []),
          {
            name: "decay",
            scale: "lin",
            lo: decay,
            hi: decay,
            grid: 1,
            integer: true,
            min: 0,
            max: T,
            extra: uniq([decay + f.trace.stride, Math.max(0, decay - f.trace.stride)]),
          },
        ],
        choices: [
          { name: "decay_type", values: ["cosine", "linear", "1-sqrt"] },
          { name: "min_lr_ratio", values: uniq([0, Number((f.lastLr / f.lrMax).toPrecision(4))]) },
          { name: "warmup_type", values: f.warmup ? ["linear", "cosine", "1-sqrt"] : ["linear"] },
        ],
        seeds: [],
        continuous: true,
      };
    }
    case "constant":
      return { ...base, lr0: f.lrMax };
    case "plateau-torch":
      return {
        ...base,
        fixed: { factor: Math.min(dec, 0.999999) },
        invert: counterInvert("patience", true),
        nums: [
          gapPatience("patience", true),
          { name: "threshold", scale: "log", lo: 1e-6, hi: 1e-2, grid: 5, extra: [1e-4] },
        ],
        choices: [{ name: "threshold_mode", values: ["rel", "abs"], refineOnly: true }],
      };
    case "plateau-keras":
      return {
        ...base,
        fixed: { factor: Math.min(dec, 0.999999) },
        invert: counterInvert("patience", false),
        nums: [
          gapPatience("patience", false),
          { name: "min_delta", scale: "log", ...loss(1e-7, 1e-3), grid: 5, extra: [1e-4] },
        ],
      };
    case "plateau-timm":
      return {
        ...base,
        lr0: f.warmup ? f.lrMax : f.firstLr,
        fixed: { decay_rate: Math.min(dec, 0.999999), ...(f.warmup ? { warmup_lr_init: 0 } : {}) },
        invert: counterInvert("patience_t", true),
        nums: [
          gapPatience("patience_t", true),
          { name: "threshold", scale: "log", lo: 1e-6, hi: 1e-2, grid: 5, extra: [1e-4] },
          // timm counts epochs from 1 at the first loss: epoch = step - firstStep + 1
          ...(f.warmup ? [warmupDim("warmup_t", f, 1 - f.firstStep)] : []),
        ],
      };
    case "plateau-optax":
      return {
        ...base,
        fixed: { factor: Math.min(Math.max(dec, 1e-6), 0.999999) },
        invert: counterInvert("patience", false),
        nums: [
          // reductions patience x accumulation_size steps apart
          { ...patienceDim("patience"), lo: 10 },
          { name: "rtol", scale: "log", lo: 1e-6, hi: 1e-2, grid: 4, extra: [1e-4], max: 1 },
        ],
        choices: [{ name: "accumulation_size", values: [1, 10, 20, 50, 100] }],
      };
    case "dlib":
      return {
        ...base,
        fixed: { shrink: Math.min(dec, 1) },
        // dlib re-tests a window of thresh losses every thresh / 200 steps (~0.5 s per run on 200k steps): its
        // default on the grid, refined (by factors of ~1.4) only on traces it matches
        nums: [{ name: "thresh", scale: "log", lo: 2000, hi: 2000, grid: 1, integer: true, min: 3, max: 100_000 }],
        seeds: [],
      };
  }
}
