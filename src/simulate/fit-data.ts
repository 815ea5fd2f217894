/**
 * What a fit works on, built once per run: the logged points bucket-averaged (adaptive buckets and their
 * weights), the schedule cut into blocks ending at every bucket (see schedule.ts), the log targets, the scale the
 * models' bounds derive from, and the epoch phase of every bucket when the epoch length is known. Plain
 * Float64Arrays; no tensors.
 */
import { epochPhase } from "./epoch.ts";
import { ETA_MIN, type FitBlocks, type FitScale } from "./model.ts";
import { type Blocks, bucketPoints, bucketPointsAdaptive, makeBlocks, type Points, type StepLr } from "./schedule.ts";

export interface FitData {
  blocks: FitBlocks;
  /** log of the bucket losses (N). */
  logY: Float64Array;
  /** Per-bucket weight of the objective (mean 1) (N). */
  weight: Float64Array;
  scale: FitScale;
  lrRef: number;
  /** The bucket-averaged points. */
  points: Points;
  /** Epoch phase of each bucket (N), when `epochSteps` is set. */
  phase?: Float64Array;
  epochSteps?: number;
}

/** How the data of a fit are built (a subset of FitOptions). */
export interface FitDataOptions {
  maxPoints?: number;
  maxBlocks?: number;
  lrRef?: number;
  epochSteps?: number;
  adaptive?: boolean;
  lossPower?: number;
}

/**
 * Blocks in the fit's form: LRs normalised by lrRef (clamped to ETA_MIN), S1 at block starts and at the
 * evaluation points, the LR drop entering each block.
 *
 * @example
 * const fb = toFitBlocks(makeBlocks(eta, steps), 0.1, steps);
 */
export function toFitBlocks(b: Blocks, lrRef: number, evalSteps: ArrayLike<number>): FitBlocks {
  const k = b.lr.length;
  const n = b.evalBlock.length;
  const lr = new Float64Array(k);
  const logLr = new Float64Array(k);
  const drop = new Float64Array(k);
  const s1Start = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    lr[j] = Math.max(b.lr[j]! / lrRef, ETA_MIN);
    logLr[j] = Math.log(lr[j]!);
    drop[j] = j === 0 ? 0 : (b.lr[j - 1]! - b.lr[j]!) / lrRef;
    s1Start[j] = j === 0 ? 0 : b.s1End[j - 1]! / lrRef;
  }
  const s1Eval = new Float64Array(n);
  const tEval = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s1Eval[i] = b.s1End[b.evalBlock[i]!]! / lrRef;
    tEval[i] = Math.round(evalSteps[i]!);
  }
  return {
    lr,
    logLr,
    len: Float64Array.from(b.len),
    s1Start,
    drop,
    bound: b.bound.slice(0, k),
    evalBlock: b.evalBlock,
    s1Eval,
    tEval,
  };
}

/** The largest LR of a schedule (1 when it has none > 0). */
export function maxLr(eta: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < eta.length; i++) if (eta[i]! > m) m = eta[i]!;
  return m > 0 ? m : 1;
}

/**
 * Bucket the points, cut the schedule, derive the scale.
 *
 * @example
 * const data = fitData({ step, loss }, eta, { maxPoints: 200, epochSteps: 5058 });
 */
export function fitData(points: Points, eta: StepLr, opts: FitDataOptions = {}): FitData {
  const maxPoints = opts.maxPoints ?? 300;
  const down: Points & { weight?: Float64Array } =
    opts.adaptive === false
      ? bucketPoints(points, maxPoints)
      : bucketPointsAdaptive(points, maxPoints, 0.5, opts.lossPower ?? 0.5);
  const lrRef = opts.lrRef !== undefined && opts.lrRef > 0 ? opts.lrRef : maxLr(eta);
  const blocks = makeBlocks(eta, down.step, opts.maxBlocks ?? 1000);
  let lossMin = Number.POSITIVE_INFINITY;
  let lossMax = 0;
  for (const v of down.loss) {
    lossMin = Math.min(lossMin, v);
    lossMax = Math.max(lossMax, v);
  }
  const last = down.step.length - 1;
  const scale: FitScale = {
    s1Max: (blocks.s1End[blocks.s1End.length - 1] ?? 0) / lrRef,
    steps: down.step[last] ?? 1,
    lossFirst: down.loss[0] ?? 1,
    lossLast: down.loss[last] ?? 1,
    lossMin,
    lossMax,
  };
  const e = opts.epochSteps ?? 0;
  return {
    blocks: toFitBlocks(blocks, lrRef, down.step),
    logY: Float64Array.from(down.loss, Math.log),
    weight: down.weight ? Float64Array.from(down.weight) : new Float64Array(down.step.length).fill(1),
    scale,
    lrRef,
    points: { step: down.step, loss: down.loss },
    ...(e > 0 ? { phase: Float64Array.from(down.step, (s) => epochPhase(s, e)), epochSteps: e } : {}),
  };
}
