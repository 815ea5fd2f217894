/**
 * The data a retrain run consumes, whatever its source (the synthetic generator or an ImageFolder tree):
 * 8-bit images in NHWC order, integer identity labels, and verification pairs over held-out identities.
 */
import type { Warning } from "../errors.ts";

/** A block of images: `count` images of `height x width x channels` bytes each, and their labels. */
export interface ImageBlock {
  count: number;
  /** count x height x width x channels bytes, NHWC. */
  pixels: Uint8Array;
  /** Identity label of each image (dense 0..numClasses-1 for training; held-out ids for evaluation). */
  labels: Int32Array;
}

/** Verification pairs (indices into the evaluation block), split into folds as in LFW's 10-fold protocol. */
export interface PairSet {
  a: Int32Array;
  b: Int32Array;
  /** 1 = same identity (genuine pair), 0 = different identities (impostor pair). */
  same: Uint8Array;
  /** Fold index of each pair (0..9); pairs of one fold are evaluated with a threshold chosen on the others. */
  fold: Int32Array;
}

export interface FaceDataset {
  /** `synthetic` or the folder path. */
  name: string;
  /** One line for logs and reports. */
  description: string;
  height: number;
  width: number;
  channels: number;
  /** Training identities. */
  numClasses: number;
  train: ImageBlock;
  eval: ImageBlock;
  pairs: PairSet;
  warnings: Warning[];
}

/** Number of input values of one image. */
export function imageSize(ds: Pick<FaceDataset, "height" | "width" | "channels">): number {
  return ds.height * ds.width * ds.channels;
}

/**
 * Copy the images `indices` of a block into `out` as floats normalised like arcface_torch
 * ((x / 255 - 0.5) / 0.5, i.e. into [-1, 1]). No allocation.
 *
 * @example
 * fillBatch(ds.train, ds.train.pixels.length / ds.train.count, order, 0, 128, xBuf, yBuf);
 */
export function fillBatch(
  block: ImageBlock,
  size: number,
  order: Int32Array,
  start: number,
  batch: number,
  out: Float32Array,
  labels: Int32Array,
): void {
  const px = block.pixels;
  for (let k = 0; k < batch; k++) {
    const idx = order[(start + k) % order.length]!;
    const base = idx * size;
    const o = k * size;
    for (let j = 0; j < size; j++) out[o + j] = px[base + j]! / 127.5 - 1;
    labels[k] = block.labels[idx]!;
  }
}

/**
 * LFW-style folds: pairs are split into `folds` contiguous folds in their stored order.
 *
 * @example
 * assignFolds(6000, 10); // 600 pairs per fold
 */
export function assignFolds(n: number, folds: number): Int32Array {
  const f = new Int32Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.min(folds - 1, Math.floor((i * folds) / n));
  return f;
}
