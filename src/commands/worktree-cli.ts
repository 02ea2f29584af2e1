// `jobline merge ID`, `jobline discard ID [-y]`, `jobline diff ID [--stat]`: a job's worktree work
// landed through the merge queue, dropped after a confirmation, or shown against where it started.
import chalk from 'chalk';
import type { Job } from '../jobs/model/job.js';
import type { JobService } from '../jobs/service/job-service.js';
import { formatJobLabel } from '../render/job-list.js';
import { describeMerge } from '../render/merge-status.js';
import { sanitizeLine } from '../render/text.js';
import { createJobService, type AppContext } from './context.js';
import { hasTerminal } from './foreground-job.js';
import { UsageError } from '../errors.js';

/** Options of `jobline merge`. */
export interface MergeOptions {
  json?: boolean;
}

/**
 * Lands job `idOrPrefix`'s work and waits for the landing to end (its queue position said on
 * stderr while it waits). Returns 0 when it landed, 1 when it did not (conflict, a failed check,
 * the user's uncommitted changes in the way: the message says which, and what to do).
 * @throws ManagerError NOT_LANDABLE; WorktreeError; JobLookupError; StoreError.
 */
export async function mergeCommand(context: AppContext, idOrPrefix: string, options: MergeOptions): Promise<number> {
  const service = await createJobService(context, { isScript: true });
  try {
    const id = await service.resolve(idOrPrefix);
    service.on('jobActivity', (job, icon, text) => {
      if (job.id === id) process.stderr.write(`${icon} ${sanitizeLine(text)}\n`);
    });
    const job = await service.dispatch({ type: 'merge', jobId: id });
    printLanding(job, options, await service.whyCannotResolve(job));
    return job.merge?.status === 'landed' ? 0 : 1;
  } finally {
    await service.lifecycle.shutdown();
  }
}

function printLanding(job: Job, options: MergeOptions, cannotResolve: string | null): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return;
  }
  const stream = job.merge?.status === 'landed' ? process.stdout : process.stderr;
  stream.write(`${describeMerge(job, cannotResolve)}\n`);
}

/** Options of `jobline discard`. */
export interface DiscardOptions {
  yes?: boolean;
  json?: boolean;
}

/**
 * Removes job `idOrPrefix`'s worktree and branch, after a confirmation that says what goes
 * (its commits not landed, its uncommitted files); `yes` skips it. Returns 0 when discarded, 1
 * when the user said no. @throws UsageError (no terminal to ask, and no -y); ManagerError
 * NOT_LANDABLE, NO_WORKTREE; WorktreeError; JobLookupError.
 */
export async function discardCommand(context: AppContext, idOrPrefix: string, options: DiscardOptions): Promise<number> {
  const { job, contents } = await context.jobs.inspectWorktree(idOrPrefix);
  const what = describeLoss(job, contents.commits, contents.uncommitted.length, contents.exists);
  if (!options.yes) {
    if (!hasTerminal()) throw new UsageError('USAGE', `Discarding ${job.id} removes ${what}. There is no terminal to confirm it: add -y.`);
    const { default: enquirer } = await import('enquirer');
    const { isSure } = await enquirer.prompt<{ isSure: boolean }>({ type: 'confirm', name: 'isSure', message: `Discard ${formatJobLabel(job)}? This removes ${what}.`, initial: false, stdout: process.stderr } as never);
    if (!isSure) {
      process.stderr.write('Kept.\n');
      return 1;
    }
  }
  const service = await createJobService(context, { isScript: true });
  try {
    const discarded = await service.dispatch({ type: 'discard', jobId: job.id });
    if (options.json) process.stdout.write(`${JSON.stringify(discarded, null, 2)}\n`);
    else process.stdout.write(`🗑  Discarded ${formatJobLabel(discarded)}: removed ${what}.\n`);
    return 0;
  } finally {
    await service.lifecycle.shutdown();
  }
}

/** What discarding `job` loses, in words (`its worktree … and branch … with 3 commits not landed and 1 uncommitted file`). */
export function describeLoss(job: Job, commits: number, uncommitted: number, exists = true): string {
  const worktree = job.worktree!;
  const lost = [`${commits} commit${commits === 1 ? '' : 's'} not landed`, `${uncommitted} uncommitted file${uncommitted === 1 ? '' : 's'}`];
  return `${exists ? `its worktree ${worktree.path} and ` : ''}its branch ${worktree.branch}, with ${lost.join(' and ')}`;
}

/** Options of `jobline diff`. */
export interface DiffOptions {
  stat?: boolean;
}

/**
 * Prints job `idOrPrefix`'s whole change in its worktree against where it started (its commits
 * and what is not committed yet; never the user's own uncommitted changes it started with).
 * @throws ManagerError NO_WORKTREE; WorktreeError; JobLookupError.
 */
export async function diffCommand(service: JobService, idOrPrefix: string, options: DiffOptions): Promise<number> {
  const { job, text } = await service.diff(idOrPrefix, { isStat: options.stat ?? false, isColour: Boolean(process.stdout.isTTY) && chalk.level > 0 });
  if (text.trim() === '') process.stderr.write(`${formatJobLabel(job)} has changed nothing (against ${job.worktree!.base.slice(0, 12)}).\n`);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
