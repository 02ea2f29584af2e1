// The job manager: the session's jobs and the public API for them (submit, approve, retry,
// cancel, resume, shutdown). Every status change goes through the state machine, is persisted,
// and only then reported; running the jobs within the cap is its PhaseScheduler's part.
import { EventEmitter } from 'node:events';
import { getPhaseNames } from '../agents/agent.js';
import type { AgentSpec } from '../agents/agent.js';
import { ManagerError, describeError } from '../errors.js';
import type { JobStore } from '../store/job-store.js';
import { checkOwnerAlive, getCurrentOwner, isCurrentProcess } from '../store/owner.js';
import { createJob, isActiveStatus, isUnfinishedStatus, type Job, type JobMode } from './job.js';
import type { JobEvent } from './job-event.js';
import { JobHandle, type JobReporter } from './job-handle.js';
import { resolveJobId } from './job-id.js';
import { killChildProcessGroups } from './process-sweep.js';
import { JobWriter } from './job-writer.js';
import { PhaseScheduler } from './phase-scheduler.js';
import type { SlotQueue } from './slot-queue.js';
import { WorkerPool } from './worker-pool.js';
import { INTERRUPTED_ON_EXIT, type JobManagerEvents, type JobManagerOptions, type SubmitRequest, type SubmitResult } from './manager-api.js';

export { INTERRUPTED_ON_EXIT, type JobManagerEvents, type JobManagerOptions, type SubmitRequest, type SubmitResult } from './manager-api.js';

// Longest a shutdown waits for runs to stop on their own before killing them; keeps every exit
// under about 1.5 s (see exit-signals.ts).
const SHUTDOWN_GRACE_MS = 1000;

/** Runs jobs with a concurrency cap and a FIFO queue. */
export class JobManager extends EventEmitter<JobManagerEvents> {
  private readonly entries = new Map<string, JobHandle>();
  private readonly scheduler: PhaseScheduler;
  private readonly pool: WorkerPool;
  private readonly writer: JobWriter;
  private readonly reporter: JobReporter;
  private readonly idleWaiters: Array<() => void> = [];
  private isClosed = false;
  private isShutDown = false;

  constructor(private readonly options: JobManagerOptions) {
    super();
    const spareWorkers = options.spareWorkers ?? 1;
    this.pool = new WorkerPool({ heapLimitMb: options.workerHeapMb, spareWorkers, maxIdleWorkers: options.maxConcurrentJobs + spareWorkers });
    this.pool.warm();
    this.writer = new JobWriter(options.store, options.progressFlushMs ?? 1000, (error) => this.emit('warning', describeError(error)));
    this.reporter = {
      event: (job, event) => {
        this.emit('jobEvent', job, event);
        this.notifyIfIdle();
      },
      output: (job, lines, lineCount) => this.emit('jobOutput', job, lines, lineCount),
      activity: (job, icon, text) => this.emit('jobActivity', job, icon, text),
      progress: (job) => this.emit('jobProgress', job),
      warning: (message) => this.emit('warning', message),
    };
    this.scheduler = new PhaseScheduler({
      lookup: (id) => this.entries.get(id),
      jobRemoved: (id) => {
        const entry = this.entries.get(id);
        if (entry && !isActiveStatus(entry.job.status)) this.entries.delete(id);
        this.emit('jobRemoved', id);
      },
      warn: (message) => this.emit('warning', message),
      isClosed: () => this.isClosed,
      stateChanged: () => this.notifyIfIdle(),
      now: () => this.timestamp(),
    }, this.pool, options);
  }

  // The scheduler's queue and slots.
  private get slots(): SlotQueue {
    return this.scheduler.slots;
  }

  /** Resolves when the spare workers are warm, so the next job does not pay a worker spawn. */
  whenReady(): Promise<void> {
    return this.pool.whenWarm();
  }

  /** The store this manager writes to. */
  get store(): JobStore {
    return this.options.store;
  }

  /** This session's jobs, oldest first. */
  list(): Job[] {
    return [...this.entries.values()].map((entry) => entry.job);
  }

  /** Resolves an id or unique prefix among this session's jobs. @throws JobLookupError. */
  resolveId(input: string): string {
    return resolveJobId(input, this.entries.keys());
  }

  /** Returns job `id` of this session. @throws JobLookupError JOB_NOT_FOUND (a prefix is resolved first). */
  get(id: string): Job {
    return this.requireEntry(id).job;
  }

  /** Number of jobs holding a worker slot. */
  get runningCount(): number {
    return this.slots.slotsInUse;
  }

