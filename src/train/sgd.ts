/**
 * SGD with momentum and weight decay, with torch.optim.SGD's exact update (dampening 0, nesterov off):
 *   g = grad + weight_decay * w;  buf = momentum * buf + g  (buf = g on the first step);  w = w - lr * buf.
 * Plus arcface_torch's `clip_grad_norm_(backbone.parameters(), 5)` before the step (global L2 norm over the
 * backbone's gradients; the classifier's are not clipped). Momentum buffers start at zero, which makes the first
 * step equal torch's `buf = g`.
 */
import * as tf from "@tensorflow/tfjs";

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  /** Max global L2 norm of the clipped group's gradients; 0 or Infinity disables clipping. */
  clipNorm: number;
}

export class Sgd {
  private readonly bufs = new Map<string, tf.Variable>();

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly clipped: ReadonlySet<string>,
    private readonly o: SgdOptions,
  ) {
    for (const v of vars) {
      const zeros = tf.zerosLike(v);
      this.bufs.set(v.name, tf.variable(zeros, false, `${v.name}/momentum`));
      zeros.dispose();
    }
  }

  /**
   * Apply one update from `grads` (keyed by variable name) at learning rate `lr`. Call inside tf.tidy.
   *
   * @example
   * tf.tidy(() => { const { value, grads } = tf.variableGrads(f, vars); sgd.apply(grads, 0.1); return value; });
   */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    let scale: tf.Tensor | undefined;
    if (this.o.clipNorm > 0 && Number.isFinite(this.o.clipNorm) && this.clipped.size > 0) {
      const sq: tf.Tensor[] = [];
      for (const v of this.vars) if (this.clipped.has(v.name)) sq.push(tf.sum(tf.square(grads[v.name]!)));
      // torch: clip_coef = max_norm / (total_norm + 1e-6), applied only when < 1.
      scale = tf.minimum(tf.scalar(1), tf.scalar(this.o.clipNorm).div(tf.sqrt(tf.addN(sq)).add(1e-6)));
    }
    for (const v of this.vars) {
      let g = grads[v.name]!;
      if (scale !== undefined && this.clipped.has(v.name)) g = g.mul(scale);
      if (this.o.weightDecay !== 0) g = g.add(v.mul(this.o.weightDecay));
      const buf = this.bufs.get(v.name)!;
      const next = buf.mul(this.o.momentum).add(g);
      buf.assign(next);
      v.assign(v.sub(next.mul(lr)));
    }
  }

  dispose(): void {
    for (const b of this.bufs.values()) b.dispose();
    this.bufs.clear();
  }
}
