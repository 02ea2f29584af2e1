// /clean: removes completed jobs from disk, after confirmation; with --all also the failed,
// cancelled and interrupted ones (which /resume could still continue). It removes exactly the
// jobs it counted: one that changed meanwhile (resumed by another jobline, say) is left alone.
import { UsageError } from '../../errors.js';
import { isUnfinishedStatus } from '../../jobs/model/job.js';
import type { SlashCommand } from '../session.js';

/** /clean [--all] [-y] */
export const cleanCommand: SlashCommand = {
  name: 'clean',
  usage: '/clean [--all] [-y]',
  summary: 'remove completed jobs from disk (--all: also failed, cancelled and interrupted ones; asks first, -y skips the question)',
  argument: 'none',
  async run(args, session) {
    const flags = args.split(/\s+/).filter((flag) => flag !== '');
    const unknown = flags.find((flag) => flag !== '-y' && flag !== '--all' && flag !== '-a');
    if (unknown) throw new UsageError('USAGE', `Unknown option ${unknown}. Usage: /clean [--all] [-y]`);
    const isAll = flags.includes('--all') || flags.includes('-a');
    // Leftovers of crashes (folders without job.json, temp files of unfinished writes) go first.
    const swept = session.service.sweepLeftovers();
    const sweptCount = swept.emptyFolders.length + swept.tempFiles.length;
    if (sweptCount > 0) session.print(`🧹 Swept ${swept.emptyFolders.length} job folder(s) without a job.json and ${swept.tempFiles.length} temp file(s) left by crashes.`);
    // Jobs of this session whose files are already gone (pushed out by the storage limits) are
    // not on disk to remove.
    const { jobs } = await session.service.list();
    const stored = jobs.filter((job) => session.service.hasFiles(job.id));
    const resumable = stored.filter((job) => isUnfinishedStatus(job.status));
    const chosen = stored.filter((job) => job.status === 'completed' || (isAll && isUnfinishedStatus(job.status)));
    const kept = isAll || resumable.length === 0 ? '' : ` ${resumable.length} failed, cancelled or interrupted job(s) kept: /clean --all removes them too.`;
    if (chosen.length === 0) {
      session.print(`Nothing to clean: no ${isAll ? 'finished' : 'completed'} jobs.${kept}`);
      return;
    }
    const what = isAll ? 'finished (completed, failed, cancelled or interrupted)' : 'completed';
    const isConfirmed = flags.includes('-y');
    if (!isConfirmed && !session.isInteractive) throw new UsageError('USAGE', `Not on a terminal, so /clean cannot ask: use /clean${isAll ? ' --all' : ''} -y.`);
    if (!isConfirmed && !(await session.confirm(`Remove ${chosen.length} ${what} job(s) from ${session.service.jobsDir}?`, false))) {
      session.print('Nothing removed.');
      return;
    }
    const removed = await session.service.dispatch({ type: 'remove', jobs: chosen });
    // Jobs whose worktree work has not landed stay (with their worktree): each is named, with why.
    const notRemoved = chosen.filter((job) => !removed.includes(job.id));
    const unlanded: string[] = [];
    for (const job of notRemoved) {
      const why = await session.service.whyKept(job);
      if (why) unlanded.push(`  kept ${job.id}${job.name ? ` ${job.name}` : ''}: ${why}`);
    }
    const changed = notRemoved.length - unlanded.length;
    session.print(`🧹 Removed ${removed.length} ${isAll ? 'finished' : 'completed'} job(s).${unlanded.length > 0 ? ` ${unlanded.length} kept: work not yet landed.` : ''}${changed > 0 ? ` ${changed} changed meanwhile and were left alone.` : ''}${kept}${unlanded.length > 0 ? `\n${unlanded.join('\n')}` : ''}`);
  },
};
