// Inside a worker: merges an agent's progress reports (latest value wins) and posts them at most
// once per interval, so a job reporting 10,000 times a second costs the main thread 20 messages.
import type { JobProgress } from '../model/job.js';

/** How often, at most, a worker posts progress to the main thread (ms). */
export const PROGRESS_FLUSH_INTERVAL_MS = 50;

/** Coalesces progress updates for one phase run. Call `flush` before the run reports its end. */
export class ProgressCoalescer {
  private pending: Partial<JobProgress> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPostAt = 0;

  constructor(private readonly post: (progress: Partial<JobProgress>) => void) {}

  /** Adds an update; posts at once after a quiet spell, else within the interval. */
  report(update: Partial<JobProgress>): void {
    this.pending = { ...this.pending, ...update };
    if (this.timer !== null) return;
    const sinceLast = Date.now() - this.lastPostAt;
    if (sinceLast >= PROGRESS_FLUSH_INTERVAL_MS) this.flush();
    else this.timer = setTimeout(() => this.flush(), PROGRESS_FLUSH_INTERVAL_MS - sinceLast);
  }

  /** Posts whatever is pending now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const update = this.pending;
    this.pending = null;
    this.lastPostAt = Date.now();
    this.post(update);
  }
}
