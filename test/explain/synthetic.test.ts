/**
 * explain on synthetic logs whose LR column a known rule wrote (test/explain/synthetic.ts): the search must find
 * that rule first and reproduce the trace exactly (every change on its logged line with its ratio, or every
 * point within the printed precision), and recover the parameters the trace identifies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explainCurve } from "../../src/explain/explain.ts";
import type { ExplainResult, Timing } from "../../src/explain/types.ts";
import { syntheticLog } from "./synthetic.ts";

interface Case {
  spec: string;
  /** How the generator printed the LR (with a stride of 10 steps the search may find either equally good). */
  timing: Timing;
  /** Families searched besides the generating one. */
  others: string[];
  decimals?: number;
  /** Parameters the trace pins down, checked exactly. */
  identified?: Record<string, unknown>;
}

const CASES: Case[] = [
  { spec: "hck-proto:m=150,threshold=0.004", timing: "official", others: ["fastface"] },
  { spec: "fastface:lambda=3e-4,tau=0.02", timing: "official", others: ["hck"] },
  { spec: "hck:m=1000,lambda=3e-4,tau=0.02", timing: "official", others: ["fastface"] },
  { spec: "mhlr-7279bad:lambda=3e-4,tau=0.03", timing: "official", others: ["fastface"] },
  { spec: "plateau-torch:factor=0.5,patience=800", timing: "immediate", others: ["multistep"] },
  { spec: "plateau-keras:factor=0.5,patience=800", timing: "immediate", others: ["multistep"] },
  { spec: "plateau-optax:factor=0.5,patience=20,accumulation_size=20", timing: "immediate", others: ["multistep"] },
  {
    spec: "plateau-timm:decay_rate=0.5,patience_t=800,warmup_t=100,warmup_lr_init=0",
    timing: "immediate",
    others: ["poly"],
  },
  { spec: "dlib:shrink=0.5", timing: "immediate", others: ["multistep"] },
  {
    spec: "multistep:milestones=3000,6000,8000,gamma=0.1",
    timing: "immediate",
    others: ["plateau-torch"],
    identified: { milestones: [3000, 6000, 8000], gamma: 0.1 },
  },
  {
    spec: "poly:power=2,warmup=500",
    timing: "immediate",
    others: ["cosine"],
    decimals: 4,
    identified: { power: 2, warmup: 500 },
  },
  { spec: "cosine", timing: "immediate", others: ["poly"], decimals: 4 },
  {
    spec: "wsd:warmup=500,decay=3000,decay_type=linear",
    timing: "immediate",
    others: ["poly", "cosine"],
    decimals: 4,
    identified: { warmup: 500, decay: 3000, decay_type: "linear" },
  },
];

function familyOf(spec: string): string {
  return spec.includes(":") ? spec.slice(0, spec.indexOf(":")) : spec;
}

describe("explain recovers the rule that wrote a synthetic LR trace", () => {
  for (const c of CASES) {
    it(c.spec, async () => {
      const { curve, changes } = syntheticLog(c.spec, { timing: c.timing, decimals: c.decimals ?? 6 });
      const fam = familyOf(c.spec);
      const r: ExplainResult = await explainCurve(curve, { families: [fam, ...c.others], tracePoints: 0 });
      const best = r.explanations[0]!;
      assert.equal(best.rule, fam, `best ${best.spec}: ${r.verdict}`);
      if (r.logged.kind === "continuous") {
        assert.equal(best.maxRelError, 0, r.verdict);
      } else {
        assert.ok(changes.length >= 2, `the generator changed the LR ${changes.length} times`);
        assert.equal(best.matched, changes.length, r.verdict);
        assert.equal(best.extra, 0, r.verdict);
        assert.equal(best.outside, 0, r.verdict);
      }
      for (const [k, v] of Object.entries(c.identified ?? {}))
        assert.deepEqual(best.params[k], v, `${k}: ${best.spec}`);
    });
  }
});

describe("explain finds the timing when the log prints every step", () => {
  for (const [spec, timing] of [
    ["hck-proto:m=150,threshold=0.004", "official"],
    ["plateau-torch:factor=0.5,patience=800", "immediate"],
  ] as const) {
    it(`${spec} printed ${timing}`, async () => {
      const { curve, changes } = syntheticLog(spec, { timing, stride: 1 });
      const fam = familyOf(spec);
      const r = await explainCurve(curve, { families: [fam], tracePoints: 0 });
      const best = r.explanations[0]!;
      assert.ok(changes.length >= 2, `${changes.length} changes`);
      assert.equal(best.matched, changes.length, r.verdict);
      assert.equal(best.timing, timing, r.verdict);
      assert.equal(best.maxOffset, 0, r.verdict);
    });
  }
});
