/**
 * The statistics of the verdict against known answers: Student-t quantiles (scipy.stats.t.ppf values), and
 * paired differences of hand-made accuracies whose mean, standard deviation and one-sided bounds were worked
 * out by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { incompleteBeta, pairedDifference, studentCdf, studentQuantile, summarize } from "../../src/train/paired.ts";

const close = (a: number | null, b: number, tol = 1e-7) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe("Student t", () => {
  it("quantiles equal scipy.stats.t.ppf", () => {
    // scipy 1.10: t.ppf(0.95, df) and t.ppf(0.975, df)
    const table: Array<[number, number, number]> = [
      [1, 6.313751514800932, 12.706204736432095],
      [2, 2.919985580355516, 4.302652729911275],
      [3, 2.3533634348018264, 3.182446305284263],
      [4, 2.13184678133629, 2.7764451051977987],
      [5, 2.015048372669157, 2.5705818366147395],
      [9, 1.8331129326536335, 2.2621571627409915],
      [29, 1.6991270265334972, 2.045229642132703],
      [1000, 1.6463788172854639, 1.9623390808264074],
    ];
    for (const [df, q95, q975] of table) {
      close(studentQuantile(0.95, df), q95);
      close(studentQuantile(0.975, df), q975);
      close(studentQuantile(0.05, df), -q95);
    }
    close(studentQuantile(0.5, 3), 0);
    close(incompleteBeta(0.3, 0.5, 3.5), 0.8731296330763291, 1e-12);
  });
  it("CDF and quantile are inverse (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 200 }), (p, df) => {
        return Math.abs(studentCdf(studentQuantile(p, df), df) - p) < 1e-9;
      }),
    );
  });
});

describe("paired differences", () => {
  it("three seeds: d = -1, 0, -2 points", () => {
    // mean -1, sd 1, se 1/sqrt(3), t(0.95, 2) = 2.919986: lower -1 - 1.685854 = -2.685854
    const s = pairedDifference([81, 82, 81], [82, 82, 83]);
    assert.equal(s.n, 3);
    close(s.mean, -1);
    close(s.sd, 1);
    close(s.lower95, -2.685854460848083);
    close(s.upper95, 0.685854460848083);
    assert.equal(s.min, -2);
    assert.equal(s.max, 0);
  });
  it("five seeds: d = -0.4, 0.7, -1.3, 0.2, -0.5 points", () => {
    // mean -0.26, sd 0.7569676, t(0.95, 4) = 2.1318468: bounds -0.9816860 / +0.4616860
    const s = summarize([-0.4, 0.7, -1.3, 0.2, -0.5]);
    close(s.mean, -0.26);
    close(s.sd, 0.7569676347110225);
    close(s.lower95, -0.9816860273804396);
    close(s.upper95, 0.4616860273804396);
  });
  it("identical differences have a zero-width interval; one seed has none", () => {
    const s = summarize([0.5, 0.5, 0.5]);
    close(s.lower95, 0.5);
    close(s.upper95, 0.5);
    const one = summarize([1.2]);
    assert.equal(one.lower95, null);
    assert.equal(one.sd, null);
    assert.equal(one.min, 1.2);
  });
  it("refuses samples of different lengths", () => {
    assert.throws(() => pairedDifference([1, 2], [1]), RangeError);
  });
});
