/**
 * The in-place CSV scanner, the bounded line reader and the O(n) curve helpers (issue 17): known answers,
 * quoted newlines, chunking anywhere, and equivalence with the straightforward implementations they replace.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import fc from "fast-check";
import { makeCurve, medianGap, selectKth } from "../../src/curve/clean.ts";
import { Growable } from "../../src/curve/columns.ts";
import { expandHold } from "../../src/curve/expand.ts";
import { ParseError, Warnings } from "../../src/errors.ts";
import { readLines } from "../../src/ingest/reader.ts";
import { DelimitedParser, parseTable } from "../../src/ingest/table.ts";

const arr = (a: Float64Array | undefined) => (a === undefined ? undefined : Array.from(a));

describe("CSV scanner", () => {
  it("a quoted newline stays inside its field; line numbers count physical lines", () => {
    const w = new Warnings();
    const text = 'step,note,loss\n1,"two\nlines",2.5\n2,"say ""hi""",2.25\n3,x,bad\n4,"a,b",2\n';
    const c = parseTable(text, "q.csv", "csv", { warnings: w });
    assert.deepEqual(arr(c.columns.step), [1, 2, 4]);
    assert.deepEqual(arr(c.columns.loss), [2.5, 2.25, 2]);
    assert.match(w.list.find((x) => x.code === "W_MALFORMED_LINES")?.message ?? "", /line\(s\) 5$/);
  });

  it("quoted numbers, CRLF, blank lines, spaces around numbers, nan / inf", () => {
    const c = parseTable('step,loss,lr\r\n\r\n 10 , "2.5" ,0.1\r\n20,nan,\r\n30,-inf,1e-3\r\n', "q.csv", "csv");
    assert.deepEqual(arr(c.columns.step), [10, 20, 30]);
    assert.equal(c.columns.loss[0], 2.5);
    assert.ok(Number.isNaN(c.columns.loss[1]));
    assert.equal(c.columns.loss[2], Number.NEGATIVE_INFINITY);
    assert.deepEqual(arr(c.columns.lr)?.slice(2), [0.001]);
  });

  it("a quote that never closes is a ParseError naming its line", () => {
    assert.throws(
      () => parseTable('step,loss\n1,2\n2,"3\n3,4\n', "q.csv", "csv"),
      (e: unknown) => e instanceof ParseError && e.location.line === 3 && /never closes/.test(e.message),
    );
  });

  it("a record longer than the cap is a ParseError naming its line", () => {
    const p = new DelimitedParser("big.csv", "csv", { maxLineBytes: 100 });
    p.push("step,loss\n1,2\n");
    assert.throws(
      () => p.push(`3,"${"x".repeat(200)}`),
      (e: unknown) => e instanceof ParseError && e.location.line === 3 && /longer than 100 bytes/.test(e.message),
    );
  });

  it("equals a split-based reference on random tables, quoted or not, cut into random chunks", () => {
    const num = fc.oneof(
      fc.integer({ min: -1e6, max: 1e6 }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map(String),
      fc.constantFrom("nan", "inf", "-inf", "", " 1.5 ", "1e-7", "0.30000000000000004", "x1", "1x"),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 1e6 }), num, num, fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rows, cuts) => {
          const lines = rows.map(([s, l, lr, quote]) => (quote ? `${s},"${l}",${lr}` : `${s},${l},${lr}`));
          const text = `step,loss,lr\n${lines.join("\n")}\n`;
          const p = new DelimitedParser("r.csv", "csv");
          const at = [...new Set(cuts.map((c) => c % text.length))].sort((a, b) => a - b);
          let prev = 0;
          for (const c of [...at, text.length]) {
            p.push(text.slice(prev, c));
            prev = c;
          }
          let got: number[] | string;
          try {
            got = Array.from(p.finish().columns.loss);
          } catch (e) {
            got = e instanceof ParseError ? "no points" : String(e);
          }
          const ref = reference(rows);
          assert.deepEqual(got, ref);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });
});

/** What the old split-and-Number() parser gave: losses of rows with a number loss, in order; latest wins. */
function reference(rows: Array<[number, string, string, boolean]>): number[] | string {
  const cell = (c: string): number | undefined | "bad" => {
    const t = c.trim().toLowerCase();
    if (t === "") return undefined;
    if (t === "nan") return Number.NaN;
    if (t === "inf") return Number.POSITIVE_INFINITY;
    if (t === "-inf") return Number.NEGATIVE_INFINITY;
    const v = Number(t);
    return Number.isNaN(v) ? "bad" : v;
  };
  const kept: Array<[number, number]> = [];
  for (const [s, l] of rows) {
    const v = cell(l);
    if (v === "bad" || v === undefined) continue;
    while (kept.length > 0 && (kept[kept.length - 1] as [number, number])[0] >= s) kept.pop();
    kept.push([s, v]);
  }
  return kept.length === 0 ? "no points" : kept.map((k) => k[1]);
}

