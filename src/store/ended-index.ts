// The index of ended jobs: an append-only file in the jobs folder, one line per change:
// "u <id> <endedAt> <createdAt> <status>" when a write left a job unfinished (failed, cancelled,
// interrupted), "c ..." when it left it completed, and "- <id>" when a job left those states
// (resumed, removed); lines of older versions have no status. The storage policy and listings
// read it instead of every job.json, so their cost follows the jobs that ended or run, not the
// jobs stored. Appends are
// single write(2)s with O_APPEND, so writers in several processes and threads never interleave;
// the policy, under its claim, compacts the file and rebuilds it from the job files when missing.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { JOB_STATUSES, type JobStatus } from '../jobs/model/job.js';

const KNOWN_STATUSES: ReadonlySet<string> = new Set(JOB_STATUSES);

/** File name of the index, in the jobs folder. */
export const INDEX_FILE = '.ended-index';

/** The index file of older versions (unfinished jobs only); removed when the index is rebuilt. */
export const OLD_INDEX_FILE = '.unfinished-index';

/** Which limit an ended job counts against: maxUnfinishedJobs or maxCompletedJobs. */
export type EndedKind = 'unfinished' | 'completed';

/** One ended job as the index knows it. Times are ISO-8601 UTC. */
export interface IndexEntry {
  id: string;
  kind: EndedKind;
  endedAt: string;
  createdAt: string;
  /** Its status (completed, failed, cancelled or interrupted); null on a line of an older version. */
  status: JobStatus | null;
}

/** The index line recording that `entry` ended (as `entry.kind`). */
export function formatEndedLine(entry: IndexEntry): string {
  return `${entry.kind === 'completed' ? 'c' : 'u'} ${entry.id} ${entry.endedAt} ${entry.createdAt}${entry.status ? ` ${entry.status}` : ''}\n`;
}

/** The index line recording that job `id` is no longer ended (resumed) or no longer exists. */
export function formatGoneLine(id: string): string {
  return `- ${id}\n`;
}

/**
 * Appends `lines` to the index of the jobs folder `dir` in one write, if there is an index: only
 * the policy creates one, from a full read of the folder, so an index never lacks a job that was
 * unfinished before it existed. If the policy replaced the file meanwhile (compaction), the lines
 * went to the old one, so they are written again to the new one (the index is a set: a repeated
 * line changes nothing). Best effort: never throws; the policy rebuilds a lost index.
 */
export function appendToIndex(dir: string, lines: string): void {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a fast path; an empty append changes nothing
  if (lines === '') return;
  const path = join(dir, INDEX_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
    } catch {
      return;
    }
    try {
      writeSync(fd, lines);
      if (fstatSync(fd).ino === statSync(path).ino) return;
    } catch {
      return;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Reads the index of `dir`: the ended jobs by id, or null when there is no index (then the
 * caller rebuilds it). Malformed lines are skipped. Also returns how many lines the file has.
 */
export function readIndex(dir: string): { entries: Map<string, IndexEntry>; lineCount: number; byteLength: number } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, INDEX_FILE));
  } catch {
    return null;
  }
  const text = bytes.toString('utf8');
  const entries = new Map<string, IndexEntry>();
  let lineCount = 0;
  // One pass over the text, without an array of every line: a start with 10,000 ended jobs
  // reads this file before it answers the first command (see docs/PERFORMANCE.md).
  // Stryker disable next-line EqualityOperator: one more pass at the end finds an empty line, which is skipped
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      lineCount++;
      const [op, id, endedAt, createdAt, status] = text.slice(start, end).split(' ', 5);
      // Stryker disable next-line ConditionalExpression: the set holds no undefined
      const knownStatus = status !== undefined && KNOWN_STATUSES.has(status) ? (status as JobStatus) : null;
      if ((op === 'u' || op === 'c') && id && endedAt && createdAt) entries.set(id, { id, kind: op === 'c' ? 'completed' : 'unfinished', endedAt, createdAt, status: knownStatus });
      else if (op === '-' && id) entries.delete(id);
    }
    start = end + 1;
  }
  return { entries, lineCount, byteLength: bytes.length };
}

/**
 * Rewrites the index of `dir` as `entries` (what the caller read, `readBytes` bytes, plus its own
 * changes), keeping lines other processes appended since that read: they are copied from the old
 * file after the swap (and an appender that wrote to the old file after that copy sees the swap
 * and writes again; see appendToIndex). Caller holds the policy claim.
 */
export function compactIndex(dir: string, entries: Iterable<IndexEntry>, readBytes: number): void {
  const path = join(dir, INDEX_FILE);
  let old: number;
  try {
    old = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return;
  }
  try {
    rewriteIndex(dir, entries);
    const size = fstatSync(old).size;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty tail appends nothing
    if (size > readBytes) {
      const tail = Buffer.alloc(size - readBytes);
      readSync(old, tail, 0, tail.length, readBytes);
      appendToIndex(dir, tail.toString('utf8'));
    }
  } finally {
    closeSync(old);
  }
}

/** Replaces the index of `dir` with exactly `entries` (atomically: temp file, rename). Caller holds the policy claim. */
export function rewriteIndex(dir: string, entries: Iterable<IndexEntry>): void {
  const path = join(dir, INDEX_FILE);
  const temp = `${path}.${process.pid}-${threadId}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, [...entries].map(formatEndedLine).join(''));
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
