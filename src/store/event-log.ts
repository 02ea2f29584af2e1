// events.jsonl: an append-only lifecycle log, one JSON object per line. Appends are not fsynced:
// job.json is the durable source of truth, and a torn last line is skipped when read.
import { closeSync, constants, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { countFsync } from './atomic-write.js';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { JobEvent } from '../jobs/model/job-event.js';

/** Returns `events` as log lines (JSON, one per line, each ending in a newline). */
export function formatEventLines(events: readonly JobEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** Flags of every open of a job's append-only files: never through a symbolic link planted in its place. */
export const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/**
 * Appends lines made by formatEventLines to the log at `path` (see appendLogLines), unsynced.
 * @throws the fs error (ENOSPC, ELOOP, ...).
 */
export function appendEventLines(path: string, lines: string): void {
  appendLogLines(path, lines, false);
}

/**
 * Appends `lines` to the append-only log at `path` in one write, so they never interleave with
 * another writer's, and fsyncs it when `isFsynced` (counted, see atomic-write.ts). A last line
 * torn by a crash is terminated first, so it cannot swallow the next one. The file is never
 * opened through a symbolic link (ELOOP). An append that fails part way (a full disk) is cut off
 * again, so no part of it is left for a reader to take as written. Returns the file's size before
 * the append (bytes: where to cut it back to, see truncateLog). Shared by events.jsonl and
 * tasks.jsonl.
 * @throws the fs error (ENOSPC, ELOOP, ...).
 */
export function appendLogLines(path: string, lines: string, isFsynced: boolean): number {
  if (lines === '') return -1;
  const fd = openSync(path, (APPEND_FLAGS & ~constants.O_WRONLY) | constants.O_RDWR, 0o600);
  let size = 0;
  try {
    size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    try {
      writeSync(fd, prefix + lines);
      // fdatasync: an append's data and the size that reaches it, without the times (POSIX says
      // the metadata needed to read the data back is flushed), about half an fsync's cost here.
      if (isFsynced) {
        fdatasyncSync(fd);
        countFsync();
      }
    } catch (error) {
      cutBack(fd, size);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

/**
 * Appends lines to logs and flushes them to disk, off the calling thread (libuv's pool): for a
 * thread that must not stop while the disk flushes (a worker whose other runs' output keeps
 * coming), and whose several appends then overlap, so their flushes share the file system's
 * journal commits. Each log stays open between appends (a batch appends to one journal thousands
 * of times), and is closed once idle for a while.
 */
export class DurableAppender {
  private readonly open = new Map<string, { handle: Promise<FileHandle>; timer: NodeJS.Timeout | null }>();

  constructor(private readonly idleMs = 2000) {}

  /**
   * Appends `lines` (whole lines) to the log at `path`, after a newline of its own (a reader skips
   * the empty line; a torn last line of the log cannot swallow these), and resolves once they are
   * flushed (fdatasync). The file is never opened through a symbolic link.
   * @throws (rejects with) the fs error (ENOSPC, ELOOP, ...).
   */
  async append(path: string, lines: string): Promise<void> {
    let entry = this.open.get(path);
    if (!entry) {
      entry = { handle: open(path, APPEND_FLAGS, 0o600), timer: null };
      this.open.set(path, entry);
      entry.handle.catch(() => this.open.delete(path));
    }
    // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; a timer left to fire closes an idle handle the map no longer names
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const handle = await entry.handle;
    try {
      await handle.write(`\n${lines}`);
      await handle.datasync();
      countFsync();
    } finally {
      const current = this.open.get(path);
      if (current && !current.timer) {
        current.timer = setTimeout(() => {
          this.open.delete(path);
          void handle.close().catch(() => {});
        }, this.idleMs);
        current.timer.unref();
      }
    }
  }
}

/**
 * Cuts the log at `path` back to `size` bytes (from appendLogLines): the append of a write that
 * failed after it (its job.json could not be replaced) is taken back. Best effort: never throws.
 */
export function truncateLog(path: string, size: number): void {
  if (size < 0) return;
  try {
    const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
    try {
      cutBack(fd, size);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Gone or unwritable: nothing to take back, or nothing that can be.
  }
}

function cutBack(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } catch {
    // See truncateLog.
  }
}

/** The events read back from a log, and how many lines could not be parsed (e.g. a torn last line). */
export interface EventLogContents {
  events: JobEvent[];
  skippedLines: number;
}

/** Reads the log at `path`; a missing file reads as empty. Throws only on I/O errors other than ENOENT. */
export async function readEvents(path: string): Promise<EventLogContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], skippedLines: 0 };
    throw error;
  }
  const events: JobEvent[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as JobEvent;
      // Stryker disable next-line OptionalChaining: a null line throws here and is counted as skipped all the same
      if (typeof value?.type === 'string' && typeof value.ts === 'string') events.push(value);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { events, skippedLines };
}

/** How far a log has got: the `seq` of its last complete line (0 for an empty or missing log), or null when that line has none (a log from before sequence numbers). */
export function readLastSeq(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return 0;
    // The last complete line is within the last few KB (an event line is a few hundred bytes).
    const length = Math.min(size, 8 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    // Complete lines end with a newline: the piece after the last one is torn (or empty).
    // Stryker disable next-line ArithmeticOperator: indexes past the end are no JSON, and the search goes on back
    for (let i = lines.length - 2; i >= 0; i--) {
      try {
        const seq = (JSON.parse(lines[i]!) as JobEvent).seq;
        return typeof seq === 'number' ? seq : null;
      } catch {
        // A torn line terminated later, or the first, cut piece of the window: look further back.
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}
