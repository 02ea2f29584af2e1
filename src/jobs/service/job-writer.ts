// Persistence for the manager's jobs (the write half of the commit path, see job-commit.ts). A
// job's creation is written synchronously: the user waits for it anyway (the prompt returns once
// the job is durable), and a hand-off costs more than it saves for one write. Every later change
// is written by a write thread (store/write-threads.ts), so its fsyncs never block the REPL's
// thread and several jobs' fsyncs overlap.
// Per job, writes land in call order (an older snapshot never lands after a newer one); changes
// made while a write is in flight are merged into one next write (the newest snapshot, every event
// and record): a group commit, one write and its fsyncs for a whole window of changes.
// Durable before reported: a write resolves once it is on disk. A write that fails rejects, naming
// the cause, and so does the next one merged behind it, which was made on top of it: the caller
// (JobHandle) undoes both, and whoever asked for them hears the error. Nothing is retried here: a
// retry is a new change, made again on the state that is on disk.
import type { JobRepository } from '../ports/repository.js';
import { isTerminalStatus, type Job } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { TaskRecord } from '../model/task.js';
import type { JobManifest } from '../model/manifest.js';

/**
 * What the caller of a write hears of it synchronously, the moment the writer knows (before the
 * promise settles, which waits for earlier callers): so that its idea of what is on disk never
 * lags, and nothing is built on a change that failed.
 */
export interface WriteCallbacks {
  /** The change's records are the job's whole board (see CommitOptions.isBoardWhole). */
  isBoardWhole?: boolean;
  /** The change ends the job: its manifest, written with it (see CommitOptions.manifest). */
  manifest?: JobManifest;
  /** The change leaves job.json as it was but for counters (see CommitOptions.isJournalOnly). */
  isCountersOnly?: boolean;
  /** The change is on disk. */
  landed?: () => void;
  /** The change was refused: its write failed, or the write it was merged behind did. */
  refused?: (error: unknown) => void;
}

