// /quit: leaves jobline. With jobs still active it asks first; they are marked interrupted and
// can be resumed at the next start.
import { isActiveStatus } from '../../jobs/job.js';
import type { SlashCommand } from '../session.js';

/** /quit */
export const quitCommand: SlashCommand = {
  name: 'quit',
  usage: '/quit',
  summary: 'leave (active jobs are marked interrupted, to resume later)',
  argument: 'none',
  async run(_args, session) {
    const active = session.manager.list().filter((job) => isActiveStatus(job.status)).length;
    if (active > 0 && !(await session.confirm(`${active} job(s) still active. Quit and mark them interrupted?`, true))) return;
    await session.quit();
  },
};
