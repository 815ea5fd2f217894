/**
 * Margin-based softmax with the semantics of arcface_torch's `CombinedMarginLoss` (insightface,
 * recognition/arcface_torch/losses.py), applied to cosine logits `cos = normalize(embedding) . normalize(W)`
 * clamped to [-1, 1] (as PartialFC_V2 does), followed by softmax cross-entropy averaged over the batch.
 *
 * Branches, as in the original:
 * - `m1 = 1, m3 = 0` (ArcFace; preset `arcface` = 1,0.5,0): the target logit becomes `cos(arccos(cos) + m2)`,
 *   every logit is scaled by `s`. `impl: "arcface_torch"` (default) follows the code since Dec 2022: the angle
 *   arithmetic runs under `torch.no_grad()` on the logits in place, so the gradient flows straight through
 *   (d(out)/d(cos) = s for every logit) and there is no threshold: `theta`, `sinmm` and `easy_margin` are computed
 *   but unused. `impl: "legacy"` follows the Jan-Dec 2022 code: `cos(theta + m2)` written as
 *   `cos*cos(m2) - sin*sin(m2)` with its true gradient, applied only where `cos > cos(pi - m2)`, else
 *   `cos - sin(pi - m2) * m2` (with `easyMargin`: applied where `cos > 0`, else `cos` unchanged).
 * - `m3 > 0` (CosFace; preset `cosface` = 1,0,0.4): the target logit becomes `cos - m3`; m1 and m2 are ignored
 *   (the original's branch order), every logit is scaled by `s`.
 * - anything else (m1 != 1 with m3 = 0): the original raises; so do we (ConfigError).
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError, type Warning } from "../errors.ts";
import * as M from "../messages/train.ts";

export type MarginImpl = "arcface_torch" | "legacy";

export interface MarginConfig {
  /** Scale (arcface_torch hard-codes 64). */
  s: number;
  m1: number;
  m2: number;
  m3: number;
  impl: MarginImpl;
  /** Only for `impl: "legacy"`: arcface_torch's `easy_margin` flag (False in the original). */
  easyMargin: boolean;
}

export const MARGIN_PRESETS: Record<string, [number, number, number]> = {
  arcface: [1, 0.5, 0],
  cosface: [1, 0, 0.4],
};

/**
 * Parse `--margin`: a preset name or three numbers `m1,m2,m3`; checks the combination like the original.
 *
 * @example
 * parseMargin("arcface"); // { s: 64, m1: 1, m2: 0.5, m3: 0, impl: "arcface_torch", easyMargin: false }
 * parseMargin("1,0,0.35"); // CosFace with m3 = 0.35
 */
export function parseMargin(
  spec: string,
  extra: Partial<Pick<MarginConfig, "s" | "impl" | "easyMargin">> = {},
  warnings: Warning[] = [],
): MarginConfig {
  const preset = MARGIN_PRESETS[spec.trim().toLowerCase()];
  let m: number[];
  if (preset) m = preset;
  else {
    m = spec.split(",").map((x) => Number(x.trim()));
    if (m.length !== 3 || m.some((x) => !Number.isFinite(x))) {
      throw new ConfigError(M.unknownMarginPreset(spec), M.E_MARGIN);
    }
  }
  const [m1, m2, m3] = m as [number, number, number];
  const cfg: MarginConfig = { s: 64, m1, m2, m3, impl: "arcface_torch", easyMargin: false, ...extra };
  marginBranch(cfg, warnings);
  return cfg;
}

/** Which branch of CombinedMarginLoss.forward a configuration takes; throws for the unsupported ones. */
export function marginBranch(cfg: MarginConfig, warnings: Warning[] = []): "arcface" | "cosface" {
  if (cfg.m1 === 1 && cfg.m3 === 0) return "arcface";
  if (cfg.m3 > 0) {
    if (cfg.m1 !== 1 || cfg.m2 !== 0) {
      warnings.push({ code: M.W_MARGIN_IGNORED, message: M.marginIgnored(cfg.m1, cfg.m2, cfg.m3) });
    }
    return "cosface";
  }
  throw new ConfigError(M.marginCombination(cfg.m1, cfg.m2, cfg.m3), M.E_MARGIN);
}

/**
 * The modified target logit (before scaling) for a target cosine `c`, in plain numbers: the closed form the
 * tensor code must agree with.
 *
 * @example
 * marginTarget(0.8, parseMargin("arcface")); // cos(acos(0.8) + 0.5) = 0.4146...
 */
export function marginTarget(c: number, cfg: MarginConfig): number {
  if (marginBranch(cfg) === "cosface") return c - cfg.m3;
  if (cfg.impl === "arcface_torch") return Math.cos(Math.acos(Math.min(1, Math.max(-1, c))) + cfg.m2);
  const cosThetaM = c * Math.cos(cfg.m2) - Math.sqrt(Math.max(0, 1 - c * c)) * Math.sin(cfg.m2);
  if (cfg.easyMargin) return c > 0 ? cosThetaM : c;
  return c > Math.cos(Math.PI - cfg.m2) ? cosThetaM : c - Math.sin(Math.PI - cfg.m2) * cfg.m2;
}

/**
 * Scaled margin logits `s * margin(cos)` for a batch of cosines `cos` [B, C] and one-hot labels [B, C].
 *
 * @example
 * const logits = marginLogits(cos, oneHot, parseMargin("arcface"));
 */
export function marginLogits(cos: tf.Tensor2D, oneHot: tf.Tensor2D, cfg: MarginConfig): tf.Tensor2D {
  const branch = marginBranch(cfg);
  const s = cfg.s;
  if (branch === "cosface") {
    return tf.tidy(() => cos.sub(oneHot.mul(cfg.m3)).mul(s) as tf.Tensor2D);
  }
  if (cfg.impl === "arcface_torch") {
    // Value: s * (cos + onehot * (cos(acos(cos) + m2) - cos)); gradient: s (no_grad in-place in the original).
    const m2 = cfg.m2;
    const f = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const c = inputs[0] as tf.Tensor;
      const oh = inputs[1] as tf.Tensor;
      const value = tf.tidy(() => {
        const target = tf.cos(tf.acos(c).add(m2));
        return c.add(oh.mul(target.sub(c))).mul(s);
      });
      return { value, gradFunc: (dy: tf.Tensor) => [dy.mul(s), tf.zerosLike(oh)] };
    });
    return f(cos, oneHot) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const cm = Math.cos(cfg.m2);
    const sm = Math.sin(cfg.m2);
    const sinTheta = tf.sqrt(tf.maximum(tf.scalar(1e-12), tf.scalar(1).sub(cos.square())));
    const cosThetaM = cos.mul(cm).sub(sinTheta.mul(sm));
    const cond = cfg.easyMargin ? cos.greater(0) : cos.greater(Math.cos(Math.PI - cfg.m2));
    const other = cfg.easyMargin ? cos : cos.sub(Math.sin(Math.PI - cfg.m2) * cfg.m2);
    const target = tf.where(cond, cosThetaM, other);
    return cos.add(oneHot.mul(target.sub(cos))).mul(s) as tf.Tensor2D;
  });
}

/**
 * Mean softmax cross-entropy of the margin logits.
 *
 * @example
 * const loss = marginLoss(cos, oneHot, parseMargin("cosface")); // tf.Scalar
 */
export function marginLoss(cos: tf.Tensor2D, oneHot: tf.Tensor2D, cfg: MarginConfig): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(oneHot, marginLogits(cos, oneHot, cfg)) as tf.Scalar);
}
