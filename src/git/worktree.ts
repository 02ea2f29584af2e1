// A job's own worktree: made with `git worktree add -b jobline/<name>`, committed phase by phase,
// rolled back to the previous phase's commit for a retry (the attempt kept under a ref), read for
// what it holds (commits, uncommitted files), and removed. Only the job's worktree and branch are
// ever changed here: never the user's checkout.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorktreeError } from '../errors.js';
import { gitText, runGit, splitNul } from './git-cli.js';
import { identityEnv, listUncommitted, readRef } from './repository.js';

/** A job's worktree as jobline made it (see JobWorktree in the job model). */
export interface WorktreeRef {
  /** Absolute path of the worktree. */
  path: string;
  /** Its branch (`jobline/<job name>`). */
  branch: string;
  /** The top level of the checkout the job started in (the repository the branch lives in). */
  repository: string;
  /** The commit the branch started from (the base, or the snapshot of uncommitted changes on it). */
  start: string;
}

/** The marker left in a worktree's own git folder once its setup succeeded. */
const SETUP_MARKER = 'jobline-setup-done';

/**
 * Adds the worktree: `git worktree add -b <branch> <path> <start>` in the repository. A worktree
 * already registered at `path` on `branch` (a job resumed after a crash) is kept as it is.
 * Returns true when it was made now.
 * @throws WorktreeError WORKTREE_TAKEN when the folder or branch exists for something else;
 *   GIT_FAILED.
 */
export async function addWorktree(worktree: WorktreeRef): Promise<boolean> {
  // A folder already there is the job's worktree (a job resumed after a crash) or someone else's.
  if (existsSync(worktree.path)) {
    const registered = (await listWorktrees(worktree.repository)).find((entry) => entry.path === worktree.path);
    if (registered?.branch === worktree.branch) return false;
    throw new WorktreeError('WORKTREE_TAKEN', registered ? `${worktree.path} is already a worktree of ${registered.branch ?? 'a detached HEAD'}, not of ${worktree.branch}.` : `Cannot make the job's worktree: ${worktree.path} exists already. Remove it, or set worktree.dir elsewhere.`);
  }
  mkdirSync(join(worktree.path, '..'), { recursive: true, mode: 0o700 });
  const added = await runGit(worktree.repository, ['worktree', 'add', '--quiet', '--no-track', '-b', worktree.branch, worktree.path, worktree.start], { okCodes: [0, 128, 255] });
  if (added.code === 0) return true;
  if (await readRef(worktree.repository, `refs/heads/${worktree.branch}`)) {
    throw new WorktreeError('WORKTREE_TAKEN', `Cannot make the job's worktree: the branch ${worktree.branch} exists already (git branch -D ${worktree.branch} if it is not needed).`);
  }
  throw new WorktreeError('GIT_FAILED', `git worktree add ${worktree.path} failed: ${added.stderr.trim().split('\n').slice(-2).join(' / ')}`);
}

/** One entry of `git worktree list --porcelain -z`. */
export interface ListedWorktree {
  path: string;
  head: string | null;
  /** The branch checked out there (`main`, without refs/heads/), or null (detached, bare). */
  branch: string | null;
  /** Git itself says the entry can be pruned (its folder is gone). */
  isPrunable: boolean;
}

