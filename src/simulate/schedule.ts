/**
 * LR schedules and fitting data for the loss-response models.
 *
 * Conventions (shared by every model): a curve point at step `s` is the loss after `s` training steps;
 * step `tau` (1-based) trains with LR `eta[tau - 1]`. `S1(s) = eta[0] + ... + eta[s - 1]`.
 * A logged LR printed at step `s_i` is held backwards over the steps `(s_{i-1}, s_i]` (the first one also covers
 * the steps before it), mirroring how replay expands logged losses.
 */

/** A per-step LR sequence: `eta[i]` is the LR of 1-based step `i + 1`. */
export type StepLr = Float64Array;

/**
 * Expand logged `(step, lr)` points into a per-step LR sequence of length `lastStep`.
 *
 * @example
 * stepLrFromLogged(new Float64Array([2, 4]), new Float64Array([0.1, 0.05])); // [0.1, 0.1, 0.05, 0.05]
 */
export function stepLrFromLogged(step: ArrayLike<number>, lr: ArrayLike<number>): StepLr {
  const n = step.length;
  const last = n > 0 ? Math.round(step[n - 1]!) : 0;
  const out = new Float64Array(last);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.round(step[i]!);
    const v = lr[i]!;
    for (; j < s && j < last; j++) out[j] = v;
  }
  return out;
}

/** Prefix sums: `S1[s]` = sum of the LRs of steps 1..s (`S1[0] = 0`), length `eta.length + 1`. */
export function cumulativeLr(eta: StepLr): Float64Array {
  const s1 = new Float64Array(eta.length + 1);
  let acc = 0;
  for (let i = 0; i < eta.length; i++) {
    acc += eta[i]!;
    s1[i + 1] = acc;
  }
  return s1;
}

/** Points a model is fitted to / compared with: steps (>= 1, strictly increasing) and positive losses. */
export interface Points {
  step: Float64Array;
  loss: Float64Array;
}

/** Indices of the points a fit can use: a finite positive loss at a step >= 1. */
function usableIndices(points: Points): number[] {
  const keep: number[] = [];
  for (let i = 0; i < points.step.length; i++) {
    const v = points.loss[i]!;
    if (Number.isFinite(v) && v > 0 && points.step[i]! >= 1) keep.push(i);
  }
  return keep;
}

/**
 * Downsample logged points to at most `maxPoints` by averaging consecutive buckets (step = the bucket's last
 * step, loss = geometric mean of the bucket, which suits the log-space fit). Non-finite / non-positive losses are
 * dropped first.
 *
 * @example
 * bucketPoints({ step: new Float64Array([1, 2, 3, 4]), loss: new Float64Array([1, 4, 2, 8]) }, 2);
 * // { step: [2, 4], loss: [2, 4] }
 */
export function bucketPoints(points: Points, maxPoints: number): Points {
  const keepIdx = usableIndices(points);
  const n = keepIdx.length;
  const m = Math.min(n, Math.max(1, Math.floor(maxPoints)));
  const step = new Float64Array(m);
  const loss = new Float64Array(m);
  for (let b = 0; b < m; b++) {
    const lo = Math.floor((b * n) / m);
    const hi = Math.floor(((b + 1) * n) / m);
    let acc = 0;
    for (let k = lo; k < hi; k++) acc += Math.log(points.loss[keepIdx[k]!]!);
    step[b] = points.step[keepIdx[hi - 1]!]!;
    loss[b] = Math.exp(acc / (hi - lo));
  }
  return { step, loss };
}

/**
 * Piecewise-constant blocks of a schedule, the form the tfjs fit works on: block `j` covers the steps
 * `(bound[j], bound[j+1]]` and trains with LR `lr[j]` (the mean LR over the block, so `S1` is exact at every
 * block end). `evalBlock[n]` is the block whose end is the n-th evaluation step.
 */
export interface Blocks {
  bound: Float64Array;
  lr: Float64Array;
  len: Float64Array;
  /** S1 at the end of each block. */
  s1End: Float64Array;
  evalBlock: Int32Array;
}

/**
 * Cut a per-step schedule into blocks ending at every evaluation step and, when the schedule has at most
 * `maxBlocks` constant runs, at every LR change too (exact for step schedules); otherwise blocks are the
 * evaluation segments with their mean LR.
 *
 * @example
 * const b = makeBlocks(new Float64Array([1, 1, 0.5, 0.5]), new Float64Array([4]));
 * // b.bound = [0, 2, 4], b.lr = [1, 0.5], b.evalBlock = [1]
 */
