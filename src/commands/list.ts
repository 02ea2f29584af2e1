// `jobline list`: the jobs in the jobs folder, as everyone should see them (dead owners' active
// jobs show as interrupted).
import { UsageError } from '../errors.js';
import { formatJobList, JOB_FILTERS, matchesFilter, parseJobFilter } from '../render/job-list.js';
import { sanitizeLine } from '../render/text.js';
import type { AppContext } from './context.js';

/** Options of `jobline list`. */
export interface ListOptions {
  json?: boolean;
}

/**
 * Prints the job list (or JSON array) to stdout, only jobs passing `filterText` when given (a
 * status, `active` or `unfinished`), warnings about skipped items to stderr. Returns the exit code.
 * @throws UsageError USAGE for a filter that names no status.
 */
export async function listCommand(context: AppContext, filterText: string | undefined, options: ListOptions): Promise<number> {
  const now = new Date();
  const filter = filterText === undefined ? null : parseJobFilter(filterText);
  if (filterText !== undefined && !filter) throw new UsageError('USAGE', `'${sanitizeLine(filterText)}' is not a status. Use one of: ${JOB_FILTERS.join(', ')}.`);
  const listed = await context.jobs.list();
  const { warnings } = listed;
  const jobs = filter ? listed.jobs.filter((job) => matchesFilter(job.status, filter)) : listed.jobs;
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(options.json ? `${JSON.stringify(jobs, null, 2)}\n` : `${formatJobList(jobs, now, listed.jobs.length, process.stdout.columns ?? 100)}\n`);
  return 0;
}
