/**
 * `--dataset synthetic`: a seeded generator of face-like identities rendered as small grayscale images.
 *
 * Each identity is a random point in a "face shape" latent space: face width/height and chin taper, skin albedo,
 * hairline, eye spacing/height/size, brow height/thickness/slant, nose length/width, mouth height/width/thickness,
 * and a few low-frequency skin marks. Each image of an identity draws nuisance factors: head pose (yaw, pitch, roll,
 * scale, translation; yaw and pitch move features by their depth so the face turns rather than slides),
 * illumination (a directional light on an ellipsoidal face, ambient gain, offset), expression (smile, eye opening,
 * brow raise), an occluder (sunglasses-like bar or hand-like blob, sometimes), background, and pixel noise. The map
 * from identity + nuisance to pixels is fixed and nonlinear (soft ellipses, shading, clipping, 8-bit quantisation).
 *
 * What it is: a reproducible classification/verification task with the structure of face recognition (many
 * classes, few images each, nuisance variation larger than some identity differences), hard enough that a margin
 * softmax plateaus at a constant LR. What it is not: real faces. No texture detail, no real pose geometry, no
 * demographic structure; accuracies on it say nothing about accuracies on LFW.
 */

import { mixSeed, Rng } from "../random.ts";
import { assignFolds, type FaceDataset, type ImageBlock, type PairSet } from "./dataset.ts";

export interface SyntheticOptions {
  seed: number;
  /** Training identities (classes). */
  identities: number;
  imagesPerIdentity: number;
  /** Held-out identities for verification pairs. */
  evalIdentities: number;
  evalImagesPerIdentity: number;
  /** Image side in pixels (square, one channel). */
  imageSize: number;
  /** Scales every nuisance factor: 0 = identical images per identity, 1 = the default, > 1 harder. */
  difficulty: number;
  /** Total verification pairs (half genuine, half impostor), split into 10 folds. */
  pairs: number;
}

/**
 * The default task of `fastface retrain` (docs/retrain.md): 500 identities x 40 images of 16x16 (20,000 training
 * images), 400 held-out identities x 10 images and 20,000 pairs (10,000 impostor pairs, so FAR = 1e-3 is
 * resolved by 10 false accepts).
 */
export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  seed: 1,
  identities: 500,
  imagesPerIdentity: 40,
  evalIdentities: 400,
  evalImagesPerIdentity: 10,
  imageSize: 16,
  difficulty: 0.3,
  pairs: 20000,
};

/** Identity parameters (the latent "who"). */
interface Identity {
  faceW: number;
  faceH: number;
  taper: number;
  albedo: number;
  hairline: number;
  hairDark: number;
  eyeDx: number;
  eyeY: number;
  eyeRx: number;
  eyeRy: number;
  eyeDark: number;
  browDy: number;
  browT: number;
  browSlant: number;
  browDark: number;
  noseLen: number;
  noseW: number;
  noseDark: number;
  mouthY: number;
  mouthW: number;
  mouthT: number;
  mouthDark: number;
  marks: Float64Array; // 4 marks x (x, y, sigma, amplitude)
}

function drawIdentity(seed: number, id: number): Identity {
  const r = new Rng(mixSeed(seed, 0x1d, id));
  const marks = new Float64Array(16);
  for (let k = 0; k < 4; k++) {
    marks[k * 4] = r.uniform(-0.45, 0.45);
    marks[k * 4 + 1] = r.uniform(-0.5, 0.6);
    marks[k * 4 + 2] = r.uniform(0.06, 0.2);
    marks[k * 4 + 3] = r.uniform(-0.25, 0.25);
  }
  return {
    faceW: r.uniform(0.5, 0.7),
    faceH: r.uniform(0.68, 0.88),
    taper: r.uniform(0, 0.3),
    albedo: r.uniform(0.4, 0.85),
    hairline: r.uniform(-0.78, -0.42),
    hairDark: r.uniform(0.05, 0.45),
    eyeDx: r.uniform(0.17, 0.3),
    eyeY: r.uniform(-0.24, -0.06),
    eyeRx: r.uniform(0.06, 0.11),
    eyeRy: r.uniform(0.03, 0.06),
    eyeDark: r.uniform(0.3, 0.7),
    browDy: r.uniform(0.08, 0.16),
    browT: r.uniform(0.015, 0.04),
    browSlant: r.uniform(-0.35, 0.35),
    browDark: r.uniform(0.15, 0.6),
    noseLen: r.uniform(0.1, 0.26),
    noseW: r.uniform(0.035, 0.08),
    noseDark: r.uniform(0.1, 0.4),
    mouthY: r.uniform(0.26, 0.46),
    mouthW: r.uniform(0.1, 0.22),
    mouthT: r.uniform(0.018, 0.045),
    mouthDark: r.uniform(0.25, 0.65),
    marks,
  };
}

