/**
 * The page: escaping (the XSS case), JSON embedding, the Content-Security-Policy (every inline script and
 * style allowed by its exact hash, no eval), self-containment, and the vega-interpreter rewrite.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { INTERPRETER_PATCHES, interpreterScript, libraryScripts } from "../../src/report/bundles.ts";
import { DataStore, fromColumnar, toColumnar } from "../../src/report/datasets.ts";
import { escapeHtml, jsonForScript, slug } from "../../src/report/escape.ts";
import { formatValue, renderReportHtml } from "../../src/report/page.ts";
import { replayPage } from "../../src/report/replay-page.ts";
import { replaySections } from "../../src/report/sections-replay.ts";
import type { DataRow } from "../../src/report/types.ts";
import { fixtureCurve, fixtureResult, HOSTILE, hostileResult, XSS_NAME } from "./fixture.ts";

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

/** The page's JSON (charts, data store, tables). */
function pageJson(html: string): {
  charts: Array<{
    domId: string;
    spec: Record<string, unknown>;
    names: string[];
    vega: Record<string, unknown> | null;
    error?: string;
  }>;
  data: Record<string, { columns: string[]; values: unknown[][] }>;
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
} {
  const json = /<script type="application\/json" id="fastface-page">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  assert.ok(json.length > 0, "the page JSON is there");
  assert.ok(!/[<>&]/.test(json), "no < > & inside the script element");
  return JSON.parse(json);
}

test("XSS: a run named <img src=x onerror=alert(1)> renders as text everywhere", () => {
  const sections = replaySections(fixtureResult(XSS_NAME));
  const html = renderReportHtml({ title: XSS_NAME, subtitle: XSS_NAME, sections });
  const markup = markupOnly(html);
  assert.ok(!/<img/i.test(markup), "no raw <img in the page's markup");
  assert.ok(!markup.includes("onerror=alert(1)>"), "never unescaped");
  assert.ok(html.includes(`<title>&lt;img src=x onerror=alert(1)&gt;</title>`));
  assert.ok(html.includes(`<h1>&lt;img src=x onerror=alert(1)&gt;</h1>`));
  assert.ok(html.includes("<h2>&lt;img src=x onerror=alert(1)&gt;</h2>"));
  assert.equal(pageJson(html).charts.length, 4);
});

test("hostile tag, config keys and values, column and benchmark names, warnings: text everywhere, never in an expression", () => {
  const doc = replayPage([{ result: hostileResult() }, { result: fixtureResult() }]);
  const html = renderReportHtml(doc);
  const markup = markupOnly(html);
  for (const bad of [...Object.values(HOSTILE), XSS_NAME]) {
    assert.ok(!markup.includes(bad), `never raw in the markup: ${bad}`);
    assert.ok(markup.includes(escapeHtml(bad)), `shown escaped: ${bad}`);
  }
  assert.ok(!/<(img|svg|b)\b/i.test(markup), "no element from a user string");
  const tags = markup.match(/<[a-z][^>]*>/gi) ?? [];
  assert.ok(tags.length > 100, "tags found");
  for (const t of tags) assert.ok(!/\son\w+\s*=/i.test(t), `no event handler attribute: ${t}`);
  const page = pageJson(html);
  // user strings travel as data (rows, legend domains, labels), never inside a Vega expression
  const exprs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (
          (k === "expr" || k === "calculate" || k === "filter" || k === "test" || k === "update" || k === "signal") &&
          typeof x === "string"
        )
          exprs.push(x);
        walk(x);
      }
    }
  };
  for (const c of page.charts) {
    walk(c.spec);
    walk(c.vega);
  }
  assert.ok(exprs.length > 10, "expressions found");
  for (const e of exprs) {
    for (const bad of [...Object.values(HOSTILE), XSS_NAME])
      assert.ok(!e.includes(bad), `expression holds a user string: ${e}`);
  }
  // and the tables' downloads carry them as data
  assert.ok(
    Object.values(page.tables).some((t) => t.rows.some((r) => r.includes(HOSTILE.configValue))),
    "the config table's download holds the value as it is",
  );
});

test("each chart's data travels once: specs name their data sets, the store holds each set once", () => {
  const run = { result: fixtureResult(), curve: fixtureCurve() };
  const html = renderReportHtml(replayPage([run]));
  const page = pageJson(html);
  const values = (v: unknown): number => {
    if (Array.isArray(v)) return v.reduce((a: number, x) => a + values(x), 0);
    if (!v || typeof v !== "object") return 0;
    return Object.entries(v).reduce(
      (a, [k, x]) => a + (k === "values" && Array.isArray(x) && typeof x[0] === "object" ? 1 : values(x)),
      0,
    );
  };
  for (const c of page.charts) {
    assert.equal((c.spec as { datasets?: unknown }).datasets, undefined, "no datasets left in the Vega-Lite spec");
    assert.equal(values(c.spec), 0, "no inline rows in the Vega-Lite spec");
    assert.equal(values(c.vega), 0, "no inline rows in the Vega spec");
    for (const n of c.names) assert.ok(page.data[n], `data set ${n} stored`);
  }
  // the run's plateaus are drawn by the main and both detector charts, and stored once
  const users = page.charts.filter((c) => c.names.includes("r50_fixture_plateaus"));
  assert.equal(users.length, 3);
  // the raw loss (every trace point here: there are fewer than 1000) and the smoothed set, each stored once
  const loss = page.data.r50_fixture_loss!;
  assert.deepEqual(loss.columns, ["step", "time", "loss"]);
  assert.equal(loss.values[0]!.length, fixtureResult().traces!.step.length);
  assert.deepEqual(page.data.r50_fixture_smooth!.columns, ["step", "time", "loss", "ema", "s1", "s2", "s3", "s4"]);
  const count = html.split("r50_fixture_loss").length - 1;
  assert.ok(count <= 1 + page.charts.length * 4, "the name is referenced, the rows are not repeated");
});

