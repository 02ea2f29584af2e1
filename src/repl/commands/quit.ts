// /quit: leaves jobline. With jobs still active it asks first; they are marked interrupted and
// can be resumed at the next start. Attached to `jobline serve`, leaving stops nothing.
import { isActiveStatus, isExternalJob } from '../../jobs/model/job.js';
import type { ReplSession, SlashCommand } from '../session.js';

/**
 * Asks whether to leave when jobs are active (they would be marked interrupted); true without
 * asking when none is. Used by /quit, Ctrl+D and the second Ctrl+C alike.
 */
export async function confirmLeaving(session: ReplSession): Promise<boolean> {
  if (session.service.attachedServer) return true;
  // External jobs are not interrupted by leaving: their workers are other processes.
  const active = session.service.sessionJobs().filter((job) => isActiveStatus(job.status) && !isExternalJob(job)).length;
  return active === 0 || session.confirm(`${active} job(s) still active. Quit and mark them interrupted?`, true, { isLeaving: true });
}

/** /quit */
export const quitCommand: SlashCommand = {
  name: 'quit',
  usage: '/quit',
  summary: 'leave (active jobs are marked interrupted, to resume later; attached to jobline serve, they keep running)',
  argument: 'none',
  async run(_args, session) {
    if (await confirmLeaving(session)) await session.quit();
  },
};
