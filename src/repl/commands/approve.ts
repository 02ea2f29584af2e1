// /approve: lets a job waiting for approval go on to its next phase.
import { requireOwnJob } from './own-job.js';
import type { SlashCommand } from '../session.js';

/** /approve <id> */
export const approveCommand: SlashCommand = {
  name: 'approve',
  usage: '/approve <id>',
  summary: 'continue a job waiting for approval',
  argument: 'waiting-job',
  async run(args, session) {
    const job = await session.service.dispatch({ type: 'approve', jobId: await requireOwnJob(session, args, 'approve') });
    session.adoptJob(job.id, 'answered');
    session.print(`👍 Approved ${job.id}; next: ${job.phases[job.currentPhase]?.name}`);
  },
};
