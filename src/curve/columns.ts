/**
 * Column helpers shared by the parsers: growable Float64 buffers (bounded, amortised growth, no per-point
 * allocation) and discovery of the step / loss / lr / epoch / wall-time columns of a table by name.
 */
import { ConfigError } from "../errors.ts";
import * as M from "../messages/ingest.ts";

/**
 * An append-only Float64 column stored in fixed-size chunks: no per-point allocation, at most one chunk of
 * slack, and `take()` hands the values over while releasing the chunks.
 *
 * `reserve(n)` (a streaming parser's estimate from the file size) makes the first chunk hold `n` values: the
 * operating system commits the pages of a large buffer only when they are written, so an over-estimate costs
 * address space, not memory, and when the estimate is good `take()` returns that block itself (a view of its
 * first `length` values when at most a quarter of it is unused: the rest was never written, so it is address space, not memory) instead of copying the column. Otherwise `take()`
 * assembles an exact-size copy.
 *
 * @example
 * const c = new Growable(); c.push(1); c.push(2); c.take() // Float64Array [1, 2]
 */
export class Growable {
  private readonly chunks: Float64Array[] = [];
  private cur: Float64Array;
  private pos = 0;
  private cap: number;
  /** Values in the chunks before `cur`. */
  private base = 0;
  constructor(private readonly chunkSize = 65536) {
    this.cur = new Float64Array(Math.min(chunkSize, 1024));
    this.cap = this.cur.length;
    this.chunks.push(this.cur);
  }
  get length(): number {
    return this.base + this.pos;
  }
  push(v: number): void {
    if (this.pos === this.cap) this.grow();
    this.cur[this.pos++] = v;
  }
  private grow(): void {
    if (this.chunks.length === 1 && this.cur.length < this.chunkSize) {
      // the first chunk grows up to chunkSize so that small columns stay small
      const next = new Float64Array(Math.min(this.chunkSize, this.cur.length * 4));
      next.set(this.cur);
      this.cur = next;
      this.chunks[0] = next;
    } else {
      this.base += this.pos;
      this.cur = new Float64Array(this.chunkSize);
      this.chunks.push(this.cur);
      this.pos = 0;
    }
    this.cap = this.cur.length;
  }
  /** Append `v` `count` times. */
  fill(v: number, count: number): void {
    for (let k = 0; k < count; k++) this.push(v);
  }
  /**
   * Make room for `n` values in one block (the values so far are moved into it).
   * @example const c = new Growable(); c.reserve(1e6); // one block of 1e6 values, committed as it is written
   */
  reserve(n: number): void {
    const len = this.length;
    if (n <= (this.chunks.length === 1 ? this.cur.length : len)) return;
    const next = new Float64Array(Math.ceil(n));
    next.set(this.chunks.length === 1 ? this.cur.subarray(0, this.pos) : this.toArray());
    this.chunks.length = 0;
    this.chunks.push(next);
    this.cur = next;
    this.cap = next.length;
    this.pos = len;
    this.base = 0;
  }
  /** Drop the last value. */
  pop(): void {
    if (this.length === 0) return;
    if (this.pos === 0) {
      this.chunks.pop();
      this.cur = this.chunks[this.chunks.length - 1] as Float64Array;
      this.cap = this.cur.length;
      this.pos = this.cur.length;
      this.base -= this.cur.length;
    }
    this.pos--;
  }
  /** An exact-size copy. */
  toArray(): Float64Array {
    const out = new Float64Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      const n = Math.min(c.length, this.length - off);
      if (n <= 0) break;
      out.set(n === c.length ? c : c.subarray(0, n), off);
      off += n;
    }
    return out;
  }
  /** Same as `toArray`; kept for readability where a read-only snapshot is meant. */
  view(): Float64Array {
    return this.toArray();
  }
  /**
   * The values; the column is emptied and its chunks released. A single well-filled block is handed over
   * without a copy (see the class comment); anything else is an exact-size copy.
   */
  take(): Float64Array {
    const single = this.chunks.length === 1 ? this.cur : undefined;
    let out: Float64Array;
    if (single !== undefined && this.length === single.length) out = single;
    else if (single !== undefined && this.length > 1024 && single.length - this.length <= single.length >> 2)
      out = single.subarray(0, this.length);
    else out = this.toArray();
    this.chunks.length = 0;
    this.cur = new Float64Array(16);
    this.cap = 16;
    this.chunks.push(this.cur);
    this.pos = 0;
    this.base = 0;
    return out;
  }
}

