// The job manager: the session's jobs and the public API for them (submit, approve, retry,
// cancel, resume, update, shutdown; external workers through `workers`). Every status change goes through the state machine, is persisted,
// and only then reported; running the jobs within the cap is its PhaseScheduler's part.
import { claimNewJobName, renameAround } from './job-naming.js';
import { createExternalAgent } from '../../agents/builtin-agents.js';
import { JobLookupError, ManagerError, StoreError, describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import { getCurrentOwner } from '../process/owner.js';
import { isActiveStatus, isExternalJob, isUnfinishedStatus, type Isolation, type Job, type JobMode } from '../model/job.js';
import { OPEN_EXTERNAL_JOB, type JobAction } from '../model/transitions.js';
import { buildNewJob, resumeActions } from './new-job.js';
import { claimsOfOpenRuns, ExternalWorkers } from './external-workers.js';
import type { JobEvent } from '../model/job-event.js';
import { JobHandle, type JobReporter } from './job-handle.js';
import { assertAdoptable, assertNoProcessesLeft } from './resume-checks.js';
import { JobWriter } from './job-writer.js';
import { settleStoredJob } from './job-commit.js';
import { PhaseScheduler } from './phase-scheduler.js';
import type { Executor } from '../ports/executor.js';
import { systemClock } from '../ports/clock.js';
import { JobSession } from './job-session.js';
import type { JobChange, ResumeOptions } from './session-port.js';
import { INTERRUPTED_ON_EXIT, type AdoptedRun, type JobManagerOptions, type SubmitRequest, type SubmitResult } from './manager-api.js';
import { interruptJobsSync, stopRuns } from './session-exit.js';
import { assertTaskPlanFiles } from '../model/claims.js';
import { WorktreeJobs } from './worktree-jobs.js';
import { MergeQueue } from './merge-queue.js';
import { resolveConflict } from './conflict-retry.js';

export { INTERRUPTED_ON_EXIT, type AdoptedRun, type JobManagerEvents, type JobManagerOptions, type SubmitRequest, type SubmitResult } from './manager-api.js';

// Longest a shutdown waits for runs to stop on their own before killing them; keeps every exit
// under about 1.5 s (see exit-signals.ts).
const SHUTDOWN_GRACE_MS = 1000;
// Longest an exit that cannot wait asynchronously (a second signal) blocks for writes in flight.
const EXIT_WRITE_WAIT_MS = 500;

/** Runs jobs with a concurrency cap and a FIFO queue. */
export class JobManager<R extends JobRepository = JobRepository> extends JobSession {
  private readonly scheduler: PhaseScheduler;
  /** Workers from outside that joined the session's jobs, and their leases. */
  readonly workers: ExternalWorkers;
  private readonly executor: Executor;
  private readonly writer: JobWriter;
  private readonly reporter: JobReporter;
  private isClosed = false;
  private isShutDown = false;
  private hasWarnedContainment = false;
  /** Jobs whose latest write failed (a full disk): said once, until one of their writes lands again. */
  private readonly unsavedJobs = new Set<string>();
  /** Jobs in worktrees (null: every job runs in place). */
  private readonly worktreeJobs: WorktreeJobs | null;
  /** The landings of this process (null: no worktrees). */
  readonly mergeQueue: MergeQueue | null;
  /** Jobs whose conflict is being resolved (a /retry): they land again once it completes. */
  private readonly landAfterResolve = new Set<string>();

  constructor(private readonly options: JobManagerOptions<R>) {
    super();
    this.executor = options.executor;
    this.writer = new JobWriter(options.store, options.progressFlushMs ?? 1000, {
      writeFailed: (job, error) => {
        // Once per job until it recovers: its work waits and is tried again every few seconds.
        if (this.unsavedJobs.has(job.id)) return;
        this.unsavedJobs.add(job.id);
        const isStale = (error as { code?: unknown }).code === 'JOB_STALE';
        this.emit('warning', isStale ? `${describeError(error)} This session's copy of ${job.id} is out of date; see jobline show ${job.id}.` : `${describeError(error)}. ${job.id}'s latest change was not saved, so it did not happen; its work waits and jobline tries again.`);
      },
      recovered: (job) => {
        // Stryker disable next-line ConditionalExpression: the writer calls recovered only for a job whose failure it reported through writeFailed, which put it in unsavedJobs
        if (this.unsavedJobs.delete(job.id)) this.emit('warning', `${job.id} is saved again; its work goes on.`);
      },
    });
    this.reporter = {
      // The plan runs again after every change (coalesced: a burst of changes plans once).
      changed: () => this.scheduler.requestPump(),
      event: (job, event) => {
        this.emit('jobEvent', job, event);
        this.recheckWaiters();
        this.landIfDue(job, event);
      },
      output: (job, lines, lineCount, taskId) => this.emit('jobOutput', job, lines, lineCount, taskId),
      activity: (job, icon, text, taskId) => this.emit('jobActivity', job, icon, text, taskId),
      text: (job, text, taskId) => this.emit('jobText', job, text, taskId),
      progress: (job) => this.emit('jobProgress', job),
      warning: (message) => this.emit('warning', message),
    };
    this.scheduler = new PhaseScheduler({
      lookup: (id) => this.entries.get(id),
      jobs: () => this.entries.values(),
      jobRemoved: (id) => {
        const entry = this.entries.get(id);
        if (entry && !isActiveStatus(entry.job.status)) this.entries.delete(id);
        this.emit('jobRemoved', id);
      },
      warn: (message) => this.emit('warning', message),
      isClosed: () => this.isClosed,
      stateChanged: () => this.recheckWaiters(),
      now: () => this.timestamp(),
      whenRemovalsAllowed: () => this.whenRemovalsAllowed(),
      prepareRun: (entry, taskId) => (entry.job.worktree && this.worktreeJobs ? this.worktreeJobs.prepare(entry, taskId) : null),
      commitOnOutcome: (entry, taskId, outcome) => this.worktreeJobs?.commitOnOutcome(entry, taskId, outcome) ?? null,
    }, this.executor, options);
    this.worktreeJobs = options.worktrees ? new WorktreeJobs({ port: options.worktrees, executor: this.executor, store: options.store, defaultIsolation: options.defaultIsolation ?? null, secretEnvNames: options.secretEnvNames ?? [], maxOutputBytes: options.maxOutputBytes ?? Number.POSITIVE_INFINITY }) : null;
    this.mergeQueue = options.worktrees ? new MergeQueue({
      port: options.worktrees,
      repository: options.store,
      now: () => this.timestamp(),
      committed: (job, events) => {
        this.entries.get(job.id)?.adoptStoredJob(job);
        for (const event of events) this.reporter.event(job, event);
      },
      activity: (job, icon, text) => this.emit('jobActivity', job, icon, text, undefined),
      settled: () => this.recheckWaiters(),
    }) : null;
    this.workers = new ExternalWorkers({
      withJob: async (id, work) => work(this.requireEntry(id)),
      heldClaims: () => [...this.entries.values()].flatMap((entry) => claimsOfOpenRuns(entry.id, entry.board, entry.cwd)),
      nowMs: () => Date.parse(this.timestamp()),
      taskEnded: (job) => this.scheduler.settle(job as JobHandle),
      isLongLived: true,
    }, options.workerLeaseMs);
  }

  /** Resolves when the spare workers are warm, so the next job does not pay a worker spawn. */
  whenReady(): Promise<void> {
    return this.executor.whenReady();
  }

  /** The repository this manager writes to. */
  get store(): R {
    return this.options.store;
  }

  /** Jobs holding a slot (running) right now. */
  get runningCount(): number {
    return this.scheduler.slotsInUse;
  }

  /**
   * Creates a job and starts it, or queues it when every slot is busy.
   * The job gets `request.name`, or a generated name of three words, unique in the jobs folder.
   * @throws ManagerError JOBS_BUSY ("Already running 3 jobs (max: 3)") with whenBusy "reject";
   *   StoreError JOB_NAME_TAKEN / JOB_NAME_INVALID for a name that cannot be given;
   *   MANAGER_CLOSED after shutdown; StoreError JOB_IO when the job folder cannot be created;
   *   TransitionError FILES_INVALID for a listed task's file outside the job's folder.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    // The storage policy's passes keep out of a submission's way (StoragePolicyRunner.whenQuiet).
    this.scheduler.noteSubmission();
    try {
      return await this.create(request);
    } finally {
      this.scheduler.noteSubmitted();
    }
  }

  private async create(request: SubmitRequest): Promise<SubmitResult> {
    this.assertOpen();
    this.assertNotBusy();
    const containmentWarning = this.hasWarnedContainment ? null : this.executor.containmentWarning();
    if (containmentWarning) {
      this.hasWarnedContainment = true;
      this.emit('warning', containmentWarning);
    }
    // A task's files must stay inside the job's folder: checked before an id or a name is taken.
    assertTaskPlanFiles(request.tasks ?? []);
    // A worktree is planned first (git is asked where the job starts from; nothing is changed):
    // a job that cannot have the isolation it asks for is refused before it has an id.
    const planned = this.worktreeJobs ? await this.worktreeJobs.plan(request.agent, request.cwd, request.isolation, request.base) : null;
    if (!planned && request.isolation && request.isolation !== 'none') throw new ManagerError('NO_WORKTREES', 'This jobline runs jobs in place only: it has no worktrees.');
    this.assertOpen();
    // Claimed synchronously, so jobs take their places in the queue in the order submitted,
    // even when a caller (batch) has many submissions in flight.
    const id = this.options.store.claimIdSync();
    const name = claimNewJobName(this.options.store, id, request.name ?? null);
    const now = this.timestamp();
    const isExternal = request.agent.type === 'external';
    let worktree;
    try {
      worktree = planned ? this.worktreeJobs!.place(planned, name) : null;
    } catch (error) {
      this.options.store.releaseNameSync(name, id);
      await this.options.store.remove(id).catch(() => {});
      throw error;
    }
    const { job, board } = buildNewJob({ ...request, name, worktree }, id, getCurrentOwner(), now);
    const notice = planned && planned.leftOut > 0 ? `Your ${planned.leftOut} uncommitted file${planned.leftOut === 1 ? ' is' : 's are'} not in ${id}'s worktree: it starts from your last commit (${planned.worktree.base.slice(0, 12)}). To include them, start it with --base worktree (/base worktree).` : undefined;
    // More workers than this machine runs at once: said by the front end, not silently capped.
    const localLimit = this.scheduler.localRunLimit;
    const limited = localLimit !== null && !isExternal && job.workers > localLimit ? { runLimit: localLimit } : {};
    const entry = new JobHandle(job, { board, isRecorded: false }, request.agent, request.cwd, this.writer, this.reporter, () => this.timestamp());
    entry.isBulk = request.isBulk ?? false;
    this.entries.set(id, entry);
    const created: JobEvent[] = [
      { ts: now, type: 'created', agent: request.agent.name, mode: request.mode, cwd: request.cwd },
      { ts: now, type: 'queued' },
    ];
    try {
      // The plan decides at once whether the new job gets a slot (no job waiting before it may be
      // passed over); if it does, one write holds the whole creation: created, queued, started
      // and the first phase_started.
      const { creation } = this.scheduler.pump({ entry, leadingEvents: created });
      if (creation) {
        await creation;
        // The write thread boots off the prompt's way (a thread's start costs the caller ~1 ms).
        setImmediate(() => this.options.store.prepareWrites(id));
        return { job: entry.job, queuePosition: 0, ...(notice ? { notice } : {}), ...limited };
      }
      await entry.commit(isExternal ? [...OPEN_EXTERNAL_JOB] : [], created);
      return { job: entry.job, queuePosition: isExternal ? 0 : this.queuePositionOf(id), ...(notice ? { notice } : {}), ...limited };
    } catch (error) {
      // Not durable, so not a job: nothing of it ran, and nothing of it is left.
      this.entries.delete(id);
      await this.options.store.remove(id).catch(() => {});
      this.scheduler.requestPump();
      throw new StoreError('JOB_NOT_CREATED', `The job was not created: ${describeError(error)}. Nothing of it ran.`, { cause: error });
    }
  }

  /**
   * Approves the phase job `id` waits on; the next phase starts as soon as a slot is free.
   * @throws ManagerError JOB_NOT_AWAITING_APPROVAL; StoreError CLAIM_BUSY.
   */
  async approve(id: string): Promise<Job> {
    const entry = await this.underClaim(id, async (handle) => {
      this.assertAwaiting(handle, 'approve');
      // A job in a worktree commits the phase it approves (nothing is approved if that fails).
      const committed = handle.job.worktree && this.worktreeJobs ? await this.worktreeJobs.commitPhase(handle.job, handle.job.currentPhase, this.timestamp()) : null;
      await handle.commit([{ type: 'approve', ...(committed ? { commit: committed.commit } : {}) }], committed?.events ?? []);
    });
    return entry.job;
  }

  /**
   * Runs the phase job `id` waits on again, handing `feedback` to the agent.
   * @throws ManagerError JOB_NOT_AWAITING_APPROVAL; StoreError CLAIM_BUSY.
   */
  async retry(id: string, feedback: string | null = null, keep = false): Promise<Job> {
    const entry = await this.underClaim(id, async (handle) => {
      this.assertAwaiting(handle, 'retry');
      if (handle.job.budgetStop) throw new ManagerError('JOB_AT_BUDGET', `${handle.job.id} stopped at its budget, not after a phase: continue it (/approve) to go on with +50%, or cancel it.`);
      // In a worktree the phase starts again from the commit of the phase before it, unless the
      // user keeps its changes (`--keep`); what the attempt did is kept under a ref and recorded
      // as undone (see WorktreeJobs.rollBack). A job in place is undone by its retry's runs
      // (see phase-workspace.ts).
      const undo = handle.job.worktree && this.worktreeJobs && !keep ? await this.worktreeJobs.rollBack(handle.job, handle.board, handle.job.currentPhase, this.timestamp()) : { actions: [], events: [] };
      await handle.commit([...undo.actions, { type: 'retry', feedback: feedback && feedback.trim() !== '' ? feedback : null, ...(keep ? { keep } : {}) }], undo.events);
    });
    return entry.job;
  }

  /**
   * Cancels job `id`. The status is `cancelled` on disk when this resolves; a running phase is
   * asked to stop and is killed (worker and process groups) after the grace period.
   * @throws ManagerError JOB_NOT_ACTIVE for a job that already ended; StoreError CLAIM_BUSY.
   */
  async cancel(id: string): Promise<Job> {
    const entry = await this.underClaim(id, async (handle) => {
      if (!isActiveStatus(handle.job.status)) {
        throw new ManagerError('JOB_NOT_ACTIVE', `${handle.job.id} is already ${handle.job.status}; only queued, running or waiting jobs can be cancelled.`);
      }
      await handle.commit([{ type: 'cancel' }]);
    });
    const runs = entry.runHandles;
    for (const run of runs) run.cancel(this.options.cancelGraceMs);
    if (runs.length === 0 && !this.scheduler.holds(entry.id)) await this.scheduler.afterJobEnded(entry);
    return entry.job;
  }

  // Runs a user's decision on a job of this session holding the job's claim, so that no other
  // jobline process changes or removes the job between the decision and its write.
  private async underClaim(id: string, decide: (handle: JobHandle) => Promise<void>): Promise<JobHandle> {
    const handle = this.requireEntry(id);
    await this.options.store.withJobClaim(handle.id, () => decide(handle));
    return handle;
  }

  /**
   * Takes active external job `id` into this session from the jobs folder (a server that stopped,
   * or `jobline job create` without one, left it there): such a job is not owned by a process (see
   * EXTERNAL_AGENT), so whoever serves its workers now holds it. `adopt` gives its folder. A job
   * already in the session stays as it is.
   * @throws ManagerError JOB_OWNED_ELSEWHERE for another process's agent job, JOB_NOT_ACTIVE for an
   *   ended one, MANAGER_CLOSED; StoreError CLAIM_BUSY, JOB_FILE_CORRUPT, JOB_IO.
   */
  async adoptExternal(id: string, adopt: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<void> {
    this.assertOpen();
    // Stryker disable next-line ConditionalExpression: a fast path only; the same check under the claim decides
    if (this.entries.has(id)) return;
    await this.options.store.withJobClaim(id, async () => {
      if (this.entries.has(id)) return;
      const { state: { job: stored, board }, isBoardRecorded } = await settleStoredJob(this.options.store, id, this.timestamp());
      if (!isExternalJob(stored)) throw new ManagerError('JOB_OWNED_ELSEWHERE', `${id} is run by another jobline (pid ${stored.owner.pid}); workers join it there.`);
      if (!isActiveStatus(stored.status)) throw new ManagerError('JOB_NOT_ACTIVE', `${id} is ${stored.status}; workers take part only in active jobs.`);
      const { cwd } = await adopt(stored);
      const handle = new JobHandle({ ...stored, owner: getCurrentOwner() }, { board, isRecorded: isBoardRecorded }, createExternalAgent(), cwd, this.writer, this.reporter, () => this.timestamp(), true);
      this.entries.set(id, handle);
    });
  }

  /**
   * Renames job `id` (`name` null: no name) and, for an active job, sets its mode (a phase already
   * awaiting approval still waits). Fields left undefined stay. @throws ManagerError JOB_NOT_ACTIVE
   * (a mode for an ended job); TransitionError ILLEGAL_TRANSITION (`dismissed` for a job that is
   * not failed, cancelled or interrupted); StoreError CLAIM_BUSY.
   */
  async update(id: string, change: JobChange): Promise<Job> {
    const entry = await this.underClaim(id, async (handle) => {
      const actions: JobAction[] = [];
      if (change.dismissed !== undefined && change.dismissed !== Boolean(handle.job.dismissedAt)) actions.push({ type: 'setDismissed', isDismissed: change.dismissed });
      if (change.mode !== undefined && change.mode !== handle.job.mode) {
        if (!isActiveStatus(handle.job.status)) throw new ManagerError('JOB_NOT_ACTIVE', `${handle.id} is ${handle.job.status}: only an active job's mode can change.`);
        actions.push({ type: 'setMode', mode: change.mode });
      }
      const oldName = handle.job.name ?? null;
      if (change.name === undefined || change.name === oldName) {
        if (actions.length > 0) await handle.commit(actions);
        return;
      }
      const name = change.name;
      await renameAround(this.options.store, handle.id, oldName, name, () => handle.commit([{ type: 'rename', name }, ...actions]));
    });
    return entry.job;
  }

  /**
   * Re-queues unfinished job `id` at its first phase that did not complete, in `mode`. A job of
   * this session resumes as it is; any other is taken over from the jobs folder (it becomes owned
   * by this process), with the agent and folder `adopt` gives for it. The decision is made under
   * the job's claim on a fresh read, and the resumed state is on disk before the claim is
   * released, so of two processes resuming one job at once exactly one succeeds.
   * @throws ManagerError JOB_NOT_RESUMABLE for an active or completed job; JOB_OWNED_ELSEWHERE
   *   when another live jobline owns it; MANAGER_CLOSED; StoreError CLAIM_BUSY, CLAIM_TARGET_GONE
   *   (the job was removed), JOB_FILE_CORRUPT, JOB_IO; whatever `adopt` throws (AgentError).
   */
  async resume(id: string, mode: JobMode, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun, retryFailed = false, options: ResumeOptions = {}): Promise<Job> {
    this.assertOpen();
    const fullId = this.entries.has(id) ? id : id.trim().toLowerCase();
    const entry = await this.options.store.withJobClaim(fullId, async () => {
      const existing = this.entries.get(fullId);
      let handle: JobHandle;
      if (existing) {
        if (!isUnfinishedStatus(existing.job.status)) {
          throw new ManagerError('JOB_NOT_RESUMABLE', `${existing.job.id} is ${existing.job.status}; only failed, cancelled or interrupted jobs can be resumed.`);
        }
        assertNoProcessesLeft(fullId, this.executor);
        handle = existing;
        const prepared = await this.prepareResume(handle, mode, retryFailed, options.isolation);
        await handle.commit([...prepared.actions, ...resumeActions(handle.job, mode, retryFailed, options.model)], prepared.events);
      } else {
        if (!adopt) throw new JobLookupError('JOB_NOT_FOUND', `No job ${fullId} in this session.`);
        const { state: { job: stored, board } } = await settleStoredJob(this.options.store, fullId, this.timestamp());
        assertAdoptable(stored);
        assertNoProcessesLeft(fullId, this.executor);
        const { agent, cwd } = await adopt(stored);
        // Written in full with the resume: a run the crash left open is closed on disk too (the
        // board read settles it, see settleBoard), and a version-1 job gets its tasks.jsonl.
        handle = new JobHandle({ ...stored, owner: getCurrentOwner() }, { board, isRecorded: false }, agent, cwd, this.writer, this.reporter, () => this.timestamp(), true);
        this.entries.set(fullId, handle);
        try {
          const prepared = await this.prepareResume(handle, mode, retryFailed, options.isolation);
          await handle.commit([...prepared.actions, ...resumeActions(stored, mode, retryFailed, options.model)], prepared.events);
        } catch (error) {
          this.entries.delete(fullId);
          throw error;
        }
      }
      return handle;
    });
    // A job resumed at a phase nobody approved waits for the answer (its approval_requested
    // event reached the front ends); any other is queued, and the plan after the change starts it.
    return entry.job;
  }

  // What the resume of `handle` does to its worktree first (see WorktreeJobs.prepareResume).
  private async prepareResume(handle: JobHandle, mode: JobMode, retryFailed: boolean, isolation: Isolation | undefined): Promise<{ actions: JobAction[]; events: JobEvent[] }> {
    if (this.worktreeJobs) return this.worktreeJobs.prepareResume(handle, mode, retryFailed, isolation, this.timestamp());
    if (isolation && isolation !== 'none') throw new ManagerError('NO_WORKTREES', 'This jobline runs jobs in place only: it has no worktrees.');
    return { actions: [], events: [] };
  }

  /**
   * Lands job `id`'s work through the merge queue (see MergeQueue.land).
   * @throws ManagerError NO_WORKTREES, NOT_LANDABLE; WorktreeError; StoreError.
   */
  async merge(id: string): Promise<Job> {
    const queue = this.requireMergeQueue();
    await this.entries.get(id)?.whenReported();
    return queue.land(id);
  }

  /** Removes job `id`'s worktree and branch (see MergeQueue.discard). @throws like merge. */
  async discard(id: string): Promise<Job> {
    const queue = this.requireMergeQueue();
    await this.entries.get(id)?.whenReported();
    return queue.discard(id);
  }

  /**
   * Retries a job whose landing conflicted: the target is merged into its branch in its worktree
   * (conflict markers left) and its agent resolves them (see conflict-retry.ts); once that
   * completes, the job lands again. @throws ManagerError JOB_NOT_RESOLVABLE (why), NO_WORKTREES;
   * WorktreeError; StoreError; AgentError (adoption).
   */
  async resolveConflict(id: string, feedback: string | null, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<Job> {
    this.assertOpen();
    const queue = this.requireMergeQueue();
    const handle = await resolveConflict({
      store: this.options.store, port: this.worktreeJobs!.port, now: () => this.timestamp(),
      existing: this.entries.get(id),
      adopt: async (stored, board) => {
        if (!adopt) throw new ManagerError('JOB_NOT_RESOLVABLE', `${id} is not in this session.`);
        const { agent, cwd } = await adopt(stored);
        const created = new JobHandle({ ...stored, owner: getCurrentOwner() }, { board, isRecorded: false }, agent, cwd, this.writer, this.reporter, () => this.timestamp(), true);
        this.entries.set(id, created);
        return created;
      },
      land: (jobId) => queue.land(jobId),
      willResolve: (jobId) => this.landAfterResolve.add(jobId),
    }, id, feedback);
    return handle.job;
  }

  /** Settles job `job`'s landing if no live process carries it on (see MergeQueue.recoverLanding). */
  async recoverLanding(job: Job): Promise<Job> {
    return this.mergeQueue ? this.mergeQueue.recoverLanding(job) : job;
  }

  // A job whose work became ready lands now when the config says so (merge.auto), or when its
  // conflict was being resolved for a landing the user asked for.
  private landIfDue(job: Job, event: JobEvent): void {
    if (event.type !== 'merge' || event.status !== 'ready' || !this.mergeQueue || this.isClosed) return;
    const isResolved = this.landAfterResolve.delete(job.id);
    // Stryker disable next-line OptionalChaining: mergeQueue (checked above) exists only with worktrees
    if (!isResolved && !this.options.worktrees?.settings.merge.auto) return;
    this.mergeQueue.land(job.id).catch((error: unknown) => this.emit('warning', `${job.id}: ${describeError(error)}`));
  }

  private requireMergeQueue(): MergeQueue {
    if (!this.mergeQueue) throw new ManagerError('NO_WORKTREES', 'This jobline runs jobs in place only: there are no worktrees to land or discard.');
    return this.mergeQueue;
  }

  /**
   * Removes exactly the `listed` jobs (as a user was shown them) from disk, each only if it is
   * still as listed and not active, decided under its claim (see removeListedJobs); removed jobs
   * leave this session, each reported (jobRemoved). Returns the removed ids; the others changed or
   * went meanwhile.
   * @throws StoreError CLAIM_BUSY when another process holds a job too long.
   */
  async removeJobs(listed: readonly Job[]): Promise<string[]> {
    // A job of this session is judged by its in-memory state, which may be ahead of disk.
    const removable = listed.filter((job) => {
      const entry = this.entries.get(job.id);
      return !entry || (!isActiveStatus(entry.job.status) && entry.runs.size === 0);
    });
    const removed = await this.options.store.removeListed(removable);
    for (const id of removed) {
      this.entries.delete(id);
      // Said like a removal by the storage policy: whoever follows the jobs (the dashboard) drops it.
      this.emit('jobRemoved', id);
    }
    return removed;
  }

  /**
   * Marks every active job `interrupted` (with `reason` and endedAt) synchronously on disk, kills
   * every run and every child process group at once. For exit paths that cannot wait (an
   * uncaught exception, a second signal); prefer `shutdown`. Returns the ids marked.
   */
  interruptActiveSync(reason: string = INTERRUPTED_ON_EXIT): string[] {
    // After a completed shutdown every job is marked and every process gone: the exit-time
    // safety net (process.on('exit')) must not sweep /proc a second time.
    if (this.isShutDown) return [];
    // Writes already handed to the write threads land first (bounded: an exit stays quick), so
    // none of them can replace the interrupted state written below with an older one.
    this.options.store.waitForWritesSync(EXIT_WRITE_WAIT_MS);
    this.isClosed = true;
    const marked = interruptJobsSync(this.entries.values(), this.options.store, reason);
    for (const entry of this.entries.values()) for (const run of entry.runHandles) run.kill();
    this.executor.killAll();
    return marked;
  }

  /**
   * Stops the manager: starts nothing new, stops every run cooperatively (SIGTERM, then SIGKILL and
   * worker termination after at most SHUTDOWN_GRACE_MS; a run that ended on its own meanwhile is
   * recorded as it ended), terminates the workers, waits for the writes in flight, then marks every
   * job still active interrupted, synchronously. Returns the ids marked.
   */
  async shutdown(reason: string = INTERRUPTED_ON_EXIT): Promise<string[]> {
    if (this.isClosed) return [];
    this.isClosed = true;
    this.workers.stop();
    // Runs first: one whose command ended on its own as the user left is recorded as it ended
    // (its task is not run again on resume); the others are stopped. Meanwhile the disk still
    // says running, which with this process gone reads as interrupted: the same truth.
    await stopRuns(this.entries.values(), this.executor, Math.min(this.options.cancelGraceMs, SHUTDOWN_GRACE_MS));
    await this.writer.settle();
    const marked = interruptJobsSync(this.entries.values(), this.options.store, reason);
    await this.writer.settle();
    await this.options.store.close();
    this.isShutDown = true;
    return marked;
  }

  private assertAwaiting(entry: JobHandle, verb: string): void {
    if (entry.job.status !== 'awaiting_approval') {
      throw new ManagerError('JOB_NOT_AWAITING_APPROVAL', `Cannot ${verb} ${entry.job.id}: it is ${entry.job.status}, not awaiting approval.`);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new ManagerError('MANAGER_CLOSED', 'jobline is shutting down; no new jobs are accepted.');
  }

  private assertNotBusy(): void {
    if (this.options.whenBusy === 'reject' && this.scheduler.slotsInUse >= this.scheduler.capacity) {
      throw new ManagerError('JOBS_BUSY', `Already running ${this.scheduler.slotsInUse} jobs (max: ${this.scheduler.capacity})`);
    }
  }

  protected isBusy(): boolean {
    return this.scheduler.slotsInUse > 0 || this.scheduler.hasPendingCleanups || (this.mergeQueue?.isBusy ?? false);
  }

  protected holdsSlot(id: string): boolean {
    return this.scheduler.holds(id);
  }

  private timestamp(): string {
    return (this.options.now ?? systemClock)().toISOString();
  }
}
