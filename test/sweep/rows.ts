/** The result rows of a sweep database users compare (timing columns left out), sorted by curve and config. */
import { openDb, queryRows } from "../../src/sweep/store.ts";

export async function resultRows(db: string): Promise<Array<Record<string, unknown>>> {
  const { conn, close } = await openDb(db, true);
  try {
    return await queryRows(
      conn,
      `SELECT curve, config_id, params, decays, decaySteps, removed, openLoopLead, plateaus, premature, lambdaEff
       FROM results ORDER BY curve, config_id`,
    );
  } finally {
    close();
  }
}
