// The job service: the one way front ends reach jobs. Commands (a typed union) are dispatched in
// one place to the session's manager; queries (job-queries.ts, which it extends) read the session
// (freshest) and the jobs folder; subscribers hear every update in order; a job's worktree is read
// and orphans are settled through the worktree port. Front ends never touch the store or the manager.
import { ManagerError } from '../../errors.js';
import type { Job } from '../model/job.js';
import type { OrphanWorktree, WorktreeContents, WorktreePort } from '../ports/worktrees.js';
import type { OwnerInbox, OwnerRequest, SweptLeftovers } from '../ports/job-reader.js';
import { approvalIdOf, type CommandResult, type JobCommand, type JobUpdate } from './job-commands.js';
import { commitStoredJob } from './job-commit.js';
import { JobQueries, type JobServiceOptions } from './job-queries.js';
import type { JobManagerEvents } from './manager-api.js';
import { landOrphan } from './orphan-landing.js';
import { followOtherProcesses, steerIfRunElsewhere } from './other-processes.js';
import type { SessionPort } from './session-port.js';
import { dispatchWorkerCommand } from './worker-dispatch.js';
import { createWorktreeGuard } from './worktree-guard.js';

/** What a service is built from, and how it adopts a stored job (defined with the queries). */
export type { AdoptJob, JobServiceOptions } from './job-queries.js';

const MANAGER_EVENTS = ['jobEvent', 'jobOutput', 'jobActivity', 'jobText', 'jobProgress', 'jobRemoved', 'warning'] as const;

/** The service front ends dispatch commands to and read views from. */
export class JobService extends JobQueries {
  constructor(options: JobServiceOptions) {
    super(options);
    // One forwarding per event kind: subscribers of the service hear the manager's events in the
    // order it emits them (lifecycle events only once durable).
    for (const name of MANAGER_EVENTS) this.session?.on(name, (...args: unknown[]) => (this.emit as (name: string, ...rest: unknown[]) => boolean)(name, ...args));
  }

  /**
   * Carries out `command`. Approve, retry and cancel act on a job of this session; resume also
   * takes over a job another (dead) jobline left.
   * @throws ManagerError READ_ONLY (no session), JOB_NOT_AWAITING_APPROVAL, APPROVAL_STALE,
   *   JOB_NOT_ACTIVE, JOB_NOT_RESUMABLE, JOB_OWNED_ELSEWHERE, JOBS_BUSY, MANAGER_CLOSED; for
   *   workers' commands WORKER_NOT_IN_JOB, TASK_NOT_CLAIMED, JOB_NOT_EXTERNAL, CLAIM_CONFLICT
   *   (ClaimConflictError); TaskLookupError TASK_NOT_FOUND;
   *   JobLookupError; StoreError (CLAIM_BUSY, JOB_IO, JOB_NOT_CREATED); AgentError (resume).
   */
  async dispatch<C extends JobCommand>(command: C): Promise<CommandResult<C>> {
    type Result = CommandResult<C>;
    // Removing stored jobs needs no session (their files are the repository's).
    if (command.type === 'remove') return (await this.removeJobs(command.jobs)) as Result;
    const manager = this.requireSession();
    switch (command.type) {
      case 'submit':
        return (await manager.submit(command)) as Result;
      case 'approve':
      case 'retry': {
        const id = await this.resolve(command.jobId);
        // A retry of a job whose landing conflicted resolves the conflict (see conflict-retry.ts).
        if (command.type === 'retry' && manager.resolveConflict) {
          const job = await this.get(id);
          if (job.status === 'completed' && job.merge?.status === 'conflict') {
            return (await manager.resolveConflict(id, command.feedback ?? null, async (stored) => this.options.adopt(stored, await this.creationFolderOf(stored.id)))) as Result;
          }
        }
        const request = command.type === 'approve' ? { type: 'approve' as const } : { type: 'retry' as const, feedback: command.feedback ?? null, ...(command.keep ? { keep: true } : {}) };
        const steered = await steerIfRunElsewhere(this.store, this.session?.has(id) ?? false, id, request);
        if (steered) return steered as Result;
        this.assertApprovalPending(id, command.requestId);
        return (await (command.type === 'approve' ? manager.approve(id) : manager.retry(id, command.feedback ?? null, command.keep ?? false))) as Result;
      }
      case 'merge':
      case 'discard': {
        const id = await this.resolve(command.jobId);
        const act = manager[command.type]?.bind(manager);
        if (!act) throw new ManagerError('NO_WORKTREES', 'This jobline runs jobs in place only: there are no worktrees to land or discard.');
        return (await act(id)) as Result;
      }
      case 'cancel': {
        const id = await this.resolve(command.jobId);
        return ((await steerIfRunElsewhere(this.store, this.session?.has(id) ?? false, id, { type: 'cancel' })) ?? (await manager.cancel(id))) as Result;
      }
      case 'resume': {
        const id = await this.resolve(command.jobId);
        const resumeOptions = { ...(command.isolation ? { isolation: command.isolation } : {}), ...(command.model ? { model: command.model } : {}) };
        return (await manager.resume(id, command.mode, async (stored) => this.options.adopt(stored, await this.creationFolderOf(stored.id)), command.retryFailed ?? false, resumeOptions)) as Result;
      }
      case 'update': {
        const id = await this.resolve(command.jobId);
        const change = { name: command.name, mode: command.mode, dismissed: command.dismissed };
        // An ended job no session holds (an earlier session's, a dead process's) is set aside on
        // the folder, through the commit path, under its claim.
        if (!manager.has(id) && command.dismissed !== undefined && command.name === undefined && command.mode === undefined) {
          return (await commitStoredJob(this.options.repository, id, [{ type: 'setDismissed', isDismissed: command.dismissed }], new Date().toISOString())) as Result;
        }
        return (await manager.update(id, change)) as Result;
      }
      default:
        // Job ids may be prefixes or names here too; an external job another process left in
        // the jobs folder joins this session first.
        return (await dispatchWorkerCommand(manager, command, {
          resolve: (input) => this.resolve(input),
          adopt: async (stored) => this.options.adopt(stored, await this.creationFolderOf(stored.id)),
        })) as Result;
    }
  }

