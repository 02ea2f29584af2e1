// Following the events other processes write in a jobs folder: a server shows jobs that a REPL
// beside it runs (that REPL owns them and writes their files; the server's own session never
// hears of them). A watch of the folder (jobs come and go) and one of each job's folder (its
// events.jsonl grows); each log is read from where it was last read, complete lines only (a line
// being appended is read once it ends).
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { isJobId } from '../jobs/model/job-id.js';
import type { JobEvent } from '../jobs/model/job-event.js';

/** Events appended to one job's log by another process, and whether its folder went away. */
export interface TailedEvents {
  id: string;
  /** Complete new lines, parsed, in order (torn or foreign lines are skipped). */
  events: JobEvent[];
  isRemoved: boolean;
}

// A burst of appends to one log is read once, this long after the first (ms).
const COALESCE_MS = 15;

/**
 * Follows `dir`'s job logs from now on, for jobs `isOwn` says this process does not write,
 * calling `onEvents` for new events and removals. Returns the stop. Best effort: an unreadable
 * file is read again at its next change; a folder that cannot be watched follows nothing, and
 * `onFailure` says why (e.g. the system's limit of watches).
 */
export function tailFolderEvents(dir: string, isOwn: (id: string) => boolean, onEvents: (tailed: TailedEvents) => void, onFailure: (message: string) => void = () => {}): () => void {
  // Where each log was read to (bytes). Logs that exist now are followed from their end: their
  // past is in the jobs as read (the board), not news.
  const offsets = new Map<string, number>();
  try {
    // Stryker disable next-line ConditionalExpression: an offset kept for another name is never used (the watch skips names that are not job ids)
    for (const id of readdirSync(dir)) if (isJobId(id)) offsets.set(id, sizeOf(join(dir, id, 'events.jsonl')));
  } catch {
    // Read below as they change.
  }
  const pending = new Map<string, NodeJS.Timeout>();
  const readNew = (id: string): void => {
    pending.delete(id);
    const path = join(dir, id, 'events.jsonl');
    if (isOwn(id)) {
      // Its session reports it; if it leaves the session, it is read from its then end (not its
      // start: its past was reported already).
      offsets.set(id, sizeOf(path));
      return;
    }
    if (!existsSync(join(dir, id))) {
      forgetJob(id);
      if (offsets.delete(id)) onEvents({ id, events: [], isRemoved: true });
      return;
    }
    const read = readFrom(path, offsets.get(id) ?? 0);
    if (!read) return;
    offsets.set(id, read.end);
    const events: JobEvent[] = [];
    for (const line of read.text.split('\n')) {
      // Stryker disable next-line ConditionalExpression,MethodExpression,StringLiteral: a fast path; a blank line is no JSON, and is skipped below too
      if (line.trim() === '') continue;
      try {
        const event = JSON.parse(line) as JobEvent;
        // Stryker disable next-line OptionalChaining: a null line throws here and is skipped all the same
        if (typeof event?.type === 'string' && typeof event.ts === 'string') events.push(event);
      } catch {
        // Not an event line (a hand-edited file): skipped, as readers of the log do.
      }
    }
    if (events.length > 0) onEvents({ id, events, isRemoved: false });
  };
  // Not one recursive watch: on Linux, Node makes that a watch of every file, and reads a folder
  // again at every file made in it (a batch's 1,000 runs/rN.log: a thousand watches, a million
  // names read; the server's CPU went to it). A folder's own watch hears of every file in it.
  const folders = new Map<string, FSWatcher>();
  let hasFailed = false;
  const fail = (error: unknown): void => {
    if (hasFailed) return;
    hasFailed = true;
    onFailure(describeWatchFailure(dir, error));
  };
  const schedule = (id: string): void => {
    // Stryker disable next-line ConditionalExpression: coalescing saves reads; a second read of the same log finds nothing new
    if (pending.has(id)) return;
    pending.set(id, setTimeout(() => readNew(id), COALESCE_MS));
  };
  const watchJob = (id: string): void => {
    if (folders.has(id)) return;
    try {
      const folder = watch(join(dir, id), (_type, name) => {
        if (name === null || name.toString() === 'events.jsonl') schedule(id);
      });
      folder.on('error', () => forgetJob(id));
      folders.set(id, folder);
    } catch (error) {
      // Gone already (its removal is read below), or no watch left: said once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(error);
    }
  };
  const forgetJob = (id: string): void => {
    folders.get(id)?.close();
    folders.delete(id);
  };
  let watcher: FSWatcher | null = null;
  try {
    // Linux: inotify under the hood, one watch per folder (a jobs folder of 10,000 jobs needs as
    // many; past the system's limit the rest are not followed, and onFailure says so once).
    watcher = watch(dir, (_type, name) => {
      const id = name?.toString();
      if (!id || !isJobId(id)) return;
      watchJob(id);
      schedule(id);
    });
    watcher.on('error', (error) => {
      watcher?.close();
      fail(error);
    });
    for (const id of offsets.keys()) watchJob(id);
  } catch (error) {
    watcher = null;
    fail(error);
  }
  return () => {
    watcher?.close();
    for (const id of [...folders.keys()]) forgetJob(id);
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}

function describeWatchFailure(dir: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' || code === 'EMFILE' ? 'the system\'s limit of file watches is reached (raise fs.inotify.max_user_watches)' : String((error as Error).message ?? error);
  return `Jobs that other jobline processes run in ${dir} are not followed live: ${why}. Their changes show when the page is reloaded.`;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// The complete lines of `path` from byte `from` on, and the offset after the last of them; null
// when there is none (no log yet, nothing new, or only part of a line).
function readFrom(path: string, from: number): { text: string; end: number } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    // A log cut shorter (rewritten): read from its start at its next change.
    // Stryker disable next-line StringLiteral: any text here is no event line, and is skipped
    if (size < from) return { text: '', end: 0 };
    // Stryker disable next-line ArithmeticOperator: a larger buffer reads the same bytes (readSync stops at the end)
    const buffer = Buffer.alloc(size - from);
    const read = readSync(fd, buffer, 0, buffer.length, from);
    // Stryker disable next-line ArithmeticOperator: the buffer is exactly what was read; a search from past its end starts at its end
    const lastNewline = buffer.lastIndexOf(0x0a, read - 1);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: nothing new has no newline either, and reads as the empty buffer it is
    if (lastNewline < 0) return null;
    // Stryker disable next-line ArithmeticOperator: an end one byte short re-reads the last line's closing brace, which is no JSON and is skipped
    return { text: buffer.toString('utf8', 0, lastNewline + 1), end: from + lastNewline + 1 };
  } finally {
    closeSync(fd);
  }
}