export function makeBlocks(eta: StepLr, evalSteps: ArrayLike<number>, maxBlocks = 1000): Blocks {
  const cuts = new Set<number>();
  for (let n = 0; n < evalSteps.length; n++) cuts.add(Math.round(evalSteps[n]!));
  const changes: number[] = [];
  for (let i = 1; i < eta.length; i++) if (eta[i] !== eta[i - 1]) changes.push(i);
  if (changes.length + cuts.size <= maxBlocks) for (const c of changes) cuts.add(c);
  const last = Math.round(evalSteps[evalSteps.length - 1] ?? 0);
  const sorted = [...cuts].filter((c) => c > 0 && c <= last).sort((a, b) => a - b);
  const k = sorted.length;
  const bound = new Float64Array(k + 1);
  const lr = new Float64Array(k);
  const len = new Float64Array(k);
  const s1End = new Float64Array(k);
  let prev = 0;
  let acc = 0;
  for (let j = 0; j < k; j++) {
    const end = sorted[j]!;
    let sum = 0;
    for (let i = prev; i < end; i++) sum += eta[Math.min(i, eta.length - 1)] ?? 0;
    bound[j + 1] = end;
    len[j] = end - prev;
    lr[j] = sum / (end - prev);
    acc += sum;
    s1End[j] = acc;
    prev = end;
  }
  const index = new Map<number, number>();
  for (let j = 0; j < k; j++) index.set(sorted[j]!, j);
  const evalBlock = new Int32Array(evalSteps.length);
  for (let n = 0; n < evalSteps.length; n++) evalBlock[n] = index.get(Math.round(evalSteps[n]!)) ?? 0;
  return { bound, lr, len, s1End, evalBlock };
}

/** Bucket-averaged points with the weight of each bucket in the fit objective. */
export interface WeightedPoints extends Points {
  /** Per bucket: number of logged points times (their mean loss)^lossPower, normalised to mean 1. */
  weight: Float64Array;
}

/**
 * Downsample logged points to at most `maxPoints` buckets placed where the loss changes: bucket edges are equally
 * spaced in `(1 - share) * index / n + share * progress`, with `progress` the fraction of the total fall of the
 * smoothed log loss (running minimum) reached so far, so a steep start or a fast anneal gets more buckets than a
 * plateau. Each bucket is weighted by its number of points times its mean loss to the power `lossPower`: with 1
 * the weighted log-space objective approximates MAE / mean loss over every logged point (the reported relMAE),
 * with 0 it is the relative error per point (the fit uses 0.5). Loss = geometric mean,
 * step = last step of each bucket; non-finite / non-positive losses are dropped first.
 *
 * @example
 * const b = bucketPointsAdaptive(points, 200); // b.step, b.loss, b.weight (mean 1)
 */
export function bucketPointsAdaptive(points: Points, maxPoints: number, share = 0.5, lossPower = 1): WeightedPoints {
  const keepIdx = usableIndices(points);
  const n = keepIdx.length;
  const m = Math.min(n, Math.max(1, Math.floor(maxPoints)));
  const logs = Float64Array.from(keepIdx, (i) => Math.log(points.loss[i]!));
  // centred moving average of the log loss (prefix sums), then its running minimum
  const half = Math.max(1, Math.floor(n / (4 * m)));
  const pre = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i]! + logs[i]!;
  const runMin = new Float64Array(n);
  let cur = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    cur = Math.min(cur, (pre[hi]! - pre[lo]!) / (hi - lo));
    runMin[i] = cur;
  }
  const fall = n > 0 ? runMin[0]! - runMin[n - 1]! : 0;
  const s = fall > 1e-9 ? Math.min(1, Math.max(0, share)) : 0;
  const step: number[] = [];
  const loss: number[] = [];
  const weight: number[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const pos = (1 - s) * (n > 1 ? i / (n - 1) : 1) + (s > 0 ? (s * (runMin[0]! - runMin[i]!)) / fall : 0);
    const bucket = Math.min(m - 1, Math.floor(pos * m));
    const nextPos =
      i + 1 < n
        ? (1 - s) * ((i + 1) / (n - 1)) + (s > 0 ? (s * (runMin[0]! - runMin[i + 1]!)) / fall : 0)
        : Number.POSITIVE_INFINITY;
    if (i + 1 < n && Math.min(m - 1, Math.floor(nextPos * m)) === bucket) continue;
    let acc = 0;
    let lin = 0;
    for (let k = start; k <= i; k++) {
      acc += logs[k]!;
      lin += Math.exp(logs[k]!);
    }
    step.push(points.step[keepIdx[i]!]!);
    loss.push(Math.exp(acc / (i + 1 - start)));
    weight.push(lossPower === 1 ? lin : (i + 1 - start) * (lin / (i + 1 - start)) ** lossPower);
    start = i + 1;
  }
  let wSum = 0;
  for (const w of weight) wSum += w;
  const norm = wSum > 0 ? weight.length / wSum : 1;
  return {
    step: Float64Array.from(step),
    loss: Float64Array.from(loss),
    weight: Float64Array.from(weight, (w) => w * norm),
  };
}
