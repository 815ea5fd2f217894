/**
 * Scoring a scheduler's decays against the judge's stationary subsequences.
 * A plateau [s, e] is removed when the first decay inside it happens at d < e; steps saved is the sum of e - d
 * over removed plateaus (in curve steps when `stepOf` maps indices to steps). A decay outside every plateau
 * is premature.
 */
import type { StationaryIndexSpan } from "./stationary.ts";

export interface DecayScore {
  removed: number;
  openLoopLead: number;
  premature: number;
}

/**
 * @example scoreDecays([{ start: 10, end: 20 }], [15, 30]) // -> { removed: 1, openLoopLead: 5, premature: 1 }
 */
export function scoreDecays(
  spans: readonly StationaryIndexSpan[],
  decayIndices: ArrayLike<number>,
  stepOf: (index: number) => number = (i) => i,
): DecayScore {
  // both lists sorted: one merge pass
  const decays = Array.from(decayIndices).sort((a, b) => a - b);
  let removed = 0;
  let openLoopLead = 0;
  let premature = 0;
  let k = 0;
  for (const d of decays) {
    while (k < spans.length && spans[k]!.end < d) k++;
    const sp = spans[k];
    if (!sp || d < sp.start) premature++;
  }
  let j = 0;
  for (const sp of spans) {
    while (j < decays.length && decays[j]! < sp.start) j++;
    const d = decays[j];
    if (d !== undefined && d < sp.end) {
      removed++;
      openLoopLead += stepOf(sp.end) - stepOf(d);
    }
  }
  return { removed, openLoopLead, premature };
}
