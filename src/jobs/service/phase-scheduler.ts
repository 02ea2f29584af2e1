// Running jobs within the slots: starting queued jobs as slots free, driving each phase run on a
// pooled worker, applying its outcome, and the storage policy once a job has ended. The manager
// owns the session's jobs and the public API; this owns the running of them.
import { describeError } from '../../errors.js';
import { DEFAULT_MAX_COMPLETED_JOBS, enforceEndedLimits, getEndedLimits, type EndedLimits } from '../../store/cleanup.js';
import { CoalescedRuns } from './coalesced-runs.js';
import type { JobStore } from '../../store/job-store.js';
import { isActiveStatus } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobHandle } from './job-handle.js';
import { JobRun, type RunOutcome } from '../runtime/job-run.js';
import { SlotQueue } from './slot-queue.js';
import type { JobAction } from '../model/transitions.js';
import type { WorkerPool } from '../runtime/worker-pool.js';

/** What the scheduler needs from the manager that owns it. */
export interface SchedulerHost {
  /** The session's job `id`, if it has one. */
  lookup(id: string): JobHandle | undefined;
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

/** How long after a job ends its storage-policy pass starts (ms). */
export const POLICY_PASS_DELAY_MS = 100;

/** Settings the scheduler uses. */
export interface SchedulerOptions {
  store: JobStore;
  maxConcurrentJobs: number;
  maxUnfinishedJobs: number;
  /** Completed jobs kept (default DEFAULT_MAX_COMPLETED_JOBS). */
  maxCompletedJobs?: number;
  keepTempFiles: boolean;
  workerHeapMb: number;
  /** Environment variables holding API keys (see PhaseRequest.secretEnvNames). */
  secretEnvNames?: string[];
  /** Largest output.log per job (bytes; default: no cap). */
  maxOutputBytes?: number;
}

/** Runs jobs' phases within `maxConcurrentJobs` slots. */
export class PhaseScheduler {
  /** The queue and its slots: a slot is held by a job running a phase, or about to. */
  readonly slots: SlotQueue;
  private pendingCleanups = 0;
  // Jobs that ended since the last storage-policy pass started, and the passes themselves.
  private readonly endedBeforePass = new Set<string>();
  private readonly policyPasses = new CoalescedRuns(() => this.runPolicyPass());

  constructor(
    private readonly host: SchedulerHost,
    private readonly pool: WorkerPool,
    private readonly options: SchedulerOptions,
  ) {
    this.slots = new SlotQueue(options.maxConcurrentJobs);
  }

  /** True while the storage policy is still at work on an ended job. */
  get hasPendingCleanups(): boolean {
    return this.pendingCleanups > 0;
  }

  /**
   * Moves a job whose slot is reserved to running and runs its phases in the background.
   * Resolves once the start is on disk. Nothing of a job may run before its first job.json is:
   * a job that has none yet waits for this write. A queued job's is already durable, so it starts
   * at once while "running" is written (a crash meanwhile leaves it "queued" on disk, which reads
   * as interrupted: still true).
   */
  async startRunning(entry: JobHandle, leadingEvents: JobEvent[] = []): Promise<void> {
    let started: Promise<void>;
    // A new job's worker boots while its creation is written (a queued job's creation is done).
    if (!entry.isPersisted) this.pool.prepare();
    const wasPersisted = entry.isPersisted;
    try {
      started = entry.commit([{ type: 'start' }, { type: 'startPhase' }], leadingEvents);
      if (!wasPersisted) await started;
    } catch (error) {
      this.slots.releaseSlot(entry.id);
      this.pump();
      // A creation that could not be written refuses the job (the submitter says why).
      if (!wasPersisted) throw error;
      this.host.warn(`${entry.id}: ${describeError(error)}`);
      return;
    }
    void this.runPhases(entry);
    await started;
  }

  /** Starts queued jobs while slots are free. */
  pump(): void {
    if (!this.host.isClosed()) {
      const started = this.slots.fillSlots((id) => this.host.lookup(id)?.job.status === 'queued');
      for (const id of started) void this.startRunning(this.host.lookup(id)!);
    }
    this.host.stateChanged();
  }

  /**
   * Applies the storage policy once job `entry` has reached a terminal status: a pass that starts
   * after it ended (one pass serves every job that ended while the previous one ran). Never throws.
   */
  async afterJobEnded(entry: JobHandle): Promise<void> {
    const { job } = entry;
    this.pendingCleanups++;
    try {
      await entry.whenReported();
      // A completed job's files go only once the user has seen it end: a front end may be holding
      // its notification back (during /watch or /logs -f).
      if (job.status === 'completed') await this.host.whenRemovalsAllowed();
      // A kind without a limit (completed jobs with keepTempFiles) has nothing to remove.
      const limits = this.getLimits();
      if ((job.status === 'completed' ? limits.completed : limits.unfinished) === Infinity) return;
      this.endedBeforePass.add(job.id);
      // A moment later, off the path of whatever the user does next (a new prompt usually follows
      // an end at once), and shared by every job that ends meanwhile.
      await new Promise((resolve) => setTimeout(resolve, POLICY_PASS_DELAY_MS));
      await this.policyPasses.request();
    } finally {
      this.pendingCleanups--;
      this.host.stateChanged();
    }
  }

  private getLimits(): EndedLimits {
    return getEndedLimits({ ...this.options, maxCompletedJobs: this.options.maxCompletedJobs ?? DEFAULT_MAX_COMPLETED_JOBS });
  }

  // One pass of the storage policy over the jobs folder. The session forgets the jobs it removed,
  // except those whose end asked for this pass: it still shows them as ended.
  private async runPolicyPass(): Promise<void> {
    const ended = new Set(this.endedBeforePass);
    this.endedBeforePass.clear();
    try {
      const removed = await enforceEndedLimits(this.options.store, this.getLimits(), this.host.now());
      for (const id of removed) if (!ended.has(id)) this.host.jobRemoved(id);
    } catch (error) {
      this.host.warn(`Storage cleanup failed: ${describeError(error)}`);
    }
  }

  // Runs phases of `entry` on its slot until the job stops running (awaits approval, ends, or is
  // cancelled or interrupted), then frees the slot.
  private async runPhases(entry: JobHandle): Promise<void> {
    try {
      while (entry.job.status === 'running' && !this.host.isClosed()) {
        const worker = this.pool.acquire();
        const run = new JobRun(worker, this.pool.childRegistryOf(worker), entry.buildRequest(this.options.store.pathsOf(entry.id).output, this.options.secretEnvNames ?? [], this.options.maxOutputBytes), {
          onOutput: (lines, lineCount) => entry.recordOutput(lines, lineCount),
          onProgress: (progress) => entry.recordProgress(progress),
          onActivity: (icon, text) => entry.recordActivity(icon, text),
        }, this.options.workerHeapMb);
        entry.run = run;
        const outcome = await run.outcome;
        entry.run = null;
        if (outcome.isWorkerReusable) this.pool.release(worker);
        else this.pool.discard(worker);
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
      this.slots.releaseSlot(entry.id);
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

function outcomeAction(outcome: RunOutcome): JobAction {
  if (outcome.kind === 'completed') return { type: 'completePhase', output: outcome.output, changes: outcome.changes ?? null };
  if (outcome.kind === 'failed') return { type: 'failPhase', error: outcome.error, output: outcome.output ?? null, changes: outcome.changes ?? null };
  return { type: 'cancel' };
}
