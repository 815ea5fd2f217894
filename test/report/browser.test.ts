/**
 * The report in a real browser: Debian chromium driven by playwright-core opens the generated file from disk,
 * every chart renders (an svg or canvas in each container) under the page's CSP, with no console error, no
 * page error, no dialog (the XSS run name must stay text), no request but the file itself; a spec downloads
 * as JSON. Saves a screenshot under test-output/. Without /usr/bin/chromium: fails in CI (CI=true), skips locally.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { replaySections } from "../../src/report/charts-replay.ts";
import { renderReportHtml } from "../../src/report/page.ts";
import { fixtureResult, XSS_NAME } from "./fixture.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const OUT = fileURLToPath(new URL("../../test-output/", import.meta.url));
const haveChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === "true";

if (!haveChromium && !inCI) {
  console.log(`# browser test skipped: ${CHROMIUM} not found (apt-get install chromium); it fails in CI`);
}

test("chromium is available in CI", { skip: !inCI && !haveChromium ? "not in CI" : false }, () => {
  assert.ok(haveChromium, `${CHROMIUM} is missing: .ci/run must install chromium with apt`);
});

test("the report renders every chart offline under its CSP, the XSS name stays text", {
  skip: haveChromium ? false : `${CHROMIUM} not found`,
  timeout: 120_000,
}, async () => {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, "report-browser.html");
  const sections = [...replaySections(fixtureResult(XSS_NAME)), ...replaySections(fixtureResult())];
  writeFileSync(file, renderReportHtml({ title: `report of ${XSS_NAME}`, sections }));
  const fileUrl = pathToFileURL(file).href;
  const profile = mkdtempSync(join(tmpdir(), "fastface-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    context.on("request", (r) => requests.push(r.url()));

    await page.goto(fileUrl);
    await page.waitForSelector("body[data-charts-ready]", { timeout: 90_000 });
    const figures = page.locator("figure.chart");
    const n = await figures.count();
    assert.equal(n, 8);
    for (let i = 0; i < n; i++) {
      const fig = figures.nth(i);
      assert.equal(await fig.getAttribute("data-rendered"), "true", `chart ${i} rendered`);
      const drawn = await fig.locator(".chart-wrapper > svg, .chart-wrapper > canvas").count();
      assert.equal(drawn, 1, `chart ${i} has an svg or canvas`);
      assert.ok((await fig.locator(".chart-wrapper svg path, .chart-wrapper svg rect").count()) > 0);
    }
    assert.equal(await page.locator("img").count(), 0, "no img element");
    assert.equal(await page.locator("h1").textContent(), `report of ${XSS_NAME}`);
    assert.deepEqual(dialogs, [], "no alert");
    assert.deepEqual(consoleErrors, [], "no console errors");
    assert.deepEqual(pageErrors, [], "no page errors");
    assert.deepEqual(
      requests.filter((u) => u !== fileUrl),
      [],
      "no request but the file",
    );
    await page.screenshot({ path: join(OUT, "report-browser.png"), fullPage: true });

    // Every spec is downloadable as JSON from the page.
    const link = figures.nth(0).locator("a.download");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.match((await link.getAttribute("href")) ?? "", /^blob:/);
    const path = await download.path();
    const spec = JSON.parse(readFileSync(path, "utf8")) as { $schema: string };
    assert.equal(download.suggestedFilename(), "img-src-x-onerror-alert-1-loss.vl.json");
    assert.match(spec.$schema, /vega-lite/);
    assert.deepEqual(consoleErrors, [], "no console errors after the download");
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
