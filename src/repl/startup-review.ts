// The review of incomplete jobs at startup: jobs left interrupted by an earlier session (or by a
// jobline that died) are listed, and the user can view one in full, resume, delete (after a
// confirmation naming the count) or keep them.
import chalk from 'chalk';
import type { Job, JobMode } from '../jobs/model/job.js';
import { formatJobDetails } from '../render/job-details.js';
import { formatCounters, formatPhasePosition } from '../render/job-list.js';
import { sanitizeLine, truncate } from '../render/text.js';
import { askYesNo } from '../commands/keyed-select.js';
import { describeError } from '../errors.js';
import type { JobService } from '../jobs/service/job-service.js';
import type { Terminal } from './terminal.js';
import { reviewOrphans } from './orphan-review.js';

/** What the review needs from the REPL. */
export interface StartupReviewContext {
  service: JobService;
  terminal: Terminal;
  print: (text: string) => void;
  isInteractive: boolean;
  mode: () => JobMode;
  /** Hears of each job the review resumed (the REPL follows it as its own). */
  resumed?: (id: string) => void;
}

/** Most incomplete jobs listed in full by the review; the rest are counted. */
export const REVIEW_LIST_LIMIT = 10;

/** Formats the review's listing: the header, one block per job (the newest few), and where the files are. */
export function formatIncompleteJobs(jobs: readonly Job[], jobsDir: string): string {
  const lines = [chalk.yellow(`⚠️  Found ${jobs.length} incomplete job(s) from previous session:`)];
  for (const job of jobs.slice(-REVIEW_LIST_LIMIT)) {
    lines.push(
      `  ${chalk.bold(job.id)}  ${job.agent}  ${job.status}  ${sanitizeLine(formatPhasePosition(job))}`,
      `    ${truncate(sanitizeLine(job.description), 100)}`,
      chalk.dim(`    started ${job.startedAt ?? 'never'} · last: ${truncate(sanitizeLine(job.progress.lastEvent ?? '-'), 60)}${formatCounters(job) ? ` · ${formatCounters(job)}` : ''}`),
    );
  }
  if (jobs.length > REVIEW_LIST_LIMIT) lines.push(chalk.dim(`  … and ${jobs.length - REVIEW_LIST_LIMIT} older ones (/jobs or jobline list shows them)`));
  lines.push(chalk.dim(`  Job files: ${jobsDir}`));
  return lines.join('\n');
}

