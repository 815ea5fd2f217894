/**
 * `--dataset <dir>`: an ImageFolder tree (`<dir>/<identity>/<image>.jpg|jpeg|png`, the layout FastFace and
 * insightface's folder datasets use), decoded with jpeg-js / pngjs, resized (bilinear) to the model input and
 * stored as 8-bit NHWC (1 channel = luma, 3 = RGB).
 *
 * Verification pairs come from held-out identities (`evalIdentities` identities chosen with the seed, never
 * trained on; LFW-style 10 folds of half genuine / half impostor pairs), or from a pairs file in LFW `pairs.txt`
 * format: an optional header `<folds> <n>`, then `name i j` (genuine) and `name1 i name2 j` (impostor) lines,
 * image i of `name` being `<dir>/<name>/<name>_<iiii>.<ext>`. Identities named in the pairs file are left out of
 * training. With a `<folds> <n>` header each fold is n genuine then n impostor lines (LFW); otherwise the pairs
 * are split into 10 contiguous folds.
 *
 * The decoding is pure (`decodeImage(bytes, name)`); only `loadImageFolder` touches the file system.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { ConfigError, InputError, ParseError, type Warning } from "../errors.ts";
import * as M from "../messages/train.ts";
import { mixSeed, Rng } from "../random.ts";
import { assignFolds, type FaceDataset, type ImageBlock, type PairSet } from "./dataset.ts";
import { makePairs } from "./synthetic-faces.ts";

export interface ImageFolderOptions {
  path: string;
  imageSize: number;
  channels: 1 | 3;
  /** Held-out identities for verification pairs (ignored with `pairsFile`). */
  evalIdentities: number;
  pairs: number;
  pairsFile?: string | undefined;
  seed: number;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA bytes. */
  data: Uint8Array;
}

const EXTS = new Set([".jpg", ".jpeg", ".png"]);

/**
 * Decode a JPEG or PNG (by magic bytes) to RGBA.
 *
 * @example
 * decodeImage(readFileSync("a/1.png"), "a/1.png"); // { width, height, data }
 */
export function decodeImage(bytes: Uint8Array, name: string): DecodedImage {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
    return { width: img.width, height: img.height, data: img.data };
  }
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  }
  throw new ParseError(
    "not a JPEG or PNG image",
    { file: name, byteOffset: 0 },
    "JPEG (FF D8) or PNG (89 50 4E 47) magic bytes",
  );
}

/**
 * Bilinear resize of RGBA to `size x size`, written as 1 (luma) or 3 (RGB) channels into `out` at `offset`.
 *
 * @example
 * resizeInto(decoded, 32, 3, pixels, i * 32 * 32 * 3);
 */
export function resizeInto(img: DecodedImage, size: number, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const { width: w, height: h, data } = img;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * w + x0) * 4 + c]!;
        const b = data[(y0 * w + x1) * 4 + c]!;
        const d = data[(y1 * w + x0) * 4 + c]!;
        const e = data[(y1 * w + x1) * 4 + c]!;
        rgb[c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
      }
      const o = offset + (y * size + x) * channels;
      if (channels === 1) out[o] = Math.round(0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!);
      else for (let c = 0; c < 3; c++) out[o + c] = Math.round(rgb[c]!);
    }
  }
}

interface PairLine {
  n1: string;
  i1: number;
  n2: string;
  i2: number;
  same: boolean;
}

/**
 * Parse an LFW `pairs.txt` (pure).
 *
 * @example
 * parsePairsFile("1\t1\nAbel\t1\t2\nAbel\t1\tBob\t3\n", "pairs.txt");
 * // { folds: 1, perFold: 1, pairs: [{ n1: "Abel", i1: 1, n2: "Abel", i2: 2, same: true }, ...] }
 */
