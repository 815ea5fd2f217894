/**
 * Column helpers shared by the parsers: growable Float64 buffers (bounded, amortised growth, no per-point
 * allocation) and discovery of the step / loss / lr / epoch / wall-time columns of a table by name.
 */
import { ConfigError } from "../errors.ts";
import { msg } from "../messages/ingest.ts";

/**
 * An append-only Float64 column that doubles its buffer when full.
 *
 * @example
 * const c = new Growable(); c.push(1); c.push(2); c.toArray() // Float64Array [1, 2]
 */
export class Growable {
  private buf: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.buf = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  /** A view of the filled part (no copy). */
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
  /** A trimmed copy. */
  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
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
