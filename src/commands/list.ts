// `jobline list`: the jobs in the jobs folder, as everyone should see them (dead owners' active
// jobs show as interrupted).
import { formatJobList } from '../render/job-list.js';
import type { AppContext } from './context.js';

/** Options of `jobline list`. */
export interface ListOptions {
  json?: boolean;
}

/** Prints the job list (or JSON array) to stdout, warnings about skipped items to stderr. Returns the exit code. */
export async function listCommand(context: AppContext, options: ListOptions): Promise<number> {
  const now = new Date();
  const { jobs, warnings } = await context.store.list(now.toISOString());
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(options.json ? `${JSON.stringify(jobs, null, 2)}\n` : `${formatJobList(jobs, now)}\n`);
  return 0;
}
