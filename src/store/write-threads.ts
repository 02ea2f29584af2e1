// Job writes after a job's creation run in a few dedicated threads, each doing synchronous writes.
// Measured against the same writes through libuv's threadpool (fs/promises: eight round trips
// per write, each settled on the REPL's thread), this costs the REPL's thread one message per write
// (~0.02 ms instead of ~0.1 ms), and fsyncs of different jobs still run side by side. A thread
// boots on first use (~25 ms, which would compete with a cold job's worker if done up front);
// until it is up, its writes are done on the caller's thread.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { getCompiledEntry } from '../compiled-entry.js';
import { getFsyncCounterBuffer, writeFileAtomicSync } from './atomic-write.js';
import { appendEventLines, truncateLog } from './event-log.js';
import { appendTaskRecordLines } from './task-log-lines.js';
import { appendToIndex } from './ended-index.js';

/** One durable write: task records appended (fsynced), job.json replaced atomically, then event lines appended. */
export interface WriteRequested {
  seq: number;
  /** tasks.jsonl and the lines for it (appended and fsynced, see task-log.ts), when the write changed tasks or runs. */
  tasks?: { path: string; text: string };
  jobPath: string;
  jobText: string;
  eventsPath: string;
  /** Lines for events.jsonl (may be empty). */
  eventsText: string;
  /** Also fsync the folder (see AtomicWriteOptions). */
  isRenameDurable: boolean;
  /** Only the journal and the events: job.json stays (see CommitOptions.isJournalOnly). */
  isJournalOnly?: boolean;
  /** The job's manifest (its path and text), written after job.json, best effort. */
  manifest?: { path: string; text: string };
  /**
   * The eventSeq of the job being written: a job.json already on disk with a higher one is newer,
   * and is not replaced (the write fails with code JOB_STALE). Absent: not checked.
   */
  eventSeq?: number;
  /** The jobs folder, and lines for its ended-jobs index (may be empty; see ended-index.ts). */
  indexDir: string;
  indexLines: string;
}

/**
 * The reply to one WriteRequested: `error` describes a failure (ENOSPC, EROFS, ...), null on
 * success. A thread also sends `{ seq: 0, error: null }` once, when it is ready for writes.
 */
export interface WriteFinished {
  seq: number;
  error: string | null;
  /** The failure's error code (ENOSPC, JOB_STALE, ...), when it had one. */
  code?: string;
}

/**
 * Performs one write on the calling thread (what a write thread does with a WriteRequested): the
 * journal's records appended and fsynced, job.json replaced atomically (the commit point), then
 * the events appended. It fails as a whole or lands as a whole: a job.json that could not be
 * replaced takes the records back (truncated off again). What comes after the commit point cannot
 * undo it: events whose append failed wait for the job's next write to this log (in memory of this
 * thread; job.json's journal holds them meanwhile, see completeLog), and the ended-jobs index is
 * rebuilt when it misses a job.
 * @throws the fs error (ENOSPC, EROFS, ...), or JOB_STALE (see assertNotStale).
 */
export function performWrite(write: Omit<WriteRequested, 'seq'>): void {
  if (write.eventSeq !== undefined && !write.isJournalOnly) assertNotStale(write.jobPath, write.eventSeq);
  // Before job.json: a reader never finds job.json ahead of the records it implies, except after
  // a power loss (see task-log.ts). A journal-only write commits with its group's append.
  // Stryker disable next-line UnaryOperator: the size is used only when there are records
  const journalSize = write.tasks ? appendTaskRecordLines(write.tasks.path, write.tasks.text) : -1;
  try {
    if (!write.isJournalOnly) writeFileAtomicSync(write.jobPath, write.jobText, { isRenameDurable: write.isRenameDurable });
  } catch (error) {
    if (write.tasks) truncateLog(write.tasks.path, journalSize);
    throw error;
  }
  // Stryker disable next-line ConditionalExpression: without a manifest, the write below throws inside its try and is skipped all the same
  if (write.manifest) {
    try {
      // Stryker disable next-line ObjectLiteral: options without isRenameDurable leave the rename not durable, as false does
      writeFileAtomicSync(write.manifest.path, write.manifest.text, { isRenameDurable: false });
    } catch {
      // Derived data: `show --manifest` rebuilds a missing one.
    }
  }
  // After job.json: the log never tells of a state that the source of truth does not have.
  const events = (unappendedEvents.get(write.eventsPath) ?? '') + write.eventsText;
  try {
    appendEventLines(write.eventsPath, events);
    unappendedEvents.delete(write.eventsPath);
  } catch {
    unappendedEvents.set(write.eventsPath, events); // (no events: the next write prepends nothing)
  }
  try {
    appendToIndex(write.indexDir, write.indexLines);
  } catch {
    // See above: a listing reads a job the index misses.
  }
}

// Event lines whose append failed after their job.json landed, by log path: the next write to the
// log appends them first, so the log keeps its order.
const unappendedEvents = new Map<string, string>();

/** Code of the error performWrite throws for a write older than the job.json it would replace. */
export const STALE_WRITE_CODE = 'JOB_STALE';

