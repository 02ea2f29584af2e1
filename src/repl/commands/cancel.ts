// /cancel: stops a queued, running or waiting job (its processes die with it).
import { requireOwnJob } from './own-job.js';
import type { SlashCommand } from '../session.js';

/** /cancel <id> */
export const cancelCommand: SlashCommand = {
  name: 'cancel',
  usage: '/cancel <id>',
  summary: 'cancel a queued, running or waiting job',
  argument: 'active-job',
  async run(args, session) {
    const job = await session.service.dispatch({ type: 'cancel', jobId: await requireOwnJob(session, args, 'cancel') });
    session.print(`🚫 Cancelled ${job.id}`);
  },
};
