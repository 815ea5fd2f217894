/**
 * The command table. Each entry is a yargs CommandModule in its own file; add a line here to register one.
 */
import type { CommandModule } from "yargs";
import { demoCommand } from "./demo.ts";
import { explainCommand } from "./explain.ts";
import { fitCommand } from "./fit.ts";
import { ingestCommand } from "./ingest.ts";
import { inspectCommand } from "./inspect.ts";
import { replayCommand } from "./replay.ts";
import { reportCommand } from "./report.ts";
import { retrainCommand } from "./retrain.ts";
import { simulateCommand } from "./simulate.ts";
import { sweepCommand } from "./sweep.ts";
import { sweepTopCommand } from "./sweep-top.ts";
import { workerCommand } from "./worker.ts";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [
  demoCommand,
  reportCommand,
  replayCommand,
  explainCommand,
  ingestCommand,
  inspectCommand,
  sweepCommand,
  sweepTopCommand,
  workerCommand,
  fitCommand,
  simulateCommand,
  retrainCommand,
];
