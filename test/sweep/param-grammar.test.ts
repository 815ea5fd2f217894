/**
 * One parameter grammar: a value text accepted in one place (`-s name:k=v`, `--grid k=v`, explain's `--family`,
 * `--lr-schedule`, `create`/`restore` with string values) is accepted with the same meaning in every other, and
 * a text rejected in one is rejected in all, with the same code (E_SCHED_PARAM) and the text in the message.
 * The `--grid` places are the sweep's and explain's (explain's CLI hands `FAMILY:axis` minus the family to
 * `parseGrid` with the family's factory, as here). The `--judge` spec shares the number and boolean grammar.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../src/errors.ts";
import { parseFamilies } from "../../src/explain/explain.ts";
import { FAMILY_NAMES } from "../../src/explain/families.ts";
import { parseJudgeSpec } from "../../src/judge/stationary.ts";
import { coerceNumber, parseBoolean, parseNumber, resolveParams } from "../../src/schedulers/params.ts";
import { getSchedulerFactory, parseSchedulerSpec, schedulerNames } from "../../src/schedulers/registry.ts";
import type { ParamSpec } from "../../src/schedulers/types.ts";
import { splitLr } from "../../src/simulate/lr.ts";
import { gridConfigs, parseGrid } from "../../src/sweep/grid.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** Every (scheduler, parameter) of the registry; `lr` is split off by --lr-schedule when a scheduler has none. */
const PARAMS: Array<{ scheduler: string; key: string; spec: ParamSpec }> = schedulerNames().flatMap((scheduler) =>
  Object.entries(getSchedulerFactory(scheduler).paramSpecs).map(([key, spec]) => ({ scheduler, key, spec })),
);

/** The value of `key` parsed from `text` in each place that reads parameter values. */
function places(scheduler: string, key: string, text: string): Record<string, Outcome> {
  const factory = getSchedulerFactory(scheduler);
  const out: Record<string, Outcome> = {
    spec: outcome(() => parseSchedulerSpec(`${scheduler}:${key}=${text}`).params[key]),
    grid: outcome(() => {
      const configs = gridConfigs(parseGrid([`${key}=${text}`], factory));
      assert.equal(configs.length, 1);
      return configs[0]!.params[key];
    }),
    resolve: outcome(() => resolveParams(scheduler, factory.paramSpecs, { [key]: text })[key]),
  };
  if (!("lr" in factory.paramSpecs)) {
    out.lrSchedule = outcome(() => splitLr(`${scheduler}:lr=0.1,${key}=${text}`).spec.params[key]);
  }
  if ((FAMILY_NAMES as readonly string[]).includes(scheduler)) {
    out.family = outcome(() => parseFamilies([`${scheduler}:${key}=${text}`])[0]!.fixed[key]);
  }
  return out;
}

const blanks = fc.constantFrom("", " ", "  ");
const pad = (t: fc.Arbitrary<string>) => fc.tuple(blanks, t, blanks).map(([a, b, c]) => a + b + c);
const randomCase = (t: string) =>
  fc
    .array(fc.boolean(), { minLength: t.length, maxLength: t.length })
    .map((up) => [...t].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(""));
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
/** Numbers in every notation a user might type, valid and not. */
const numberText = fc.oneof(
  finite.map(String),
  finite.map((v) => v.toExponential(3)),
  finite.map((v) => v.toFixed(2)),
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.integer({ min: 0, max: 5000 }).map((v) => `${v}.`),
  fc.integer({ min: 0, max: 99 }).map((v) => `.${v}`),
  fc.integer({ min: 0, max: 99 }).map((v) => `+${v}`),
  fc.integer({ min: 1, max: 9 }).map((v) => `${v}E+3`),
  fc.integer({ min: 0, max: 4096 }).map((v) => `0x${v.toString(16)}`),
  fc.integer({ min: 0, max: 64 }).map((v) => `0b${v.toString(2)}`),
  fc.integer({ min: 0, max: 64 }).map((v) => `0o${v.toString(8)}`),
  fc.constantFrom("Infinity", "-Infinity", "NaN", "1_000", "1e400", "1e", "e5", "--1", "1.2.3", "4e3", "2e-5"),
);
const booleanText = fc
  .constantFrom("true", "false", "yes", "no", "on", "off", "1", "0", "y", "n", "t", "nope")
  .chain(randomCase);
