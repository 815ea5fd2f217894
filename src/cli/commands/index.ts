/**
 * The command table. Each entry is a yargs CommandModule in its own file; add a line here to register one.
 */
import type { CommandModule } from "yargs";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [];
