import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  listNotebooks,
  type Notebook,
  notebookProblems,
  readNotebook,
  serializeNotebook,
  stripNotebook,
} from "../../notebooks/strip.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const notebooks = listNotebooks(join(root, "notebooks"));

function sourceOf(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

describe("strip", () => {
  const executed: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    cells: [
      { cell_type: "markdown", id: "a", metadata: {}, source: ["# Title"] },
      {
        cell_type: "code",
        id: "b",
        metadata: { execution: { "iopub.status.busy": "2026-01-01T00:00:00Z" }, tags: ["keep"] },
        source: ["1 + 1"],
        execution_count: 3,
        outputs: [{ output_type: "execute_result", data: { "text/plain": "2" }, execution_count: 3, metadata: {} }],
      },
    ],
  };

  test("finds outputs, execution counts and run metadata", () => {
    assert.deepEqual(notebookProblems(executed), [
      "cell 2: 1 output(s)",
      "cell 2: execution_count 3",
      'cell 2: run metadata "execution"',
    ]);
  });

  test("empties outputs and counts, keeps sources and author metadata, leaves the input alone", () => {
    const clean = stripNotebook(executed);
    assert.deepEqual(notebookProblems(clean), []);
    assert.deepEqual(clean.cells[1], {
      cell_type: "code",
      id: "b",
      metadata: { tags: ["keep"] },
      source: ["1 + 1"],
      execution_count: null,
      outputs: [],
    });
    assert.deepEqual(clean.cells[0], executed.cells[0]);
    assert.equal(executed.cells[1]?.execution_count, 3);
  });

  test("serializes like nbformat: sorted keys, one-space indent, trailing newline; stable", () => {
    const text = serializeNotebook(stripNotebook(executed));
    assert.ok(text.startsWith('{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "id": "a",'));
    assert.ok(text.endsWith('"nbformat": 4,\n "nbformat_minor": 5\n}\n'));
    assert.equal(serializeNotebook(stripNotebook(JSON.parse(text) as Notebook)), text);
  });
});

describe("committed notebooks", () => {
  test("the three notebooks are there", () => {
    assert.deepEqual(notebooks.map((p) => basename(p)).filter((n) => /^0[1-3]-/.test(n)).length, 3);
  });

  for (const path of notebooks) {
    const name = basename(path);
    test(`${name}: outputs stripped, Deno kernel, byte-identical to strip.ts output`, () => {
      const nb = readNotebook(path);
      assert.deepEqual(notebookProblems(nb), [], `run: node --import tsx notebooks/strip.ts ${name}`);
      assert.equal((nb.metadata.kernelspec as { name?: string } | undefined)?.name, "deno");
      assert.equal(readFileSync(path, "utf8"), serializeNotebook(stripNotebook(nb)), "run notebooks/strip.ts");
    });

    test(`${name}: imports the project only through its public entry src/index.ts`, () => {
      const nb = readNotebook(path);
      const imports = nb.cells
        .filter((c) => c.cell_type === "code")
        .flatMap((c) => [...sourceOf(c).matchAll(/from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)])
        .map((m) => m[1] ?? m[2] ?? "");
      const project = imports.filter((s) => s.startsWith("../"));
      assert.ok(project.includes("../src/index.ts"), `${name} should import ../src/index.ts`);
      assert.deepEqual(
        project.filter((s) => s !== "../src/index.ts"),
        [],
        "project code is imported from ../src/index.ts only",
      );
    });
  }
});

describe("notebook helpers", () => {
  test("notebooks/lib/*.ts type-check under Deno, offline", { timeout: 120_000 }, () => {
    const deno = spawnSync("bash", [join(root, "notebooks/kernel.sh"), "--print-deno"], { encoding: "utf8" });
    assert.equal(deno.status, 0, deno.stderr);
    const denoDir = mkdtempSync(join(tmpdir(), "fastface-deno-check-"));
    try {
      const dead = "http://127.0.0.1:9";
      const check = spawnSync(deno.stdout.trim(), ["check", "lib/display.ts", "lib/cli.ts"], {
        cwd: join(root, "notebooks"),
        encoding: "utf8",
        env: { ...process.env, DENO_DIR: denoDir, NO_COLOR: "1", HTTP_PROXY: dead, HTTPS_PROXY: dead },
      });
      assert.equal(check.status, 0, `${check.stdout}\n${check.stderr}`);
    } finally {
      rmSync(denoDir, { recursive: true, force: true });
    }
  });
});

function hasNbconvert(): boolean {
  return spawnSync("jupyter-nbconvert", ["--version"], { stdio: "ignore" }).status === 0;
}

describe("notebooks execute headless", () => {
  const available = hasNbconvert();
  const ci = process.env.CI === "true";
  const skip = !available && !ci ? "jupyter-nbconvert not installed (apt-get install jupyter-nbconvert)" : false;

  test("every notebook runs top to bottom with no cell error, and charts render", { skip, timeout: 900_000 }, () => {
    assert.ok(available, "CI=true but jupyter-nbconvert is missing: .ci/run must apt-get install jupyter-nbconvert");
    const out = mkdtempSync(join(tmpdir(), "fastface-nb-test-"));
    try {
      const run = spawnSync("bash", [join(root, "notebooks/run.sh"), "--out", out], { encoding: "utf8" });
      assert.equal(run.status, 0, `notebooks/run.sh failed:\n${run.stdout}\n${run.stderr}`);
      for (const path of notebooks) {
        const name = basename(path);
        const nb = readNotebook(join(out, name));
        const code = nb.cells.filter((c) => c.cell_type === "code");
        assert.ok(
          code.every((c) => typeof c.execution_count === "number"),
          `${name}: every code cell ran`,
        );
        const outputs = code.flatMap((c) => (c.outputs ?? []) as Array<Record<string, unknown>>);
        assert.deepEqual(
          outputs.filter((o) => o.output_type === "error"),
          [],
          `${name}: no error output`,
        );
        const charts = outputs.filter((o) => {
          const data = o.data as Record<string, unknown> | undefined;
          return data?.["application/vnd.vegalite.v5+json"] !== undefined;
        });
        assert.ok(charts.length > 0, `${name}: shows at least one Vega-Lite chart`);
        for (const c of charts) {
          const svg = (c.data as Record<string, unknown>)["image/svg+xml"];
          const text = Array.isArray(svg) ? svg.join("") : String(svg);
          assert.match(text, /^<svg[\s\S]*<\/svg>$/, `${name}: every chart also rendered to SVG`);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