const PARAM_WORDS = [...new Set(PARAMS.flatMap((p) => p.spec.choices ?? []))];
const choiceText = fc.constantFrom(...PARAM_WORDS).chain((w) => fc.oneof(fc.constant(w), randomCase(w)));
/** Free text without the characters that separate items or axes (`,` `;`), ranges (`..`) or escape (`"` `\`). */
const freeText = fc.string({ maxLength: 8 }).filter((s) => !/[,;"\\]|\.\./.test(s));
const scalarText = pad(fc.oneof(numberText, booleanText, choiceText, freeText)).filter((s) => s.trim() !== "");
// in `-s`, `=` inside a list starts the next parameter: no `=` in list items
const listFree = freeText.filter((s) => !s.includes("="));
const listText = fc
  .array(fc.oneof({ weight: 4, arbitrary: numberText }, { weight: 1, arbitrary: listFree }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((xs) => xs.join(","))
  .filter((s) => s.trim() !== "" && !s.split(",").some((x) => x.trim() === ""));

describe("one parameter grammar", () => {
  it("a value is accepted with the same meaning everywhere, or rejected everywhere with E_SCHED_PARAM", () => {
    const scalars = PARAMS.filter((p) => p.spec.type !== "number[]");
    const lists = PARAMS.filter((p) => p.spec.type === "number[]");
    assert.ok(lists.length > 0, "some scheduler has a number[] parameter");
    const cases = fc.oneof(
      fc.tuple(fc.constantFrom(...scalars), scalarText),
      fc.tuple(fc.constantFrom(...lists), listText),
    );
    fc.assert(
      fc.property(cases, ([p, text]) => {
        const got = places(p.scheduler, p.key, text);
        const first = got.spec!;
        for (const [place, o] of Object.entries(got)) {
          assert.equal(o.ok, first.ok, `${p.scheduler}:${p.key}=${JSON.stringify(text)}: ${place} vs -s`);
          if (o.ok && first.ok) assert.deepEqual(o.value, first.value, `${place}: ${JSON.stringify(text)}`);
          if (!o.ok) {
            assert.equal(o.code, "E_SCHED_PARAM", `${place}: ${o.message}`);
            if (p.spec.type !== "number[]") assert.ok(o.message.includes(text.trim()), `${place}: ${o.message}`);
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it("hand-picked texts: the cases issue 19 found", () => {
    // `--grid debias=yes` threw while `-s fastface:debias=yes` gave true; `--grid lambda=0x10` gave 16
    const yes = places("fastface", "debias", "yes");
    for (const o of Object.values(yes)) assert.deepEqual(o, { ok: true, value: true });
    const hex = places("fastface", "lambda", "0x10");
    for (const o of Object.values(hex)) assert.equal(o.ok, false);
    const exp = places("hck", "m", "4e3");
    for (const o of Object.values(exp)) assert.deepEqual(o, { ok: true, value: 4000 });
    const list = places("multistep", "milestones", "10, 2e1");
    for (const o of Object.values(list)) assert.deepEqual(o, { ok: true, value: [10, 20] });
  });

  it("judge specs and --lr-schedule's lr= read numbers and booleans with the same grammar", () => {
    const positive: ParamSpec = { type: "number", default: undefined, above: 0, doc: "" };
    fc.assert(
      fc.property(pad(numberText), (text) => {
        const v = parseNumber(text);
        const want = v !== undefined && v > 0 ? v : undefined;
        const judge = outcome(() => parseJudgeSpec(`haar:eps=${text}`).params.eps);
        const lr = outcome(() => splitLr(`constant:lr=${text}`).lr);
        const shared = outcome(() => coerceNumber("x", "lr", positive, text));
        for (const o of [judge, lr, shared]) {
          assert.deepEqual(o.ok ? o.value : undefined, want, `${JSON.stringify(text)}: ${JSON.stringify(o)}`);
        }
        if (!lr.ok) assert.equal(lr.code, "E_SCHED_PARAM");
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(pad(booleanText), (text) => {
        const b = parseBoolean(text);
        const judge = outcome(() => parseJudgeSpec(`haar:refine=${text}`).params.refine);
        const spec = outcome(() => parseSchedulerSpec(`fastface:debias=${text}`).params.debias);
        assert.deepEqual(judge.ok ? judge.value : undefined, b === undefined ? undefined : b ? 1 : 0);
        assert.deepEqual(spec.ok ? spec.value : undefined, b);
      }),
      { numRuns: 200 },
    );
  });
});
