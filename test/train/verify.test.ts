import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as M from "../../src/messages/train.ts";
import { bestThreshold, foldAccuracy, tarAtFar, verify } from "../../src/train/verify.ts";

describe("verification metrics", () => {
  it("best threshold: midpoint of the gap that separates best", () => {
    assert.equal(bestThreshold([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], [0, 1, 2, 3]), 0.5);
    // One genuine pair below an impostor: best is to accept 0.9 and 0.7 only (3 of 4 right), lowest wins ties.
    const t = bestThreshold([0.9, 0.3, 0.5, 0.1], [1, 1, 0, 0], [0, 1, 2, 3]);
    assert.equal(t, 0.2); // accept 0.3, 0.5, 0.9: 3 of 4 correct; the first best from below
  });

  it("10-fold accuracy on hand-made scores", () => {
    // 10 folds of 4 pairs: genuine 0.9, 0.8; impostor 0.2, and in fold 0 one impostor at 0.85 (an error).
    const scores: number[] = [];
    const same: number[] = [];
    const fold: number[] = [];
    for (let f = 0; f < 10; f++) {
      scores.push(0.9, 0.8, 0.2, f === 0 ? 0.85 : 0.1);
      same.push(1, 1, 0, 0);
      fold.push(f, f, f, f);
    }
    const r = foldAccuracy(scores, same, fold);
    assert.equal(r.folds.length, 10);
    // Fold 0: the threshold from folds 1-9 lies in (0.2, 0.8): 0.85 is accepted, so 3/4. Others 4/4.
    assert.equal(r.folds[0], 0.75);
    // Folds 1-9 see the 0.85 impostor in training: best threshold still separates their own pairs.
    assert.ok(r.folds.slice(1).every((a) => a === 1));
    assert.ok(Math.abs(r.accuracy - 0.975) < 1e-12);
    // Population std: sqrt((0.225^2 + 9 x 0.025^2) / 10) = 0.075.
    assert.ok(Math.abs(r.std - 0.075) < 1e-12);
  });

  it("TAR at FAR: at most floor(FAR x impostors) impostors above the threshold", () => {
    const imp = Array.from({ length: 2000 }, (_, i) => i / 2000); // 0 .. 0.9995
    const gen = [0.9999, 0.9991, 0.999, 0.5];
    const scores = [...gen, ...imp];
    const same = [...gen.map(() => 1), ...imp.map(() => 0)];
    // FAR 1e-3 of 2000 impostors = 2 allowed: threshold = 3rd highest impostor (0.9985), accept strictly above.
    const r = tarAtFar(scores, same, 1e-3);
    assert.equal(r.threshold, 0.9985);
    assert.equal(r.achievedFar, 2 / 2000);
    assert.equal(r.tar, 3 / 4); // 0.9999, 0.9991, 0.999 > 0.9985; 0.5 is not
  });

  it("warns when the impostors cannot resolve the FAR", () => {
    const r = verify([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], [0, 0, 1, 1], 1e-3);
    assert.equal(r.warnings[0]?.code, M.W_FAR_RESOLUTION);
    assert.equal(r.tar, 1);
    assert.equal(r.achievedFar, 0);
    assert.equal(r.genuine, 2);
    assert.equal(r.impostor, 2);
  });
});
