/**
 * Model variable names come from the model's own options (or its explicit `name`), not from a module-level
 * counter: two models built in either order get the names each gets when built alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../../src/errors.ts";
import { createModel, type Model, type ModelOptions, modelName } from "../../src/train/models.ts";

const A: ModelOptions = {
  kind: "mlp-bn",
  height: 6,
  width: 6,
  channels: 1,
  numClasses: 3,
  embeddingSize: 4,
  width1: 8,
  seed: 1,
};
const B: ModelOptions = { ...A, kind: "mlp", seed: 2 };

const namesOf = (m: Model): string[] => [...m.backbone, m.head].map((v) => v.name);

function alone(o: ModelOptions): string[] {
  const m = createModel(o);
  const names = namesOf(m);
  m.dispose();
  return names;
}

describe("model variable names", () => {
  it("do not depend on what was built before: A then B, B then A, each alone", () => {
    const aAlone = alone(A);
    const bAlone = alone(B);
    assert.ok(
      aAlone.every((n) => n.startsWith(`${modelName(A)}/`)),
      aAlone.join(", "),
    );
    const a1 = createModel(A);
    const b1 = createModel(B);
    assert.deepEqual([namesOf(a1), namesOf(b1)], [aAlone, bAlone]);
    a1.dispose();
    b1.dispose();
    const b2 = createModel(B);
    const a2 = createModel(A);
    assert.deepEqual([namesOf(a2), namesOf(b2)], [aAlone, bAlone]);
    a2.dispose();
    b2.dispose();
  });

  it("the same options twice while the first is alive: a clear error, or an explicit name", () => {
    const first = createModel(A);
    assert.throws(
      () => createModel(A),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`'${modelName(A)}' is still alive`),
    );
    const second = createModel({ ...A, name: "twin" });
    assert.ok(namesOf(second).every((n) => n.startsWith("twin/")));
    // same seed and shape: the same initial weights under other names
    assert.deepEqual(second.head.arraySync(), first.head.arraySync());
    first.dispose();
    second.dispose();
    assert.equal(Object.keys(tf.engine().registeredVariables).length, 0);
  });
});
