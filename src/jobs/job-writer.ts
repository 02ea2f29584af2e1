// Persistence for the manager. A job's creation is written synchronously: the user waits for it
// anyway (the prompt returns once the job is durable), and a hand-off costs more than it saves
// for one write. Every later change is written by a write thread (store/write-threads.ts), so
// its fsyncs never block the REPL's thread and several jobs' fsyncs overlap.
// Per job, writes land in call order (an older snapshot never lands after a newer one); changes
// made while a write is in flight are merged into one next write (the newest snapshot, every
// event), and progress-only changes are coalesced into at most one write per interval.
import type { JobStore } from '../store/job-store.js';
import { isTerminalStatus, type Job } from './job.js';
import type { JobEvent } from './job-event.js';

interface PendingWrite {
  job: Job;
  events: JobEvent[];
  isRenameDurable: boolean;
  done: Promise<void>;
  resolve: () => void;
}

interface JobWrites {
  /** The write on its way to disk, if any. */
  inFlight: Promise<void> | null;
  /** Changes made since that write started; they go in the next one. */
  next: PendingWrite | null;
}

/** Ordered, merging writer of job files. */
export class JobWriter {
  private readonly writes = new Map<string, JobWrites>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();
  private lastAcknowledged: Promise<unknown> = Promise.resolve();

  /**
   * @param progressFlushMs longest time a progress-only change stays in memory only (ms).
   * @param onError receives write failures (e.g. StoreError JOB_IO on a full disk); writing goes on.
   */
  constructor(
    private readonly store: JobStore,
    private readonly progressFlushMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Writes `job` to job.json, then `events` to events.jsonl. Resolves when both are on disk (or
   * failed) and every earlier call has resolved. The creation (the write carrying the `created`
   * event) is done before this returns, unless `isBulk` (see SubmitRequest.isBulk).
   * Durability: the creation and terminal states survive a power loss once this resolves; for
   * other states the contents are fsynced but the rename may be lost, leaving the previous
   * state, which after a power loss reads the same (the owner is gone, so: interrupted).
   */
  write(job: Job, events: readonly JobEvent[], isBulk = false): Promise<void> {
    // Acknowledged in call order across jobs, although the writes themselves run in parallel: a
    // caller reports a change once it is written, so users hear of changes in the order they
    // happened (never of a 4th job started before the 1st one's end, with 3 slots).
    const acknowledged = Promise.all([this.lastAcknowledged, this.persist(job, events, isBulk)]).then(() => {});
    this.lastAcknowledged = acknowledged;
    return acknowledged;
  }

  private persist(job: Job, events: readonly JobEvent[], isBulk: boolean): Promise<void> {
    // This write carries the latest progress too, so a pending progress write is redundant.
    this.cancelProgress(job.id);
    const isCreation = events.some((event) => event.type === 'created');
    if (isCreation && !isBulk && !this.writes.has(job.id)) {
      try {
        this.store.writeSync(job, events);
      } catch (error) {
        this.onError(error);
      }
      return Promise.resolve();
    }
    return this.enqueue(job, events, isCreation || isTerminalStatus(job.status));
  }

  /** Schedules a job.json write of `read()` within the flush interval, unless one is already scheduled. */
  scheduleProgress(id: string, read: () => Job): void {
    if (this.progressTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.progressTimers.delete(id);
      void this.enqueue(read(), [], false);
    }, this.progressFlushMs);
    timer.unref();
    this.progressTimers.set(id, timer);
  }

  /** Resolves when every write queued so far for job `id` has finished. */
  private flush(id: string): Promise<void> {
    const writes = this.writes.get(id);
    return writes?.next?.done ?? writes?.inFlight ?? Promise.resolve();
  }

  /** Drops pending progress writes and waits for every write in flight. Used before exit-time sync writes. */
  async settle(): Promise<void> {
    for (const id of [...this.progressTimers.keys()]) this.cancelProgress(id);
    await Promise.all([...this.writes.keys()].map((id) => this.flush(id)));
  }

  private cancelProgress(id: string): void {
    const timer = this.progressTimers.get(id);
    if (timer) clearTimeout(timer);
    this.progressTimers.delete(id);
  }

  private enqueue(job: Job, events: readonly JobEvent[], isRenameDurable: boolean): Promise<void> {
    let writes = this.writes.get(job.id);
    if (!writes) {
      writes = { inFlight: null, next: null };
      this.writes.set(job.id, writes);
    }
    const next = writes.next;
    if (next) {
      next.job = job;
      next.events.push(...events);
      next.isRenameDurable ||= isRenameDurable;
      return next.done;
    }
    let resolve!: () => void;
    const done = new Promise<void>((settle) => (resolve = settle));
    writes.next = { job, events: [...events], isRenameDurable, done, resolve };
    if (!writes.inFlight) void this.drain(job.id, writes);
    return done;
  }

  /** Writes the job's pending changes one write at a time until none are left. */
  private async drain(id: string, writes: JobWrites): Promise<void> {
    while (writes.next) {
      const write = writes.next;
      writes.next = null;
      writes.inFlight = write.done;
      try {
        await this.store.write(write.job, write.events, { isRenameDurable: write.isRenameDurable });
      } catch (error) {
        this.onError(error);
      }
      write.resolve();
    }
    writes.inFlight = null;
    this.writes.delete(id);
  }
}
