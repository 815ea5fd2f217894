/**
 * The explain worker: the sweep pool's protocol (worker.ts) with explain's payload, so `fastface explain` runs
 * its candidates on the same pool (pool.ts, one bootstrap) as `fastface sweep`:
 *   main -> worker  {type: "setup", candidates: Candidate[], detail?: boolean}    once per search round
 *                   {type: "curve", curve: SharedExplainInput}                    once per explain run
 *                   {type: "task", taskId, curveId, configIndices: number[]}      many
 *   worker -> main  {type: "ready"}, {type: "done", taskId, rows: ExplainRow[]}, {type: "error", message, stack}
 * The per-step losses and the logged points arrive once, in SharedArrayBuffers.
 */
import { parentPort } from "node:worker_threads";
import {
  type Candidate,
  type CandidateDetail,
  type CandidateScore,
  detailCandidate,
  type ExplainInput,
} from "../explain/kernel.ts";
import { safeScore } from "../explain/search.ts";

/** An ExplainInput whose arrays live in SharedArrayBuffers. */
export interface SharedExplainInput extends Omit<ExplainInput, "losses" | "pointStep" | "pointLr"> {
  curveId: number;
  losses: SharedArrayBuffer;
  pointStep: SharedArrayBuffer;
  pointLr: SharedArrayBuffer;
}

/** One scored candidate, by its index in the round's candidate list (with its detail in a detail round). */
export interface ExplainRow {
  index: number;
  score: CandidateScore;
  detail?: CandidateDetail;
}

type ToExplainWorker =
  | { type: "setup"; candidates: Candidate[]; detail?: boolean }
  | { type: "curve"; curve: SharedExplainInput }
  | { type: "task"; taskId: number; curveId: number; configIndices: number[] };

const port = parentPort;
if (port) {
  let candidates: Candidate[] = [];
  let detail = false;
  let input: ExplainInput | null = null;
  port.on("message", (msg: ToExplainWorker) => {
    let taskId: number | null = null;
    try {
      if (msg.type === "setup") {
        candidates = msg.candidates;
        detail = msg.detail === true;
        port.postMessage({ type: "ready" });
      } else if (msg.type === "curve") {
        const c = msg.curve;
        input = {
          ...c,
          losses: new Float64Array(c.losses),
          pointStep: new Float64Array(c.pointStep),
          pointLr: new Float64Array(c.pointLr),
        };
      } else {
        taskId = msg.taskId;
        if (!input) throw new Error("an explain task arrived before its input");
        const inp = input;
        const rows: ExplainRow[] = msg.configIndices.map((i) => {
          if (!detail) return { index: i, score: safeScore(inp, candidates[i]!) };
          const d = detailCandidate(inp, candidates[i]!);
          return { index: i, score: d, detail: d };
        });
        port.postMessage({ type: "done", taskId, rows });
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ type: "error", taskId, message: e.message, stack: e.stack });
    }
  });
}