/** Names recognised per role, in order of preference (compared case-insensitively, `-`/`.`/` ` as `_`). */
export const COLUMN_NAMES = {
  step: ["step", "global_step", "globalstep", "iteration", "iter", "it", "steps", "trainer/global_step", "_step"],
  loss: [
    "total_loss",
    "loss_total",
    "train/total_loss",
    "loss",
    "train_loss",
    "train/loss",
    "training_loss",
    "train_loss_step",
    "loss_step",
    "loss/train",
    "train/loss_step",
    "trainloss",
    "train_loss_epoch",
    "loss_epoch",
  ],
  lr: ["lr", "learning_rate", "learningrate", "lr_sgd", "lr_adam", "lr_adamw", "train/lr", "train/learning_rate"],
  epoch: ["epoch", "epochs", "train/epoch"],
  wallTime: ["wall_time", "walltime", "timestamp", "time", "_timestamp"],
} as const;

export type Role = keyof typeof COLUMN_NAMES;

/** Normalise a column / tag name for matching. */
export function normName(name: string): string {
  return name.trim().toLowerCase().replace(/[-. ]/g, "_");
}

/** Explicit column names chosen by the user (`--step-col`, `--loss-col`, `--lr-col`). */
export interface ColumnOverrides {
  stepCol?: string | undefined;
  lossCol?: string | undefined;
  lrCol?: string | undefined;
}

export interface ColumnChoice {
  step?: number | undefined;
  loss?: number | undefined;
  lr?: number | undefined;
  epoch?: number | undefined;
  wallTime?: number | undefined;
  /** True when no step column exists and `epoch` serves as the step (Keras CSVLogger). */
  epochAsStep: boolean;
  /** Why the loss column was chosen, and the other loss-like columns (see `LossColumn`). */
  lossWhy?: string | undefined;
  lossAlternatives?: string[] | undefined;
}

/** How the loss column / tag of a curve was chosen (`curve.meta.lossColumn`, `lossColumn` in --json). */
export interface LossColumn {
  name: string;
  why: string;
  /** Other loss-like columns / tags that could have been chosen (pick one with --loss-col / --tag). */
  alternatives: string[];
}

/** Column index given as a whole number (`--step-col 0`): the column at that position (headerless tables). */
export function columnIndex(col: string | undefined): number | undefined {
  return col !== undefined && /^\d+$/.test(col.trim()) ? Number(col.trim()) : undefined;
}

/**
 * Find the index of each role's column in a header. Overrides must name an existing column, or give its
 * 0-based position (ConfigError otherwise, unless `strict` is false: then the column is just absent). The
 * loss is chosen by `chooseLoss` (a total loss before component losses).
 *
 * @example
 * discoverColumns(["epoch", "loss", "lr", "val_loss"]) // { epoch: 0, loss: 1, lr: 2, step: 0, epochAsStep: true, ... }
 */
export function discoverColumns(
  header: readonly string[],
  overrides: ColumnOverrides = {},
  strict = true,
): ColumnChoice {
  const norm = header.map(normName);
  const find = (role: Role): number | undefined => {
    for (const name of COLUMN_NAMES[role]) {
      const i = norm.indexOf(name);
      if (i >= 0) return i;
    }
    return undefined;
  };
  const exact = (col: string): number | undefined => {
    let i = header.indexOf(col);
    if (i < 0) i = norm.indexOf(normName(col));
    const at = columnIndex(col);
    if (i < 0 && at !== undefined && at < header.length) i = at;
    if (i < 0 && strict) throw new ConfigError(M.noSuchColumn(col, header));
    return i < 0 ? undefined : i;
  };
  const loss = chooseLoss(header, overrides.lossCol !== undefined ? exact(overrides.lossCol) : undefined);
  const choice: ColumnChoice = {
    step: overrides.stepCol !== undefined ? exact(overrides.stepCol) : find("step"),
    loss: loss?.index,
    lr: overrides.lrCol !== undefined ? exact(overrides.lrCol) : find("lr"),
    epoch: find("epoch"),
    wallTime: find("wallTime"),
    epochAsStep: false,
    lossWhy: loss?.why,
    lossAlternatives: loss?.alternatives,
  };
  if (choice.lr === undefined) {
    const i = norm.findIndex((h) => h.startsWith("lr_") || h.endsWith("/lr") || h.endsWith("learning_rate"));
    if (i >= 0) choice.lr = i;
  }
  if (choice.step === undefined && choice.epoch !== undefined) {
    choice.step = choice.epoch;
    choice.epochAsStep = true;
  }
  return choice;
}

