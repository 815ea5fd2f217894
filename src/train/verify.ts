/**
 * Face verification metrics over pairs of embeddings, as reported by face-recognition papers:
 * - 10-fold best-threshold accuracy (the LFW protocol, as in insightface's `verification.test`): for each fold, the
 *   threshold that maximises accuracy on the other nine folds is applied to the fold; the result is the mean and
 *   (population) standard deviation of the ten fold accuracies. A pair is predicted "same" when its cosine
 *   similarity is strictly above the threshold. Thresholds are searched exactly (every gap between distinct scores,
 *   placed at the midpoint) rather than on a grid; among equally good thresholds the lowest wins.
 * - TAR at FAR = 1e-3, pooled over all pairs: the threshold admits at most floor(FAR x impostors) impostor pairs
 *   (score strictly above it); TAR is the share of genuine pairs above it. With fewer than 1/FAR impostor pairs the
 *   strictest threshold (no false accept) is used and a warning says so.
 */
import type { Warning } from "../errors.ts";
import * as M from "../messages/train.ts";

export interface FoldAccuracy {
  accuracy: number;
  std: number;
  folds: number[];
  thresholds: number[];
}

export interface VerificationResult extends FoldAccuracy {
  tar: number;
  far: number;
  /** FAR actually achieved at the TAR threshold. */
  achievedFar: number;
  tarThreshold: number;
  genuine: number;
  impostor: number;
  warnings: Warning[];
}

type Scores = ArrayLike<number>;

/**
 * The best threshold on the pairs `idx`: maximises the number of correct same/different predictions.
 *
 * @example
 * bestThreshold([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], [0, 1, 2, 3]); // 0.5 (midpoint of 0.2 and 0.8)
 */
export function bestThreshold(scores: Scores, same: ArrayLike<number>, idx: ArrayLike<number>): number {
  const order = Array.from(idx).sort((a, b) => scores[a]! - scores[b]!);
  let genuine = 0;
  for (const i of order) genuine += same[i] ? 1 : 0;
  if (order.length === 0) return 0;
  // Threshold below every score: all predicted same.
  let correct = genuine;
  let best = correct;
  let bestT = scores[order[0]!]! - 1;
  let k = 0;
  while (k < order.length) {
    const s = scores[order[k]!]!;
    while (k < order.length && scores[order[k]!] === s) {
      correct += same[order[k]!] ? -1 : 1;
      k++;
    }
    if (correct > best) {
      best = correct;
      bestT = k < order.length ? (s + scores[order[k]!]!) / 2 : s + 1;
    }
  }
  return bestT;
}

/**
 * LFW 10-fold best-threshold accuracy.
 *
 * @example
 * foldAccuracy(scores, same, fold).accuracy; // mean of the per-fold accuracies
 */
export function foldAccuracy(scores: Scores, same: ArrayLike<number>, fold: ArrayLike<number>): FoldAccuracy {
  const nf = Math.max(...Array.from(fold)) + 1;
  const folds: number[] = [];
  const thresholds: number[] = [];
  for (let f = 0; f < nf; f++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < scores.length; i++) (fold[i] === f ? testIdx : trainIdx).push(i);
    if (testIdx.length === 0) continue;
    const t = bestThreshold(scores, same, trainIdx.length > 0 ? trainIdx : testIdx);
    let ok = 0;
    for (const i of testIdx) ok += scores[i]! > t === Boolean(same[i]) ? 1 : 0;
    folds.push(ok / testIdx.length);
    thresholds.push(t);
  }
  const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((a, b) => a + (b - mean) * (b - mean), 0) / folds.length);
  return { accuracy: mean, std, folds, thresholds };
}

/**
 * TAR at a target FAR, pooled over all pairs.
 *
 * @example
 * tarAtFar([0.9, 0.7, 0.8, 0.1], [1, 1, 0, 0], 0.5); // { tar: 0.5, threshold: 0.1... } style result
 */
export function tarAtFar(
  scores: Scores,
  same: ArrayLike<number>,
  far: number,
  warnings: Warning[] = [],
): { tar: number; threshold: number; achievedFar: number } {
  const imp: number[] = [];
  const gen: number[] = [];
  for (let i = 0; i < scores.length; i++) (same[i] ? gen : imp).push(scores[i]!);
  imp.sort((a, b) => b - a);
  if (imp.length === 0 || gen.length === 0) return { tar: Number.NaN, threshold: Number.NaN, achievedFar: Number.NaN };
  if (imp.length * far < 1) warnings.push({ code: M.W_FAR_RESOLUTION, message: M.farResolution(imp.length, far) });
  const k = Math.floor(far * imp.length);
  const threshold = imp[Math.min(k, imp.length - 1)]!;
  let fa = 0;
  for (const s of imp) fa += s > threshold ? 1 : 0;
  let ta = 0;
  for (const s of gen) ta += s > threshold ? 1 : 0;
  return { tar: ta / gen.length, threshold, achievedFar: fa / imp.length };
}

/**
 * Both metrics for one set of pair scores.
 *
 * @example
 * const r = verify(scores, pairs.same, pairs.fold); // r.accuracy, r.tar (at FAR = 1e-3)
 */
export function verify(
  scores: Scores,
  same: ArrayLike<number>,
  fold: ArrayLike<number>,
  far = 1e-3,
): VerificationResult {
  const warnings: Warning[] = [];
  const acc = foldAccuracy(scores, same, fold);
  const t = tarAtFar(scores, same, far, warnings);
  let genuine = 0;
  for (let i = 0; i < same.length; i++) genuine += same[i] ? 1 : 0;
  return {
    ...acc,
    tar: t.tar,
    far,
    achievedFar: t.achievedFar,
    tarThreshold: t.threshold,
    genuine,
    impostor: same.length - genuine,
    warnings,
  };
}