  /**
   * Creates a job and starts it, or queues it when every slot is busy.
   * @throws ManagerError JOBS_BUSY ("Already running 3 jobs (max: 3)") with whenBusy "reject";
   *   MANAGER_CLOSED after shutdown; StoreError JOB_IO when the job folder cannot be created.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.assertOpen();
    this.assertNotBusy();
    // Claimed synchronously, so jobs take their places in the queue in the order submitted,
    // even when a caller (batch) has many submissions in flight.
    const id = this.options.store.claimIdSync();
    const now = this.timestamp();
    const job = createJob({ id, agent: request.agent.name, description: request.prompt, mode: request.mode, phaseNames: getPhaseNames(request.agent), owner: getCurrentOwner(), now });
    const entry = new JobHandle(job, request.agent, request.cwd, this.writer, this.reporter, () => this.timestamp());
    entry.isBulk = request.isBulk ?? false;
    this.entries.set(id, entry);
    const created: JobEvent[] = [
      { ts: now, type: 'created', agent: request.agent.name, mode: request.mode, cwd: request.cwd },
      { ts: now, type: 'queued' },
    ];
    if (this.slots.tryTakeSlot(id)) {
      // One write for the whole creation: created, queued, started and the first phase_started.
      await this.scheduler.startRunning(entry, created);
      return { job: entry.job, queuePosition: 0 };
    }
    this.slots.enqueue(id);
    await entry.commit([], created);
    return { job: entry.job, queuePosition: this.slots.waitingIds.indexOf(id) + 1 };
  }

  /** Approves the phase job `id` waits on; the next phase starts as soon as a slot is free. @throws ManagerError JOB_NOT_AWAITING_APPROVAL. */
  async approve(id: string): Promise<Job> {
    const entry = this.requireAwaiting(id, 'approve');
    await entry.commit([{ type: 'approve' }]);
    return this.requeueFirst(entry);
  }

  /** Runs the phase job `id` waits on again, handing `feedback` to the agent. @throws ManagerError JOB_NOT_AWAITING_APPROVAL. */
  async retry(id: string, feedback: string | null = null): Promise<Job> {
    const entry = this.requireAwaiting(id, 'retry');
    entry.feedback = feedback && feedback.trim() !== '' ? feedback : null;
    await entry.commit([{ type: 'retry', feedback: entry.feedback }]);
    return this.requeueFirst(entry);
  }

  /**
   * Cancels job `id`. The status is `cancelled` on disk when this resolves; a running phase is
   * asked to stop and is killed (worker and process groups) after the grace period.
   * @throws ManagerError JOB_NOT_ACTIVE for a job that already ended.
   */
  async cancel(id: string): Promise<Job> {
    const entry = this.requireEntry(id);
    if (!isActiveStatus(entry.job.status)) {
      throw new ManagerError('JOB_NOT_ACTIVE', `${entry.job.id} is already ${entry.job.status}; only queued, running or waiting jobs can be cancelled.`);
    }
    this.slots.remove(entry.id);
    await entry.commit([{ type: 'cancel' }]);
    if (entry.run) entry.run.cancel(this.options.cancelGraceMs);
    else if (!this.slots.holds(entry.id)) await this.scheduler.afterJobEnded(entry);
    return entry.job;
  }

  /**
   * Re-queues an unfinished job of this session at its first phase that did not complete, in `mode`.
   * @throws ManagerError JOB_NOT_RESUMABLE for an active or completed job.
   */
  async resume(id: string, mode: JobMode): Promise<Job> {
    const entry = this.requireEntry(id);
    if (!isUnfinishedStatus(entry.job.status)) {
      throw new ManagerError('JOB_NOT_RESUMABLE', `${entry.job.id} is ${entry.job.status}; only failed, cancelled or interrupted jobs can be resumed.`);
    }
    await entry.commit([{ type: 'resume', mode }]);
    this.slots.enqueue(entry.id);
    this.scheduler.pump();
    return entry.job;
  }

