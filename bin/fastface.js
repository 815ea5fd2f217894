#!/usr/bin/env node
// Entry point for the `fastface` bin: runs the built JavaScript in dist/ (made by `npm run build`, which
// `npm ci` / `npm install` run through the `prepare` script; the published package ships dist/).
try {
  await import("../dist/cli/main.js");
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/main.js")) {
    console.error("fastface: dist/ is missing: run `npm run build` (or `npm ci`, which builds it)");
    process.exitCode = 1;
  } else throw e;
}