interface PendingWrite {
  job: Job;
  events: JobEvent[];
  /** Task and run records to append (tasks.jsonl), in order. */
  records: TaskRecord[];
  isRenameDurable: boolean;
  isBoardWhole: boolean;
  /** The manifest of the job's end, if a change merged into it ended the job. */
  manifest: JobManifest | undefined;
  /** Every change merged into it changed counters only (see WriteCallbacks.isCountersOnly). */
  isCountersOnly: boolean;
  /** It carries the job's creation: a failure refuses the job (its submitter says so), it is no warning. */
  isCreation: boolean;
  /** Each merged change's callbacks, in the order the changes were made. */
  callbacks: WriteCallbacks[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface JobWrites {
  /** The write on its way to disk, with the eventSeq it carries, if any. */
  inFlight: { seq: number; done: Promise<void> } | null;
  /** Changes made since that write started; they go in the next one. */
  next: PendingWrite | null;
}

/** What a JobWriter tells its owner besides resolving and rejecting writes. */
export interface JobWriterListener {
  /** A write failed (StoreError JOB_IO naming the cause, or JOB_STALE); its changes were refused. */
  writeFailed(job: Job, error: unknown): void;
  /** A write of job `job` landed after one of its writes had failed: its disk takes changes again. */
  recovered(job: Job): void;
}

/** What an exit path takes over from the writer for one job (see takeForExit). */
export interface ExitWrites {
  /** The eventSeq of the write that was on its way to disk, or null when none was. */
  inFlightSeq: number | null;
  /** The changes queued behind it, never handed to the disk: the exit's own write carries them. */
  queued: { events: JobEvent[]; records: TaskRecord[]; isBoardWhole: boolean } | null;
}

/** Ordered, merging writer of job files. */
export class JobWriter {
  private readonly writes = new Map<string, JobWrites>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();
  /** Jobs whose last write failed: the next one that lands is a recovery. */
  private readonly failing = new Set<string>();
  private lastAcknowledged: Promise<unknown> = Promise.resolve();

  /** @param progressFlushMs longest time a progress-only change stays in memory only (ms). */
  constructor(
    private readonly store: JobRepository,
    private readonly progressFlushMs: number,
    private readonly listener: JobWriterListener,
  ) {}

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

  /**
   * Appends `records` to tasks.jsonl, writes `job` to job.json, then `events` to events.jsonl.
   * Resolves when they are on disk and every earlier call has settled; rejects (after the same
   * wait) when the write failed, or when the write it was merged behind failed, with a StoreError
   * naming the cause. The creation (the write carrying the `created` event) is done before this
   * returns, unless `isBulk` (see SubmitRequest.isBulk).
   * Durability: task records are fsynced before job.json is replaced (a run's start is durable
   * before its command starts, and a task's end before it is reported); the creation and terminal
   * states survive a power loss once this resolves; for other states job.json's contents are
   * fsynced but its rename may be lost, leaving the previous state, which after a power loss reads
   * the same (the owner is gone, so: interrupted), with the journal's records applied to it.
   */
  write(job: Job, events: readonly JobEvent[], isBulk = false, records: readonly TaskRecord[] = [], callbacks: WriteCallbacks = {}): Promise<void> {
    // Acknowledged in call order across jobs, although the writes themselves run in parallel: a
    // caller reports a change once it is written, so users hear of changes in the order they
    // happened (never of a 4th job started before the 1st one's end, with 3 slots). A failure
    // settles its own caller only; the order of the others goes on.
    const persisted = this.persist(job, events, records, isBulk, callbacks);
    const acknowledged = Promise.all([this.lastAcknowledged, persisted.catch(() => {})]).then(() => persisted);
    this.lastAcknowledged = acknowledged.catch(() => {});
    return acknowledged;
  }

  private persist(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], isBulk: boolean, callbacks: WriteCallbacks): Promise<void> {
    // This write carries the latest progress too, so a pending progress write is redundant (not a
    // checkpoint: a write of counters only does not replace job.json).
    if (!callbacks.isCountersOnly) this.cancelProgress(job.id);
    const isCreation = events.some((event) => event.type === 'created');
    if (isCreation && !isBulk && !this.writes.has(job.id)) {
      try {
        this.store.writeSync(job, events, records, { isBoardWhole: callbacks.isBoardWhole ?? false });
      } catch (error) {
        callbacks.refused?.(error);
        return Promise.reject(error);
      }
      callbacks.landed?.();
      return Promise.resolve();
    }
    return this.enqueue(job, events, records, isCreation || isTerminalStatus(job.status), callbacks, isCreation);
  }

  /**
   * Schedules a job.json write of `read()` within the flush interval, unless one is already
   * scheduled: progress (counters, the last event) is live telemetry, never acknowledged to
   * anyone, so it is written coalesced; a failure is told like any other (see writeFailed).
   */
  scheduleProgress(id: string, read: () => Job): void {
    if (this.progressTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.progressTimers.delete(id);
      this.enqueue(read(), [], [], false, {}).catch(() => {}); // told through the listener
    }, this.progressFlushMs);
    timer.unref();
    this.progressTimers.set(id, timer);
  }

