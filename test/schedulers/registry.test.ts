import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.ts";
import {
  createScheduler,
  formatSchedulerSpec,
  getSchedulerFactory,
  parseSchedulerSpec,
  resolvedParams,
  restoreScheduler,
  schedulerNames,
} from "../../src/schedulers/registry.ts";

const ctx = { totalSteps: 1000, lr0: 1 };

function throwsConfig(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `'${e.message}' lacks '${f}'`);
    return true;
  });
}

describe("registry", () => {
  it("every registered scheduler is one file of src/schedulers/ named after it, with a row in docs/replay.md", () => {
    const names = schedulerNames();
    assert.ok(names.length >= 14, `${names.length} schedulers`);
    assert.equal(new Set(names).size, names.length);
    const docs = readFileSync(new URL("../../docs/replay.md", import.meta.url), "utf8");
    for (const n of names) {
      assert.equal(getSchedulerFactory(n).name, n);
      assert.ok(existsSync(new URL(`../../src/schedulers/${n}.ts`, import.meta.url)), `src/schedulers/${n}.ts`);
      assert.ok(docs.includes(`\`${n}\``), `docs/replay.md names \`${n}\``);
    }
  });
  it("parses numbers (2e-5), booleans and strings", () => {
    assert.deepEqual(parseSchedulerSpec("fastface:lambda=2e-5,tau=0.03,debias=true"), {
      name: "fastface",
      params: { lambda: 2e-5, tau: 0.03, debias: true },
    });
    assert.deepEqual(parseSchedulerSpec(" hck:m=2000,impl=naive "), {
      name: "hck",
      params: { m: 2000, impl: "naive" },
    });
    assert.deepEqual(parseSchedulerSpec("dlib"), { name: "dlib", params: {} });
  });
  it("a bare value after a list key continues the list", () => {
    assert.deepEqual(parseSchedulerSpec("multistep:milestones=49820,79712,gamma=0.1"), {
      name: "multistep",
      params: { milestones: [49820, 79712], gamma: 0.1 },
    });
    assert.deepEqual(parseSchedulerSpec("multistep:gamma=0.5,milestones=0.5,0.75").params.milestones, [0.5, 0.75]);
  });
  it("unknown scheduler / parameter errors list the valid ones", () => {
    throwsConfig(() => parseSchedulerSpec("fastfac"), "unknown scheduler 'fastfac'", "fastface, hck, multistep");
    throwsConfig(() => parseSchedulerSpec("fastface:lamda=1"), "no parameter 'lamda'", "alpha, beta, lambda, tau");
    throwsConfig(() => createScheduler({ name: "hck", params: { window: 3 } }, ctx), "valid parameters: alpha, m");
  });
  it("type and bound checks", () => {
    throwsConfig(() => parseSchedulerSpec("fastface:tau=2"), "'tau'", "<= 1");
    throwsConfig(() => parseSchedulerSpec("hck:m=1.5"), "'m'", "integer");
    throwsConfig(() => parseSchedulerSpec("fastface:debias=maybe"), "'debias'", "boolean");
    throwsConfig(() => parseSchedulerSpec("hck:impl=fast"), "'impl'", "running|naive");
    throwsConfig(() => parseSchedulerSpec("fastface:alpha=abc"), "'alpha'");
    throwsConfig(() => createScheduler("hck:m=5", ctx), "even");
    throwsConfig(() => createScheduler("multistep:milestones=1.5", ctx), "milestones");
    throwsConfig(() => createScheduler("poly:warmup=2000", ctx), "warmup");
  });
  it("spec syntax errors", () => {
    throwsConfig(() => parseSchedulerSpec("fastface:lambda=1,lambda=2"), "more than once");
    throwsConfig(() => parseSchedulerSpec("fastface:0.5"), "does not follow a list parameter");
    throwsConfig(() => parseSchedulerSpec(":a=1"), "missing scheduler name");
  });
  it("context checks", () => {
    throwsConfig(() => createScheduler("fastface", { totalSteps: 0, lr0: 1 }), "totalSteps");
    throwsConfig(() => createScheduler("fastface", { totalSteps: 10, lr0: -1 }), "lr0");
  });
  it("defaults, resolved params and spec formatting", () => {
    assert.deepEqual(resolvedParams("fastface"), {
      alpha: 0.001,
      beta: 0.001,
      lambda: 5e-5,
      tau: 0.05,
      delta: 2,
      maxDecays: 8,
      debias: false,
      warmup: 0,
    });
    assert.equal(resolvedParams("hck").m, 4000);
    assert.equal(resolvedParams("hck").warmup, 0);
    assert.equal(
      formatSchedulerSpec(parseSchedulerSpec("multistep:milestones=1,2,gamma=0.5")),
      "multistep:milestones=1,2,gamma=0.5",
    );
  });
  it("restoreScheduler dispatches on the state's name and rejects bad states", () => {
    const s = createScheduler("fastface", ctx);
    s.step(3);
    assert.equal(restoreScheduler(JSON.parse(JSON.stringify(s.getState()))).t, 1);
    throwsConfig(() => restoreScheduler({ name: "nope" } as never), "unknown scheduler");
    throwsConfig(() => getSchedulerFactory("hck").restore(s.getState()), "not 'hck'");
  });
});
