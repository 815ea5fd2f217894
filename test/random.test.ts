import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32, Prng } from "../src/random.ts";

test("mulberry32: the published sequence for seed 1", () => {
  const r = mulberry32(1);
  assert.deepEqual([r(), r(), r()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
});

test("Prng: seed 0 maps to a fixed odd state; other seeds equal mulberry32", () => {
  const a = new Prng(0);
  const b = mulberry32(0x9e3779b9);
  const c = new Prng(12345);
  const d = mulberry32(12345);
  for (let i = 0; i < 100; i++) {
    assert.equal(a.next(), b());
    assert.equal(c.next(), d());
  }
});

test("Prng: int in [0, n), normal has mean ~0 and variance ~1", () => {
  const p = new Prng(7);
  let sum = 0;
  let sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const k = p.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
    const z = p.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sq / n - 1) < 0.05);
});
