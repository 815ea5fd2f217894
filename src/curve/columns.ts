/**
 * Column helpers shared by the parsers: growable Float64 buffers (bounded, amortised growth, no per-point
 * allocation) and discovery of the step / loss / lr / epoch / wall-time columns of a table by name.
 */
import { ConfigError } from "../errors.ts";
import { msg } from "../messages/ingest.ts";

/**
 * An append-only Float64 column stored in fixed-size chunks: no per-point allocation, at most one chunk of
 * slack, and `take()` assembles the exact-size array while releasing the chunks (so the peak while
 * finishing a curve is about one column above the points themselves).
 *
 * @example
 * const c = new Growable(); c.push(1); c.push(2); c.take() // Float64Array [1, 2]
 */
export class Growable {
  private readonly chunks: Float64Array[] = [];
  private cur: Float64Array;
  private pos = 0;
  length = 0;
  constructor(private readonly chunkSize = 65536) {
    this.cur = new Float64Array(Math.min(chunkSize, 1024));
    this.chunks.push(this.cur);
  }
  push(v: number): void {
    if (this.pos === this.cur.length) {
      if (this.chunks.length === 1 && this.cur.length < this.chunkSize) {
        // the first chunk grows up to chunkSize so that small columns stay small
        const next = new Float64Array(Math.min(this.chunkSize, this.cur.length * 4));
        next.set(this.cur);
        this.cur = next;
        this.chunks[0] = next;
      } else {
        this.cur = new Float64Array(this.chunkSize);
        this.chunks.push(this.cur);
        this.pos = 0;
      }
    }
    this.cur[this.pos++] = v;
    this.length++;
  }
  /** Drop the last value. */
  pop(): void {
    if (this.length === 0) return;
    this.length--;
    if (this.pos > 0) this.pos--;
    if (this.pos === 0 && this.chunks.length > 1) {
      this.chunks.pop();
      this.cur = this.chunks[this.chunks.length - 1] as Float64Array;
      this.pos = this.cur.length;
    }
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
  /** An exact-size copy; the column is emptied and its chunks released. */
  take(): Float64Array {
    const out = this.toArray();
    this.chunks.length = 0;
    this.cur = new Float64Array(16);
    this.chunks.push(this.cur);
    this.pos = 0;
    this.length = 0;
    return out;
  }
}

/** Names recognised per role, in order of preference (compared case-insensitively, `-`/`.`/` ` as `_`). */
export const COLUMN_NAMES = {
  step: ["step", "global_step", "globalstep", "iteration", "iter", "it", "steps", "trainer/global_step", "_step"],
  loss: [
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
}

/**
 * Find the index of each role's column in a header. Overrides must name an existing column (ConfigError
 * otherwise, unless `strict` is false: then the column is just absent). A loss-like name not in the list (e.g. `my_loss`, but not `val_loss`) is a fallback.
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
    if (i < 0 && strict) throw new ConfigError(msg.noSuchColumn(col, header));
    return i < 0 ? undefined : i;
  };
  const choice: ColumnChoice = {
    step: overrides.stepCol !== undefined ? exact(overrides.stepCol) : find("step"),
    loss: overrides.lossCol !== undefined ? exact(overrides.lossCol) : find("loss"),
    lr: overrides.lrCol !== undefined ? exact(overrides.lrCol) : find("lr"),
    epoch: find("epoch"),
    wallTime: find("wallTime"),
    epochAsStep: false,
  };
  if (choice.loss === undefined) choice.loss = fallbackLoss(norm);
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

function fallbackLoss(norm: readonly string[]): number | undefined {
  const isEval = (h: string) => /(^|[_/])(val|valid|validation|eval|test)([_/]|$)/.test(h);
  const i = norm.findIndex((h) => h.includes("loss") && !isEval(h));
  return i >= 0 ? i : undefined;
}

/**
 * Pick the obvious loss tag among scalar tags: a recognised loss name first, then any training tag
 * containing "loss", then the only tag. Undefined when nothing is obvious.
 *
 * @example
 * pickLossTag(["val/loss", "train/loss", "lr"]) // "train/loss"
 */
export function pickLossTag(tags: readonly string[]): string | undefined {
  const norm = tags.map(normName);
  for (const name of COLUMN_NAMES.loss) {
    const i = norm.indexOf(name);
    if (i >= 0) return tags[i];
  }
  const i = fallbackLoss(norm);
  if (i !== undefined) return tags[i];
  return tags.length === 1 ? tags[0] : undefined;
}

/** True when a tag / column name looks like a learning rate. */
export function isLrName(name: string): boolean {
  const h = normName(name);
  return (COLUMN_NAMES.lr as readonly string[]).includes(h) || h.startsWith("lr_") || h.endsWith("/lr");
}
