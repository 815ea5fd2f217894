/**
 * Fuzz families: for each input format, the real fixtures that mutated inputs start from and the call a
 * user's input goes through. Shared by the fuzz tests (CI-sized counts) and `npm run fuzz` (the campaign).
 * A run may return or throw a FastfaceError; anything else thrown is an untyped error (a bug).
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { curveToArrowIPC, sqlString, writeCurveParquet } from "../../src/curve/arrow.ts";
import { FastfaceError } from "../../src/errors.ts";
import { parseArcfaceLog } from "../../src/ingest/arcface-log.ts";
import { parseArrowInput, parseParquetInput } from "../../src/ingest/columnar.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { parseTrainerState } from "../../src/ingest/hf-state.ts";
import { parseMlflowMetric } from "../../src/ingest/mlflow.ts";
import { parseTable } from "../../src/ingest/table.ts";
import { parseTfEvents } from "../../src/ingest/tfevents.ts";
import { type DuckDb, openDuckDb } from "../../src/io/duckdb.ts";

const DATA = fileURLToPath(new URL("../../data/", import.meta.url));
const FX = fileURLToPath(new URL("../fixtures/ingest/", import.meta.url));
const file = (p: string) => new Uint8Array(readFileSync(p));
const decoder = new TextDecoder("utf-8", { fatal: false });
const text = (b: Uint8Array) => decoder.decode(b);

export interface Family {
  name: string;
  /** Real inputs of the format (data/ and test fixtures), mutated by the fuzzer. */
  seeds(): Promise<Uint8Array[]>;
  /** What a user's input goes through. */
  run(bytes: Uint8Array): unknown;
}

let tmp: string | undefined;
let serial = 0;
/** A fresh temporary path in this thread's folder (Parquet is read from disk by DuckDB). */
async function tempPath(ext: string): Promise<string> {
  tmp ??= await mkdtemp(join(tmpdir(), "ff-fuzz-"));
  return join(tmp, `${process.pid}-${serial++}${ext}`);
}

let duck: DuckDb | undefined;

/** Remove this thread's temporary folder and close its DuckDB connection. */
export async function cleanupFamilies(): Promise<void> {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
  duck?.close();
  duck = undefined;
}

/** Run a side check whose typed errors are expected (sniffing, the other delimiter, salvage mode). */
function typedOrOk(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof FastfaceError)) throw e;
  }
}

const logSeeds = async () => [
  file(`${DATA}logs/insightface_ms1mv3_r50_poly.log`).subarray(0, 8000),
  file(`${DATA}logs/fastface_ms1mv3_r100.log`).subarray(0, 8000),
  file(`${DATA}real/pocketnet_multistep_kd.log`).subarray(0, 6000),
];

function arrowTables(): Uint8Array[] {
  const log = parseArcfaceLog(readFileSync(`${DATA}logs/insightface_ms1mv3_r50_multistep.log`, "utf8"), "m");
  const n = Math.min(60, log.columns.step.length);
  const generic = tableFromArrays({
    global_step: Int32Array.from(log.columns.step.subarray(0, n)),
    train_loss: Float32Array.from(log.columns.loss.subarray(0, n)),
    lr: Float64Array.from(log.columns.lr?.subarray(0, n) ?? []),
    note: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `row ${i}`)),
  });
  const small = { ...log, columns: { step: log.columns.step.subarray(0, n), loss: log.columns.loss.subarray(0, n) } };
  return [curveToArrowIPC(small), tableToIPC(generic, "stream"), tableToIPC(generic, "file")];
}

/** The families, in the order the campaign prints them. */
export const FAMILIES: Family[] = [
  {
    name: "arcface-log",
    seeds: logSeeds,
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      return parseArcfaceLog(text(b), "fuzz");
    },
  },
  {
    name: "tfevents",
    seeds: async () => [
      file(`${DATA}real/tfevents/events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2`),
      ...readdirSync(`${DATA}tfevents/pytorch_simple_value_strict/run_1`).map((f) =>
        file(`${DATA}tfevents/pytorch_simple_value_strict/run_1/${f}`).subarray(0, 6000),
      ),
    ],
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      typedOrOk(() => parseTfEvents(b, "fuzz", { salvage: true }));
      return parseTfEvents(b, "fuzz");
    },
  },
  {
    name: "csv",
    seeds: async () => [
      file(`${FX}lightning_metrics.csv`),
      file(`${FX}keras_history.csv`),
      file(`${DATA}real/keras_braintumor_training_log.csv`),
      file(`${DATA}real/lightning_opal_metrics.csv`).subarray(0, 6000),
    ],
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      typedOrOk(() => parseTable(text(b), "fuzz", "tsv"));
      return parseTable(text(b), "fuzz", "csv");
    },
  },
  {
    name: "jsonl",
    seeds: async () => [file(`${FX}train.jsonl`)],
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      return parseTable(text(b), "fuzz", "jsonl");
    },
  },
  {
    name: "hf-trainer-state",
    seeds: async () => [file(`${FX}trainer_state_nan.json.txt`), file(`${DATA}real/hf_whisper_trainer_state.json`)],
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      return parseTrainerState(text(b), "fuzz");
    },
  },
  {
    name: "mlflow",
    seeds: async () => [file(`${DATA}real/mlflow_swahili/mlruns/1/ed05f9cd599442fe9a0c9222184710b8/metrics/loss`)],
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      return parseMlflowMetric(text(b), "fuzz");
    },
  },
  {
    name: "arrow",
    seeds: async () => arrowTables(),
    run: (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      return parseArrowInput(b, "fuzz");
    },
  },
  {
    name: "parquet",
    seeds: async () => {
      const log = parseArcfaceLog(readFileSync(`${DATA}logs/insightface_ms1mv3_r50_multistep.log`, "utf8"), "m");
      const n = 40;
      const curve = {
        ...log,
        columns: { step: log.columns.step.subarray(0, n), loss: log.columns.loss.subarray(0, n) },
      };
      const a = await tempPath(".parquet");
      await writeCurveParquet(a, curve);
      const b = await tempPath(".parquet");
      const { conn: con, close } = await openDuckDb();
      try {
        await con.run(
          `COPY (SELECT i AS "step", (10.0 / (i + 1))::FLOAT AS loss, CASE WHEN i % 4 = 0 THEN NULL ELSE 0.1 END AS lr, 'r' || i AS note FROM range(40) t(i)) TO ${sqlString(b)} (FORMAT parquet)`,
        );
      } finally {
        close();
      }
      return [file(a), file(b)];
    },
    run: async (b) => {
      typedOrOk(() => detectFormat(b, "fuzz"));
      const p = await tempPath(".parquet");
      await writeFile(p, b);
      try {
        // one DuckDB connection per worker thread (opening one per input would dominate the campaign)
        duck ??= await openDuckDb();
        return await parseParquetInput(p, {}, undefined, duck);
      } finally {
        await rm(p, { force: true });
      }
    },
  },
];

export const familyNamed = (name: string): Family => {
  const f = FAMILIES.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no fuzz family '${name}'; families: ${FAMILIES.map((x) => x.name).join(", ")}`);
  return f;
};
