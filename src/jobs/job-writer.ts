// Persistence for the manager: each job's writes run one after another in call order (so an
// older snapshot never lands after a newer one), and progress-only changes are coalesced into at
// most one job.json write per interval, so a chatty job cannot flood the disk.
// The writes themselves are synchronous (temp file, fsync, rename, folder fsync: ~0.5 ms, p99
// ~1 ms here): through the libuv threadpool the same write took ten round trips and had a p99 of
// 3-4 ms, which is what a user waits for after typing a prompt. The cost is that a hung file
// system (a jobs folder on a stalled network mount) would stall the REPL too.
import type { JobStore } from '../store/job-store.js';
import type { Job } from './job.js';
import type { JobEvent } from './job-event.js';

/** Serialised, coalescing writer of job files. */
export class JobWriter {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();

  /**
   * @param progressFlushMs longest time a progress-only change stays in memory only (ms).
   * @param onError receives write failures (e.g. StoreError JOB_IO on a full disk); writing goes on.
   */
  constructor(
    private readonly store: JobStore,
    private readonly progressFlushMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues `job` for job.json, then `events` for events.jsonl. Resolves when both are on disk (or failed). */
  write(job: Job, events: readonly JobEvent[]): Promise<void> {
    // This write carries the latest progress too, so a pending progress write is redundant.
    this.cancelProgress(job.id);
    return this.enqueue(job.id, () => {
      this.store.saveSync(job);
      this.store.appendEventsSync(job.id, events);
    });
  }

  /** Schedules a job.json write of `read()` within the flush interval, unless one is already scheduled. */
  scheduleProgress(id: string, read: () => Job): void {
    if (this.progressTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.progressTimers.delete(id);
      void this.enqueue(id, () => this.store.saveSync(read()));
    }, this.progressFlushMs);
    timer.unref();
    this.progressTimers.set(id, timer);
  }

  /** Resolves when every write queued so far for job `id` has finished. */
  flush(id: string): Promise<void> {
    return this.chains.get(id) ?? Promise.resolve();
  }

  /** Drops pending progress writes and waits for every write in flight. Used before exit-time sync writes. */
  async settle(): Promise<void> {
    for (const id of [...this.progressTimers.keys()]) this.cancelProgress(id);
    await Promise.all(this.chains.values());
  }

  private cancelProgress(id: string): void {
    const timer = this.progressTimers.get(id);
    if (timer) clearTimeout(timer);
    this.progressTimers.delete(id);
  }

  private enqueue(id: string, task: () => void): Promise<void> {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => this.onError(error));
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }
}