  /**
   * Reports the events of jobs other processes run in the jobs folder (a REPL beside the server)
   * as updates, in order (see followOtherProcesses). Returns the stop.
   */
  followOtherProcesses(listener: (update: JobUpdate) => void): () => void {
    return followOtherProcesses(this.store, (id) => this.session?.has(id) ?? false, listener);
  }

  /** Subscribes to every update, in order; returns the function that unsubscribes. */
  subscribe(listener: (update: JobUpdate) => void): () => void {
    const handlers: { [K in keyof JobManagerEvents]: (...args: JobManagerEvents[K]) => void } = {
      jobEvent: (job, event) => listener({ type: 'event', job, event }),
      jobOutput: (job, lines, lineCount, taskId) => listener({ type: 'output', job, lines, lineCount, ...(taskId ? { taskId } : {}) }),
      jobActivity: (job, icon, text, taskId) => listener({ type: 'activity', job, icon, text, ...(taskId ? { taskId } : {}) }),
      jobText: (job, text, taskId) => listener({ type: 'text', job, text, ...(taskId ? { taskId } : {}) }),
      jobProgress: (job) => listener({ type: 'progress', job }),
      jobRemoved: (jobId) => listener({ type: 'removed', jobId }),
      warning: (message) => listener({ type: 'warning', message }),
    };
    for (const name of MANAGER_EVENTS) this.on(name, handlers[name] as never);
    return () => {
      for (const name of MANAGER_EVENTS) this.off(name, handlers[name] as never);
    };
  }

  /**
   * Job `input`'s whole change in its worktree against where it started (committed and not; the
   * user's uncommitted changes it started with are not part of it): a diffstat with `isStat`.
   * @throws ManagerError NO_WORKTREE for a job that runs in place; WorktreeError GIT_FAILED;
   *   JobLookupError.
   */
  async diff(input: string, options: { isStat: boolean; isColour: boolean }): Promise<{ job: Job; text: string }> {
    const { job, port } = await this.worktreeOf(input);
    return { job, text: await port.diff(job.worktree!, options) };
  }

