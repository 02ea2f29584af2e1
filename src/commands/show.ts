// `jobline show ID`: one job in full, found by id or unique prefix.
import { formatJobDetails } from '../render/job-details.js';
import type { AppContext } from './context.js';

/** Options of `jobline show`. */
export interface ShowOptions {
  json?: boolean;
}

/**
 * Prints job `idOrPrefix` to stdout. Returns the exit code.
 * @throws JobLookupError (JOB_NOT_FOUND, JOB_ID_AMBIGUOUS), StoreError (JOB_FILE_CORRUPT, JOB_IO).
 */
export async function showCommand(context: AppContext, idOrPrefix: string, options: ShowOptions): Promise<number> {
  const id = await context.store.resolveId(idOrPrefix);
  const now = new Date();
  const job = await context.store.load(id, now.toISOString());
  process.stdout.write(options.json ? `${JSON.stringify(job, null, 2)}\n` : `${formatJobDetails(job, context.store.pathsOf(id), now)}\n`);
  return 0;
}
