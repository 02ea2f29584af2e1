// Durable whole-file replacement: write a sibling temp file, fsync it, rename it over the target,
// fsync the folder. A reader sees the old file or the new one, never a torn one; after a crash or
// power loss the rename is on disk once this returns.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let tempCounter = 0;
let fsyncCount = 0;

/** Number of fsync calls made by this module since the process started (for benchmarks). */
export function getFsyncCount(): number {
  return fsyncCount;
}

// The temp name is unique per process and per write, so two writers (this process's and an exit
// path's, or another process's) never share, and truncate, one temp file.
function tempPathFor(path: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.${process.pid}.${tempCounter}.tmp`;
}

/**
 * Atomically replaces `path` with `data` (UTF-8), mode 0600 (job files may hold prompts).
 * Synchronous on purpose: the same steps through the threadpool took ten round trips (see
 * src/jobs/job-writer.ts), and exit paths need a write that completes before the process ends.
 * @throws the underlying Node.js fs error (ENOSPC, EROFS, EACCES, ...); the temp file is removed.
 */
export function writeFileAtomicSync(path: string, data: string): void {
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, data, null, 'utf8');
      fsyncSync(fd);
      fsyncCount++;
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
  // fsync of the folder makes the rename itself durable (POSIX leaves it in the page cache
  // otherwise). Some file systems refuse fsync on a directory (EINVAL/EISDIR); the data is then
  // as durable as that file system allows, so this is best effort.
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
      fsyncCount++;
    } finally {
      closeSync(fd);
    }
  } catch {
    // See above.
  }
}
