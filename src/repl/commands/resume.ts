// /resume: continues an interrupted, failed or cancelled job (of any earlier session) from its
// first unfinished phase, in the current mode.
import { UsageError } from '../../errors.js';
import type { SlashCommand } from '../session.js';

/** /resume <id> */
export const resumeCommand: SlashCommand = {
  name: 'resume',
  usage: '/resume <id> [--retry-failed]',
  summary: 'continue an interrupted, failed or cancelled job: only what is not done runs (--retry-failed: its failed tasks too)',
  argument: 'resumable-job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const retryFailed = words.includes('--retry-failed');
    const jobId = words.find((word) => !word.startsWith('--'));
    const unknown = words.find((word) => word.startsWith('--') && word !== '--retry-failed');
    if (!jobId || unknown) throw new UsageError('USAGE', `${unknown ? `Unknown option ${unknown}. ` : ''}Usage: /resume <id> [--retry-failed]`);
    const job = await session.service.dispatch({ type: 'resume', jobId, mode: session.mode, ...(retryFailed ? { retryFailed: true } : {}) });
    session.adoptJob(job.id, 'started');
    session.print(`↻ Resuming ${job.id} at ${job.phases[job.currentPhase]?.name} (${job.mode})`);
  },
};
