// `jobline show ID`: one job in full, found by id or unique prefix.
import { formatJobDetails, formatJobViewJson } from '../render/job-details.js';
import type { AppContext } from './context.js';

/** Options of `jobline show`. */
export interface ShowOptions {
  json?: boolean;
}

/**
 * Prints job `idOrPrefix` to stdout, with its tasks and runs (JSON: each task with its `runs`). Returns the exit code.
 * @throws JobLookupError (JOB_NOT_FOUND, JOB_ID_AMBIGUOUS), StoreError (JOB_FILE_CORRUPT, JOB_IO).
 */
export async function showCommand(context: AppContext, idOrPrefix: string, options: ShowOptions): Promise<number> {
  const now = new Date();
  const { job, board, paths } = await context.jobs.view(idOrPrefix);
  process.stdout.write(options.json ? `${formatJobViewJson(job, board)}\n` : `${formatJobDetails(job, paths, now, board)}\n`);
  return 0;
}
