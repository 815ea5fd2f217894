// The entry of every worker thread started from the TypeScript sources (src/io/worker.ts): Node 20 does not apply
// `--import tsx` to a worker's entry module, so the thread starts here (plain JavaScript), registers tsx's loader,
// then imports the module whose URL is the last argument. A file entry (not eval) keeps the parent's --import
// hooks in force in the thread.
import { register } from "tsx/esm/api";

register();
await import(process.argv[process.argv.length - 1]);
