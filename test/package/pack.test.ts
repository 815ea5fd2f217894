/**
 * The package a user installs: `npm pack` ships dist/ (JavaScript + .d.ts), the bin, README and LICENSE, and
 * nothing of the repository's tests, benches or data; unpacked into another folder's node_modules (its
 * dependencies linked from this checkout, so no network is needed) it imports and its bin runs.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

describe("npm pack + install from another folder", () => {
  if (!existsSync(join(ROOT, "dist/index.js"))) {
    // `npm test` builds first; a lone `npm run test:unit` may not have
    execFileSync(npm, ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  }
  const work = mkdtempSync(join(tmpdir(), "ff-pack-"));
  // --ignore-scripts: dist/ is already built (prepare would rebuild it under the other tests' feet)
  const packed = JSON.parse(
    execFileSync(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }>; entryCount: number }>;
  const info = packed[0];
  const files = info?.files.map((f) => f.path) ?? [];

  it("ships dist (with types), bin, README and LICENSE only", () => {
    for (const f of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "bin/fastface.js",
      "README.md",
      "LICENSE",
    ]) {
      assert.ok(files.includes(f), f);
    }
    const stray = files.filter((f) => !/^(dist\/|bin\/|README\.md$|LICENSE$|package\.json$)/.test(f));
    assert.deepEqual(stray, []);
    assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; import: string }>;
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.exports["."]?.types, "./dist/index.d.ts");
    assert.ok(!("tsx" in pkg.dependencies), "tsx is a dev dependency");
  });

  it("imports from another folder and its bin runs the built code", () => {
    const consumer = join(work, "consumer");
    const modules = join(consumer, "node_modules");
    mkdirSync(join(modules, "fastface"), { recursive: true });
    execFileSync("tar", [
      "-xzf",
      join(work, info?.filename ?? ""),
      "-C",
      join(modules, "fastface"),
      "--strip-components=1",
    ]);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies)) {
      const scope = dep.includes("/") ? join(modules, dep.split("/")[0] as string) : modules;
      mkdirSync(scope, { recursive: true });
      symlinkSync(join(ROOT, "node_modules", dep), join(modules, dep), "dir");
    }
    writeFileSync(join(consumer, "package.json"), '{"name":"consumer","version":"1.0.0","type":"module"}\n');
    const imp = spawnSync(
      process.execPath,
      ["-e", "import('fastface').then(m => console.log(Object.keys(m).length, typeof m.loadCurve))"],
      { cwd: consumer, encoding: "utf8" },
    );
    assert.equal(imp.status, 0, imp.stderr);
    const [count, kind] = imp.stdout.trim().split(" ");
    assert.ok(Number(count) > 40, imp.stdout);
    assert.equal(kind, "function");
    const bin = join(modules, "fastface/bin/fastface.js");
    const help = spawnSync(process.execPath, [bin, "--version"], { cwd: consumer, encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    const log = join(ROOT, "data/real/detectron2_levi_metrics.json");
    const run = spawnSync(process.execPath, [bin, "ingest", log, "--json"], { cwd: consumer, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as Array<{ format: string }>)[0]?.format, "detectron2");
  });
});

describe("the bin in a checkout", () => {
  it("runs dist/ when it is up to date, the sources through tsx when src/ changed after the build", async () => {
    const { copyFileSync, utimesSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "ff-bin-"));
    for (const d of ["bin", "dist/cli", "src/cli"]) mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(join(ROOT, "bin/fastface.js"), join(dir, "bin/fastface.js"));
    writeFileSync(join(dir, "package.json"), '{"type":"module"}\n');
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "src/cli/main.ts"), 'const from: string = "src";\nconsole.log(from);\n');
    writeFileSync(join(dir, "dist/cli/main.js"), 'console.log("dist");\n');
    const run = () => spawnSync(process.execPath, [join(dir, "bin/fastface.js")], { encoding: "utf8" }).stdout.trim();
    const t = Date.now() / 1000;
    utimesSync(join(dir, "src/cli/main.ts"), t - 100, t - 100);
    utimesSync(join(dir, "dist/cli/main.js"), t - 50, t - 50);
    assert.equal(run(), "dist");
    utimesSync(join(dir, "src/cli/main.ts"), t, t);
    assert.equal(run(), "src");
  });
});