  /** What job `input`'s worktree holds (commits, uncommitted files). Throws like `diff`. */
  async inspectWorktree(input: string): Promise<{ job: Job; contents: WorktreeContents }> {
    const { job, port } = await this.worktreeOf(input);
    return { job, contents: await port.inspect(job.worktree!) };
  }

  private async worktreeOf(input: string): Promise<{ job: Job; port: WorktreePort }> {
    const job = await this.get(input);
    if (!job.worktree) throw new ManagerError('NO_WORKTREE', `${job.id} ran in place (not in a worktree of its own): it has no diff of its own. git diff shows your checkout's.`);
    if (!this.options.worktrees) throw new ManagerError('NO_WORKTREE', 'This jobline has no worktrees.');
    return { job, port: this.options.worktrees };
  }

  /**
   * Worktrees and `jobline/*` branches of the repository at the front end's folder that no job of
   * the jobs folder accounts for (a crash took their job). Never throws.
   */
  async findOrphanWorktrees(): Promise<OrphanWorktree[]> {
    if (!this.options.worktrees) return [];
    // A branch is named after its job: looked up by name (no listing of every job at a start).
    const isKnown = async (name: string): Promise<boolean> => {
      try {
        const job = await this.get(name);
        return job.name === name || job.worktree?.branch === `jobline/${name}`;
      } catch (error) {
        return (error as { code?: string }).code !== 'JOB_NOT_FOUND';
      }
    };
    return this.options.worktrees.findOrphans(this.options.cwd, isKnown);
  }

  /** Removes an orphan's worktree and branch (after the user chose to). @throws WorktreeError. */
  async removeOrphan(orphan: OrphanWorktree): Promise<void> {
    await this.options.worktrees?.removeOrphan(orphan);
  }

  /**
   * Lands an orphan's branch on the branch checked out where it lives (or merge.target), as the
   * merge queue lands a job's (no check: it has no job to record one in). Returns what happened,
   * in a sentence. @throws WorktreeError.
   */
  landOrphan(orphan: OrphanWorktree): Promise<string> {
    return landOrphan(this.options.worktrees!, orphan);
  }

  /** Why job `job` stays when removed (its worktree work not landed), or null. Never throws. */
  whyKept(job: Job): Promise<string | null> {
    return this.options.worktrees ? createWorktreeGuard(this.options.worktrees).whyKeep(job) : Promise.resolve(null);
  }

  /**
   * Hands `request` for job `job` to the job's owner, another jobline process: only the owner
   * changes a job it runs. Does not wait for it. @throws the I/O error when it cannot be delivered.
   */
  forwardToOwner(job: Job, request: OwnerRequest): void {
    this.store.sendToOwner(job, request);
  }

  /** Opens this process's inbox of requests other processes send its jobs' owner (see forwardToOwner). */
  openOwnerInbox(): OwnerInbox {
    return this.store.openOwnerInbox();
  }

  /** Removes files other processes left in the jobs folder and no longer need (see sweepLeftovers). */
  sweepLeftovers(): SweptLeftovers {
    return this.store.sweepLeftovers();
  }

  /** The session's manager, for lifecycle calls (shutdown, idle waits). @throws ManagerError READ_ONLY. */
  get lifecycle(): Pick<SessionPort, 'whenReady' | 'whenIdle' | 'whenNothingRuns' | 'holdRemovals' | 'shutdown' | 'interruptActiveSync' | 'hasActiveJobs'> {
    return this.requireSession();
  }

  private async removeJobs(listed: readonly Job[]): Promise<string[]> {
    return this.session ? this.session.removeJobs(listed) : this.options.repository.removeListed(listed);
  }

  // An answer to an approval that is no longer pending (answered elsewhere, and maybe the next
  // phase asks already) must not apply to the next one.
  private assertApprovalPending(id: string, requestId: string | undefined): void {
    if (requestId === undefined || !this.session?.has(id)) return;
    const pending = approvalIdOf(this.session.get(id));
    if (pending !== requestId) {
      throw new ManagerError('APPROVAL_STALE', `That approval of ${id} was already answered${pending ? '; it now waits on another one' : ''}.`);
    }
  }

  private requireSession(): SessionPort {
    if (!this.session) throw new ManagerError('READ_ONLY', 'This command only reads jobs; it cannot change them.');
    return this.session;
  }
}
