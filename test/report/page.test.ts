/**
 * The page: escaping (the XSS case), JSON embedding, the Content-Security-Policy (every inline script and
 * style allowed by its exact hash, no eval), self-containment, and the vega-interpreter rewrite.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { interpreterScript, libraryScripts } from "../../src/report/bundles.ts";
import { replaySections } from "../../src/report/charts-replay.ts";
import { escapeHtml, jsonForScript, slug } from "../../src/report/escape.ts";
import { formatValue, renderReportHtml } from "../../src/report/page.ts";
import { fixtureResult, XSS_NAME } from "./fixture.ts";

/** The page without the contents of its <script> elements (the inlined libraries mention tags in strings). */
const markupOnly = (html: string) => html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, "$1$2");

test("escapeHtml escapes the five HTML metacharacters", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
  assert.equal(escapeHtml(null), "");
  assert.equal(escapeHtml(3), "3");
});

test("jsonForScript round-trips and never contains < > & U+2028 U+2029", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string(), (v, s) => {
      const value = { v, s, tricky: `</script><!-- ${s} \u2028\u2029 &` };
      const out = jsonForScript(value);
      assert.ok(!/[<>&\u2028\u2029]/.test(out));
      assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(value)));
    }),
    { seed: 1, numRuns: 300 },
  );
});

test("slug makes ids: lower-case, [a-z0-9-], never empty", () => {
  assert.equal(slug("ms1mv3 R50 (poly).log"), "ms1mv3-r50-poly-log");
  assert.equal(slug(XSS_NAME), "img-src-x-onerror-alert-1");
  assert.equal(slug("<<>>"), "x");
});

test("formatValue: thousands separators for big integers, 4 significant digits otherwise", () => {
  assert.equal(formatValue(202320), "202,320");
  assert.equal(formatValue(4000), "4000");
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(5e-5), "5.000e-5");
  assert.equal(formatValue(true), "true");
});

test("XSS: a run named <img src=x onerror=alert(1)> renders as text everywhere", () => {
  const sections = replaySections(fixtureResult(XSS_NAME));
  const html = renderReportHtml({ title: XSS_NAME, subtitle: XSS_NAME, sections });
  const markup = markupOnly(html);
  assert.ok(!/<img/i.test(markup), "no raw <img in the page's markup");
  assert.ok(!markup.includes("onerror=alert(1)>"), "never unescaped");
  assert.ok(html.includes(`<title>&lt;img src=x onerror=alert(1)&gt;</title>`));
  assert.ok(html.includes(`<h1>&lt;img src=x onerror=alert(1)&gt;</h1>`));
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;: loss</h2>"));
  // In the embedded specs the name is JSON with < and > escaped.
  const specs = /<script type="application\/json" id="fastface-specs">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  assert.ok(specs.length > 0);
  assert.ok(!specs.includes("<"));
  assert.ok(JSON.parse(specs).length === 4);
});

test("CSP: default-src 'none', no unsafe-eval/unsafe-inline, and every inline script/style hashed", () => {
  const html = renderReportHtml({ title: "t", sections: replaySections(fixtureResult()) });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp);
  assert.match(csp, /default-src 'none'/);
  assert.ok(!csp.includes("unsafe-eval") && !csp.includes("unsafe-inline"));
  assert.ok(!/https?:/.test(csp), "no network source allowed");
  const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
  const styleSrc = csp.split(";").find((d) => d.trim().startsWith("style-src")) ?? "";
  const hash = (t: string) => `'sha256-${createHash("sha256").update(t, "utf8").digest("base64")}'`;
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
  assert.equal(scripts.length, 4, "vega, vega-embed, vega-interpreter, page script");
  for (const s of scripts) assert.ok(scriptSrc.includes(hash(s)), "inline script hash in script-src");
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? "");
  assert.equal(styles.length, 1);
  assert.ok(styleSrc.includes(hash(styles[0] ?? "")));
  // Self-contained: no external resource reference.
  const markup = markupOnly(html);
  assert.ok(!/<(script|link|img|iframe)[^>]+(src|href)=/i.test(markup), "no external resource");
  assert.ok(!/<link\b/i.test(markup));
});

test("every chart has a container and a download link; ids are unique across runs", () => {
  const html = renderReportHtml({
    title: "two runs with one name",
    sections: [...replaySections(fixtureResult("same")), ...replaySections(fixtureResult("same"))],
  });
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, "unique ids");
  const figures = [...html.matchAll(/<figure class="chart" id="([^"]+)">/g)];
  assert.equal(figures.length, 8);
  assert.equal([...html.matchAll(/<a class="download" href="#" download="[^"]+\.vl\.json">/g)].length, 8);
});

test("library scripts are inline-safe and cached", () => {
  const a = libraryScripts();
  assert.deepEqual(
    a.map((s) => s.name),
    ["vega", "vega-embed", "vega-interpreter"],
  );
  for (const s of a) assert.ok(!/<\/script|<!--/i.test(s.text));
  assert.equal(libraryScripts(), a, "same cached array");
  assert.match(a[2]?.text ?? "", /globalThis\.vegaInterpreter = \{ expressionInterpreter: /);
});

test("each chart travels as its Vega-Lite spec (download) and its Vega compilation (drawn); a bad spec shows its error", () => {
  const good = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    mark: "point",
    data: { values: [{ x: 1 }] },
  };
  const html = renderReportHtml({
    title: "t",
    sections: [
      {
        id: "s",
        title: "S",
        charts: [
          { id: "good", title: "good", spec: good },
          { id: "bad", title: "bad", spec: { mark: "no-such-mark", data: { values: [] } } },
        ],
      },
    ],
  });
  const json = /<script type="application\/json" id="fastface-specs">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  const charts = JSON.parse(json) as Array<{ spec: unknown; vega: { $schema?: string } | null; error?: string }>;
  assert.equal(charts.length, 2);
  assert.deepEqual(charts[0]?.spec, good);
  assert.match(charts[0]?.vega?.$schema ?? "", /schema\/vega\/v6/);
  assert.equal(charts[1]?.vega, null);
  assert.ok((charts[1]?.error ?? "").length > 0, "Vega-Lite's error message travels to the page");
});

test("interpreterScript rewrites the module's one import and one export, and rejects other shapes", () => {
  const out = interpreterScript(
    "import { ascending, isString } from 'vega-util';\nconst expression = { a: 1 };\nexport { expression as expressionInterpreter };\n",
  );
  assert.ok(out.includes("const { ascending, isString } = vega;"));
  assert.ok(out.includes("globalThis.vegaInterpreter = { expressionInterpreter: expression };"));
  assert.ok(!/^\s*(import|export)\b/m.test(out));
  const g = { vega: { ascending: 1, isString: 2 } } as Record<string, unknown>;
  new Function("globalThis", out)(g);
  assert.deepEqual(g.vegaInterpreter, { expressionInterpreter: { a: 1 } });
  assert.throws(
    () => interpreterScript("import x from 'y';\nexport { e as expressionInterpreter };"),
    /expected shape/,
  );
  assert.throws(() => interpreterScript("import { a } from 'vega-util';\nexport default 1;"), /expected shape/);
});
