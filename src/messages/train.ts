/**
 * Message catalogue of the retrain area (`fastface retrain`, src/train/**): warning codes (`W_...`), error codes
 * (`E_...`) and the texts users read. Tests match on the codes.
 */

/** A backend tried by `--backend auto` could not be used; the next one was tried. */
export const W_BACKEND_SKIPPED = "W_BACKEND_SKIPPED";
/** arcface_torch's CombinedMarginLoss ignores m2 when m3 > 0 (the CosFace branch wins). */
export const W_MARGIN_IGNORED = "W_MARGIN_IGNORED";
/** Fewer impostor pairs than 1/FAR: TAR@FAR is computed at the strictest threshold available. */
export const W_FAR_RESOLUTION = "W_FAR_RESOLUTION";
/** Images that could not be decoded were skipped. */
export const W_SKIPPED_IMAGES = "W_SKIPPED_IMAGES";
/** Pairs in a pairs file that name images not found in the tree were skipped. */
export const W_SKIPPED_PAIRS = "W_SKIPPED_PAIRS";
/** The candidate failed a feasibility check and runs only because of --force. */
export const W_INFEASIBLE = "W_INFEASIBLE";
/** A feasibility check that only warns (the statistic is noisy against lambda on a flat loss). */
export const W_FEASIBILITY = "W_FEASIBILITY";
/** The candidate picked from a sweep carries a caveat (relative lambda). */
export const W_CANDIDATE_FROM = "W_CANDIDATE_FROM";
/** One seed: no interval, no verdict. */
export const W_ONE_SEED = "W_ONE_SEED";

export const E_BACKEND_UNAVAILABLE = "E_BACKEND_UNAVAILABLE";
export const E_BACKEND_KERNEL = "E_BACKEND_KERNEL";
export const E_MARGIN = "E_MARGIN";
export const E_DATASET = "E_DATASET";
export const E_PAIRS = "E_PAIRS";
export const E_VERDICT = "E_VERDICT";
export const E_WORKER = "E_WORKER";
export const E_OUTPUT_EXISTS = "E_OUTPUT_EXISTS";
export const E_SCALE = "E_SCALE";
export const E_INFEASIBLE = "E_INFEASIBLE";
export const E_DESIGN = "E_DESIGN";

export const backendChosen = (name: string, why: string) => `retrain: using backend ${name} (${why})`;
export const backendSkipped = (name: string, reason: string) => `retrain: backend ${name} skipped: ${reason}`;
export const backendUnavailable = (name: string, reason: string) =>
  `backend ${name} is not available: ${reason}. Use --backend auto to fall back to the next available one, or install it (npm install ${name === "tfjs-node-gpu" ? "@tensorflow/tfjs-node-gpu" : name === "tfjs-node" ? "@tensorflow/tfjs-node" : `the package for ${name}`}).`;
export const noBackend = (reasons: readonly string[]) =>
  `no tfjs backend could be initialised:\n  ${reasons.join("\n  ")}`;
export const unknownBackend = (name: string, valid: readonly string[]) =>
  `unknown backend '${name}'; valid backends: ${valid.join(", ")}`;
export const missingKernel = (model: string, backend: string, kernel: string) =>
  `--model ${model} cannot train on the ${backend} backend: it has no gradient kernel ${kernel} (tfjs-wasm cannot backpropagate through convolutions). Use --model mlp, or --backend cpu / tfjs-node / tfjs-node-gpu.`;
export const unknownModel = (name: string, valid: readonly string[]) =>
  `unknown model '${name}'; valid models: ${valid.join(", ")}`;
export const modelNameInUse = (name: string, variable: string) =>
  `a model named '${name}' is still alive (tfjs variable '${variable}'): dispose it first or give the new model another name`;
export const marginCombination = (m1: number, m2: number, m3: number) =>
  `margins m1=${m1}, m2=${m2}, m3=${m3} are not supported by arcface_torch's CombinedMarginLoss: it needs m1 = 1 and m3 = 0 (ArcFace) or m3 > 0 (CosFace)`;
export const marginIgnored = (m1: number, m2: number, m3: number) =>
  `margins m1=${m1}, m2=${m2}, m3=${m3}: with m3 > 0 arcface_torch's CombinedMarginLoss applies only the CosFace margin m3 (m1 and m2 are ignored); so does fastface`;
export const unknownMarginPreset = (name: string) =>
  `unknown margin '${name}'; use a preset (arcface = 1,0.5,0; cosface = 1,0,0.4) or three numbers m1,m2,m3`;
export const farResolution = (impostors: number, far: number) =>
  `only ${impostors} impostor pair(s): FAR=${far} cannot be resolved (needs >= ${Math.ceil(1 / far)}); TAR is reported at the strictest threshold (no false accept)`;
export const badOption = (name: string, value: unknown, expected: string) =>
  `--${name} ${String(value)}: expected ${expected}`;
export const datasetMissing = () =>
  `not a folder; expected 'synthetic' or an ImageFolder tree (identity/image.jpg|png)`;
export const datasetTooSmall = (identities: number, needed: number) =>
  `only ${identities} identities with at least 2 images; need at least ${needed} (some are held out for verification pairs)`;
export const noImages = () =>
  "no .jpg/.jpeg/.png images found in identity sub-folders (expected identity/image.jpg|png)";
export const skippedImages = (count: number, first: string, reason: string) =>
  `skipped ${count} image(s) that could not be decoded (first: ${first}: ${reason})`;
export const pairsLine = (detail: string) => detail;
export const skippedPairs = (count: number, first: string) =>
  `skipped ${count} pair(s) naming images not found in the tree (first: ${first})`;
export const noPairs = () => "no usable verification pairs";
export const verdictFails = (sentence: string) => `verdict does not hold. ${sentence}`;
export const oneSeed = () =>
  "one seed: the paired differences have no interval, so no verdict can hold (use --seeds 3 or more)";
export const workerFailed = (label: string, detail: string) =>
  `retrain: the ${label} run failed in its worker: ${detail}`;
export const outputExists = () => "exists and is not empty; choose another --out or pass --force";
export const scaleValue = (value: string) =>
  `scale=${value}: the only value is 'auto' (fastface:scale=auto, see docs/retrain.md)`;
export const scaleScheduler = (name: string) =>
  `scale=auto is defined for fastface only (it keeps the paper's ratios of alpha, lambda and tau); '${name}' has no such rule`;
export const scaleProbe = (steps: number, decrease: number, noise: number) =>
  `scale=auto needs a probe in which the loss falls and is noisy; the ${steps}-step probe gave a decrease of ${decrease} per step and a noise of ${noise}`;
export const infeasible = (spec: string, steps: number, reasons: readonly string[], scaled = false) =>
  `the candidate ${spec} cannot work on a ${steps}-step run:\n  ${reasons.join("\n  ")}\n${
    scaled
      ? "scale=auto already gave the rule its shortest memory: give the candidate more steps (--steps, --budget)"
      : "Change the setting (e.g. fastface:scale=auto)"
  }, or run it anyway with --force.`;
export const infeasibleForced = (spec: string, reasons: readonly string[]) =>
  `running the infeasible candidate ${spec} because of --force: ${reasons.join("; ")}`;
export const feasibilityWarning = (why: string) => `candidate: ${why}`;
