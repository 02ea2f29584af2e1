// `/retry ID` of a job whose landing conflicted: the target is merged into the job's branch in its
// worktree (conflict markers left in the files), and the job runs again from a `resolve` phase
// with the conflicted files as feedback (see resolve-phase.ts). Decided under the job's claim on a
// fresh read, like a resume; an agent that cannot resolve is refused with the reason.
import { ManagerError } from '../../errors.js';
import type { Job } from '../model/job.js';
import type { TaskBoard } from '../model/task.js';
import type { JobRepository } from '../ports/repository.js';
import type { WorktreePort } from '../ports/worktrees.js';
import { settleStoredJob } from './job-commit.js';
import type { JobHandle } from './job-handle.js';
import { RESOLVE_PHASE, describeConflict, whyCannotResolve } from './resolve-phase.js';

/** What resolveConflict needs of the session. */
export interface ConflictRetryDeps {
  store: JobRepository;
  port: WorktreePort;
  now(): string;
  /** The job's handle when the session holds it. */
  existing: JobHandle | undefined;
  /** Takes a job from the jobs folder into the session (its agent from the config). */
  adopt(stored: Job, board: TaskBoard): Promise<JobHandle>;
  /** Lands job `id` (a merge of the target that went cleanly needs no resolution). */
  land(id: string): Promise<Job>;
  /** Job `id` is about to run its resolution: it lands once that completes (said before it can). */
  willResolve(id: string): void;
}

/**
 * Retries job `id`'s conflicted landing (see the header). Returns its handle: queued to resolve,
 * or (when the target merged in cleanly) as the landing left it.
 * @throws ManagerError JOB_NOT_RESOLVABLE (not in conflict; an agent without a way to resolve);
 *   WorktreeError WORKTREE_DIRTY, GIT_FAILED; StoreError; AgentError.
 */
export async function resolveConflict(deps: ConflictRetryDeps, id: string, feedback: string | null): Promise<JobHandle> {
  let isClean = false;
  const handle = await deps.store.withJobClaim(id, async () => {
    const { state } = await settleStoredJob(deps.store, id, deps.now());
    // A landing another process recorded is newer than this session's copy: taken first.
    deps.existing?.adoptStoredJob(state.job);
    const stored = deps.existing?.job ?? state.job;
    const { merge, worktree } = stored;
    if (!worktree || merge?.status !== 'conflict' || stored.status !== 'completed') {
      throw new ManagerError('JOB_NOT_RESOLVABLE', `Cannot retry ${id}: it is ${stored.status.replace('_', ' ')}${merge ? ` (its work: ${merge.status})` : ''}, neither awaiting approval nor in a merge conflict.`);
    }
    const handle = deps.existing ?? (await deps.adopt(stored, state.board));
    const why = whyCannotResolve(handle.agent);
    if (why) throw new ManagerError('JOB_NOT_RESOLVABLE', `Cannot retry ${id}: ${why}.`);
    const target = merge.target ?? worktree.target!;
    const files = await deps.port.mergeTargetIn(worktree, target);
    if (files.length === 0) {
      isClean = true;
      return handle;
    }
    deps.willResolve(id);
    await handle.commit([
      { type: 'setMerge', merge: { ...merge, conflicts: files, step: 'merged-in', error: `${target} merged into ${worktree.branch}: ${files.length} file${files.length === 1 ? '' : 's'} to resolve` } },
      { type: 'reopen', phase: RESOLVE_PHASE, feedback: describeConflict(target, files, feedback) },
    ]);
    return handle;
  });
  if (isClean) await deps.land(id).catch(() => {});
  return handle;
}
