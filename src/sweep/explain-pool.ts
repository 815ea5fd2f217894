/**
 * explain's candidates on the sweep worker pool: an `Evaluator` (src/explain/search.ts) backed by `SweepPool`
 * with the explain worker. The CLI composes the two (explain stays below sweep and never imports it).
 */
import type { Candidate, CandidateDetail, CandidateScore, ExplainInput } from "../explain/kernel.ts";
import type { Evaluator } from "../explain/search.ts";
import type { ExplainRow, SharedExplainInput } from "./explain-worker.ts";
import { SweepPool } from "./pool.ts";

/** The explain worker, by its base name next to pool.ts (pool.ts picks .ts or the built .js). */
const WORKER = "explain-worker";

function share(a: Float64Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.byteLength);
  new Float64Array(buf).set(a);
  return buf;
}

/**
 * An evaluator on `size` worker threads (spawned now, so they load while the caller reads its input).
 * @example const ev = poolEvaluator(2); await explainCurve(curve, { evaluator: ev }); await ev.close();
 */
export function poolEvaluator(size: number): Evaluator {
  const pool = SweepPool.spawn<ExplainRow, { candidates: Candidate[]; detail?: boolean }, SharedExplainInput>(
    size,
    WORKER,
  );
  const runRound = async (candidates: readonly Candidate[], detail: boolean): Promise<ExplainRow[]> => {
    if (candidates.length === 0) return [];
    await pool.setup({ candidates: [...candidates], detail });
    // a few tasks per worker, so uneven candidates (dlib, continuous schedules) balance out
    const per = Math.max(1, Math.ceil(candidates.length / (size * 4)));
    const tasks = [];
    for (let i = 0; i < candidates.length; i += per) {
      const configIndices: number[] = [];
      for (let j = i; j < Math.min(candidates.length, i + per); j++) configIndices.push(j);
      tasks.push({ curveId: 0, configIndices });
    }
    const out: ExplainRow[] = new Array(candidates.length);
    await pool.run(tasks, (rows) => {
      for (const r of rows) out[r.index] = r;
    });
    return out;
  };
  let closed = false;
  return {
    workers: size,
    async start(input: ExplainInput) {
      await pool.setup({ candidates: [] });
      pool.addCurve({
        ...input,
        curveId: 0,
        losses: share(input.losses),
        pointStep: share(input.pointStep),
        pointLr: share(input.pointLr),
      });
    },
    async evaluate(candidates: readonly Candidate[]): Promise<CandidateScore[]> {
      return (await runRound(candidates, false)).map((r) => r.score);
    },
    async detail(candidates: readonly Candidate[]): Promise<CandidateDetail[]> {
      return (await runRound(candidates, true)).map((r) => r.detail!);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}