const isEvalName = (h: string) => /(^|[_/])(val|valid|validation|eval|test)([_/]|$)/.test(h);
/** A training loss-like name (not an evaluation loss). */
const isLossLike = (h: string) => h.includes("loss") && !isEvalName(h);
/** A loss-like name that says it is the total (`loss_sum`, `overall_loss`, `train/total`). */
const isTotalLike = (h: string) => /(^|[_/])(total|sum|overall|all)([_/]|$)/.test(h);

/**
 * Choose the loss among column / tag names: `forced` (an index from --loss-col) first; then a name from
 * `COLUMN_NAMES.loss` (the total loss: `total_loss`, `loss`, `train/loss`, `train_loss` ...); then a
 * loss-like name that says it is a total; then the only loss-like name; then the first of several
 * component losses (the `why` says so). Evaluation losses (`val_loss`) are never chosen.
 *
 * @example
 * chooseLoss(["iteration", "loss_box_reg", "loss_cls", "total_loss"])
 * // { index: 3, why: "named like a total loss", alternatives: ["loss_box_reg", "loss_cls"] }
 */
export function chooseLoss(
  names: readonly string[],
  forced?: number,
): { index: number; why: string; alternatives: string[] } | undefined {
  const norm = names.map(normName);
  const others = (i: number) => names.filter((_, k) => k !== i && isLossLike(norm[k] as string)).slice(0, 16);
  if (forced !== undefined)
    return { index: forced, why: "chosen with --loss-col / --tag", alternatives: others(forced) };
  for (const name of COLUMN_NAMES.loss) {
    const i = norm.indexOf(name);
    if (i >= 0) return { index: i, why: `named like a total loss ('${name}')`, alternatives: others(i) };
  }
  const lossLike = norm.flatMap((h, i) => (isLossLike(h) ? [i] : []));
  const total = lossLike.find((i) => isTotalLike(norm[i] as string));
  if (total !== undefined)
    return { index: total, why: "a loss-like name that says total", alternatives: others(total) };
  const first = lossLike[0];
  if (first === undefined) return undefined;
  if (lossLike.length === 1) return { index: first, why: "the only loss-like name", alternatives: [] };
  return {
    index: first,
    why: `no total loss among ${lossLike.length} loss-like names: took the first (a component?)`,
    alternatives: others(first),
  };
}

/**
 * Pick the obvious loss tag among scalar tags (the rules of `chooseLoss`; the only tag when none is
 * loss-like). Undefined when nothing is obvious.
 *
 * @example
 * pickLossTag(["val/loss", "train/loss", "lr"]) // "train/loss"
 */
export function pickLossTag(tags: readonly string[]): string | undefined {
  return lossTagChoice(tags)?.name;
}

/**
 * `pickLossTag` with its reason and the alternatives.
 *
 * @example
 * lossTagChoice(["train/loss", "train/loss_cls"]) // { name: "train/loss", why: ..., alternatives: ["train/loss_cls"] }
 */
export function lossTagChoice(tags: readonly string[]): LossColumn | undefined {
  const c = chooseLoss(tags);
  if (c !== undefined) return { name: tags[c.index] as string, why: c.why, alternatives: c.alternatives };
  return tags.length === 1 ? { name: tags[0] as string, why: "the only tag", alternatives: [] } : undefined;
}

/**
 * `meta.lossColumn` from a column choice.
 *
 * @example
 * lossColumnMeta("total_loss", discoverColumns(["iteration", "loss_cls", "total_loss"])).alternatives // ["loss_cls"]
 */
export function lossColumnMeta(name: string, c: Pick<ColumnChoice, "lossWhy" | "lossAlternatives">): LossColumn {
  return { name, why: c.lossWhy ?? "given", alternatives: c.lossAlternatives ?? [] };
}

/**
 * What a generic table (CSV / TSV / JSONL / foreign Arrow or Parquet) says about its loss values: a name
 * ending in `_step` (Lightning's per-step value) is `instant`; anything else is `unknown` (a column named
 * `loss` may be a per-step value, a running mean or an epoch mean; the file does not say which).
 *
 * @example
 * tableAggregation("train_loss_step") // "instant"
 * tableAggregation("loss")            // "unknown"
 */
export function tableAggregation(lossName: string): "instant" | "unknown" {
  return /_step$/.test(normName(lossName)) ? "instant" : "unknown";
}

/** True when a tag / column name looks like a learning rate. */
export function isLrName(name: string): boolean {
  const h = normName(name);
  return (COLUMN_NAMES.lr as readonly string[]).includes(h) || h.startsWith("lr_") || h.endsWith("/lr");
}
