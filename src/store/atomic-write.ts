// Durable whole-file replacement: write a sibling temp file, fsync it, rename it over the target,
// fsync the folder. A reader sees the old file or the new one, never a torn one; after a crash or
// power loss the rename is on disk once this returns.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

let tempCounter = 0;
let fsyncCount = 0;

/** Number of fsync calls made by this module since the process started (for benchmarks). */
export function getFsyncCount(): number {
  return fsyncCount;
}

// The temp name is unique per process and per write, so an async write still in flight and a
// synchronous exit-path write never share (and truncate) one temp file.
function tempPathFor(path: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.${process.pid}.${tempCounter}.tmp`;
}

/**
 * Atomically replaces `path` with `data` (UTF-8). Mode 0600: job files may hold prompts.
 * @throws the underlying Node.js fs error (ENOSPC, EROFS, EACCES, ...); the temp file is removed.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
      fsyncCount++;
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Synchronous twin of `writeFileAtomic`, for exit paths where the event loop will not run again
 * (signal handlers, `process.on('exit')`). Same guarantees and errors.
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
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
      fsyncCount++;
    } finally {
      closeSync(fd);
    }
  } catch {
    // Same policy as syncDirectory.
  }
}

// fsync of the folder makes the rename itself durable (POSIX leaves it in the page cache
// otherwise). Some file systems refuse fsync on a directory (EINVAL/EISDIR); the data is then
// as durable as that file system allows, so this is best effort.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
      fsyncCount++;
    } finally {
      await handle.close();
    }
  } catch {
    // See above.
  }
}