export function parsePairsFile(
  text: string,
  file: string,
): { folds: number | undefined; perFold: number | undefined; pairs: PairLine[] } {
  const lines = text.split(/\r?\n/);
  const pairs: PairLine[] = [];
  let folds: number | undefined;
  let perFold: number | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const f = line.split(/\s+/);
    const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : Number.NaN);
    if (pairs.length === 0 && folds === undefined && f.length === 2 && f.every((x) => /^\d+$/.test(x))) {
      folds = int(f[0]);
      perFold = int(f[1]);
      return;
    }
    if (f.length === 3 && Number.isInteger(int(f[1])) && Number.isInteger(int(f[2]))) {
      pairs.push({ n1: f[0]!, i1: int(f[1]), n2: f[0]!, i2: int(f[2]), same: true });
    } else if (f.length === 4 && Number.isInteger(int(f[1])) && Number.isInteger(int(f[3]))) {
      pairs.push({ n1: f[0]!, i1: int(f[1]), n2: f[2]!, i2: int(f[3]), same: false });
    } else {
      throw new ParseError(
        "unreadable pair line",
        { file, line: i + 1 },
        "'name i j' (same identity) or 'name1 i name2 j' (different identities), LFW pairs.txt format",
      );
    }
  });
  return { folds, perFold, pairs };
}

function listTree(root: string): Map<string, string[]> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(root);
  } catch {
    throw new InputError(root, M.datasetMissing(), M.E_DATASET);
  }
  if (!st.isDirectory()) throw new InputError(root, M.datasetMissing(), M.E_DATASET);
  const ids = new Map<string, string[]>();
  for (const d of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!d.isDirectory()) continue;
    const files = readdirSync(path.join(root, d.name))
      .filter((f) => EXTS.has(path.extname(f).toLowerCase()))
      .sort();
    if (files.length > 0) ids.set(d.name, files);
  }
  return ids;
}

/**
 * Load an ImageFolder tree into a FaceDataset.
 *
 * @example
 * const ds = loadImageFolder({ path: "/data/faces", imageSize: 32, channels: 3, evalIdentities: 100, pairs: 6000, seed: 1 });
 */
