/**
 * The generic `stepRange`: feed losses[from..to) through `step()` one by one and record every decay in the sink.
 * Schedulers without a specialised fast path (plateau-*, dlib, the fixed schedules) use it as their `stepRange`;
 * replay uses it for schedulers that have none. fastface and hck keep their own chunked fast paths.
 */
import type { DecaySink, Scheduler } from "./types.ts";

/**
 * Call `s.step(losses[i])` for i in [from, to) and push (i, LR after) to `sink` at each decay.
 * @example const sink = { index: [], lr: [] }; stepEach(s, losses, 0, losses.length, sink); sink.index // decay steps
 */
export function stepEach(s: Scheduler, losses: Float64Array, from: number, to: number, sink: DecaySink): void {
  for (let i = from; i < to; i++) {
    if (s.step(losses[i]!)) {
      sink.index.push(i);
      sink.lr.push(s.lr);
    }
  }
}

/**
 * Feed losses[from..to) to `s` through its own `stepRange` fast path when it has one, else through `stepEach`.
 * @example const sink = { index: [], lr: [] }; feedRange(s, losses, 0, losses.length, sink);
 */
export function feedRange(s: Scheduler, losses: Float64Array, from: number, to: number, sink: DecaySink): void {
  if (s.stepRange) s.stepRange(losses, from, to, sink);
  else stepEach(s, losses, from, to, sink);
}
