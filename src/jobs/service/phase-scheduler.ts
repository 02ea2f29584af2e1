// Running jobs within the slots: after every change the pure scheduler (model/scheduler.ts) plans
// which queued jobs get a slot, and this starts them, drives each phase run on a pooled worker,
// applies its outcome, and hands ended jobs to the storage policy. The manager owns the session's
// jobs and the public API; this owns the running of them.
import { describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import { isActiveStatus } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import { plan, type ScheduledJob } from '../model/scheduler.js';
import type { JobAction } from '../model/transitions.js';
import type { PhaseOutcome } from '../../agents/agent.js';
import type { Executor } from '../ports/executor.js';
import type { JobHandle } from './job-handle.js';
import { StoragePolicyRunner } from './storage-policy-runner.js';

/** What the scheduler needs from the manager that owns it. */
export interface SchedulerHost {
  /** The session's job `id`, if it has one. */
  lookup(id: string): JobHandle | undefined;
  /** The session's jobs in order of submission (the order queued jobs get slots in). */
  jobs(): Iterable<JobHandle>;
  /** The storage policy removed job `id`'s files. */
  jobRemoved(id: string): void;
  warn(message: string): void;
  /** True once the manager is shutting down: nothing new starts. */
  isClosed(): boolean;
  /** Something that `whenIdle` waits for may have finished. */
  stateChanged(): void;
  /** The current time (ISO-8601). */
  now(): string;
  /** Resolves when a front end that holds notifications back (see JobManager.holdRemovals) has shown them. */
  whenRemovalsAllowed(): Promise<void>;
}

/** Settings the scheduler uses. */
export interface SchedulerOptions {
  store: JobRepository;
  maxConcurrentJobs: number;
  maxUnfinishedJobs: number;
  /** Completed jobs kept (default DEFAULT_MAX_COMPLETED_JOBS). */
  maxCompletedJobs?: number;
  keepTempFiles: boolean;
  /** Environment variables holding API keys (see PhaseRequest.secretEnvNames). */
  secretEnvNames?: string[];
  /** Largest output.log per job (bytes; default: no cap). */
  maxOutputBytes?: number;
  /** Delay of a storage-policy pass after a job ends (ms; see StoragePolicyRunner). */
  policyPassDelayMs?: number;
}

/** Runs jobs' phases within `maxConcurrentJobs` slots. */
export class PhaseScheduler {
  /** Jobs holding a slot: running a phase, about to, or winding one down. */
  private readonly holders = new Set<string>();
  private readonly policy: StoragePolicyRunner;
  private isPumpRequested = false;

  constructor(
    private readonly host: SchedulerHost,
    private readonly executor: Executor,
    private readonly options: SchedulerOptions,
  ) {
    this.policy = new StoragePolicyRunner(host, options);
  }

  /** True while the storage policy is still at work on an ended job. */
  get hasPendingCleanups(): boolean {
    return this.policy.hasPendingCleanups;
  }

  /** Slots (maxConcurrentJobs). */
  get capacity(): number {
    return this.options.maxConcurrentJobs;
  }

  /** Jobs holding a slot now. */
  get slotsInUse(): number {
    return this.holders.size;
  }

  /** True when job `id` holds a slot. */
  holds(id: string): boolean {
    return this.holders.has(id);
  }

  /**
   * Plans with every job as it is now (see plan) and starts the queued jobs that get a slot.
   * Returns the ids started; `entry`'s start, when it is among them, is `startRunning`'s promise
   * (for a job being created, whose creation is written with its start).
   */
  pump(creating?: { entry: JobHandle; leadingEvents: JobEvent[] }): { started: string[]; creation: Promise<void> | null } {
    let creation: Promise<void> | null = null;
    const started: string[] = [];
    // With every slot held there is nothing to plan: only a job taking a slot starts here (a
    // running job's next phase is its run loop's). A queue of thousands costs nothing per change.
    if (!this.host.isClosed() && this.holders.size < this.options.maxConcurrentJobs) {
      for (const assignment of plan(this.describeJobs(), { maxConcurrentJobs: this.options.maxConcurrentJobs, maxWorkers: 1000 })) {
        // A running job's next phase is started by its own run loop (runPhases).
        if (!assignment.needsSlot) continue;
        const entry = this.host.lookup(assignment.jobId)!;
        this.holders.add(entry.id);
        started.push(entry.id);
        const start = this.startRunning(entry, entry === creating?.entry ? creating.leadingEvents : []);
        if (entry === creating?.entry) creation = start;
        else void start;
      }
    }
    this.host.stateChanged();
    return { started, creation };
  }

  /** Plans again once the current task's changes are all made (many changes in a row plan once). */
  requestPump(): void {
    if (this.isPumpRequested) return;
    this.isPumpRequested = true;
    queueMicrotask(() => {
      this.isPumpRequested = false;
      this.pump();
    });
  }

  // The session's jobs as the pure scheduler sees them: only those that want a slot or hold one.
  private describeJobs(): ScheduledJob[] {
    const jobs: ScheduledJob[] = [];
    for (const entry of this.host.jobs()) {
      const { job, board } = entry;
      const hasSlot = this.holders.has(entry.id);
      if (job.status !== 'queued' && !hasSlot) continue;
      const runningTaskIds = board.runs.filter((run) => run.state.status === 'running').map((run) => run.taskId);
      jobs.push({ id: job.id, status: job.status, currentPhase: job.currentPhase, workspace: entry.cwd, tasks: board.tasks, runningTaskIds, hasSlot, workers: 1 });
    }
    return jobs;
  }

  /*
   * Moves a job whose slot is reserved to running and runs its phases in the background.
   * Resolves once the start is on disk. Nothing of a job may run before its first job.json is:
   * a job that has none yet waits for this write. A queued job's is already durable, so it starts
   * at once while "running" is written (a crash meanwhile leaves it "queued" on disk, which reads
   * as interrupted: still true).
   */
  private async startRunning(entry: JobHandle, leadingEvents: JobEvent[] = []): Promise<void> {
    let started: Promise<void>;
    // A new job's worker boots while its creation is written (a queued job's creation is done).
    if (!entry.isPersisted) this.executor.prepare();
    const wasPersisted = entry.isPersisted;
    try {
      started = entry.commit([{ type: 'start' }, { type: 'startPhase' }], leadingEvents);
      if (!wasPersisted) await started;
    } catch (error) {
      this.holders.delete(entry.id);
      this.requestPump();
      // A creation that could not be written refuses the job (the submitter says why).
      if (!wasPersisted) throw error;
      this.host.warn(`${entry.id}: ${describeError(error)}`);
      return;
    }
    void this.runPhases(entry);
    await started;
  }

  /** Applies the storage policy once job `entry` has ended (see StoragePolicyRunner). Never throws. */
  afterJobEnded(entry: JobHandle): Promise<void> {
    return this.policy.afterJobEnded(entry);
  }

  // Runs phases of `entry` on its slot until the job stops running (awaits approval, ends, or is
  // cancelled or interrupted), then frees the slot.
  private async runPhases(entry: JobHandle): Promise<void> {
    try {
      while (entry.job.status === 'running' && !this.host.isClosed()) {
        const run = this.executor.start(entry.buildRequest(this.options.store.outputPathOf(entry.id), this.options.secretEnvNames ?? [], this.options.maxOutputBytes), {
          output: (lines, lineCount) => entry.recordOutput(lines, lineCount),
          progress: (progress) => entry.recordProgress(progress),
          activity: (icon, text) => entry.recordActivity(icon, text),
        });
        entry.run = run;
        const outcome = await run.outcome;
        entry.run = null;
        if (this.host.isClosed() || entry.job.status !== 'running') break; // cancelled or interrupted meanwhile
        // The outcome is applied now and written in the background (per-job writes keep their
        // order; afterJobEnded and whenIdle wait for them): the slot is free for the next job
        // as soon as this one's processes are gone.
        void entry.commit([outcomeAction(outcome)]);
        if (entry.job.status === 'running') void entry.commit([{ type: 'startPhase' }]);
      }
    } catch (error) {
      this.host.warn(`${entry.id}: ${describeError(error)}`);
    } finally {
      this.holders.delete(entry.id);
      if (!this.host.isClosed()) {
        // The next job starts before this one's end is on disk and cleaned up; the cleanup is
        // counted (pendingCleanups) before pump() can report the manager idle.
        const cleanup = isActiveStatus(entry.job.status) ? null : this.afterJobEnded(entry);
        this.pump();
        await cleanup;
      }
    }
  }
}

function outcomeAction(outcome: PhaseOutcome): JobAction {
  if (outcome.kind === 'completed') return { type: 'completePhase', output: outcome.output, changes: outcome.changes ?? null };
  if (outcome.kind === 'failed') return { type: 'failPhase', error: outcome.error, output: outcome.output ?? null, changes: outcome.changes ?? null };
  return { type: 'cancel' };
}
