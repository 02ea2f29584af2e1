// Persistence for the manager. A job's creation is written synchronously: the user waits for it
// anyway (the prompt returns once the job is durable), and a hand-off costs more than it saves
// for one write. Every later change is written by a write thread (store/write-threads.ts), so
// its fsyncs never block the REPL's thread and several jobs' fsyncs overlap.
// Per job, writes land in call order (an older snapshot never lands after a newer one); changes
// made while a write is in flight are merged into one next write (the newest snapshot, every
// event), and progress-only changes are coalesced into at most one write per interval.
// Durable before reported: a write that fails (a full disk) rejects, so its change is not
// announced; it is kept and retried (with backoff, and with every later write of the job), and
// once it lands its events are announced through `onRecovered`. A failed creation is not retried:
// the job is refused.
import type { JobRepository } from '../ports/repository.js';
import { isTerminalStatus, type Job } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { TaskRecord } from '../model/task.js';
import type { JobManifest } from '../model/manifest.js';

interface PendingWrite {
  job: Job;
  events: JobEvent[];
  /** Task and run records to append (tasks.jsonl), in order. */
  records: TaskRecord[];
  isRenameDurable: boolean;
  isCreation: boolean;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface JobWrites {
  /** The write on its way to disk, if any. */
  inFlight: Promise<void> | null;
  /** Changes made since that write started; they go in the next one. */
  next: PendingWrite | null;
  /** Events of writes that failed, in order: the next write that succeeds appends them first. */
  unwritten: JobEvent[];
  /** Task records of writes that failed, likewise. */
  unwrittenRecords: TaskRecord[];
  /** The newest snapshot of the job, for a retry. */
  latest: Job | null;
  retryTimer: NodeJS.Timeout | null;
  retryDelayMs: number;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** What a JobWriter tells its owner besides resolving and rejecting writes. */
export interface JobWriterListener {
  /** A write failed (StoreError JOB_IO naming the cause); it will be retried. */
  writeFailed(job: Job, error: unknown): void;
  /** Events whose write had failed are on disk now (with `job`, the state written). */
  recovered(job: Job, events: JobEvent[]): void;
}

/** Ordered, merging writer of job files. */
export class JobWriter {
  private readonly writes = new Map<string, JobWrites>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();
  private lastAcknowledged: Promise<unknown> = Promise.resolve();

  /** @param progressFlushMs longest time a progress-only change stays in memory only (ms). */
  /**
   * Writes an ended job's manifest, on this thread (one small atomic write per job, at its end).
   * Best effort: a manifest is derived data, rebuilt by `show --manifest` when missing; a failure
   * is reported through the listener like a failed write, and loses nothing.
   */
  writeManifest(job: Job, build: () => JobManifest): void {
    try {
      this.store.writeManifestSync(build());
    } catch (error) {
      this.listener.writeFailed(job, error);
    }
  }

  constructor(
    private readonly store: JobRepository,
    private readonly progressFlushMs: number,
    private readonly listener: JobWriterListener,
  ) {}

  /**
   * Appends `records` to tasks.jsonl, writes `job` to job.json, then `events` to events.jsonl. Resolves when both are on disk and
   * every earlier call has settled; rejects (after the same wait) when the write failed, with a
   * StoreError JOB_IO naming the cause. The creation (the write carrying the `created` event) is
   * done before this returns, unless `isBulk` (see SubmitRequest.isBulk).
   * Durability: the creation and terminal states survive a power loss once this resolves; for
   * other states the contents are fsynced but the rename may be lost, leaving the previous
   * state, which after a power loss reads the same (the owner is gone, so: interrupted).
   */
  write(job: Job, events: readonly JobEvent[], isBulk = false, records: readonly TaskRecord[] = []): Promise<void> {
    // Acknowledged in call order across jobs, although the writes themselves run in parallel: a
    // caller reports a change once it is written, so users hear of changes in the order they
    // happened (never of a 4th job started before the 1st one's end, with 3 slots). A failure
    // settles its own caller only; the order of the others goes on.
    const persisted = this.persist(job, events, records, isBulk);
    const acknowledged = Promise.all([this.lastAcknowledged, persisted.catch(() => {})]).then(() => persisted);
    this.lastAcknowledged = acknowledged.catch(() => {});
    return acknowledged;
  }

  private persist(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], isBulk: boolean): Promise<void> {
    // This write carries the latest progress too, so a pending progress write is redundant.
    this.cancelProgress(job.id);
    const isCreation = events.some((event) => event.type === 'created');
    if (isCreation && !isBulk && !this.writes.has(job.id)) {
      try {
        this.store.writeSync(job, events, records);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.enqueue(job, events, records, isCreation || isTerminalStatus(job.status), isCreation);
  }

  /** Schedules a job.json write of `read()` within the flush interval, unless one is already scheduled. */
  scheduleProgress(id: string, read: () => Job): void {
    if (this.progressTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.progressTimers.delete(id);
      this.enqueue(read(), [], [], false, false).catch(() => {}); // a failure is retried and reported by drain
    }, this.progressFlushMs);
    timer.unref();
    this.progressTimers.set(id, timer);
  }

  /**
   * Takes the events of job `id` whose writes failed and will now not be retried (an exit path
   * writes them itself, synchronously, with the job's final state).
   */
  takeUnwritten(id: string): { events: JobEvent[]; records: TaskRecord[] } {
    const writes = this.writes.get(id);
    if (!writes) return { events: [], records: [] };
    if (writes.retryTimer) clearTimeout(writes.retryTimer);
    writes.retryTimer = null;
    return { events: writes.unwritten.splice(0), records: writes.unwrittenRecords.splice(0) };
  }

  /** Resolves when every write queued so far for job `id` has finished. */
  private flush(id: string): Promise<void> {
    const writes = this.writes.get(id);
    return (writes?.next?.done ?? writes?.inFlight ?? Promise.resolve()).catch(() => {});
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

  private enqueue(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], isRenameDurable: boolean, isCreation: boolean): Promise<void> {
    let writes = this.writes.get(job.id);
    if (!writes) {
      writes = { inFlight: null, next: null, unwritten: [], unwrittenRecords: [], latest: null, retryTimer: null, retryDelayMs: FIRST_RETRY_MS };
      this.writes.set(job.id, writes);
    }
    writes.latest = job;
    const next = writes.next;
    if (next) {
      next.job = job;
      next.events.push(...events);
      next.records.push(...records);
      next.isRenameDurable ||= isRenameDurable;
      return next.done;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((settle, fail) => {
      resolve = settle;
      reject = fail;
    });
    done.catch(() => {}); // callers handle it; a merged caller may not exist
    writes.next = { job, events: [...events], records: [...records], isRenameDurable, isCreation, done, resolve, reject };
    if (!writes.inFlight) void this.drain(job.id, writes);
    return done;
  }

  /** Writes the job's pending changes one write at a time until none are left. */
  private async drain(id: string, writes: JobWrites): Promise<void> {
    while (writes.next) {
      const write = writes.next;
      writes.next = null;
      writes.inFlight = write.done;
      const recovering = writes.unwritten.splice(0);
      const recoveringRecords = writes.unwrittenRecords.splice(0);
      try {
        await this.store.write(write.job, [...recovering, ...write.events], { isRenameDurable: write.isRenameDurable || recovering.length > 0 }, [...recoveringRecords, ...write.records]);
        writes.retryDelayMs = FIRST_RETRY_MS;
        if (recovering.length > 0) this.listener.recovered(write.job, recovering);
        write.resolve();
      } catch (error) {
        // A stale write (another writer changed the job since) is refused for good: retrying the
        // same older state could never succeed, and must not.
        const isStale = (error as { code?: unknown }).code === 'JOB_STALE';
        if (isStale) this.listener.writeFailed(write.job, error);
        else if (!write.isCreation) {
          writes.unwritten.unshift(...recovering, ...write.events);
          writes.unwrittenRecords.unshift(...recoveringRecords, ...write.records);
          this.scheduleRetry(id, writes);
          this.listener.writeFailed(write.job, error);
        }
        write.reject(error);
      }
    }
    writes.inFlight = null;
    if (writes.unwritten.length === 0 && writes.unwrittenRecords.length === 0 && !writes.retryTimer) this.writes.delete(id);
  }

  // Tries a failed job's newest state again later (the disk may have room by then): 1 s, then
  // doubling to 30 s, for as long as this process lives.
  private scheduleRetry(id: string, writes: JobWrites): void {
    if (writes.retryTimer) return;
    writes.retryTimer = setTimeout(() => {
      writes.retryTimer = null;
      writes.retryDelayMs = Math.min(MAX_RETRY_MS, writes.retryDelayMs * 2);
      if (writes.latest && (writes.unwritten.length > 0 || writes.unwrittenRecords.length > 0)) this.enqueue(writes.latest, [], [], true, false).catch(() => {});
    }, writes.retryDelayMs);
    writes.retryTimer.unref();
  }
}
