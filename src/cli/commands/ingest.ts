/**
 * `fastface ingest <paths..>`: read logs / event files / tables into canonical curves, print a summary, and
 * with `--out` write them as Arrow IPC (default) or Parquet.
 */
import { access, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { pickLossTag } from "../../curve/columns.ts";
import type { Curve, CurveMeta, FormatName } from "../../curve/curve.ts";
import { ConfigError, InputError } from "../../errors.ts";
import { FORMAT_NAMES, FORMATS, type LoadOptions } from "../../ingest/formats.ts";
import { loadCurves } from "../../ingest/load.ts";
import { summarizeCurve } from "../../ingest/summary.ts";
import { unwritable } from "../../io/atomic.ts";
import * as M from "../../messages/ingest.ts";
import { logWarnings, printJson, printText, table } from "../output.ts";

export interface LoadArgs {
  format?: string;
  tag?: string;
  "step-col"?: string;
  "loss-col"?: string;
  "lr-col"?: string;
  salvage?: boolean;
}

/** Options shared by every command that reads curves (ingest, inspect, and anyone reusing `loadCurves`). */
export function withLoadOptions<T>(y: Argv<T>): Argv<T & LoadArgs> {
  return y
    .option("format", {
      type: "string",
      choices: FORMAT_NAMES as string[],
      describe: "skip content sniffing and read as this format (formats: `fastface ingest --help`)",
    })
    .option("tag", { type: "string", describe: "scalar tag to use (TensorBoard / MLflow); default: the loss tag" })
    .option("step-col", {
      type: "string",
      describe: "step column of a CSV / TSV / JSONL / Arrow / Parquet table: a name, or a 0-based position",
    })
    .option("loss-col", {
      type: "string",
      describe: "loss column (tables, JSON logs): a name or a 0-based position; default: the total loss",
    })
    .option("lr-col", { type: "string", describe: "learning-rate column (tables, JSON logs): a name or a position" })
    .option("salvage", {
      type: "boolean",
      default: false,
      describe: "event files: keep the records before a corrupt / truncated one (with a warning)",
    }) as unknown as Argv<T & LoadArgs>;
}

/** yargs arguments -> LoadOptions. */
export function loadOptionsFrom(a: LoadArgs): LoadOptions {
  return {
    format: a.format as FormatName | undefined,
    tag: a.tag,
    stepCol: a["step-col"],
    lossCol: a["loss-col"],
    lrCol: a["lr-col"],
    salvage: a.salvage,
  };
}

/** A file-system-safe file stem for a curve name (`run:train/loss` -> `run.train_loss`). */
export function fileStem(name: string): string {
  return (
    name
      .replace(/:/g, ".")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^[._]+/, "") || "curve"
  );
}

interface IngestArgs extends LoadArgs {
  paths: string[];
  out?: string;
  as: "arrow" | "parquet";
  force: boolean;
  json: boolean;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Create an output folder; failing (a parent that is a regular file, a read-only folder) names `out`. */
async function makeDir(dir: string, out: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw unwritable(out, e);
  }
}

/**
 * Where each curve goes: `--out x.arrow` takes one curve, `--out x.parquet` one or several (told apart by
 * its `curve` column), any other `--out` is a folder.
 */
async function plan(curves: Curve[], out: string, as: "arrow" | "parquet"): Promise<Array<[Curve[], string]>> {
  const { curveFileKind } = await import("../../curve/arrow.ts");
  const kind = curveFileKind(out);
  if (kind !== undefined) {
    await makeDir(dirname(out), out);
    if (curves.length === 1) return [[curves, out]];
    if (kind === "parquet") return [[uniqueNames(curves), out]];
    const sources = new Set(curves.map((c) => c.meta.source));
    const tag = sources.size === 1 ? pickLossTag(curves.map((c) => c.meta.tag ?? c.meta.name)) : undefined;
    const chosen = curves.find((c) => (c.meta.tag ?? c.meta.name) === tag);
    if (chosen === undefined) {
      throw new ConfigError(
        M.oneFileSeveralCurves(
          out,
          curves.map((c) => c.meta.name),
        ),
      );
    }
    return [[[chosen], out]];
  }
  await makeDir(out, out);
  const used = new Set<string>();
  return curves.map((c) => {
    let stem = fileStem(c.meta.name);
    for (let k = 2; used.has(stem); k++) stem = `${fileStem(c.meta.name)}-${k}`;
    used.add(stem);
    return [[c], join(out, `${stem}.${as}`)] as [Curve[], string];
  });
}

