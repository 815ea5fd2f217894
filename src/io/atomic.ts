/**
 * Writing outputs without leaving partial files: the bytes go to a temporary file next to the target, which
 * is flushed and then renamed over it, so a reader (or the next run) sees the old file or the new one, never
 * half of one, and a full disk or a dead process leaves no truncated report behind. Every failure (a
 * read-only folder, a parent that is a regular file, a full disk) is an InputError naming the target path
 * (exit code 3), never a raw system error.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import * as M from "../messages/ingest.ts";

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err?.code !== undefined ? `${err.code}: ${err.message.replace(/^\w+: /, "")}` : String(err?.message ?? e);
};

/**
 * The error for an output that cannot be written (an InputError is passed through).
 * @example throw unwritable("reports/x.html", err); // "reports/x.html: cannot be written: ENOSPC: ..."
 */
export function unwritable(path: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  return new InputError(path, M.unwritable(reason(e)), M.E_WRITE);
}

/**
 * A temporary name next to `path` (same folder, so the rename stays on one file system).
 * @example tempPathFor("out/a.arrow") // "out/.a.arrow.<pid>.<random>.tmp"
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/**
 * Write `data` to `path` atomically (parent folders created).
 *
 * @example
 * await writeFileAtomic("reports/run.html", html);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw unwritable(path, e);
  }
}

/**
 * `writeFileAtomic` for synchronous callers.
 *
 * @example
 * writeFileAtomicSync("runs/x/result.json", json);
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, "wx");
    try {
      const buf = typeof data === "string" ? Buffer.from(data) : data;
      for (let off = 0; off < buf.byteLength; ) off += writeSync(fd, buf, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
    throw unwritable(path, e);
  }
}

/**
 * Produce an output through `write(tmp)` (a tool that writes a file itself, such as DuckDB's COPY), then
 * rename it into place; on failure the temporary file is removed and the error names `path`.
 *
 * @example
 * await replaceAtomic("out.parquet", (tmp) => con.run(`COPY t TO '${tmp}' (FORMAT parquet)`));
 */
export async function replaceAtomic(path: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await write(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw unwritable(path, e);
  }
}
