// Print the error outputs of an executed notebook (cell number, the cell's first lines, the error) and exit 1
// when there is one. Used by notebooks/run.sh, which executes with --allow-errors so that a failing notebook
// still gets written (with its outputs) for inspection.
import { readFileSync } from "node:fs";

const path = process.argv[2];
const nb = JSON.parse(readFileSync(path, "utf8"));
const text = (s) => (Array.isArray(s) ? s.join("") : String(s ?? ""));
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
let errors = 0;
nb.cells.forEach((cell, i) => {
  for (const out of cell.outputs ?? []) {
    if (out.output_type !== "error") continue;
    errors += 1;
    const source = text(cell.source).split("\n");
    const head = source.slice(0, 6).join("\n") + (source.length > 6 ? "\n..." : "");
    const trace = (out.traceback ?? []).join("\n").replace(ansi, "");
    process.stderr.write(`--- cell ${i + 1} failed:\n${head}\n--- ${out.ename}: ${out.evalue}\n${trace}\n\n`);
  }
});
process.exitCode = errors > 0 ? 1 : 0;
