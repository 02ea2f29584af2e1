// /resume: continues an interrupted, failed or cancelled job (of any earlier session) from its
// first unfinished phase, in the current mode.
import { UsageError } from '../../errors.js';
import type { SlashCommand } from '../session.js';

/** /resume <id> */
export const resumeCommand: SlashCommand = {
  name: 'resume',
  usage: '/resume <id>',
  summary: 'continue an interrupted, failed or cancelled job from its first unfinished phase',
  argument: 'resumable-job',
  async run(args, session) {
    if (!args) throw new UsageError('USAGE', 'Usage: /resume <id>');
    const job = await session.service.dispatch({ type: 'resume', jobId: args, mode: session.mode });
    session.adoptJob(job.id, 'started');
    session.print(`↻ Resuming ${job.id} at ${job.phases[job.currentPhase]?.name} (${job.mode})`);
  },
};
