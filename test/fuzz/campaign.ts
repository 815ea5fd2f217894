/**
 * `npm run fuzz`: the fuzz campaign. Every family gets COUNT mutated inputs (default 100,000) from its real
 * fixtures, each run in a watched worker thread (5 s bound: a hang), and the table is printed:
 *
 *   npm run fuzz                           # 100,000 per family, all families
 *   npm run fuzz -- --count 5000 arrow     # a quicker look at some families
 *   npm run fuzz -- --jobs 2               # two families at a time
 *
 * Untyped errors and hangs are written to fuzz-findings/<family>-<index>.bin (git-ignored) for reproduction.
 * Exit code 1 when any input ended untyped or hung.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { FAMILIES } from "./families.ts";
import { type FuzzRow, fuzzFamily } from "./runner.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const count = opt("--count", 100_000);
const jobs = opt("--jobs", 1);
const seed = opt("--seed", 20);
const names = args.length > 0 ? args : FAMILIES.map((f) => f.name);

console.log(
  `fuzz campaign: ${count} inputs per family, seed ${seed}, ${jobs} at a time; ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
const rows: FuzzRow[] = [];
const queue = [...names];
async function lane(): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const row = await fuzzFamily({
      family: name,
      count,
      seed,
      onProgress: (n) => {
        if (n % 10_000 === 0) console.error(`  ${name}: ${n}`);
      },
    });
    rows.push(row);
    console.error(
      `  ${name}: done in ${row.seconds.toFixed(0)} s: ${JSON.stringify({ ...row, problems: row.problems.length })}`,
    );
    if (row.problems.length > 0) {
      mkdirSync("fuzz-findings", { recursive: true });
      for (const p of row.problems) writeFileSync(`fuzz-findings/${name}-${p.index}.bin`, p.bytes);
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, () => lane()));
rows.sort((a, b) => names.indexOf(a.family) - names.indexOf(b.family));

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)} %`;
console.log("\n| family | inputs | ok | typed errors | untyped | slow (> 1 s) | hangs (> 5 s) | seconds |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.family} | ${r.inputs.toLocaleString("en-US")} | ${r.ok.toLocaleString("en-US")} (${pct(r.ok, r.inputs)}) | ${r.typed.toLocaleString("en-US")} | ${r.untyped} | ${r.slow} | ${r.hangs} | ${r.seconds.toFixed(0)} |`,
  );
}
for (const r of rows) for (const p of r.problems) console.log(`${r.family} #${p.index}: ${p.kind}: ${p.message}`);
console.log(`load at the end: ${loadavg()[0]?.toFixed(1)}`);
process.exitCode = rows.some((r) => r.untyped > 0 || r.hangs > 0) ? 1 : 0;
