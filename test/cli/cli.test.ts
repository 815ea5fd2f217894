/**
 * The command line as a newcomer meets it: --version, --quiet / --verbose, NO_COLOR, a description for every
 * option, help examples on one line each, `-s` wherever a scheduler is named, output folders created.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import yargs, { type Argv } from "yargs";
import { commands } from "../../src/cli/commands/index.ts";
import { useColor } from "../../src/cli/output.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LOG = join(ROOT, "data/retrain/synthetic_mlp_fastface_quarter.log");
// the bin: dist/ when it is up to date (`npm test` builds first), else the sources through tsx
const BIN = join(ROOT, "bin/fastface.js");
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "", ...env },
  });

interface Introspect {
  getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
  getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } };
}

describe("fastface CLI conventions", () => {
  it("--version prints package.json's version", () => {
    const r = cli(["--version"]);
    assert.equal(r.status, 0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it("every option of every command has a description", () => {
    for (const c of commands) {
      const y = yargs([]);
      (c.builder as (y: Argv) => Argv)(y);
      const i = y as unknown as Introspect;
      const aliases = new Set(Object.values(i.getOptions().alias).flat());
      const described = i.getInternalMethods().getUsageInstance().getDescriptions();
      const missing = Object.keys(i.getOptions().key).filter(
        (k) => !aliases.has(k) && k !== "help" && k !== "version" && !described[k],
      );
      assert.deepEqual(missing, [], `${String(c.command)}: options without a description`);
    }
  });

  it("help examples stay on one line each, so they can be copied", () => {
    for (const name of ["sweep", "fit", "ingest", "replay"]) {
      const help = cli([name, "--help"], { COLUMNS: "80" }).stdout;
      const examples =
        help
          .split("Examples:")[1]
          ?.split("\n\n")[0]
          ?.split("\n")
          .filter((l) => l.trim()) ?? [];
      assert.ok(examples.length > 0, name);
      for (const line of examples) assert.match(line, /^ {2}fastface /, `${name}: a wrapped example line: ${line}`);
    }
  });

  it("-s names the scheduler in sweep like in replay and simulate", () => {
    const r = cli(["sweep", LOG, "-s", "fastface", "--grid", "tau=0.01,0.02", "--out", "/dev/null/x.duckdb"]);
    assert.doesNotMatch(r.stderr, /Missing required argument: scheduler/);
  });

  it("--quiet drops warnings and notes but keeps results and errors; --verbose adds timings", () => {
    const normal = cli(["replay", LOG]);
    assert.equal(normal.status, 0, normal.stderr);
    assert.match(normal.stderr, /warning \[W_/);
    const quiet = cli(["replay", LOG, "--quiet"]);
    assert.equal(quiet.status, 0);
    assert.equal(quiet.stderr, "");
    const noTimes = (s: string) => s.replace(/[\d.]+ ns\/step/g, "");
    assert.equal(noTimes(quiet.stdout), noTimes(normal.stdout));
    const err = cli(["-q", "ingest", "no/such/file.log"]);
    assert.equal(err.status, 3);
    assert.match(err.stderr, /does not exist/);
    const verbose = cli(["replay", LOG, "--verbose"]);
    assert.match(verbose.stderr, /fastface replay: done in \d+\.\d\d s/);
    assert.equal(cli(["-q", "-v", "replay", LOG]).status, 2);
  });

  it("colour only on a terminal and never with NO_COLOR; FORCE_COLOR forces it", () => {
    assert.equal(useColor({}, false), false);
    assert.equal(useColor({}, true), true);
    assert.equal(useColor({ NO_COLOR: "1" }, true), false);
    assert.equal(useColor({ TERM: "dumb" }, true), false);
    assert.equal(useColor({ FORCE_COLOR: "1" }, false), true);
    assert.equal(useColor({ FORCE_COLOR: "1", NO_COLOR: "1" }, false), false);
    const forced = cli(["ingest", LOG, "--tag", "x"], { FORCE_COLOR: "1" });
    const ESC = String.fromCharCode(27);
    assert.ok(forced.stderr.includes(`${ESC}[31mfastface: `), forced.stderr);
    const plain = cli(["ingest", LOG, "--tag", "x"], { FORCE_COLOR: "1", NO_COLOR: "1" });
    assert.ok(!plain.stderr.includes(ESC), plain.stderr);
  });

  it("a closed stdout pipe ends quietly", () => {
    const r = spawnSync("sh", ["-c", `node bin/fastface.js inspect ${LOG} | head -1`], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.doesNotMatch(r.stderr, /EPIPE/);
  });
});

describe("output folders are created", () => {
  const dir = mkdtempSync(join(tmpdir(), "ff-cli-out-"));

  it("sweep --out sweeps/x.duckdb creates sweeps/", () => {
    const out = join(dir, "sweeps", "nested", "x.duckdb");
    const r = cli(["sweep", LOG, "-s", "fastface", "--grid", "tau=0.01,0.02", "--out", out, "--workers", "1", "-q"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(out));
    assert.equal(r.stderr, "", "--quiet works with a command that logs per batch under --verbose");
  });

  it("replay --report and ingest --out into folders that do not exist yet", () => {
    const report = join(dir, "reports", "deep", "r.html");
    const r = cli(["replay", LOG, "--report", report]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(report));
    const curve = join(dir, "curves", "deep", "c.arrow");
    assert.equal(cli(["ingest", LOG, "--out", curve]).status, 0);
    assert.ok(existsSync(curve));
  });
});

describe("fit / simulate show progress on a terminal (like sweep), nothing elsewhere", () => {
  const hasScript = existsSync("/usr/bin/script");
  const fit = `node bin/fastface.js fit ${join(ROOT, "data/retrain/synthetic_mlp_multistep_baseline.log")} --model multipower --starts 1 --iterations 20 --points 40`;
  const inTty = (cmd: string) =>
    spawnSync("/usr/bin/script", ["-qec", cmd, "/dev/null"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });

  it("a phase bar on a TTY; none under --quiet", {
    skip: hasScript ? false : "no /usr/bin/script for a pseudo-terminal",
  }, () => {
    const r = inTty(fit);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /fit \|[-=]+\| 1\/1 fitting multipower/);
    assert.match(r.stdout, /model: multipower/);
    assert.doesNotMatch(inTty(`${fit} --quiet`).stdout, /fit \|/);
  });
});

describe("a fresh clone stays clean", () => {
  it("outputs users write are gitignored: data/curves/, model.json, runs/, sweeps/, reports/*.html, dist/", () => {
    const paths = [
      "data/curves/x.arrow",
      "model.json",
      "runs/a/training.log",
      "sweeps/s.duckdb",
      "reports/r.html",
      "dist/index.js",
    ];
    const r = spawnSync("git", ["check-ignore", "--no-index", ...paths], { cwd: ROOT, encoding: "utf8" });
    assert.deepEqual(r.stdout.trim().split("\n").sort(), [...paths].sort());
    const kept = spawnSync("git", ["check-ignore", "--no-index", "reports/README.md", "data/real/x.json"], {
      cwd: ROOT,
    });
    assert.equal(kept.status, 1, "reports/README.md and data/ stay tracked");
  });

  it("no test or bench reads ../shared (the tests use data/, which the clone has)", () => {
    const r = spawnSync("grep", ["-rlE", "\\.\\./shared|/work/shared", "test", "bench", "--include=*.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const offenders = r.stdout
      .trim()
      .split("\n")
      .filter((f) => f.length > 0 && f !== "test/cli/cli.test.ts");
    assert.deepEqual(offenders, []);
  });

  it("fit --out creates the folder of model.json (no bar off a terminal); simulate --model-from shows its phase bar on a TTY", {
    skip: existsSync("/usr/bin/script") ? false : "no /usr/bin/script",
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), "ff-fit-out-"));
    const model = join(dir, "models", "m.json");
    const log = join(ROOT, "data/retrain/synthetic_mlp_multistep_baseline.log");
    const fit = cli([
      "fit",
      log,
      "--model",
      "multipower",
      "--starts",
      "1",
      "--iterations",
      "20",
      "--points",
      "40",
      "--out",
      model,
    ]);
    assert.equal(fit.status, 0, fit.stderr);
    assert.ok(existsSync(model));
    assert.doesNotMatch(fit.stderr, /fit \|/, "no bar when stderr is not a terminal");
    const sim = spawnSync(
      "/usr/bin/script",
      [
        "-qec",
        `node --import tsx src/cli/main.ts simulate ${log} --model-from ${model} --seeds 1 --budget 0.5`,
        "/dev/null",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    assert.equal(sim.status, 0, sim.stdout);
    assert.match(sim.stdout, /simulate \|[-=]+\| 1\/1 closed loop: 2 scheduler\(s\) x 1 seed\(s\)/);
  });

  it("fit --out refuses to overwrite an existing model file without --force (exit 3, before fitting), like every other output", () => {
    const dir = mkdtempSync(join(tmpdir(), "ff-fit-exists-"));
    const model = join(dir, "m.json");
    writeFileSync(model, "keep me\n");
    const log = join(ROOT, "data/retrain/synthetic_mlp_multistep_baseline.log");
    const fast = ["--model", "multipower", "--starts", "1", "--iterations", "20", "--points", "40"];
    const again = cli(["fit", log, ...fast, "--out", model]);
    assert.equal(again.status, 3, again.stderr);
    assert.match(again.stderr, /m\.json: exists; pass --force to overwrite it/);
    assert.equal(readFileSync(model, "utf8"), "keep me\n", "the file is untouched");
    const forced = cli(["fit", log, ...fast, "--out", model, "--force"]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(readFileSync(model, "utf8"), /"kind"/);
  });
});
