import { retrain, RETRAIN_DEFAULTS } from "../src/train/retrain.ts";
import { parseMargin } from "../src/train/margin-loss.ts";
import { VerdictError } from "../src/errors.ts";
const [ids, epochs, diff] = Deno.args.map(Number);
const t = performance.now();
let r;
try {
  r = await retrain({
    ...RETRAIN_DEFAULTS, epochs, budget: 0.5, batchSize: 32, width: 64, embeddingSize: 32, lr: 0.03, frequent: 4,
    dataset: { kind: "synthetic", options: { seed: 3, identities: ids, imagesPerIdentity: 16, evalIdentities: 12, evalImagesPerIdentity: 8, imageSize: 12, difficulty: diff, pairs: 1200 } },
    margin: parseMargin("arcface"), parallel: false,
  });
} catch (e) { if (e instanceof VerdictError) r = (e as any).result; else throw e; }
console.log(Deno.args.join(" "), (performance.now() - t).toFixed(0), "ms", r.backend.name, r.baseline.accuracy, r.candidate.accuracy, r.baseline.steps, r.candidate.steps, r.candidate.decays.length, r.verdict.holds);
