// /retry: runs the phase a job waits on again, handing the agent optional feedback.
import { requireOwnJob } from './own-job.js';
import type { SlashCommand } from '../session.js';

/** /retry <id> [--keep] [feedback] */
export const retryCommand: SlashCommand = {
  name: 'retry',
  usage: '/retry <id> [--keep] [feedback]',
  summary: 'run the waiting phase again, with optional feedback (--keep: on its changes)',
  argument: 'waiting-job',
  async run(args, session) {
    const [input = '', ...rest] = args.split(/\s+/);
    const keep = rest[0] === '--keep';
    const feedback = (keep ? rest.slice(1) : rest).join(' ').trim();
    const job = await session.service.dispatch({ type: 'retry', jobId: await requireOwnJob(session, input, 'retry'), feedback: feedback || null, ...(keep ? { keep: true } : {}) });
    session.adoptJob(job.id, 'answered');
    session.print(`🔁 Retrying ${job.phases[job.currentPhase]?.name} of ${job.id}${feedback ? ' with your feedback' : ''}${keep ? ', keeping its changes' : ''}`);
  },
};
