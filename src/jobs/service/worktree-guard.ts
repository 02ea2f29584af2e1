// Cleanup that never loses work: a job's worktree and branch go with the job only when its work
// landed or was discarded, or it holds none (no commits, no uncommitted files); otherwise the job
// is kept, and `/clean` says why. The storage policy, `/clean` and a delete all ask this.
import { describeError } from '../../errors.js';
import type { Job } from '../model/job.js';
import type { WorktreeGuard, WorktreePort } from '../ports/worktrees.js';

/** The guard of the jobs folder over `port`'s worktrees (see WorktreeGuard). */
export function createWorktreeGuard(port: WorktreePort): WorktreeGuard {
  return {
    async whyKeep(job: Job): Promise<string | null> {
      const { worktree, merge } = job;
      if (!worktree || merge?.status === 'landed' || merge?.status === 'discarded') return null;
      try {
        const { commits, uncommitted } = await port.inspect(worktree);
        if (commits === 0 && uncommitted.length === 0) return null;
        const parts = [...(commits > 0 ? [`${commits} commit${commits === 1 ? '' : 's'} not landed`] : []), ...(uncommitted.length > 0 ? [`${uncommitted.length} uncommitted file${uncommitted.length === 1 ? '' : 's'}`] : [])];
        return `its work is not landed (${parts.join(', ')} on ${worktree.branch}): jobline merge ${job.id} lands it, jobline discard ${job.id} drops it`;
      } catch (error) {
        return `its worktree could not be read (${describeError(error)}), so it is kept`;
      }
    },
    async remove(job: Job): Promise<void> {
      if (job.worktree) await port.remove(job.worktree);
    },
  };
}
