/**
 * Run the fastface CLI from a notebook (Deno kernel) in a Node.js subprocess and return its `--json` output.
 *
 * For the jobs that should not run inside the kernel: the sweep's worker_threads pool (Deno's Node compatibility
 * layer drops the messages a parent posts before the worker has attached its listener, so the pool would hang),
 * and long fits. The JSON printed by `--json` is the library's result object, so the notebook continues with the
 * library's report builders in-process.
 */

const BIN = new URL("../../bin/fastface.js", import.meta.url);

/** The command line as the user would type it (for printing). */
export function commandLine(args: readonly string[]): string {
  return ["fastface", ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

/**
 * `node bin/fastface.js <args> --json`; resolves to the parsed JSON, throws with the CLI's stderr on a non-zero exit.
 *
 * @example
 * const summary = await fastface(["sweep", "../data/logs/x.log", "--scheduler", "fastface", "--out", db]);
 */
export async function fastface(args: readonly string[]): Promise<unknown> {
  const full = args.includes("--json") ? [...args] : [...args, "--json"];
  const run = await new Deno.Command("node", {
    args: [decodeURIComponent(BIN.pathname), ...full],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!run.success) throw new Error(`${commandLine(full)} failed (exit ${run.code}):\n${decode(run.stderr)}`);
  return JSON.parse(decode(run.stdout));
}