export function loadImageFolder(o: ImageFolderOptions): FaceDataset {
  const warnings: Warning[] = [];
  const tree = listTree(o.path);
  if (tree.size === 0) throw new InputError(o.path, M.noImages(), M.E_DATASET);
  const S = o.imageSize;
  const C = o.channels;
  const px = S * S * C;
  let skipped = 0;
  let firstSkip = "";
  let firstReason = "";
  const load = (files: Array<{ id: number; file: string }>): ImageBlock => {
    const pixels = new Uint8Array(files.length * px);
    const labels = new Int32Array(files.length);
    let n = 0;
    for (const f of files) {
      try {
        resizeInto(decodeImage(readFileSync(f.file), f.file), S, C, pixels, n * px);
        labels[n++] = f.id;
      } catch (err) {
        if (skipped++ === 0) {
          firstSkip = f.file;
          firstReason = err instanceof Error ? err.message : String(err);
        }
      }
    }
    return { count: n, pixels: pixels.subarray(0, n * px), labels: labels.subarray(0, n) };
  };

  let pairs: PairSet;
  let evalBlock: ImageBlock;
  let trainNames: string[];
  if (o.pairsFile !== undefined) {
    const parsed = parsePairsFile(readFileSync(o.pairsFile, "utf8"), o.pairsFile);
    const index = new Map<string, number>();
    const evalFiles: Array<{ id: number; file: string }> = [];
    const held = new Set<string>();
    const idOf = new Map<string, number>();
    const resolve = (name: string, i: number): number | undefined => {
      const files = tree.get(name);
      const stem = `${name}_${String(i).padStart(4, "0")}`;
      const file = files?.find((f) => path.basename(f, path.extname(f)) === stem);
      if (file === undefined) return undefined;
      const full = path.join(o.path, name, file);
      let k = index.get(full);
      if (k === undefined) {
        if (!idOf.has(name)) idOf.set(name, -1 - idOf.size);
        k = evalFiles.length;
        index.set(full, k);
        evalFiles.push({ id: idOf.get(name)!, file: full });
      }
      held.add(name);
      return k;
    };
    const a: number[] = [];
    const b: number[] = [];
    const same: number[] = [];
    const foldOf: number[] = [];
    let missing = 0;
    let firstMissing = "";
    parsed.pairs.forEach((p, i) => {
      const ka = resolve(p.n1, p.i1);
      const kb = resolve(p.n2, p.i2);
      if (ka === undefined || kb === undefined) {
        if (missing++ === 0) firstMissing = `${p.n1} ${p.i1} / ${p.n2} ${p.i2}`;
        return;
      }
      a.push(ka);
      b.push(kb);
      same.push(p.same ? 1 : 0);
      foldOf.push(parsed.perFold ? Math.floor(i / (2 * parsed.perFold)) : i);
    });
    if (missing > 0) warnings.push({ code: M.W_SKIPPED_PAIRS, message: M.skippedPairs(missing, firstMissing) });
    if (a.length === 0) throw new InputError(o.pairsFile, M.noPairs(), M.E_PAIRS);
    evalBlock = load(evalFiles);
    if (evalBlock.count !== evalFiles.length) throw new InputError(o.pairsFile, M.noPairs(), M.E_PAIRS);
    const fold = parsed.perFold ? Int32Array.from(foldOf) : assignFolds(a.length, 10);
    pairs = { a: Int32Array.from(a), b: Int32Array.from(b), same: Uint8Array.from(same), fold };
    trainNames = [...tree.keys()].filter((n) => !held.has(n));
  } else {
    const eligible = [...tree.entries()].filter(([, f]) => f.length >= 2).map(([n]) => n);
    const need = Math.max(2, o.evalIdentities) + 2;
    if (eligible.length < need) throw new InputError(o.path, M.datasetTooSmall(eligible.length, need), M.E_DATASET);
    const rng = new Rng(mixSeed(o.seed, 0x61));
    const shuffled = rng.shuffle([...eligible]);
    const heldNames = shuffled.slice(0, o.evalIdentities).sort();
    const held = new Set(heldNames);
    // Equal images per held-out identity (the fewest decodable, capped at 10) so pairs can index id * per + i.
    const blocks = heldNames.map((n, id) => {
      const files = tree.get(n)!.map((f) => ({ id: -1 - id, file: path.join(o.path, n, f) }));
      const b = load(files);
      return { ...b, count: Math.min(b.count, 10) };
    });
    const per = Math.min(...blocks.map((b) => b.count));
    if (per < 2) throw new InputError(o.path, M.datasetTooSmall(0, need), M.E_DATASET);
    const pixels = new Uint8Array(heldNames.length * per * px);
    const labels = new Int32Array(heldNames.length * per);
    blocks.forEach((b, id) => {
      pixels.set(b.pixels.subarray(0, per * px), id * per * px);
      labels.fill(-1 - id, id * per, (id + 1) * per);
    });
    evalBlock = { count: heldNames.length * per, pixels, labels };
    pairs = makePairs(heldNames.length, per, o.pairs, new Rng(mixSeed(o.seed, 0x62)));
    trainNames = [...tree.keys()].filter((n) => !held.has(n));
  }
  if (trainNames.length < 2) throw new ConfigError(M.datasetTooSmall(trainNames.length, 2), M.E_DATASET);
  const trainFiles = trainNames.flatMap((n, id) => tree.get(n)!.map((f) => ({ id, file: path.join(o.path, n, f) })));
  const train = load(trainFiles);
  if (skipped > 0)
    warnings.push({ code: M.W_SKIPPED_IMAGES, message: M.skippedImages(skipped, firstSkip, firstReason) });
  return {
    name: o.path,
    description: `ImageFolder ${o.path}: ${trainNames.length} identities, ${train.count} images (${S}x${S}x${C}), ${pairs.same.length} pairs`,
    height: S,
    width: S,
    channels: C,
    numClasses: trainNames.length,
    train,
    eval: evalBlock,
    pairs,
    warnings,
  };
}