/** Soft membership of an ellipse (1 inside, 0 outside, smooth edge). */
function blob(dx: number, dy: number, rx: number, ry: number): number {
  const q = (dx / rx) * (dx / rx) + (dy / ry) * (dy / ry);
  return 1 / (1 + Math.exp((q - 1) * 5));
}

/**
 * Render one image of identity `idn` (its nuisance drawn from `rng`) into `out` at `offset`.
 *
 * @example
 * renderFace(drawIdentity(1, 0), new Rng(7), 1, 20, buf, 0);
 */
function renderFace(idn: Identity, rng: Rng, d: number, S: number, out: Uint8Array, offset: number): void {
  // Pose.
  const yaw = rng.uniform(-0.55, 0.55) * d;
  const pitch = rng.uniform(-0.35, 0.35) * d;
  const roll = rng.normal() * 0.12 * d;
  const sc = 1 + rng.normal() * 0.07 * d;
  const tx = rng.normal() * 0.06 * d;
  const ty = rng.normal() * 0.06 * d;
  const sy = Math.sin(yaw);
  const cyaw = Math.cos(yaw);
  const sp = Math.sin(pitch);
  // Illumination.
  const phi = rng.uniform(0, 2 * Math.PI);
  const theta = rng.uniform(0, 1.1) * d;
  const lx = Math.sin(theta) * Math.cos(phi);
  const ly = Math.sin(theta) * Math.sin(phi);
  const lz = Math.cos(theta);
  const gain = 1 + rng.normal() * 0.18 * d;
  const bias = rng.normal() * 0.07 * d;
  // Expression.
  const smile = rng.uniform(-1, 1) * d;
  const eyeOpen = Math.max(0.15, 1 - rng.uniform(0, 0.8) * d);
  const browUp = rng.normal() * 0.03 * d;
  // Background and occluder.
  const bg = rng.uniform(0.1, 0.9);
  const bgSlope = rng.normal() * 0.15;
  const occ = rng.next() < 0.2 * d ? 1 + rng.int(2) : 0;
  const occY = rng.uniform(-0.3, 0.4);
  const occX = rng.uniform(-0.5, 0.5);
  const occV = rng.uniform(0, 1);
  const noise = 0.03 + 0.05 * d;

  const cr = Math.cos(-roll);
  const sr = Math.sin(-roll);
  // Feature centres after yaw/pitch: x' = x cos(yaw) + depth sin(yaw), y' = y + depth sin(pitch).
  const eyeDepth = 0.12;
  const noseDepth = 0.4;
  const mouthDepth = 0.18;
  const faceShift = 0.06 * sy;
  const exL = -idn.eyeDx * cyaw + eyeDepth * sy;
  const exR = idn.eyeDx * cyaw + eyeDepth * sy;
  const ey = idn.eyeY + eyeDepth * sp;
  const nx0 = noseDepth * sy;
  const ny0 = idn.eyeY + idn.noseLen / 2 + 0.05 + noseDepth * sp * 0.6;
  const mx0 = mouthDepth * sy;
  const my0 = idn.mouthY + mouthDepth * sp;
  const mw = idn.mouthW * (1 + 0.25 * smile) * (0.75 + 0.25 * cyaw);
  const faceW = idn.faceW * (0.82 + 0.18 * cyaw);
  const m = idn.marks;

  for (let py = 0; py < S; py++) {
    const v = ((py + 0.5) / S) * 2 - 1;
    for (let px = 0; px < S; px++) {
      const u = ((px + 0.5) / S) * 2 - 1;
      // Inverse similarity transform into face coordinates.
      const ux = (u - tx) / sc;
      const vy = (v - ty) / sc;
      const x = ux * cr - vy * sr;
      const y = ux * sr + vy * cr;
      let val = bg + bgSlope * u;
      // Face ellipse with a tapered chin.
      const fx = x - faceShift;
      const w = faceW * (y > 0 ? 1 - idn.taper * (y / idn.faceH) : 1);
      const inFace = blob(fx, y, w, idn.faceH);
      if (inFace > 1e-3) {
        const nxn = fx / w;
        const nyn = y / idn.faceH;
        const nz = Math.sqrt(Math.max(0, 1 - nxn * nxn - nyn * nyn));
        const lambert = Math.max(0, nxn * lx + nyn * ly + nz * lz);
        let skin = idn.albedo;
        for (let k = 0; k < 4; k++) {
          const ddx = x - m[k * 4]!;
          const ddy = y - m[k * 4 + 1]!;
          const s2 = m[k * 4 + 2]! * m[k * 4 + 2]!;
          skin *= 1 + m[k * 4 + 3]! * Math.exp(-(ddx * ddx + ddy * ddy) / (2 * s2));
        }
        // Hair above the hairline.
        const hair = 1 / (1 + Math.exp((y - idn.hairline) * 30));
        skin = skin * (1 - hair) + idn.hairDark * hair;
        // Eyes (closing with eyeOpen), brows, nose shadow, mouth (curving with smile).
        const eRy = idn.eyeRy * eyeOpen;
        let dark = idn.eyeDark * (blob(x - exL, y - ey, idn.eyeRx, eRy) + blob(x - exR, y - ey, idn.eyeRx, eRy));
        const by = ey - idn.browDy - browUp;
        const bL = y - (by + idn.browSlant * (x - exL) * 0.3);
        const bR = y - (by - idn.browSlant * (x - exR) * 0.3);
        dark +=
          idn.browDark *
          (blob(x - exL, bL, idn.eyeRx * 1.3, idn.browT) + blob(x - exR, bR, idn.eyeRx * 1.3, idn.browT));
        dark += idn.noseDark * blob(x - nx0 - 0.02, y - ny0, idn.noseW, idn.noseLen / 2);
        const mxr = x - mx0;
        const curve = -smile * 0.06 * (1 - (mxr / mw) * (mxr / mw));
        dark += idn.mouthDark * blob(mxr, y - my0 - curve, mw, idn.mouthT);
        skin *= 1 - Math.min(0.95, dark);
        const face = skin * (0.35 + 0.75 * lambert);
        val = val * (1 - inFace) + face * inFace;
      }
      if (occ === 1) {
        const o = blob(x, y - occY, 0.75, 0.07);
        val = val * (1 - o) + 0.08 * o;
      } else if (occ === 2) {
        const o = blob(x - occX, y - occY, 0.22, 0.3);
        val = val * (1 - o) + occV * o;
      }
      val = val * gain + bias + rng.normal() * noise;
      const q = Math.round(val * 255);
      out[offset + py * S + px] = q < 0 ? 0 : Math.min(q, 255);
    }
  }
}

