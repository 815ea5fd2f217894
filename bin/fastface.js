#!/usr/bin/env node
// Entry point for the `fastface` bin: runs the built JavaScript in dist/ (made by `npm run build`, which
// `npm ci` / `npm install` run through the `prepare` script; the published package ships dist/ only).
// In a checkout (src/ beside dist/) whose sources changed after the last build, it runs the sources through
// tsx instead, so an edit is never hidden behind a stale build.
import { existsSync, readdirSync, statSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
const src = new URL("../src/", import.meta.url);

/** True when some file under `dir` was modified after `since` (ms). */
function changedSince(dir, since) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? "/" : ""), dir);
    if (e.isDirectory() ? changedSince(p, since) : statSync(p).mtimeMs > since) return true;
  }
  return false;
}

const built = existsSync(dist) ? statSync(dist).mtimeMs : -1;
if (existsSync(src) && (built < 0 || changedSince(src, built))) {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    console.error("fastface: dist/ is missing or older than src/: run `npm run build` (or `npm ci`, which builds it)");
    process.exit(1);
  }
  register();
  await import("../src/cli/main.ts");
} else {
  await import("../dist/cli/main.js");
}
