import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AnnealingStepper } from "../../src/simulate/annealing.ts";
import { EffectiveStepper } from "../../src/simulate/effective.ts";
import { FloorStepper } from "../../src/simulate/floor.ts";
import { predictAt } from "../../src/simulate/model.ts";
import { MultipowerStepper, multipowerDirect, multipowerG } from "../../src/simulate/multipower.ts";
import { cumulativeLr, makeBlocks, stepLrFromLogged } from "../../src/simulate/schedule.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

// Hand-made schedule: steps 1,2 at LR 1; steps 3,4 at LR 0.5.
const ETA = Float64Array.from([1, 1, 0.5, 0.5]);

test("S1 of a two-level schedule", () => {
  assert.deepEqual([...cumulativeLr(ETA)], [0, 1, 2, 2.5, 3]);
});

test("logged LR is held backwards over each interval", () => {
  assert.deepEqual([...stepLrFromLogged([2, 4], [0.1, 0.05])], [0.1, 0.1, 0.05, 0.05]);
});

test("blocks cut at LR changes and evaluation steps, with mean LR", () => {
  const b = makeBlocks(ETA, [1, 4]);
  assert.deepEqual([...b.bound], [0, 1, 2, 4]);
  assert.deepEqual([...b.lr], [1, 1, 0.5]);
  assert.deepEqual([...b.s1End], [1, 2, 3]);
  assert.deepEqual([...b.evalBlock], [0, 2]);
  // too many runs for the cap: evaluation segments with their mean LR
  const c = makeBlocks(ETA, [4], 1);
  assert.deepEqual([...c.lr], [0.75]);
});

test("G(x) = 1 - (Cx+1)^-beta: closed-form values", () => {
  close(multipowerG(1, 1, 1), 0.5);
  close(multipowerG(0, 3, 2), 0);
  close(multipowerG(2, 1, 2), 1 - 1 / 9);
});

test("multi-power law by hand on the two-level schedule", () => {
  // S1(4) = 3; one drop of 0.5 at step 3 with eta_3 = 0.5, S_3(4) = 1, gamma = 1: x = 0.5^-1 * 1 = 2,
  // G = 1 - 1/3 = 2/3, LD = B * 0.5 * 2/3 = 1/3; L = 1 + 2 * (3 + 1)^-1 - 1/3.
  const p = { L0: 1, A: 2, alpha: 1, SW: 1, B: 1, C: 1, beta: 1, gamma: 1, lrRef: 1 };
  const expected = 1 + 0.5 - 1 / 3;
  close(multipowerDirect(p, ETA, 4), expected);
  const s = new MultipowerStepper(p);
  close(s.loss, 1 + 2); // step 0: L0 + A * SW^-alpha
  const out = predictAt(s, ETA, [2, 4]);
  close(out[0]!, 1 + 2 / 3); // no drop yet: L0 + A / (2 + 1)
  close(out[1]!, expected);
});

test("incremental LD equals the direct O(t^2) sum (random schedules)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(1, 0.7, 0.5, 0.3, 0.1, 0.05), { minLength: 1, maxLength: 40 }),
      fc.record({
        alpha: fc.double({ min: 0.1, max: 1, noNaN: true }),
        B: fc.double({ min: 0.1, max: 5, noNaN: true }),
        C: fc.double({ min: 0.01, max: 5, noNaN: true }),
        beta: fc.double({ min: 0.1, max: 2, noNaN: true }),
        gamma: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
      }),
      (levels, q) => {
        const eta = Float64Array.from(levels);
        const p = { L0: 0.5, A: 3, SW: 0.7, lrRef: 0.9, ...q };
        const s = new MultipowerStepper(p);
        for (let t = 1; t <= eta.length; t++) close(s.next(eta[t - 1]!), multipowerDirect(p, eta, t), 1e-9);
      },
    ),
    { seed: 1, numRuns: 150 },
  );
});

test("annealing momentum and S2 by hand", () => {
  // lambda = 0.5: m = 0, 0, 0.5, 0.25 -> S2 = 0.75; S1 = 3.
  const s = new AnnealingStepper({ L0: 1, A: 2, alpha: 1, SW: 1, C: 2, lambda: 0.5, lrRef: 1 });
  predictAt(s, ETA, [4]);
  close(s.S2, 0.75);
  close(s.loss, 1 + 2 / 4 - 2 * 0.75);
});