function renderBlock(seed: number, firstId: number, ids: number, per: number, o: SyntheticOptions, label0: number) {
  const S = o.imageSize;
  const count = ids * per;
  const pixels = new Uint8Array(count * S * S);
  const labels = new Int32Array(count);
  for (let i = 0; i < ids; i++) {
    const idn = drawIdentity(seed, firstId + i);
    for (let j = 0; j < per; j++) {
      const n = i * per + j;
      renderFace(idn, new Rng(mixSeed(seed, 0x2e, firstId + i, j)), o.difficulty, S, pixels, n * S * S);
      labels[n] = label0 + i;
    }
  }
  return { count, pixels, labels } satisfies ImageBlock;
}

/**
 * LFW-style pairs over the evaluation block: `pairs` pairs in 10 folds, each fold half genuine, half impostor.
 *
 * @example
 * makePairs(evalBlock, 200, 10, 6000, new Rng(3));
 */
export function makePairs(ids: number, per: number, total: number, rng: Rng): PairSet {
  const folds = 10;
  const perFold = Math.max(2, Math.floor(total / folds / 2) * 2);
  const n = perFold * folds;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const same = new Uint8Array(n);
  let k = 0;
  for (let f = 0; f < folds; f++) {
    for (let p = 0; p < perFold; p++, k++) {
      if (p < perFold / 2) {
        const id = rng.int(ids);
        const i = rng.int(per);
        let j = rng.int(per - 1);
        if (j >= i) j++;
        a[k] = id * per + i;
        b[k] = id * per + j;
        same[k] = 1;
      } else {
        const id1 = rng.int(ids);
        let id2 = rng.int(ids - 1);
        if (id2 >= id1) id2++;
        a[k] = id1 * per + rng.int(per);
        b[k] = id2 * per + rng.int(per);
        same[k] = 0;
      }
    }
  }
  return { a, b, same, fold: assignFolds(n, folds) };
}

/**
 * Generate the synthetic face data set: training identities, held-out identities and their verification pairs.
 *
 * @example
 * const ds = syntheticFaces({ ...SYNTHETIC_DEFAULTS, identities: 50, imagesPerIdentity: 8 });
 * ds.train.count; // 400
 */
export function syntheticFaces(opts: Partial<SyntheticOptions> = {}): FaceDataset {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  const train = renderBlock(o.seed, 0, o.identities, o.imagesPerIdentity, o, 0);
  const evalBlock = renderBlock(o.seed, o.identities, o.evalIdentities, o.evalImagesPerIdentity, o, o.identities);
  const pairs = makePairs(o.evalIdentities, o.evalImagesPerIdentity, o.pairs, new Rng(mixSeed(o.seed, 0x3f)));
  return {
    name: "synthetic",
    description: `synthetic faces: ${o.identities} identities x ${o.imagesPerIdentity} images (${o.imageSize}x${o.imageSize} gray, difficulty ${o.difficulty}), ${o.evalIdentities} held-out identities x ${o.evalImagesPerIdentity} images, ${pairs.same.length} pairs, seed ${o.seed}`,
    height: o.imageSize,
    width: o.imageSize,
    channels: 1,
    numClasses: o.identities,
    train,
    eval: evalBlock,
    pairs,
    warnings: [],
  };
}
