/**
 * wsd: HuggingFace transformers' warmup-stable-decay schedule (`get_wsd_schedule` and its lambda in
 * `transformers/optimization.py`), a LambdaLR: the LR during training step u is lr0 * f(u) with, for
 * W = warmup, S = stable, D = decay steps and r = min_lr_ratio,
 *   u < W:            p = u / max(1, W); f = r + (1 - r) * w(p)      w: linear p | cosine (1 - cos(pi p)) / 2
 *                                                                         | 1-sqrt 1 - sqrt(1 - p)
 *   W <= u < W+S:     f = 1
 *   W+S <= u < W+S+D: p = (u - W - S) / max(1, D); f = r + (1 - r) * d(p)
 *                     d: linear 1 - p | cosine (1 + cos(2 pi num_cycles p)) / 2 | 1-sqrt 1 - sqrt(p)
 *   afterwards:       f = r
 * each phase value clipped at 0 from below, as there. `stable` defaults to T - W - D (transformers'
 * num_training_steps - num_warmup_steps - num_decay_steps); steps may be given as fractions of T (values in
 * (0, 1)). Decay events: each time the LR falls through lr0 / ratio^k (default halvings, at most maxDecays),
 * none during the warmup, as for poly and cosine (fixed.ts).
 */
import { ConfigError } from "../errors.ts";
import { badParamValue, E_SCHED_PARAM } from "../messages/replay.ts";
import { defineScheduler } from "./factory.ts";
import { FixedSchedule, stepsOrFraction } from "./fixed.ts";
import type { ParamSpec, ParamsOf, SchedulerContext, SchedulerFactory } from "./types.ts";

const SHAPES = ["linear", "cosine", "1-sqrt"] as const;

export const WSD_PARAMS = {
  warmup: { type: "number", default: 0, min: 0, doc: "warmup steps W (values in (0,1): fraction of T)" },
  stable: {
    type: "number",
    default: undefined,
    min: 0,
    doc: "stable steps S (default T - W - D; values in (0,1): fraction of T)",
  },
  decay: { type: "number", default: 0.1, min: 0, doc: "decay steps D (values in (0,1): fraction of T)" },
  warmup_type: { type: "string", default: "linear", choices: SHAPES, doc: "warmup shape" },
  decay_type: { type: "string", default: "cosine", choices: SHAPES, doc: "decay shape" },
  min_lr_ratio: { type: "number", default: 0, min: 0, max: 1, doc: "LR floor as a ratio of lr0" },
  num_cycles: { type: "number", default: 0.5, min: 0, doc: "cosine decay: waves over the decay phase" },
  ratio: { type: "number", default: 2, min: 1.000001, doc: "a decay event each time LR falls by this factor" },
  maxDecays: { type: "integer", default: 8, min: 0, doc: "events reported at most (like fastface's maxDecays)" },
} as const satisfies Record<string, ParamSpec>;

function build(params: ParamsOf<typeof WSD_PARAMS>, ctx: SchedulerContext): FixedSchedule {
  const T = ctx.totalSteps;
  const W = stepsOrFraction(params.warmup, T);
  const D = stepsOrFraction(params.decay, T);
  const given = params.stable;
  const S = given === undefined ? T - W - D : stepsOrFraction(given, T);
  if (S < 0) {
    throw new ConfigError(
      badParamValue("wsd", "decay", params.decay, `warmup + decay <= T = ${T} when stable is not given`),
      E_SCHED_PARAM,
    );
  }
  const r = params.min_lr_ratio;
  const cycles = params.num_cycles;
  const up = params.warmup_type;
  const down = params.decay_type;
  const lr0 = ctx.lr0;
  const f = (u: number): number => {
    if (u < W) {
      const p = u / Math.max(1, W);
      const w = up === "linear" ? p : up === "cosine" ? 0.5 * (1 - Math.cos(Math.PI * p)) : 1 - Math.sqrt(1 - p);
      return Math.max(0, w * (1 - r) + r);
    }
    if (u < W + S) return 1;
    if (u < W + S + D) {
      const p = (u - W - S) / Math.max(1, D);
      const d =
        down === "linear"
          ? 1 - p
          : down === "cosine"
            ? 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * p))
            : 1 - Math.sqrt(p);
      return Math.max(0, d * (1 - r) + r);
    }
    return r;
  };
  return new FixedSchedule("wsd", params, ctx, (u) => lr0 * f(u), {
    mode: "levels",
    ratio: params.ratio,
    maxEvents: params.maxDecays,
    quietUntil: W,
  });
}

/**
 * @example const s = wsd.create({ warmup: 100, decay: 0.2 }, { totalSteps: 1000, lr0: 3e-4 });
 */
export const wsd: SchedulerFactory = defineScheduler({
  name: "wsd",
  summary: "HuggingFace warmup-stable-decay (get_wsd_schedule): warmup, constant, decay to min_lr_ratio",
  paramSpecs: WSD_PARAMS,
  adaptive: false,
  make: build,
});