test("floor recurrence by hand", () => {
  // L0 = 10, k = 0.5, p = 1, F(eta) = 1 + eta: eta 1 -> 10 - 0.5 * (10 - 2) = 6; eta 0.5 -> 6 - 0.25 * (6 - 1.5) = 4.875
  const s = new FloorStepper({ Linit: 10, k: 0.5, p: 1, a: 1, b: 1, q: 1, lrRef: 1 });
  close(s.next(1), 6);
  close(s.next(0.5), 4.875);
  // at a fixed LR the loss converges to the floor
  const t = new FloorStepper({ Linit: 10, k: 0.1, p: 1, a: 1, b: 2, q: 2, lrRef: 1 });
  for (let i = 0; i < 2000; i++) t.next(0.5);
  close(t.loss, 1 + 2 * 0.25, 1e-9);
});

test("effective-LR recurrence by hand", () => {
  // u0 = 1, kappa = 0.25, eta 0.5: e = 0.5 / 1 = 0.5, u -> 1 - 0.25 * (1 - 0.5) = 0.875;
  // rate k e^p = 0.5 * 0.5 = 0.25; floor = a + b e^q + c (S1 + SW)^-alpha = 1 + 0.5 + 1 * (0 + 1)^-1 = 2.5
  // L = 10 - 0.25 * (10 - 2.5) = 8.125
  const p = { Linit: 10, u0: 1, kappa: 0.25, k: 0.5, p: 1, a: 1, b: 1, q: 1, c: 1, SW: 1, alpha: 1, lrRef: 1 };
  const s = new EffectiveStepper(p);
  close(s.next(0.5), 8.125);
  close(s.norm, 0.875);
  // the norm relaxes to eta: e -> sqrt(eta)
  const t = new EffectiveStepper({ ...p, c: 0 });
  for (let i = 0; i < 5000; i++) t.next(0.25);
  close(t.norm, 0.25, 1e-9);
  close(t.loss, 1 + Math.sqrt(0.25), 1e-9);
});

test("seeding a state model sets its loss and keeps it running", () => {
  const s = new FloorStepper({ Linit: 10, k: 0.5, p: 1, a: 1, b: 1, q: 1, lrRef: 1 });
  s.seed(4);
  close(s.next(1), 4 - 0.5 * (4 - 2));
});

test("epoch sawtooth: phase, factor at an epoch start and its recovery", async () => {
  const { epochPhase, makeStepper } = await import("../../src/simulate/epoch.ts");
  const { floor } = await import("../../src/simulate/floor.ts");
  assert.equal(epochPhase(1, 100), 0);
  assert.equal(epochPhase(101, 100), 0);
  assert.equal(epochPhase(150, 100), 0.49);
  // a constant model (k = 0) times (1 - epA exp(-phase / epTau)): 10 * (1 - 0.1) at each epoch start
  const base = { Linit: 10, k: 0, p: 1, a: 1, b: 1, q: 1, lrRef: 1 };
  const s = makeStepper(floor, { ...base, epochSteps: 100, epA: 0.1, epTau: 0.2 });
  const out = predictAt(s, new Float64Array(300).fill(1), [1, 51, 101, 201]);
  close(out[0]!, 9);
  close(out[1]!, 10 * (1 - 0.1 * Math.exp(-0.5 / 0.2)));
  close(out[2]!, 9);
  close(out[3]!, 9);
  // no epochSteps: the model's own stepper
  assert.equal(makeStepper(floor, base).next(1), 10);
  // seeding goes through the factor
  const t = makeStepper(floor, { ...base, epochSteps: 100, epA: 0.1, epTau: 0.2 });
  t.next(1);
  t.seed!(4.5);
  close(t.loss, 4.5);
});

test("epoch sawtooth with the sharp dip: both terms in closed form; epA = 0 switches it off", async () => {
  const { makeStepper } = await import("../../src/simulate/epoch.ts");
  const { floor } = await import("../../src/simulate/floor.ts");
  const base = { Linit: 10, k: 0, p: 1, a: 1, b: 1, q: 1, lrRef: 1, epochSteps: 100 };
  const p = { ...base, epA: 0.1, epTau: 0.5, epA2: 0.05, epTau2: 0.02 };
  const out = predictAt(makeStepper(floor, p), new Float64Array(300).fill(1), [1, 3, 151]);
  close(out[0]!, 10 * (1 - 0.1 - 0.05));
  close(out[1]!, 10 * (1 - 0.1 * Math.exp(-0.02 / 0.5) - 0.05 * Math.exp(-0.02 / 0.02)));
  close(out[2]!, 10 * (1 - 0.1 * Math.exp(-0.5 / 0.5) - 0.05 * Math.exp(-0.5 / 0.02)));
  // a model file that turns the sawtooth off with epA = 0 also drops the dip
  assert.equal(makeStepper(floor, { ...p, epA: 0 }).next(1), 10);
});
