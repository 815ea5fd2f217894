/**
 * `npm run bench`: runs every benchmark in bench/ one after another in its own process (so one does not warm up
 * or slow down the next) and prints the machine it ran on. Pass names to run a subset: `npm run bench -- replay`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(
  `# fastface benchmarks: node ${process.version}, ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
);
let failed = 0;
for (const name of benches) {
  console.log(`\n## ${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `${dir}${name}.ts`], { stdio: "inherit" });
  if (r.status !== 0) {
    failed += 1;
    console.log(`bench ${name} exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
