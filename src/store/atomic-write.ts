// Durable whole-file replacement: write a sibling temp file, fsync it, rename it over the target,
// and (when asked) fsync the folder. A reader sees the old file or the new one, never a torn one.
// Synchronous by design: it runs on the REPL's thread only for a job's creation (which the user
// waits for anyway) and exit paths; every later write runs it in a write thread (write-threads.ts).
import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

/** How durable a replacement must be once it returns. */
export interface AtomicWriteOptions {
  /**
   * Also fsync the folder, so the rename itself survives a power loss (POSIX leaves it in the page
   * cache otherwise). Without it the file's contents are still fsynced before the rename, so a
   * power loss leaves the old file or the new one, never an empty one.
   */
  isRenameDurable: boolean;
}

let tempCounter = 0;
// Counted in shared memory so that the write threads' fsyncs add to the same count (benchmarks).
let fsyncCounter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Number of fsync calls made by this module since the process started, in every thread that shares the counter. */
export function getFsyncCount(): number {
  return Atomics.load(fsyncCounter, 0);
}

/** The shared memory of the fsync count, to hand to another thread (see adoptFsyncCounter). */
export function getFsyncCounterBuffer(): SharedArrayBuffer {
  return fsyncCounter.buffer as SharedArrayBuffer;
}

/** Makes this thread count its fsyncs in `buffer` (from getFsyncCounterBuffer in the main thread). */
export function adoptFsyncCounter(buffer: SharedArrayBuffer): void {
  fsyncCounter = new Int32Array(buffer);
}

/** Adds one to the fsync count (for an fsync made outside this module, e.g. an append's). */
export function countFsync(): void {
  Atomics.add(fsyncCounter, 0, 1);
}

// The temp name is unique per process, per thread and per write, so two writers (a write thread
// and the main thread's exit path, or another process) never share, and truncate, one temp
// file: each thread has its own counter, so the thread id must be in the name too.
function tempPathFor(path: string): string {
  // Stryker disable next-line ArithmeticOperator: any counter that changes keeps the names apart (O_EXCL refuses a clash)
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.${process.pid}-${threadId}.${tempCounter}.tmp`;
}

/**
 * Atomically replaces `path` with `data` (UTF-8), mode 0600 (job files may hold prompts), before returning.
 * @throws the underlying Node.js fs error (ENOSPC, EROFS, EACCES, ...); the temp file is removed.
 */
export function writeFileAtomicSync(path: string, data: string, options: AtomicWriteOptions = { isRenameDurable: true }): void {
  const temp = tempPathFor(path);
  try {
    // Exclusive and not through a symbolic link: the temp name is ours alone.
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      // Stryker disable next-line StringLiteral: utf8 is writeSync's default encoding
      writeSync(fd, data, null, 'utf8');
      fsyncSync(fd);
      countFsync();
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file was never created or is already gone.
    }
    throw error;
  }
  if (!options.isRenameDurable) return;
  // Some file systems refuse fsync on a directory (EINVAL/EISDIR); the data is then as durable
  // as that file system allows, so this is best effort.
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
      countFsync();
    } finally {
      closeSync(fd);
    }
  } catch {
    // See above.
  }
}
