/**
 * Scoring a scheduler's decays against the judge's plateaus (open loop: the curve was produced by another
 * schedule, so these say when a rule would have fired, not what it would have saved).
 *
 * With a tolerance tol (one logged stride + one `frequent` interval, tolerance.ts), plateau [s, e] owns the
 * window [s, e + tol]. Its first decay d in that window (one not already credited to the previous plateau)
 * *removes* it; a decay at or just after the end (d in [e, e + tol]) is the decay that ended it, not premature.
 * - openLoopLead: sum over removed plateaus of max(0, e - d) in curve steps: how far ahead of the plateau's
 *   end the rule fired on this curve. Savings need the closed loop (`fastface simulate`).
 * - detection lag: d - s per plateau (null when none removes it), and their mean: small when a detector fires
 *   early in a plateau, large when it fires at its end.
 * - premature: decays outside every window (the loss was not on a plateau there).
 */
import type { StationaryIndexSpan } from "./stationary.ts";

/** What the judge says about one decay: the plateau it removes or sits in, or none (premature). */
export interface DecayVerdict {
  /** Index into the plateau list, or -1 when the decay is premature. */
  plateau: number;
  /** True for the decay credited with removing that plateau. */
  removes: boolean;
}

export interface DecayScore {
  removed: number;
  openLoopLead: number;
  premature: number;
  /** Per plateau: curve steps from its start to the decay that removes it; null when none does. */
  lags: Array<number | null>;
  /** Mean of the non-null lags; null when no plateau is removed. */
  meanLag: number | null;
  /** Per decay, in the order given. */
  verdicts: DecayVerdict[];
}

/**
 * @example scoreDecays([{ start: 10, end: 20 }], [15, 30]) // -> removed 1, openLoopLead 5, premature 1, lags [5]
 * @example scoreDecays([{ start: 10, end: 20 }], [22], (i) => i, 2) // -> removed 1 (the decay that ended it), openLoopLead 0
 */
export function scoreDecays(
  spans: readonly StationaryIndexSpan[],
  decayIndices: ArrayLike<number>,
  stepOf: (index: number) => number = (i) => i,
  tolerance = 0,
): DecayScore {
  const tol = Math.max(0, tolerance);
  const order = Array.from({ length: decayIndices.length }, (_, k) => k).sort(
    (a, b) => decayIndices[a]! - decayIndices[b]! || a - b,
  );
  const verdicts: DecayVerdict[] = Array.from({ length: decayIndices.length }, () => ({
    plateau: -1,
    removes: false,
  }));
  const lags: Array<number | null> = spans.map(() => null);
  let removed = 0;
  let openLoopLead = 0;
  // credit: the first not-yet-credited decay in each plateau's window
  let j = 0;
  for (let i = 0; i < spans.length; i++) {
    const sp = spans[i]!;
    while (j < order.length && decayIndices[order[j]!]! < sp.start) j++;
    if (j < order.length && decayIndices[order[j]!]! <= sp.end + tol) {
      const k = order[j]!;
      const d = decayIndices[k]!;
      verdicts[k] = { plateau: i, removes: true };
      removed++;
      openLoopLead += Math.max(0, stepOf(sp.end) - stepOf(d));
      lags[i] = stepOf(d) - stepOf(sp.start);
      j++;
    }
  }
  // every other decay: inside some window, or premature
  let premature = 0;
  let i = 0;
  for (const k of order) {
    if (verdicts[k]!.removes) continue;
    const d = decayIndices[k]!;
    while (i < spans.length && spans[i]!.end + tol < d) i++;
    // windows can overlap by tol: the first window that holds d
    if (i < spans.length && spans[i]!.start <= d) verdicts[k] = { plateau: i, removes: false };
    else premature++;
  }
  const done = lags.filter((v): v is number => v !== null);
  const meanLag = done.length > 0 ? done.reduce((a, b) => a + b, 0) / done.length : null;
  return { removed, openLoopLead, premature, lags, meanLag, verdicts };
}