  // job.json behind its journal (a journal-only write landed): written again, as `job` (what is on
  // disk now), within the progress interval, unless a write of the job comes first (it carries the
  // newer state) or is on its way (then the checkpoint waits for the next interval).
  private scheduleCheckpoint(id: string, job: Job): void {
    this.checkpoints.set(id, job);
    if (this.progressTimers.has(id) || this.checkpointTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.checkpointTimers.delete(id);
      const latest = this.checkpoints.get(id);
      this.checkpoints.delete(id);
      if (!latest) return;
      if (this.writes.has(id)) return this.scheduleCheckpoint(id, latest);
      this.enqueue(latest, [], [], false, {}).catch(() => {}); // told through the listener
    }, this.progressFlushMs);
    timer.unref();
    this.checkpointTimers.set(id, timer);
  }

  // job.json was written as of `seq`: a checkpoint of an older state is behind it, and would be
  // refused as stale (and said to the user as a change not saved) if it were written.
  private dropCheckpoint(id: string, seq: number): void {
    const pending = this.checkpoints.get(id);
    if (!pending || pending.eventSeq > seq) return;
    this.checkpoints.delete(id);
    clearTimeout(this.checkpointTimers.get(id));
    this.checkpointTimers.delete(id);
  }

  private readonly checkpoints = new Map<string, Job>();
  private readonly checkpointTimers = new Map<string, NodeJS.Timeout>();

  /**
   * For an exit path about to write job `id` itself, synchronously, once the write threads are
   * idle (see JobRepository.waitForWritesSync): the write that was on its way (whether it landed
   * is for the caller to find on disk), and the changes queued behind it, which are taken from
   * the writer (their callers are never settled: the process is ending).
   */
  takeForExit(id: string): ExitWrites {
    this.cancelProgress(id);
    const writes = this.writes.get(id);
    const next = writes?.next ?? null;
    if (writes) writes.next = null;
    return { inFlightSeq: writes?.inFlight?.seq ?? null, queued: next ? { events: next.events, records: next.records, isBoardWhole: next.isBoardWhole } : null };
  }

  /** Resolves when every write queued so far for job `id` has finished. */
  private flush(id: string): Promise<void> {
    const writes = this.writes.get(id);
    return (writes?.next?.done ?? writes?.inFlight?.done ?? Promise.resolve()).catch(() => {});
  }

  /** Drops pending progress writes and waits for every write in flight. Used before exit-time sync writes. */
  async settle(): Promise<void> {
    for (const id of [...this.progressTimers.keys()]) this.cancelProgress(id);
    for (const timer of this.checkpointTimers.values()) clearTimeout(timer);
    this.checkpointTimers.clear();
    this.checkpoints.clear();
    await Promise.all([...this.writes.keys()].map((id) => this.flush(id)));
  }

  private cancelProgress(id: string): void {
    clearTimeout(this.progressTimers.get(id)); // none pending: a no-op
    this.progressTimers.delete(id);
  }

  private enqueue(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], isRenameDurable: boolean, callbacks: WriteCallbacks, isCreation = false): Promise<void> {
    let writes = this.writes.get(job.id);
    if (!writes) {
      writes = { inFlight: null, next: null };
      this.writes.set(job.id, writes);
    }
    const next = writes.next;
    if (next) {
      next.job = job;
      next.events.push(...events);
      next.records.push(...records);
      next.isRenameDurable ||= isRenameDurable;
      next.isBoardWhole ||= callbacks.isBoardWhole ?? false;
      next.isCountersOnly &&= callbacks.isCountersOnly === true;
      next.manifest = callbacks.manifest ?? next.manifest;
      next.isCreation ||= isCreation;
      next.callbacks.push(callbacks);
      return next.done;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((settle, fail) => {
      resolve = settle;
      reject = fail;
    });
    done.catch(() => {}); // callers handle it; a merged caller may not exist
    writes.next = { job, events: [...events], records: [...records], isRenameDurable, isBoardWhole: callbacks.isBoardWhole ?? false, manifest: callbacks.manifest, isCountersOnly: callbacks.isCountersOnly === true, isCreation, callbacks: [callbacks], done, resolve, reject };
    // Not at once: at the end of this turn, so that the changes one event causes (a run's end,
    // and the start of the task its worker takes next) share one write and its fsyncs.
    if (!writes.inFlight) {
      const scheduled = writes;
      queueMicrotask(() => {
        if (!scheduled.inFlight && scheduled.next) void this.drain(job.id, scheduled);
      });
    }
    return done;
  }

  /** Writes the job's pending changes one write at a time until none are left. */
  private async drain(id: string, writes: JobWrites): Promise<void> {
    while (writes.next) {
      const write = writes.next;
      writes.next = null;
      writes.inFlight = { seq: write.job.eventSeq, done: write.done };
      try {
        // Counters only, with records to carry: the journal takes them, and job.json is written
        // again within the progress interval (a checkpoint, as for progress).
        const isJournalOnly = write.isCountersOnly && write.records.length > 0 && !write.isRenameDurable && !this.failing.has(id);
        await this.store.write(write.job, write.events, { isRenameDurable: write.isRenameDurable || this.failing.has(id), isBoardWhole: write.isBoardWhole, isJournalOnly, ...(write.manifest ? { manifest: write.manifest } : {}) }, write.records);
        if (isJournalOnly) this.scheduleCheckpoint(id, write.job);
        else this.dropCheckpoint(id, write.job.eventSeq);
        if (this.failing.delete(id)) this.listener.recovered(write.job);
        for (const callback of write.callbacks) callback.landed?.();
        write.resolve();
      } catch (error) {
        if (!write.isCreation) {
          this.failing.add(id);
          this.listener.writeFailed(write.job, error);
        }
        // Changes queued behind it were made on top of it: they are refused with it, unwritten.
        const behind = writes.next as PendingWrite | null;
        writes.next = null;
        for (const refused of [write, ...(behind ? [behind] : [])]) {
          for (const callback of refused.callbacks) callback.refused?.(error);
          refused.reject(error);
        }
      }
    }
    writes.inFlight = null;
    this.writes.delete(id);
  }
}
