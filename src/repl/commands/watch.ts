// /watch <id>: a foreground spinner with the job's phase and last event until it ends, reaches an
// approval (the approval box then opens), or the user presses Ctrl+C (the job keeps running).
import { UsageError } from '../../errors.js';
import { isTerminalStatus, type Job } from '../../jobs/model/job.js';
import { formatPhasePosition } from '../../render/job-list.js';
import { sanitizeLine, truncate } from '../../render/text.js';
import type { SlashCommand } from '../session.js';

const REFRESH_MS = 100;

function describe(job: Job): string {
  const last = job.progress.lastEvent ? ` — ${truncate(sanitizeLine(job.progress.lastEvent), 70)}` : '';
  return `${job.id} ${job.status} ${sanitizeLine(formatPhasePosition(job))}${last}`;
}

/** /watch <id> */
export const watchCommand: SlashCommand = {
  name: 'watch',
  usage: '/watch <id>',
  summary: 'follow a job with a spinner until it ends or needs approval (Ctrl+C returns; the job keeps running)',
  argument: 'job',
  async run(args, session) {
    if (!args) throw new UsageError('USAGE', 'Usage: /watch <id>');
    const id = (await session.service.get(args)).id;
    const { default: ora } = await import('ora');
    await session.runForeground(async (signal) => {
      // Spins only here, in the foreground: the prompt is not shown meanwhile.
      const spinner = ora({ stream: process.stdout, discardStdin: false, isEnabled: session.isInteractive });
      let job = await session.service.get(id);
      spinner.start(describe(job));
      while (!signal.aborted && !isTerminalStatus(job.status) && job.status !== 'awaiting_approval') {
        await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
        job = await session.service.get(id).catch(() => job);
        spinner.text = describe(job);
      }
      if (signal.aborted) spinner.info(`Stopped watching ${id}; it keeps running.`);
      else if (job.status === 'completed') spinner.succeed(describe(job));
      else if (job.status === 'awaiting_approval') spinner.info(`${describe(job)}: approval needed`);
      else spinner.fail(describe(job));
    });
  },
};
