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
    // A job whose landing conflicted may be any job of the folder: its agent resolves the conflict here.
    const found = input ? await session.service.get(input).catch(() => null) : null;
    const isConflict = found?.status === 'completed' && found.merge?.status === 'conflict';
    const job = await session.service.dispatch({ type: 'retry', jobId: isConflict ? found.id : await requireOwnJob(session, input, 'retry'), feedback: feedback || null, ...(keep && !isConflict ? { keep: true } : {}) });
    session.adoptJob(job.id, 'answered');
    if (isConflict) session.print(`🔁 Resolving ${job.id}'s conflict with ${job.merge?.target ?? 'its target'} (${job.merge?.conflicts.join(', ')}); it lands once resolved`);
    else session.print(`🔁 Retrying ${job.phases[job.currentPhase]?.name} of ${job.id}${feedback ? ' with your feedback' : ''}${keep ? ', keeping its changes' : ''}`);
  },
};