  /**
   * Takes over a job from the store that is not in this session (left by an earlier or crashed
   * jobline) so it can be resumed: it becomes owned by this process. `agent` and `cwd` are how
   * it will run. A job already in this session is returned as is.
   * @throws ManagerError JOB_OWNED_ELSEWHERE when another live jobline process owns it;
   *   JOB_NOT_RESUMABLE when it is not failed, cancelled or interrupted.
   */
  adopt(stored: Job, agent: AgentSpec, cwd: string): Job {
    this.assertOpen();
    const existing = this.entries.get(stored.id);
    if (existing) return existing.job;
    if (!isCurrentProcess(stored.owner) && checkOwnerAlive(stored.owner) !== false) {
      throw new ManagerError('JOB_OWNED_ELSEWHERE', `${stored.id} belongs to another running jobline (pid ${stored.owner.pid} on ${stored.owner.hostname}); resume or cancel it there.`);
    }
    if (!isUnfinishedStatus(stored.status)) {
      throw new ManagerError('JOB_NOT_RESUMABLE', `${stored.id} is ${stored.status}; only failed, cancelled or interrupted jobs can be resumed.`);
    }
    const job = { ...stored, owner: getCurrentOwner() };
    this.entries.set(job.id, new JobHandle(job, agent, cwd, this.writer, this.reporter, () => this.timestamp()));
    return job;
  }

  /** Drops a finished job from this session (after its files were removed). Active jobs stay. */
  forget(id: string): void {
    const entry = this.entries.get(id);
    if (entry && !isActiveStatus(entry.job.status) && !entry.run) this.entries.delete(id);
  }

  /** Returns true when job `id` (a full id) belongs to this session. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Resolves when no job of this session is queued, running or awaiting approval, no slot is held
   * and the storage policy has finished with every ended job.
   */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Returns true while any job of this session is queued, running or awaiting approval. */
  hasActiveJobs(): boolean {
    return this.list().some((job) => isActiveStatus(job.status));
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
    const marked = this.markActiveInterrupted(reason);
    for (const entry of this.entries.values()) entry.run?.kill();
    killChildProcessGroups();
    return marked;
  }

  /**
   * Stops the manager: waits for writes in flight (so none lands after the next step), marks every
   * active job interrupted synchronously, then stops every run cooperatively (SIGTERM, then SIGKILL
   * and worker termination after at most SHUTDOWN_GRACE_MS), terminates the workers, and finally
   * kills any child process group that is left. Returns the ids marked.
   */
  async shutdown(reason: string = INTERRUPTED_ON_EXIT): Promise<string[]> {
    if (this.isClosed) return [];
    this.isClosed = true;
    this.slots.clearWaiting();
    await this.writer.settle();
    const marked = this.markActiveInterrupted(reason);
    // Cooperative first: a worker in the middle of spawning a child finishes, records it in its
    // registry and then stops it; terminating it at once could orphan that child.
    const grace = Math.min(this.options.cancelGraceMs, SHUTDOWN_GRACE_MS);
    const runs = [...this.entries.values()].flatMap((entry) => (entry.run ? [entry.run] : []));
    for (const run of runs) run.cancel(grace);
    await Promise.all(runs.map((run) => run.outcome));
    await this.pool.close();
    killChildProcessGroups();
    await this.writer.settle();
    await this.options.store.closeWriteThreads();
    this.isShutDown = true;
    return marked;
  }

  private markActiveInterrupted(reason: string): string[] {
    this.isClosed = true;
    this.slots.clearWaiting();
    const marked: string[] = [];
    for (const entry of this.entries.values()) {
      if (isActiveStatus(entry.job.status) && entry.interruptSync(this.options.store, reason)) marked.push(entry.id);
    }
    return marked;
  }

  // Approved and retried jobs go to the front of the queue: finishing started work first keeps
  // the number of half-done jobs down.
  private requeueFirst(entry: JobHandle): Job {
    this.slots.enqueueFirst(entry.id);
    this.scheduler.pump();
    return entry.job;
  }

  private requireEntry(idOrPrefix: string): JobHandle {
    return this.entries.get(this.resolveId(idOrPrefix))!;
  }

  private requireAwaiting(id: string, verb: string): JobHandle {
    const entry = this.requireEntry(id);
    if (entry.job.status !== 'awaiting_approval') {
      throw new ManagerError('JOB_NOT_AWAITING_APPROVAL', `Cannot ${verb} ${entry.job.id}: it is ${entry.job.status}, not awaiting approval.`);
    }
    return entry;
  }

  private assertOpen(): void {
    if (this.isClosed) throw new ManagerError('MANAGER_CLOSED', 'jobline is shutting down; no new jobs are accepted.');
  }

  private assertNotBusy(): void {
    if (this.options.whenBusy === 'reject' && this.slots.isFull) {
      throw new ManagerError('JOBS_BUSY', `Already running ${this.slots.slotsInUse} jobs (max: ${this.slots.capacity})`);
    }
  }

  private isIdle(): boolean {
    return this.slots.slotsInUse === 0 && !this.scheduler.hasPendingCleanups && !this.hasActiveJobs();
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private timestamp(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }
}
