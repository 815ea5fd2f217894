/** The logged LR trace: printed precision, changes and their ratio intervals, and the bad-input contract. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, EXIT } from "../../src/errors.ts";
import { explainCurve } from "../../src/explain/explain.ts";
import {
  detectChanges,
  loggedTrace,
  printedDecimals,
  ratioBounds,
  roundTo,
  traceKind,
} from "../../src/explain/trace.ts";
import {
  E_EXPLAIN_NO_LR,
  E_EXPLAIN_NO_POINTS,
  W_EXPLAIN_CONSTANT,
  W_EXPLAIN_DROPPED,
} from "../../src/messages/explain.ts";
import { memoryCurve } from "../replay/helpers.ts";

const steps = (n: number) => Array.from({ length: n }, (_, i) => 10 * (i + 1));

describe("printed precision and changes", () => {
  it("printedDecimals finds the fewest decimals of every value; roundTo prints like %.{d}f", () => {
    assert.equal(printedDecimals(Float64Array.of(0.02, 0.01, 0.000313)), 6);
    assert.equal(printedDecimals(Float64Array.of(0.1, 0.0999)), 4);
    assert.equal(printedDecimals(Float64Array.of(1, 2)), 0);
    assert.equal(printedDecimals(Float64Array.of(Math.PI / 10)), null);
    assert.equal(roundTo(0.0003125, 6), 0.000313);
    assert.equal(roundTo(0.00015625, 6), 0.000156);
    assert.equal(roundTo(Math.PI, null), Math.PI);
  });
  it("a change's ratio interval is what the rounding allows (0.000313 -> 0.000156 admits exactly 0.5)", () => {
    const [lo, hi] = ratioBounds(0.000313, 0.000156, 5e-7);
    assert.ok(lo < 0.5 && hi > 0.5);
    const [lo2, hi2] = ratioBounds(0.1, 0.01, 0);
    assert.ok(Math.abs(lo2 - 0.1) < 1e-15 && Math.abs(hi2 - 0.1) < 1e-15);
    const ch = detectChanges(Float64Array.of(10, 20, 30, 40), Float64Array.of(1, 1, 0.5, 2), 0);
    assert.deepEqual(
      ch.map((c) => [c.point, c.step, c.ratio]),
      [
        [2, 30, 0.5],
        [3, 40, 4],
      ],
    );
  });
  it("traceKind: piecewise when few points change, continuous otherwise, constant without changes", () => {
    assert.equal(traceKind(10_000, 12), "piecewise");
    assert.equal(traceKind(10_000, 1000), "continuous");
    assert.equal(traceKind(10_000, 0), "constant");
  });
});

describe("bad input gives the documented result", () => {
  it("no LR column: ConfigError E_EXPLAIN_NO_LR, exit 2, saying explain needs an LR trace", () => {
    const c = memoryCurve(steps(5), [5, 4, 3, 2, 1]);
    assert.throws(
      () => loggedTrace(c),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, E_EXPLAIN_NO_LR);
        assert.equal(e.exitCode, EXIT.usage);
        assert.match(e.message, /explain needs an LR trace/);
        return true;
      },
    );
  });
  it("an LR column without one finite value: E_EXPLAIN_NO_POINTS", () => {
    const c = memoryCurve(steps(3), [3, 2, 1]);
    c.columns.lr = Float64Array.of(Number.NaN, Number.NaN, Number.POSITIVE_INFINITY);
    assert.throws(
      () => loggedTrace(c),
      (e: unknown) => e instanceof ConfigError && e.code === E_EXPLAIN_NO_POINTS,
    );
  });
  it("NaN LR values are left out and counted (W_EXPLAIN_DROPPED); the rest is explained", async () => {
    const n = 400;
    const c = memoryCurve(
      steps(n),
      Array.from({ length: n }, (_, i) => 5 - i / n),
      { format: "arcface-log", stepCounts: true },
    );
    c.columns.lr = Float64Array.from({ length: n }, (_, i) => (i % 50 === 7 ? Number.NaN : i < 200 ? 0.1 : 0.01));
    const tr = loggedTrace(c);
    assert.equal(tr.dropped, 8);
    assert.equal(tr.changes.length, 1);
    const r = await explainCurve(c, { families: ["multistep", "constant"], tracePoints: 0 });
    assert.ok(r.warnings?.some((w) => w.code === W_EXPLAIN_DROPPED));
    assert.equal(r.explanations[0]!.rule, "multistep");
    assert.deepEqual(r.explanations[0]!.params.milestones, [2010]);
    assert.equal(r.explanations[0]!.matched, 1);
  });
  it("a constant LR: kind constant, a warning, and a rule that never changes the LR first", async () => {
    const n = 300;
    const c = memoryCurve(
      steps(n),
      Array.from({ length: n }, (_, i) => 5 - i / n),
      { format: "arcface-log", stepCounts: true },
    );
    c.columns.lr = new Float64Array(n).fill(0.1);
    const r = await explainCurve(c, { families: ["multistep", "constant", "poly"], tracePoints: 0 });
    assert.equal(r.logged.kind, "constant");
    assert.ok(r.warnings?.some((w) => w.code === W_EXPLAIN_CONSTANT));
    assert.equal(r.explanations[0]!.extra, 0);
    assert.equal(r.explanations[0]!.maxRelError, 0);
    assert.match(r.verdict, /never changes/);
  });
});
