// `jobline show ID`: one job in full (or its manifest), found by id, name or a unique prefix.
import { formatJobDetails, formatJobViewJson } from '../render/job-details.js';
import type { AppContext } from './context.js';
import { formatJobLabel } from '../render/job-list.js';
import { isTerminalStatus } from '../jobs/model/job.js';

/** Options of `jobline show`. */
export interface ShowOptions {
  json?: boolean;
  /** Print the job's manifest (job_manifest.json) instead. */
  manifest?: boolean;
}

/**
 * Prints job `idOrPrefix` to stdout, with its tasks and runs (JSON: each task with its `runs`). Returns the exit code.
 * @throws JobLookupError (JOB_NOT_FOUND, JOB_ID_AMBIGUOUS), StoreError (JOB_FILE_CORRUPT, JOB_IO).
 */
export async function showCommand(context: AppContext, idOrPrefix: string, options: ShowOptions): Promise<number> {
  const now = new Date();
  if (options.manifest) {
    const { job, manifest } = await context.jobs.manifest(idOrPrefix);
    if (manifest) {
      process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
      return 0;
    }
    process.stderr.write(`${formatJobLabel(job)} has no manifest: ${isTerminalStatus(job.status) && job.status !== 'interrupted' ? 'it ended before jobline wrote manifests, or its manifest could not be written' : `it is ${job.status}, and its manifest is written when it ends`}.\n`);
    return 1;
  }
  const { job, board } = await context.jobs.view(idOrPrefix);
  const place = { files: context.jobs.existingFiles(job.id), tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' };
  process.stdout.write(options.json ? `${formatJobViewJson(job, board)}\n` : `${formatJobDetails(job, place, now, board)}\n`);
  return 0;
}
