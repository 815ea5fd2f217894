/**
 * A hand-made ExplainResult for the explain report's golden test: a piecewise trace halved at 1000 and 2000
 * and raised x4 at 3000; "hck-proto" matches all three, "multistep" the two halvings and misses the rise, with
 * one extra change.
 */
import type { ExplainResult } from "../../src/explain/types.ts";

export function explainFixture(): ExplainResult {
  const step: number[] = [];
  for (let s = 100; s <= 4000; s += 100) step.push(s);
  const lrOf = (s: number, rise: boolean) =>
    0.1 * 0.5 ** ((s >= 1000 ? 1 : 0) + (s >= 2000 ? 1 : 0)) * (rise && s >= 3000 ? 4 : 1);
  const extra = (s: number) => (s >= 3500 ? 0.5 : 1);
  return {
    kind: "fastface-explain",
    curve: {
      name: "fixture",
      format: "arcface-log",
      points: 40,
      firstStep: 100,
      lastStep: 4000,
      steps: 3901,
      totalSteps: 4000,
      stride: 100,
    },
    logged: {
      changes: [
        { step: 1000, ratio: 0.5 },
        { step: 2000, ratio: 0.5 },
        { step: 3000, ratio: 4 },
      ],
      points: 40,
      kind: "piecewise",
      decimals: 6,
      stride: 100,
      dropped: 0,
    },
    explanations: [
      {
        rule: "hck-proto",
        params: { m: 450, threshold: 0.06, countCheck: "after", delta: 2, increase: 4, increaseAfter: 2 },
        spec: "hck-proto:m=450",
        lr0: 0.1,
        timing: "official",
        matched: 3,
        extra: 0,
        missed: 0,
        meanOffset: 30,
        maxOffset: 60,
        outside: 0,
        meanExcess: 0,
        maxRelError: 0,
        meanRelError: 0,
        changes: [
          { logged: 1000, reproduced: 950, ratio: 0.5, loggedRatio: 0.5, offset: -50 },
          { logged: 2000, reproduced: 1990, ratio: 0.5, loggedRatio: 0.5, offset: -10 },
          { logged: 3000, reproduced: 2940, ratio: 4, loggedRatio: 4, offset: -60 },
        ],
        evaluated: 120,
      },
      {
        rule: "multistep",
        params: { milestones: [1000, 2000], gamma: 0.5 },
        spec: "multistep:milestones=1000,2000,gamma=0.5",
        lr0: 0.1,
        timing: "immediate",
        matched: 2,
        extra: 1,
        missed: 1,
        meanOffset: 0,
        maxOffset: 0,
        outside: 0,
        meanExcess: 0,
        maxRelError: 0.75,
        meanRelError: 0.2,
        changes: [
          { logged: 1000, reproduced: 1000, ratio: 0.5, loggedRatio: 0.5, offset: 0 },
          { logged: 2000, reproduced: 2000, ratio: 0.5, loggedRatio: 0.5, offset: 0 },
          { logged: 3000, reproduced: null, ratio: null, loggedRatio: 4, offset: null },
          { logged: null, reproduced: 3500, ratio: 0.5, loggedRatio: null, offset: null },
        ],
        evaluated: 1,
      },
    ],
    verdict:
      "hck-proto:m=450 reproduces 3/3 logged LR changes with the logged ratios, each on the logged line (logged stride 100); reproduced steps within 60 steps of the logged ones, no extra changes (official timing)",
    released: {
      rule: "fastface",
      params: {},
      spec: "fastface",
      lr0: 0.1,
      timing: "official",
      matched: 0,
      extra: 1,
      missed: 3,
      meanOffset: null,
      maxOffset: null,
      outside: 0,
      meanExcess: null,
      maxRelError: 3,
      meanRelError: 1,
      changes: [],
      evaluated: 1,
    },
    trace: {
      step,
      logged: step.map((s) => lrOf(s, true)),
      explanations: [
        { rule: "hck-proto", lr: step.map((s) => lrOf(s, true)) },
        { rule: "multistep", lr: step.map((s) => lrOf(s, false) * extra(s)) },
      ],
    },
    search: { families: ["hck-proto", "multistep"], evaluated: 121, seconds: 0.5, workers: 0 },
  };
}
