// Where job folders live and whether that place is safe: a per-user folder under the system temp
// folder, mode 0700, never a symlink, never someone else's, never writable by others.
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.js';

/** Environment variable that overrides the jobs folder (beats `jobsDir` in the config). */
export const JOBS_DIR_ENV = 'JOBLINE_JOBS_DIR';

/** Returns the current user's uid, or -1 where the platform has none (Windows). */
export function getCurrentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/** Returns `<os.tmpdir()>/jobline-<uid>`. */
export function getDefaultJobsDir(): string {
  return join(tmpdir(), `jobline-${getCurrentUid()}`);
}

/**
 * Picks the jobs folder: `$JOBLINE_JOBS_DIR`, else `configured` (the config's `jobsDir`), else the
 * default. The result is an absolute path.
 */
export function resolveJobsDir(configured: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[JOBS_DIR_ENV];
  if (fromEnv && fromEnv.trim() !== '') return resolve(fromEnv);
  if (configured) return resolve(configured);
  return getDefaultJobsDir();
}

/** Options for `ensureJobsDir`; `uid` is the owner the folder must have (default: this process's). */
export interface EnsureJobsDirOptions {
  uid?: number;
}

/**
 * Creates `dir` (mode 0700, parents as needed) if missing, then checks it is safe to use.
 * @throws StoreError JOBS_DIR_UNSAFE when it is a symlink, not a folder, owned by another user or
 *   writable by others; JOBS_DIR_IO when it cannot be created or inspected (message says why).
 */
export function ensureJobsDir(dir: string, options: EnsureJobsDirOptions = {}): void {
  const uid = options.uid ?? getCurrentUid();
  try {
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreError('JOBS_DIR_IO', `Cannot create jobs folder ${dir}: ${(error as Error).message}`, { cause: error });
    }
  }
  let stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    throw new StoreError('JOBS_DIR_IO', `Cannot inspect jobs folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const fix = `Remove or fix it, or choose another folder with ${JOBS_DIR_ENV} or "jobsDir" in .jobrc.json.`;
  if (stats.isSymbolicLink()) {
    throw new StoreError('JOBS_DIR_UNSAFE', `Refusing jobs folder ${dir}: it is a symbolic link, which could redirect your job files. ${fix}`);
  }
  if (!stats.isDirectory()) {
    throw new StoreError('JOBS_DIR_UNSAFE', `Refusing jobs folder ${dir}: it is not a folder. ${fix}`);
  }
  if (uid >= 0 && stats.uid !== uid) {
    throw new StoreError('JOBS_DIR_UNSAFE', `Refusing jobs folder ${dir}: it is owned by uid ${stats.uid}, not by you (uid ${uid}). ${fix}`);
  }
  // Writable by anyone but its owner (group or others): someone else could plant or swap job files.
  if ((stats.mode & 0o022) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
    const who = (stats.mode & 0o002) !== 0 ? 'others' : 'its group';
    throw new StoreError('JOBS_DIR_UNSAFE', `Refusing jobs folder ${dir}: it is writable by ${who} (mode ${mode}). Run chmod 700 on it. ${fix}`);
  }
}
