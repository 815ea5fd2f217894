/**
 * A loss sequence prepared for the batch kernels: every lane skips the same non-finite losses (step() treats them
 * as no information), so the kernels run over the finite losses only ("compact positions") and map a decay back
 * to its step index. Built once per curve and reused by every batch over it; the losses must not change while a
 * BatchCurve is in use.
 */

export class BatchCurve {
  readonly losses: Float64Array;
  /** Step index of each compact position when some losses are not finite; null: all finite (position = index). */
  readonly finite: Int32Array | null;
  /** Number of finite losses. */
  readonly length: number;

  /**
   * @example const c = new BatchCurve(losses); c.rank(0) // compact position of the first finite loss
   */
  constructor(losses: Float64Array) {
    this.losses = losses;
    let bad = 0;
    for (let i = 0; i < losses.length; i++) if (losses[i]! - losses[i]! !== 0) bad++;
    if (bad === 0) {
      this.finite = null;
      this.length = losses.length;
      return;
    }
    const finite = new Int32Array(losses.length - bad);
    let q = 0;
    for (let i = 0; i < losses.length; i++) if (losses[i]! - losses[i]! === 0) finite[q++] = i;
    this.finite = finite;
    this.length = q;
  }

  /** The compact position of the first finite loss at index >= i (length when none). */
  rank(i: number): number {
    const f = this.finite;
    if (!f) return Math.min(Math.max(i, 0), this.length);
    let lo = 0;
    let hi = f.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (f[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The step index of compact position q. */
  stepOf(q: number): number {
    return this.finite ? this.finite[q]! : q;
  }

  /**
   * Write the per-step loss decreases g_q = L(q-1) - L(q) over finite losses into dst[at + q] for q in [1, length)
   * (dst[at] = 0): the same subtraction `prevL - loss` step() makes.
   */
  writeDecreases(dst: Float64Array, at: number): void {
    const L = this.losses;
    const f = this.finite;
    dst[at] = 0;
    if (!f) {
      for (let q = 1; q < L.length; q++) dst[at + q] = L[q - 1]! - L[q]!;
      return;
    }
    for (let q = 1; q < f.length; q++) dst[at + q] = L[f[q - 1]!]! - L[f[q]!]!;
  }

  /** Write the finite losses in order into dst[at + q] for q in [0, length). */
  writeFinite(dst: Float64Array, at: number): void {
    const L = this.losses;
    const f = this.finite;
    if (!f) {
      dst.set(L, at);
      return;
    }
    for (let q = 0; q < f.length; q++) dst[at + q] = L[f[q]!]!;
  }
}