/** Runs the review if there are interrupted jobs. Never throws: problems are printed. */
export async function runStartupReview(context: StartupReviewContext): Promise<void> {
  const { service, terminal, print } = context;
  await reviewOrphans(context);
  let incomplete: Job[];
  try {
    // Only interrupted jobs are read (and every active one, whose owner may have died): an index
    // knows the status of the ended ones, so a start costs the same with thousands stored.
    const { jobs, warnings } = await service.list({ statuses: ['interrupted'] });
    for (const warning of warnings) print(chalk.yellow(`warning: ${warning}`));
    incomplete = jobs.filter((job) => job.status === 'interrupted');
  } catch (error) {
    print(`warning: cannot read the jobs folder: ${describeError(error)}`);
    return;
  }
  // Jobs the user kept at an earlier review (or dismissed on the dashboard) are not asked about again.
  const kept = incomplete.filter((job) => job.dismissedAt);
  incomplete = incomplete.filter((job) => !job.dismissedAt);
  if (kept.length > 0) print(chalk.dim(`${kept.length} interrupted job${kept.length === 1 ? '' : 's'} kept (/jobs interrupted)`));
  if (incomplete.length === 0) return;
  print(formatIncompleteJobs(incomplete, service.jobsDir));
  if (!context.isInteractive) {
    print(chalk.dim('  Kept. /resume <id> continues one, /jobs lists them.'));
    return;
  }
  for (;;) {
    // One key answers, as in the approval box; Enter keeps.
    const answer = await terminal.askKey(`${chalk.bold('[v]')}iew details, ${chalk.bold('[r]')}esume, ${chalk.bold('[d]')}elete all, ${chalk.bold('[k]')}eep (Enter): `, ['v', 'r', 'd', 'k'], 'k');
    if (answer === 'v') {
      // One job in full at a time: all of them at once would scroll the listing away.
      const id = incomplete.length === 1 ? incomplete[0]!.id : await terminal.suspend(() => chooseJobToView(incomplete));
      const job = incomplete.find((candidate) => candidate.id === id);
      if (job) {
        const { board } = await service.view(job.id);
        print(`${formatJobDetails(job, { files: service.existingFiles(job.id), tasksCommand: '/tasks', logsCommand: '/logs' }, new Date(), board)}\n`);
      }
      continue;
    }
    if (answer === 'r') {
      const chosen = incomplete.length === 1 ? [incomplete[0]!.id] : await terminal.suspend(() => chooseJobs(incomplete));
      for (const id of chosen) {
        try {
          const job = await service.dispatch({ type: 'resume', jobId: id, mode: context.mode() });
          context.resumed?.(job.id);
          print(`↻ Resuming ${job.id} at ${job.phases[job.currentPhase]?.name}`);
        } catch (error) {
          print(chalk.red(`Cannot resume ${id}: ${describeError(error)}`));
        }
      }
      return;
    }
    if (answer === 'd') {
      const count = incomplete.length;
      if (!(await terminal.suspend(() => askYesNo(`Delete ${count} incomplete job${count === 1 ? '' : 's'} and their files?`, false, process.stdout)))) continue;
      // Exactly the jobs listed, each only if still as listed: one that another jobline resumed
      // since the listing is running there and must not lose its folder.
      let removed: string[];
      try {
        removed = await service.dispatch({ type: 'remove', jobs: incomplete });
      } catch (error) {
        print(chalk.red(`Cannot delete: ${describeError(error)}`));
        return;
      }
      const changed = incomplete.length - removed.length;
      print(`🗑  Deleted ${removed.length} incomplete job(s).${changed > 0 ? ` ${changed} changed since they were listed (resumed elsewhere?) and were kept.` : ''}`);
      return;
    }
    if (answer === 'k') {
      await keep(service, incomplete, print);
      return;
    }
    print('Please answer v, r, d or k.');
  }
}

// Records the choice to keep `jobs` as they are in each job (see Job.dismissedAt), so the next
// start does not ask again; a job another jobline resumed meanwhile is left as it is.
async function keep(service: JobService, jobs: readonly Job[], print: (text: string) => void): Promise<void> {
  const failures: string[] = [];
  for (const job of jobs) {
    try {
      await service.dispatch({ type: 'update', jobId: job.id, dismissed: true });
    } catch (error) {
      failures.push(`${job.id}: ${describeError(error)}`);
    }
  }
  print(chalk.dim('Kept. They are in /jobs interrupted; /resume <id> continues one.'));
  for (const failure of failures) print(chalk.yellow(`warning: could not record the keep of ${failure}`));
}

// One row per job, as the pickers show it: id, status, phase and the prompt.
function describeRow(job: Job): string {
  return `${job.id}  ${sanitizeLine(formatPhasePosition(job))}  ${truncate(sanitizeLine(job.description), 50)}`;
}

// Both pickers mark the row under the cursor with `❯` and the picked rows with [x], both
// visible without colour; the first row starts picked (enquirer's multiselect resets every
// choice's `enabled` and picks only what `initial` names).
const POINTER = { pointer: '❯', indicator: (_state: unknown, choice: { enabled?: boolean }) => (choice.enabled ? ' [x]' : ' [ ]') };

async function chooseJobs(jobs: readonly Job[]): Promise<string[]> {
  const { default: enquirer } = await import('enquirer');
  try {
    const { ids } = await enquirer.prompt<{ ids: string[] }>({
      type: 'multiselect',
      name: 'ids',
      message: 'Resume which jobs? (space to pick, Enter to confirm)',
      choices: jobs.map((job) => ({ name: job.id, message: describeRow(job) })),
      initial: 0,
      stdout: process.stdout,
      ...POINTER,
    } as never);
    return ids;
  } catch {
    return [];
  }
}

async function chooseJobToView(jobs: readonly Job[]): Promise<string | null> {
  const { default: enquirer } = await import('enquirer');
  try {
    const { id } = await enquirer.prompt<{ id: string }>({
      type: 'select',
      name: 'id',
      message: 'View which job in full?',
      choices: jobs.map((job) => ({ name: job.id, message: describeRow(job) })),
      stdout: process.stdout,
      pointer: '❯',
    } as never);
    return id;
  } catch {
    return null;
  }
}
