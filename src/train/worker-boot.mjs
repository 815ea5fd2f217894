// Worker-thread bootstrap: Node 20 does not apply `--import tsx` to a worker's entry module, so the worker
// starts here (plain JavaScript), registers tsx's loader for this thread, then loads the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