describe("bounded line reader", () => {
  const collect = async (chunks: string[], max?: number) => {
    const out: string[] = [];
    let lines = 0;
    await readLines(
      Readable.from(chunks.map((c) => Buffer.from(c))),
      (b, s, e) => {
        const t = b.toString("utf8", s, e);
        out.push(t);
        lines += t.split("\n").length - 1;
      },
      { source: "r.log", maxLineBytes: max, lineNumber: () => lines + 1 },
    );
    return out.join("");
  };

  it("delivers whole lines across chunk boundaries, drops a BOM, keeps multi-byte characters whole", async () => {
    assert.equal(await collect(["\uFEFFab", "c\nd", "é\nf"]), "abc\ndé\nf");
    assert.equal(await collect(["é".repeat(3), "\n"]), "ééé\n");
  });

  it("a line over the cap is a ParseError with its line number, before the line is held whole", async () => {
    await assert.rejects(
      collect(["ok\nok\n", "x".repeat(60), "x".repeat(60), "\n"], 100),
      (e: unknown) => e instanceof ParseError && e.location.line === 3,
    );
  });
});

describe("medianGap and selectKth", () => {
  it("known answers: constant stride, few distinct gaps, many distinct gaps", () => {
    assert.equal(medianGap(new Float64Array([0, 10, 20, 30])), 10);
    assert.equal(medianGap(new Float64Array([0, 10, 20, 50])), 10);
    assert.equal(medianGap(new Float64Array([5])), 1);
    const many = Float64Array.from({ length: 1001 }, (_, i) => i * (i + 1));
    assert.equal(medianGap(many), 2 * 499 + 2);
  });

  it("equals the sort-based median on random step sequences", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 300 }), (gaps) => {
        const step = new Float64Array(gaps.length + 1);
        for (let i = 0; i < gaps.length; i++) step[i + 1] = (step[i] as number) + (gaps[i] as number);
        const sorted = [...gaps].sort((a, b) => a - b);
        assert.equal(medianGap(step), sorted[(sorted.length - 1) >> 1]);
        const k = gaps.length >> 1;
        assert.equal(selectKth(Float64Array.from(gaps), k), sorted[k]);
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});

describe("expand and columns", () => {
  it("stride-1 expand is the loss column itself (a copy), equal to the general fill", () => {
    const c = makeCurve(
      { step: [5, 6, 7, 8], loss: [4, 3, 2, 1] },
      { name: "r", source: "m", format: "csv" },
      new Warnings(),
    );
    const ex = expandHold(c);
    assert.deepEqual(arr(ex.loss), [4, 3, 2, 1]);
    assert.notEqual(ex.loss, c.columns.loss);
    assert.equal(ex.stepOf(2), 7);
  });

  it("Growable: reserve keeps the values; take hands over a well-filled block without a copy", () => {
    const g = new Growable(4);
    for (let i = 0; i < 10; i++) g.push(i);
    g.reserve(2000);
    for (let i = 10; i < 1900; i++) g.push(i);
    const out = g.take();
    assert.equal(out.length, 1900);
    assert.equal(out.buffer.byteLength, 2000 * 8);
    assert.deepEqual(Array.from(out.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const h = new Growable(4);
    for (let i = 0; i < 10; i++) h.push(i);
    h.pop();
    assert.deepEqual(Array.from(h.take()), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
