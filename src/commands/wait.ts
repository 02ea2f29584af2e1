// `jobline wait ID…`: waits until every named job has ended, whoever runs it. Exits like `run`:
// 0 when all completed, 1 otherwise.
import { isTerminalStatus, type Job } from '../jobs/model/job.js';
import { STATUS_ICONS, sanitizeLine } from '../render/text.js';
import type { AppContext } from './context.js';

const POLL_MS = 200;

/** Options of `jobline wait`. */
export interface WaitOptions {
  json?: boolean;
}

/**
 * Waits for the jobs `idsOrPrefixes` to end (a job whose owner died reads as interrupted, which
 * ends the wait for it). Prints one line per job as it ends (or the jobs as a JSON array at the
 * end). Returns 0 when all completed, 1 otherwise.
 * @throws JobLookupError for an unknown or ambiguous id (before waiting); StoreError.
 */
export async function waitCommand(context: AppContext, idsOrPrefixes: string[], options: WaitOptions): Promise<number> {
  const ids = [...new Set(await Promise.all(idsOrPrefixes.map((input) => context.jobs.resolve(input))))];
  const ended = new Map<string, Job>();
  for (;;) {
    for (const id of ids) {
      if (ended.has(id)) continue;
      const job = await context.jobs.get(id).catch(() => null);
      if (!job || !isTerminalStatus(job.status)) continue;
      ended.set(id, job);
      if (!options.json) process.stdout.write(`${STATUS_ICONS[job.status]} ${job.id} ${job.status}${job.error ? `: ${sanitizeLine(job.error)}` : ''}\n`);
    }
    if (ended.size === ids.length) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const jobs = ids.map((id) => ended.get(id)!);
  if (options.json) process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
  return jobs.every((job) => job.status === 'completed') ? 0 : 1;
}