/** Every worktree of the repository at `cwd` (the main checkout first). @throws WorktreeError GIT_FAILED. */
export async function listWorktrees(cwd: string): Promise<ListedWorktree[]> {
  const fields = (await gitText(cwd, ['worktree', 'list', '--porcelain', '-z'])).split('\0');
  const worktrees: ListedWorktree[] = [];
  let current: ListedWorktree | null = null;
  for (const field of fields) {
    if (field.startsWith('worktree ')) worktrees.push((current = { path: field.slice(9), head: null, branch: null, isPrunable: false }));
    else if (current && field.startsWith('HEAD ')) current.head = field.slice(5);
    else if (current && field.startsWith('branch ')) current.branch = field.slice(7).replace(/^refs\/heads\//, '');
    else if (current && (field === 'prunable' || field.startsWith('prunable '))) current.isPrunable = true;
  }
  return worktrees;
}

/** True once the worktree's setup (includes and the setup command) has succeeded. */
export async function isSetUp(path: string): Promise<boolean> {
  try {
    return existsSync(join(await gitText(path, ['rev-parse', '--absolute-git-dir']), SETUP_MARKER));
  } catch {
    return false;
  }
}

/** Records that the worktree's setup succeeded (a marker in its own git folder, never in its files). */
export async function markSetUp(path: string): Promise<void> {
  writeFileSync(join(await gitText(path, ['rev-parse', '--absolute-git-dir']), SETUP_MARKER), `${new Date().toISOString()}\n`);
}

// Stages everything the worktree holds, but the includes: copies of the user's ignored files must
// never be committed, even where the repository does not ignore them (they are unstaged again:
// an ignored path given to `git add` as an exclusion would be refused).
async function stageAll(path: string, excluded: readonly string[], env?: NodeJS.ProcessEnv): Promise<void> {
  await runGit(path, ['add', '--all'], env ? { env } : {});
  if (excluded.length === 0) return;
  const specs = excluded.flatMap((glob) => [`:(glob)${glob.replace(/\/+$/, '')}`, `:(glob)${glob.replace(/\/+$/, '')}/**`]);
  await runGit(path, ['reset', '--quiet', '--', ...specs], env ? { env } : {});
}

/**
 * Commits everything the worktree at `path` holds beyond its HEAD as one commit, `message` (a
 * merge in progress is concluded by it). Returns the commit, or null when there was nothing to
 * commit. `excluded`: globs never committed (the includes). Hooks do not run (--no-verify): the
 * commit records what the agent did, whatever the repository's hooks would say.
 * @throws WorktreeError GIT_FAILED.
 */
export async function commitAll(path: string, message: string, excluded: readonly string[] = []): Promise<string | null> {
  await stageAll(path, excluded);
  const isMerging = (await readRef(path, 'MERGE_HEAD')) !== null;
  const staged = await runGit(path, ['diff', '--cached', '--quiet'], { okCodes: [0, 1] });
  if (staged.code === 0 && !isMerging) return null;
  await runGit(path, ['commit', '--quiet', '--no-verify', '--allow-empty', '-m', message], { env: await identityEnv(path) });
  return gitText(path, ['rev-parse', 'HEAD']);
}

/**
 * Keeps what the worktree at `path` holds beyond HEAD (committed or not) as a commit under `ref`,
 * then moves the worktree back to commit `to` (its files too: reset --hard and clean, the
 * includes left alone). Returns the ref and how many files it holds changed from `to`, or null
 * when there was nothing to keep. Uses a temporary index, so the worktree's own index is not part
 * of what is kept.
 * @throws WorktreeError GIT_FAILED.
 */
export async function keepAndReset(path: string, ref: string, to: string, message: string, excluded: readonly string[] = []): Promise<{ ref: string; files: number } | null> {
  const head = await gitText(path, ['rev-parse', 'HEAD']);
  const scratch = mkdtempSync(join(tmpdir(), 'jobline-attempt-'));
  let kept: { ref: string; files: number } | null = null;
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    try {
      copyFileSync(join(await gitText(path, ['rev-parse', '--absolute-git-dir']), 'index'), env.GIT_INDEX_FILE);
    } catch {
      // No index: built from scratch.
    }
    await stageAll(path, excluded, env);
    const tree = await gitText(path, ['write-tree'], { env });
    const headTree = await gitText(path, ['rev-parse', 'HEAD^{tree}']);
    if (tree !== headTree || head !== to) {
      const commit = tree === headTree ? head : await gitText(path, ['commit-tree', tree, '-p', head, '-m', message], { env: await identityEnv(path) });
      await runGit(path, ['update-ref', '-m', 'jobline: keep a retried attempt', ref, commit]);
      const changed = await gitText(path, ['diff', '--name-only', '-z', '--no-renames', to, commit]);
      kept = { ref, files: changed.split('\0').filter(Boolean).length };
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if ((await readRef(path, 'MERGE_HEAD')) !== null) await runGit(path, ['merge', '--abort'], { okCodes: [0, 128] });
  await runGit(path, ['reset', '--quiet', '--hard', to]);
  await runGit(path, ['clean', '-fdq', ...excluded.flatMap((glob) => ['-e', glob])]);
  return kept;
}

/** What a job's worktree holds: whether it exists, its commits since `start`, and its uncommitted files. */
export interface WorktreeContents {
  exists: boolean;
  commits: number;
  uncommitted: string[];
}

/**
 * Reads what the worktree holds (see WorktreeContents); the branch's commits are counted even
 * when its folder is gone. `excluded`: includes, which are not uncommitted work.
 * @throws WorktreeError GIT_FAILED.
 */
export async function readContents(worktree: WorktreeRef, excluded: readonly string[] = []): Promise<WorktreeContents> {
  const tip = await readRef(worktree.repository, `refs/heads/${worktree.branch}`);
  const commits = tip ? Number(await gitText(worktree.repository, ['rev-list', '--count', `${worktree.start}..${tip}`])) : 0;
  const registered = (await listWorktrees(worktree.repository)).some((entry) => entry.path === worktree.path && !entry.isPrunable);
  if (!registered || !existsSync(worktree.path)) return { exists: false, commits, uncommitted: [] };
  const isExcluded = excluded.length > 0 ? (await import('picomatch')).default(excluded.map((glob) => glob.replace(/\/+$/, '')), { dot: true }) : () => false;
  const uncommitted = (await listUncommitted(worktree.path)).filter((file) => !isExcluded(file) && !excluded.some((glob) => file.startsWith(`${glob.replace(/\/+$/, '')}/`)));
  return { exists: true, commits, uncommitted };
}

/**
 * Removes the worktree (its folder, with whatever it holds) and its branch. Used only once the
 * job's work landed or was discarded, or it holds none (see the cleanup rules).
 * @throws WorktreeError GIT_FAILED.
 */
export async function removeWorktree(worktree: WorktreeRef): Promise<void> {
  const registered = (await listWorktrees(worktree.repository)).find((entry) => entry.path === worktree.path);
  if (registered && !registered.isPrunable) await runGit(worktree.repository, ['worktree', 'remove', '--force', '--force', worktree.path]);
  else if (registered) await runGit(worktree.repository, ['worktree', 'prune']);
  rmSync(worktree.path, { recursive: true, force: true });
  if (await readRef(worktree.repository, `refs/heads/${worktree.branch}`)) await runGit(worktree.repository, ['branch', '--quiet', '-D', worktree.branch]);
}

/**
 * The job's whole change against `start` (the base, or the snapshot of the user's changes: never
 * part of it), committed and not: a diffstat with `isStat`, else the patch, coloured with
 * `isColour`. @throws WorktreeError GIT_FAILED.
 */
export async function diffWorktree(worktree: WorktreeRef, isStat: boolean, isColour: boolean): Promise<string> {
  const colour = `--color=${isColour ? 'always' : 'never'}`;
  const format = isStat ? ['--stat=100'] : [];
  if (existsSync(worktree.path)) {
    // Untracked files count too: an intent-to-add through a temporary index shows them.
    const scratch = mkdtempSync(join(tmpdir(), 'jobline-diff-'));
    try {
      const env = { GIT_INDEX_FILE: join(scratch, 'index') };
      await runGit(worktree.path, ['read-tree', 'HEAD'], { env });
      await runGit(worktree.path, ['add', '--all'], { env });
      return (await runGit(worktree.path, ['diff', colour, '--no-renames', ...format, '--cached', worktree.start], { env })).stdout;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const tip = await readRef(worktree.repository, `refs/heads/${worktree.branch}`);
  if (!tip) return '';
  return (await runGit(worktree.repository, ['diff', colour, '--no-renames', ...format, worktree.start, tip])).stdout;
}

/** The files of `tree`'s diff against `base` (paths), for messages. @throws WorktreeError GIT_FAILED. */
export async function changedFiles(cwd: string, from: string, to: string): Promise<string[]> {
  return splitNul(await gitText(cwd, ['diff', '--name-only', '-z', '--no-renames', from, to]));
}