/** Curves with distinct names (`run`, `run-2`, ...) so that a `curve` column tells them apart. */
function uniqueNames(curves: Curve[]): Curve[] {
  const used = new Set<string>();
  return curves.map((c) => {
    let name = c.meta.name;
    for (let k = 2; used.has(name); k++) name = `${c.meta.name}-${k}`;
    used.add(name);
    return name === c.meta.name ? c : { ...c, meta: { ...c.meta, name } };
  });
}

/** The format table as help text: detection order, one line each. */
const FORMATS_EPILOG = `Formats (detected by content in this order; gzip-compressed files are read too):\n${FORMATS.map(
  (f) => `  ${f.name.padEnd(18)} ${f.describe}`,
).join("\n")}`;

/**
 * The loss column a curve was read from, why, and the other loss-like columns, when there was a choice (none
 * for a format with one loss and no alternatives).
 * @example lossColumnNote({ name: "total_loss", why: "the format's total loss", alternatives: ["loss_cls"] })
 */
export function lossColumnNote(lc: CurveMeta["lossColumn"]): string | undefined {
  if (lc === undefined || (lc.alternatives.length === 0 && !lc.why.startsWith("no total"))) return undefined;
  return `loss column '${lc.name}' (${lc.why}); other loss-like columns: ${
    lc.alternatives.join(", ") || "none"
  }; pick another with --loss-col`;
}

export const ingestCommand: CommandModule<object, IngestArgs> = {
  command: "ingest <paths..>",
  describe: "read training logs / event files / tables into curves; summarise, and write them with --out",
  builder: (y) =>
    withLoadOptions(y)
      .positional("paths", { type: "string", array: true, demandOption: true, describe: "files or folders" })
      .option("out", {
        type: "string",
        describe: "write curves: a .arrow / .parquet file (one curve) or a folder (one <name>.arrow per curve)",
      })
      .option("as", {
        choices: ["arrow", "parquet"] as const,
        default: "arrow" as const,
        describe: "file type when --out is a folder",
      })
      .option("force", { type: "boolean", default: false, describe: "overwrite existing output files" })
      .option("json", { type: "boolean", default: false, describe: "print the summaries as JSON" })
      .epilog(FORMATS_EPILOG)
      .example("$0 ingest runs/ms1mv3_r50/training.log", "summarise a log (nothing written)")
      .example("$0 ingest runs/ --out data/curves/", "one .arrow file per curve found under runs/")
      .example(
        "$0 ingest events.out.tfevents.123 --tag train/loss --out loss.parquet",
        "one tag to Parquet",
      ) as Argv<IngestArgs>,
  handler: async (a) => {
    const opts = loadOptionsFrom(a);
    const curves: Curve[] = [];
    for (const p of a.paths) curves.push(...(await loadCurves(p, opts)));
    const targets = a.out !== undefined ? await plan(curves, a.out, a.as) : [];
    if (!a.force) {
      for (const [, path] of targets) {
        if (await exists(path)) throw new InputError(path, M.outputExists, M.E_EXISTS);
      }
    }
    const written = new Map<Curve, string>();
    if (targets.length > 0) {
      // apache-arrow (~0.5 s to load) only when something is written
      const { writeCurveFile, writeCurveParquet } = await import("../../curve/arrow.ts");
      for (const [cs, path] of targets) {
        if (cs.length === 1) await writeCurveFile(path, cs[0] as Curve);
        else await writeCurveParquet(path, cs);
      }
      // uniqueNames may have copied a curve: map written files back to the loaded curves by position
      for (const [cs, path] of targets)
        for (const c of cs) written.set(curves.find((x) => x.columns === c.columns) ?? c, path);
    }
    for (const c of curves) logWarnings(c.meta.warnings);
    const summaries = curves.map((c) => ({ ...summarizeCurve(c), written: written.get(c) ?? null }));
    if (a.json) {
      printJson(summaries);
      return;
    }
    printText(
      table(
        ["curve", "format", "tag", "points", "steps", "stride", "lr", "NaN/Inf", "aggregation", "written"],
        summaries.map((s) => [
          s.name,
          s.format,
          s.tag ?? "-",
          s.points,
          `${s.firstStep ?? "-"}..${s.lastStep ?? "-"}`,
          s.stride,
          s.lrKnown ? "yes" : "no",
          s.nonFinite.nan + s.nonFinite.posInf + s.nonFinite.negInf,
          s.aggregation,
          s.written ?? "-",
        ]),
      ),
    );
    for (const c of curves) {
      const note = lossColumnNote(c.meta.lossColumn);
      if (note !== undefined) printText(`${c.meta.name}: ${note}`);
    }
    if (a.out === undefined) printText("(summary only; pass --out <file.arrow|file.parquet|folder> to write curves)");
  },
};
