// What a phase changed in a git workspace: the working tree is recorded as a git tree before and
// after the phase (untracked files included, ignored ones not), without touching the user's
// index, HEAD or files: `git add -A` runs against a temporary copy of the index. The two trees
// give the diffstat shown at approval and the full diff on request. The snapshot runs git
// asynchronously (the main thread takes a phase's before-snapshot when several tasks share it).
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { WorkspaceChanges } from '../jobs/model/job.js';

/** Longest a git command may take before the snapshot is given up (ms). */
const GIT_TIMEOUT_MS = 15_000;
/** Files listed per phase; the rest are counted in `moreFiles`. */
export const MAX_CHANGED_FILES = 200;
/**
 * Untracked, unignored files past which no snapshot is taken: `git add -A` would copy each into
 * the repository's objects before and after every phase (a project whose .gitignore misses
 * node_modules would gain tens of thousands of loose objects per phase).
 */
export const MAX_UNTRACKED_FILES = 2000;

// Whether `cwd` or a folder above it holds `.git`: a few stat calls, where asking git would start
// a process before and after every phase of every job outside git.
function isInGitWorkTree(cwd: string): boolean {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

// `path` with symbolic links resolved (git names its top level so), or as it is when it cannot be.
function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
}

/** `git args` in `cwd`, without blocking the thread; resolves with its stdout. @throws the failure. */
export function gitAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** True when `cwd` is in a git work tree (a few stat calls; see isInGitWorkTree). */
export function isGitWorkspace(cwd: string): boolean {
  return isInGitWorkTree(cwd);
}

/**
 * Records the working tree of the git repository holding `cwd` as a tree object; resolves with its
 * id, or null when `cwd` is not in a git work tree, holds more than MAX_UNTRACKED_FILES untracked
 * files, or git fails (no git, a timeout). Never rejects. `excluded` (absolute): a folder left out,
 * the jobs folder when it lies in the workspace: a job's own log is not a change it made, and a
 * folder of many jobs would otherwise count against MAX_UNTRACKED_FILES.
 */
export async function snapshotWorkspace(cwd: string, excluded: string | null = null): Promise<string | null> {
  if (!isInGitWorkTree(cwd)) return null;
  let scratch: string | null = null;
  try {
    const gitDir = (await gitAsync(cwd, ['rev-parse', '--git-dir'])).trim();
    const paths = [':/'];
    if (excluded) {
      const top = (await gitAsync(cwd, ['rev-parse', '--show-toplevel'])).trim();
      const inside = relative(top, realpathOr(excluded));
      if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) paths.push(`:(top,exclude)${inside.split(sep).join('/')}`);
    }
    let untracked = 0;
    for (const character of await gitAsync(cwd, ['ls-files', '--others', '--exclude-standard', '-z', '--', ...paths])) if (character === '\0' && ++untracked > MAX_UNTRACKED_FILES) return null;
    scratch = mkdtempSync(join(tmpdir(), 'jobline-index-'));
    const index = join(scratch, 'index');
    // Starting from the real index lets git skip files whose stat data did not change.
    try {
      copyFileSync(join(isAbsolute(gitDir) ? gitDir : join(cwd, gitDir), 'index'), index);
    } catch {
      // A repository without commits or an index: everything is read.
    }
    const env = { ...process.env, GIT_INDEX_FILE: index };
    await gitAsync(cwd, ['add', '-A', '--', ...paths], env);
    return (await gitAsync(cwd, ['write-tree'], env)).trim() || null;
  } catch {
    return null;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The files that differ between trees `before` and `after` (of the repository holding `cwd`),
 * with lines added and removed (null for a binary file). Null when git fails. Never throws.
 */
export function describeChanges(cwd: string, before: string, after: string): WorkspaceChanges | null {
  try {
    if (before === after) return { before, after, files: [], moreFiles: 0 };
    const rows = git(cwd, ['diff', '--numstat', '-z', '--no-renames', before, after]).split('\0').filter(Boolean);
    const files = rows.map((row) => {
      const [added, removed, ...path] = row.split('\t');
      return { path: path.join('\t'), added: added === '-' ? null : Number(added), removed: removed === '-' ? null : Number(removed) };
    });
    return { before, after, files: files.slice(0, MAX_CHANGED_FILES), moreFiles: Math.max(0, files.length - MAX_CHANGED_FILES) };
  } catch {
    return null;
  }
}

/**
 * The full diff between two snapshots (for a pager), coloured when `isColour`. Null when git
 * fails (the trees were pruned, git is gone). Never throws.
 */
export function readFullDiff(cwd: string, changes: Pick<WorkspaceChanges, 'before' | 'after'>, isColour: boolean): string | null {
  try {
    return git(cwd, ['diff', `--color=${isColour ? 'always' : 'never'}`, '--no-renames', changes.before, changes.after]);
  } catch {
    return null;
  }
}