// Optimistic concurrency on the job's event sequence: a writer holding an older state of the job
// (another process that missed a change) must not replace a newer one. job.json is a few KB, so
// reading its eventSeq costs microseconds, in the write thread.
function assertNotStale(jobPath: string, eventSeq: number): void {
  let text: string;
  try {
    // Stryker disable next-line StringLiteral: the pattern reads a Buffer as its text
    text = readFileSync(jobPath, 'utf8');
    // Stryker disable next-line BlockStatement: an unread file matches no eventSeq either
  } catch {
    return; // none yet (a creation), or unreadable: the write decides
  }
  const stored = Number(/"eventSeq": (\d+)/.exec(text)?.[1] ?? 0);
  if (stored > eventSeq) {
    throw Object.assign(new Error(`a newer state (event ${stored}) is on disk than this write's (event ${eventSeq}): another writer changed the job`), { code: STALE_WRITE_CODE });
  }
}

// Stryker disable all: the threads below run only the compiled dist/ in worker threads, which
// Stryker's fast tests do not start (vitest.mutation.config.ts); write-threads.test.ts and the
// integration tests hold them. What a thread performs, performWrite above, is mutated.
interface PendingWrite {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One running write thread: whether it has said it is ready, and its writes in flight by seq. */
interface WriteThread {
  worker: Worker;
  isReady: boolean;
  pending: Map<number, PendingWrite>;
}

/** A small fixed set of write threads, started on first use; a key always goes to the same thread. */
export class WriteThreads {
  private readonly threads: (WriteThread | null)[];
  private nextSeq = 1;
  // Writes posted and not yet performed, counted in memory the threads share, so that an exit
  // path on the main thread can wait for them synchronously (Atomics.wait) before its own write:
  // otherwise a thread's rename of an older state could land after the exit-time one.
  private readonly inFlight = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  /** @param count threads (2 by default: fsyncs of different jobs overlap; more only cost memory). */
  constructor(count = 2) {
    this.threads = Array.from({ length: count }, () => null);
  }

  /**
   * Performs `write` on the thread of `key` (a job id: one job's writes stay in order).
   * @throws (rejects with) an Error naming the cause when the write or the thread failed.
   */
  write(key: string, write: Omit<WriteRequested, 'seq'>): Promise<void> {
    const index = hashKey(key) % this.threads.length;
    const thread = this.threads[index] ?? this.start(index);
    if (!thread.isReady) {
      try {
        performWrite(write);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      // Held while a write is in flight, so the process cannot exit under it; idle threads never
      // keep it alive.
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(seq, { resolve, reject });
      Atomics.add(this.inFlight, 0, 1);
      thread.worker.postMessage({ seq, ...write } satisfies WriteRequested);
    });
  }

  /**
   * Blocks the calling thread until no posted write is still to be performed, or `timeoutMs`
   * passed. For exit paths that write synchronously. Returns true when none is left.
   */
  waitForWritesSync(timeoutMs: number): boolean {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = Atomics.load(this.inFlight, 0);
      if (count <= 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      Atomics.wait(this.inFlight, 0, count, remaining);
    }
  }

  /** Starts the thread of `key` now, if it is not up or booting (its boot overlaps what comes first). */
  prepare(key: string): void {
    const index = hashKey(key) % this.threads.length;
    if (!this.threads[index]) this.start(index);
  }

  /** True once the thread of `key` is up: its writes then leave the caller's thread. */
  isThreadReady(key: string): boolean {
    return this.threads[hashKey(key) % this.threads.length]?.isReady === true;
  }

  /** Stops every thread (after the writes in flight, which callers await first). */
  async close(): Promise<void> {
    const threads = this.threads.filter((thread): thread is WriteThread => thread !== null);
    this.threads.fill(null);
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private start(index: number): WriteThread {
    const worker = new Worker(getCompiledEntry('write-thread-entry'), {
      workerData: { fsyncCounter: getFsyncCounterBuffer(), inFlight: this.inFlight.buffer },
      // Its garbage is one request at a time: a small young generation (see worker-pool.ts).
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 },
    });
    const thread: WriteThread = { worker, isReady: false, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: WriteFinished) => this.settle(thread, reply));
    // A thread that dies fails its writes; the next write starts a new one.
    const fail = (reason: string): void => {
      if (this.threads[index] === thread) this.threads[index] = null;
      const pending = [...thread.pending.values()];
      Atomics.sub(this.inFlight, 0, pending.length); // they will never be performed
      Atomics.notify(this.inFlight, 0);
      thread.pending.clear();
      for (const write of pending) write.reject(new Error(reason));
    };
    worker.on('error', (error) => fail(`the write thread crashed: ${error.message}`));
    worker.on('exit', (code) => fail(`the write thread stopped (exit code ${code})`));
    this.threads[index] = thread;
    return thread;
  }

  private settle(thread: WriteThread, reply: WriteFinished): void {
    if (reply.seq === 0) {
      thread.isReady = true;
      return;
    }
    const write = thread.pending.get(reply.seq);
    if (!write) return;
    thread.pending.delete(reply.seq);
    if (thread.pending.size === 0) thread.worker.unref();
    if (reply.error === null) write.resolve();
    else write.reject(Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {}));
  }
}

// FNV-1a: cheap, and spreads random job ids evenly.
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
// Stryker restore all
