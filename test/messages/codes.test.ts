/**
 * The message catalogue (src/messages/): one dialect (flat `export const E_CODE = "E_CODE"` / `W_CODE` constants
 * and one exported text per message), every error and warning code named anywhere in src/ declared exactly once,
 * no code written as a string literal outside the catalogue, and no declared code that nothing raises.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SRC, sourceFiles } from "../architecture/imports.ts";

const MESSAGES = join(SRC, "messages");
/** Catalogues still in the object dialect (`W = {...}`, `E = {...}`, `msg = {...}`): none since issue 14 landed. */
const OBJECT_DIALECT_PENDING = new Set<string>();

const CODE = /\b[EW]_[A-Z][A-Z0-9_]*[A-Z0-9]\b/g; // `E_SWEEP_*` (a prefix in prose) is not a code
const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

interface Declaration {
  code: string;
  file: string;
}

function declarations(): Declaration[] {
  const out: Declaration[] = [];
  for (const file of readdirSync(MESSAGES).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(MESSAGES, file), "utf8");
    for (const m of text.matchAll(/^export const ([EW]_[A-Z0-9_]+) = "([^"]*)";$/gm)) {
      assert.equal(m[2], m[1], `${file}: ${m[1]} is declared with the value "${m[2]}"`);
      out.push({ code: m[1]!, file });
    }
    if (OBJECT_DIALECT_PENDING.has(file)) {
      for (const m of text.matchAll(/^ {2}\w+: "([EW]_[A-Z0-9_]+)",$/gm)) out.push({ code: m[1]!, file });
    }
  }
  return out;
}

const declared = declarations();
const uses = new Map<string, Set<string>>();
for (const f of sourceFiles().filter((f) => !f.startsWith("messages/"))) {
  for (const m of readFileSync(join(SRC, f), "utf8").matchAll(CODE)) {
    if (!uses.has(m[0])) uses.set(m[0], new Set());
    uses.get(m[0])!.add(f);
  }
}

describe("message catalogue", () => {
  test("every catalogue is in the flat dialect", () => {
    const objects = readdirSync(MESSAGES)
      .filter((f) => f.endsWith(".ts") && !OBJECT_DIALECT_PENDING.has(f))
      .filter((f) => /^export const (W|E|msg) = \{/m.test(readFileSync(join(MESSAGES, f), "utf8")));
    assert.deepEqual(objects, []);
  });

  test("the reader finds the catalogue's codes", () => {
    assert.ok(declared.length > 60, `only ${declared.length} declarations read`);
    assert.ok(declared.some((d) => d.code === "W_RESUMED_RUN" && d.file === "ingest.ts"));
  });

  test("every code is declared exactly once", () => {
    const seen = new Map<string, string[]>();
    for (const d of declared) seen.set(d.code, [...(seen.get(d.code) ?? []), d.file]);
    assert.deepEqual(
      [...seen].filter(([, files]) => files.length > 1).map(([code, files]) => `${code}: ${files.join(", ")}`),
      [],
    );
  });

  test("every code named in src/ (code, comments, texts) is declared", () => {
    const known = new Set(declared.map((d) => d.code));
    const named = new Map(uses);
    for (const file of readdirSync(MESSAGES)) {
      for (const m of readFileSync(join(MESSAGES, file), "utf8").matchAll(CODE)) {
        named.set(m[0], new Set([...(named.get(m[0]) ?? []), `messages/${file}`]));
      }
    }
    assert.deepEqual(
      [...named.keys()].filter((c) => !known.has(c)).map((c) => `${c} (${[...(named.get(c) ?? [])].join(", ")})`),
      [],
    );
  });

  test("no code is a string literal outside src/messages/", () => {
    const literal = /["'`]([EW]_[A-Z][A-Z0-9_]*)["'`]/g;
    const found: string[] = [];
    for (const f of sourceFiles().filter((f) => !f.startsWith("messages/"))) {
      for (const m of stripComments(readFileSync(join(SRC, f), "utf8")).matchAll(literal)) found.push(`${f}: ${m[1]}`);
    }
    assert.deepEqual(found, []);
  });

  test("every declared code is raised somewhere in src/", () => {
    assert.deepEqual(
      // an object-dialect catalogue is used by key (`E.margin`), so only flat declarations are checked
      declared
        .filter((d) => !OBJECT_DIALECT_PENDING.has(d.file) && !uses.has(d.code))
        .map((d) => `${d.code} (${d.file})`),
      [],
    );
  });
});
