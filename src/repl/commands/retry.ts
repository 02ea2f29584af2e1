// /retry: runs the phase a job waits on again, handing the agent optional feedback.
import { requireOwnJob } from './own-job.js';
import type { SlashCommand } from '../session.js';

/** /retry <id> [feedback] */
export const retryCommand: SlashCommand = {
  name: 'retry',
  usage: '/retry <id> [feedback]',
  summary: 'run the waiting phase again, with optional feedback',
  argument: 'waiting-job',
  async run(args, session) {
    const [input = '', ...rest] = args.split(/\s+/);
    const feedback = rest.join(' ').trim();
    const job = await session.service.dispatch({ type: 'retry', jobId: await requireOwnJob(session, input, 'retry'), feedback: feedback || null });
    session.adoptJob(job.id, 'answered');
    session.print(`🔁 Retrying ${job.phases[job.currentPhase]?.name} of ${job.id}${feedback ? ' with your feedback' : ''}`);
  },
};
