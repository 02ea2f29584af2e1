// The storage policy as the session applies it: once a job has ended (and its end was heard), a
// pass over the jobs folder removes what the limits say; one pass serves every job that ended
// while the previous one ran.
import { describeError } from '../../errors.js';
import { DEFAULT_MAX_COMPLETED_JOBS, getEndedLimits } from '../model/storage-limits.js';
import type { JobRepository } from '../ports/repository.js';
import type { EndedLimits } from '../model/storage-limits.js';
import { CoalescedRuns } from './coalesced-runs.js';
import type { JobHandle } from './job-handle.js';

/** How long after a job ends its storage-policy pass starts (ms), and how long a submission puts it off. */
export const POLICY_PASS_DELAY_MS = 100;

/**
 * At most this long after a job ends (ms), its pass starts even while jobs keep being submitted:
 * prompts typed one after another put a pass off (see StoragePolicyRunner.noteSubmission), never
 * for good, so the limits hold within seconds.
 */
export const MAX_POLICY_PASS_DEFER_MS = 2_000;

/** The limits and where they apply (see JobManagerOptions). */
export interface StoragePolicyOptions {
  store: JobRepository;
  maxUnfinishedJobs: number;
  maxCompletedJobs?: number;
  keepTempFiles: boolean;
  /** Delay of a pass after a job ends (ms; default POLICY_PASS_DELAY_MS). */
  policyPassDelayMs?: number;
}

/** What the runner tells, and asks of, the session. */
export interface StoragePolicyHost {
  /** The policy removed job `id`'s files. */
  jobRemoved(id: string): void;
  warn(message: string): void;
  /** Something that `whenIdle` waits for may have finished. */
  stateChanged(): void;
  /** The current time (ISO-8601). */
  now(): string;
  /** Resolves when a front end that holds notifications back (see JobManager.holdRemovals) has shown them. */
  whenRemovalsAllowed(): Promise<void>;
}

/** Applies the storage policy after jobs end. */
export class StoragePolicyRunner {
  private pendingCleanups = 0;
  // Jobs that ended since the last pass started, and the passes themselves.
  private readonly endedBeforePass = new Set<string>();
  private readonly passes = new CoalescedRuns(() => this.runPass());
  // When a job was last submitted (performance.now() ms; -Infinity: never).
  private lastSubmittedAt = -Infinity;

  constructor(private readonly host: StoragePolicyHost, private readonly options: StoragePolicyOptions) {}

  /**
   * A job was just submitted: a pass due within the delay waits for a quiet moment. A pass's
   * file work (claims, reads, a folder's removal, all synchronous on this thread) landing while
   * the next prompt's job is being created would delay that prompt by as much (issue 28 §7).
   */
  noteSubmission(): void {
    this.lastSubmittedAt = performance.now();
  }

  /** True while the storage policy is still at work on an ended job. */
  get hasPendingCleanups(): boolean {
    return this.pendingCleanups > 0;
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
      await this.whenQuiet(this.options.policyPassDelayMs ?? POLICY_PASS_DELAY_MS);
      await this.passes.request();
    } finally {
      this.pendingCleanups--;
      this.host.stateChanged();
    }
  }

  // Resolves `delayMs` after now and at least `delayMs` after the latest submission, or
  // MAX_POLICY_PASS_DEFER_MS after now, whichever comes first.
  private async whenQuiet(delayMs: number): Promise<void> {
    const from = performance.now();
    let waitMs = delayMs;
    while (waitMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const now = performance.now();
      waitMs = Math.min(this.lastSubmittedAt + delayMs, from + MAX_POLICY_PASS_DEFER_MS) - now;
    }
  }

  private getLimits(): EndedLimits {
    return getEndedLimits({ ...this.options, maxCompletedJobs: this.options.maxCompletedJobs ?? DEFAULT_MAX_COMPLETED_JOBS });
  }

  // One pass of the storage policy over the jobs folder. The session forgets the jobs it removed,
  // except those whose end asked for this pass: it still shows them as ended.
  private async runPass(): Promise<void> {
    const ended = new Set(this.endedBeforePass);
    this.endedBeforePass.clear();
    try {
      const removed = await this.options.store.applyEndedLimits(this.getLimits(), this.host.now());
      for (const id of removed) if (!ended.has(id)) this.host.jobRemoved(id);
    } catch (error) {
      this.host.warn(`Storage cleanup failed: ${describeError(error)}`);
    }
  }
}
