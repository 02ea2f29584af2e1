// /clean: removes finished jobs (completed, failed, cancelled, interrupted) from disk, after
// confirmation. Active jobs, here or in another jobline, are never touched.
import { UsageError } from '../../errors.js';
import { isTerminalStatus } from '../../jobs/job.js';
import { removeFinishedJobs } from '../../store/cleanup.js';
import type { SlashCommand } from '../session.js';

/** /clean [-y] */
export const cleanCommand: SlashCommand = {
  name: 'clean',
  usage: '/clean [-y]',
  summary: 'remove finished jobs from disk (asks first; -y skips the question)',
  argument: 'none',
  async run(args, session) {
    const { jobs } = await session.catalog.list();
    const finished = jobs.filter((job) => isTerminalStatus(job.status));
    if (finished.length === 0) {
      session.print('Nothing to clean: no finished jobs.');
      return;
    }
    const isConfirmed = args.split(/\s+/).includes('-y');
    if (!isConfirmed && !session.isInteractive) throw new UsageError('USAGE', 'Not on a terminal, so /clean cannot ask: use /clean -y.');
    if (!isConfirmed && !(await session.confirm(`Remove ${finished.length} finished job(s) from ${session.manager.store.dir}?`, false))) {
      session.print('Nothing removed.');
      return;
    }
    const removed = await removeFinishedJobs(session.manager.store);
    for (const id of removed) session.manager.forget(id);
    session.print(`🧹 Removed ${removed.length} finished job(s).`);
  },
};
