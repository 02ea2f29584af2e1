// The storage policy as the session applies it: once a job has ended (and its end was heard), a
// pass over the jobs folder removes what the limits say; one pass serves every job that ended
// while the previous one ran.
import { describeError } from '../../errors.js';
import { DEFAULT_MAX_COMPLETED_JOBS, getEndedLimits } from '../model/storage-limits.js';
import type { JobRepository } from '../ports/repository.js';
import type { EndedLimits } from '../model/storage-limits.js';
import { CoalescedRuns } from './coalesced-runs.js';
import type { JobHandle } from './job-handle.js';

/**
 * How long after a job ends its storage-policy pass starts (ms); while jobs are being submitted,
 * the pass goes right after the next submission instead, within as long again.
 */
export const POLICY_PASS_DELAY_MS = 100;

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
  // When a job was last submitted (performance.now() ms; -Infinity: never), and what waits for
  // the end of the next submission.
  private lastSubmittedAt = -Infinity;
  private afterNextSubmission: Array<() => void> = [];

  constructor(private readonly host: StoragePolicyHost, private readonly options: StoragePolicyOptions) {}

  /**
   * A job is being submitted (see whenQuiet). A pass's file work (claims, reads, a folder's
   * removal, synchronous on this thread) that lands while the next prompt's job is being created
   * delays that prompt by as much (issue 28 §7).
   */
  noteSubmission(): void {
    this.lastSubmittedAt = performance.now();
  }

  /** A submission noted with noteSubmission has ended (its job created, or refused). */
  noteSubmitted(): void {
    const waiting = this.afterNextSubmission;
    this.afterNextSubmission = [];
    for (const resume of waiting) resume();
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

  // Resolves `delayMs` from now; but when a job was submitted within that time (prompts typed one
  // after another, a script submitting), right after the next submission ends, or `delayMs` later
  // at most. Right after a submission is the moment least likely to meet the next one: its user
  // just got the prompt back. Waiting for a quiet spell instead would let passes pile up, and a
  // pass that removes many jobs at once stands in the way of several prompts.
  private async whenQuiet(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (performance.now() - this.lastSubmittedAt >= delayMs) return;
    let timer: NodeJS.Timeout | undefined;
    let resume!: () => void;
    await new Promise<void>((resolve) => {
      resume = resolve;
      this.afterNextSubmission.push(resolve);
      timer = setTimeout(resolve, delayMs);
    });
    clearTimeout(timer);
    // Resumed by the timer: no longer waiting for a submission (one that never ends keeps none).
    this.afterNextSubmission = this.afterNextSubmission.filter((waiting) => waiting !== resume);
    // After what the submission's caller does at once (the REPL prints "Started" and the prompt).
    await new Promise((resolve) => setImmediate(resolve));
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