test("inline data of any kind is moved into the store too, and a clash of names is an error", () => {
  const store = new DataStore();
  const { spec, names } = store.take(
    {
      layer: [
        { data: { values: [{ x: 1 }], format: { parse: null } }, mark: "point" },
        { data: { values: [{ y: 2 }] }, mark: "rule" },
      ],
    },
    "c",
  );
  assert.deepEqual(names, ["c_0", "c_1"]);
  assert.deepEqual(spec, {
    layer: [
      { data: { name: "c_0", format: { parse: null } }, mark: "point" },
      { data: { name: "c_1" }, mark: "rule" },
    ],
  });
  assert.deepEqual(store.toJSON().c_0, { columns: ["x"], values: [[1]] });
  store.take({ datasets: { shared: [{ a: 1 }] } });
  store.take({ datasets: { shared: [{ a: 1 }] } }); // same rows: fine
  assert.throws(() => store.take({ datasets: { shared: [{ a: 2 }] } }), /defined twice/);
});

test("toColumnar / fromColumnar round-trip rows (missing keys and non-finite numbers become null)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record(
          { step: fc.integer(), loss: fc.option(fc.double(), { nil: undefined }), name: fc.string() },
          { requiredKeys: ["step", "name"] },
        ),
      ),
      (rows) => {
        const back = fromColumnar(toColumnar(rows as DataRow[]));
        assert.equal(back.length, rows.length);
        rows.forEach((r, i) => {
          assert.equal(back[i]!.step, r.step);
          assert.equal(back[i]!.name, r.name);
          const l = r.loss;
          assert.equal(back[i]!.loss ?? null, l === undefined || !Number.isFinite(l) ? null : l);
        });
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

test("tables marked for download travel as data with CSV/JSON links; the others do not", () => {
  const html = renderReportHtml(replayPage([{ result: fixtureResult() }]));
  const page = pageJson(html);
  const links = [
    ...html.matchAll(/<a class="download" href="#" data-table="([^"]+)" data-format="(csv|json)" download="([^"]+)">/g),
  ];
  assert.ok(links.length >= 8);
  for (const [, id, fmt, file] of links) {
    assert.ok(page.tables[id!], `table ${id} stored`);
    assert.ok(file!.endsWith(`.${fmt}`));
  }
  const evals = Object.values(page.tables).find((t) => t.columns.join() === "benchmark,metric,value,std,step");
  assert.ok(evals, "the evaluations download is the long form");
  assert.equal(evals.rows.length, fixtureResult().curve.evaluations!.length);
});

test("summary first: run source, headline and main chart before the folded details", () => {
  const html = markupOnly(renderReportHtml(replayPage([{ result: fixtureResult() }])));
  const at = (needle: string) => {
    const i = html.indexOf(needle);
    assert.ok(i >= 0, needle);
    return i;
  };
  const headline = at('<ul class="headline">');
  const main = at('id="chart-r50-fixture-main"');
  const firstFold = at('<details class="fold"');
  assert.ok(at('<p class="source">') < headline && headline < main && main < firstFold);
  assert.ok(at("fastface: 2 decays from step 1,500; removed 2 of 2 plateaus (mean detection lag 500 steps") < main);
  for (const title of [
    "Schedulers, decays and plateaus (tables)",
    "Run metadata and config",
    "Every evaluation (table)",
  ]) {
    assert.ok(at(`<summary><h3>${title}</h3></summary>`) > main, title);
  }
});

test("CSP: default-src 'none', no unsafe-eval/unsafe-inline, and every inline script/style hashed", () => {
  const html = renderReportHtml(replayPage([{ result: fixtureResult(), curve: fixtureCurve() }]));
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
  assert.ok(!/\sstyle=/i.test(markup), "no style attribute (the CSP would block it)");
});

test("every chart has a container and a download link; ids and data sets are unique across runs with one name", () => {
  const html = renderReportHtml(replayPage([{ result: fixtureResult("same") }, { result: fixtureResult("same") }]));
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, "unique ids");
  const figures = [...html.matchAll(/<figure class="chart" id="([^"]+)">/g)];
  assert.equal(figures.length, 2 + 2 * 4, "overlay + lead, then main, evaluations and two detectors per run");
  assert.equal(
    [...html.matchAll(/<a class="download" href="#" data-spec="1" download="[^"]+\.vl\.json">/g)].length,
    figures.length,
  );
  const page = pageJson(html);
  assert.ok(page.data.same_loss && page.data.same_2_loss, "the second run gets its own key");
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
  for (const [from, to] of INTERPRETER_PATCHES) {
    assert.ok(
      a[2]!.text.includes(to) && !a[2]!.text.includes(from),
      `the installed vega-interpreter is patched: ${to}`,
    );
  }
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
  const charts = pageJson(html).charts;
  assert.equal(charts.length, 2);
  assert.deepEqual(charts[0]?.spec, { ...good, data: { name: "chart_good_0" } });
  assert.match(String(charts[0]?.vega?.$schema ?? ""), /schema\/vega\/v6/);
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
