// What jobline needs to know about the repository a job starts in: its top level, its common git
// folder (shared by all its worktrees), the commit and branch checked out, and the user's
// uncommitted changes, read without changing anything of the user's (no index lock, no stash).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorktreeError } from '../errors.js';
import { gitText, runGit, splitNul } from './git-cli.js';

/** The repository holding a folder, as it is checked out there. Paths are absolute. */
export interface RepositoryInfo {
  /** The top level of the checkout (the user's work tree, or a linked worktree's). */
  top: string;
  /** The common git folder (`.git` of the main checkout), the same for every worktree of it. */
  commonDir: string;
  /** This checkout's own git folder (its index, HEAD). */
  gitDir: string;
  /** The commit checked out (HEAD). */
  head: string;
  /** The branch checked out (`main`), or null for a detached HEAD. */
  branch: string | null;
}

/**
 * The repository holding `cwd`, or null when `cwd` is not inside a git work tree.
 * @throws WorktreeError NOT_A_REPOSITORY for a repository without a commit yet (a worktree needs
 *   a commit to start from); GIT_FAILED when git cannot be run.
 */
export async function findRepository(cwd: string): Promise<RepositoryInfo | null> {
  const inside = await runGit(cwd, ['rev-parse', '--is-inside-work-tree'], { okCodes: [0, 128] }).catch(() => null);
  if (!inside || inside.code !== 0 || inside.stdout.trim() !== 'true') return null;
  const [top, commonDir, gitDir] = (await gitText(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--git-dir'])).split('\n');
  const head = await runGit(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okCodes: [0, 1] });
  if (head.code !== 0) throw new WorktreeError('NOT_A_REPOSITORY', `The git repository at ${top} has no commit yet: a job's worktree starts from a commit. Commit something first.`);
  const branch = await runGit(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [0, 1] });
  return { top: top!, commonDir: commonDir!, gitDir: gitDir!, head: head.stdout.trim(), branch: branch.code === 0 ? branch.stdout.trim() : null };
}

/**
 * The files of the checkout at `top` that differ from its HEAD: modified, staged, deleted and
 * untracked (not ignored) ones, as paths relative to `top`. Reads only (no index refresh is
 * written: GIT_OPTIONAL_LOCKS=0). @throws WorktreeError GIT_FAILED.
 */
export async function listUncommitted(top: string): Promise<string[]> {
  const text = await gitText(top, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], { env: { GIT_OPTIONAL_LOCKS: '0' } });
  // Each entry is "XY path" (porcelain v1 is the stable machine format).
  return splitNul(text).map((entry) => entry.slice(3));
}

/**
 * A commit holding the checkout's uncommitted changes on top of HEAD, made without touching the
 * user's index, files or stash list: `git stash create` takes the tracked changes (it makes a
 * commit and stores no reference), and untracked files are added through a temporary index. Its
 * only parent is HEAD. Null when there is nothing uncommitted. @throws WorktreeError GIT_FAILED.
 */
export async function snapshotUncommitted(repository: RepositoryInfo): Promise<string | null> {
  const { top } = repository;
  const stash = (await gitText(top, ['stash', 'create', 'jobline: uncommitted changes'])).trim();
  const untracked = splitNul(await gitText(top, ['ls-files', '--others', '--exclude-standard', '-z']));
  if (!stash && untracked.length === 0) return null;
  const scratch = mkdtempSync(join(tmpdir(), 'jobline-snapshot-'));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    try {
      copyFileSync(join(repository.gitDir, 'index'), env.GIT_INDEX_FILE);
    } catch {
      // No index yet: it is built from the tree below.
    }
    await runGit(top, ['read-tree', stash ? `${stash}^{tree}` : 'HEAD^{tree}'], { env });
    if (untracked.length > 0) await runGit(top, ['add', '--', ...untracked], { env });
    const tree = await gitText(top, ['write-tree'], { env });
    return await gitText(top, ['commit-tree', tree, '-p', repository.head, '-m', 'jobline: the uncommitted changes of the checkout the job started in (never landed)'], { env: await identityEnv(top) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Author and committer for commits jobline makes in the repository at `cwd`: the user's own
 * identity (git config, or GIT_AUTHOR_* / GIT_COMMITTER_* in the environment) when there is one,
 * else `jobline <jobline@localhost>` (a commit must not fail for want of a name).
 */
export async function identityEnv(cwd: string): Promise<NodeJS.ProcessEnv> {
  // Asked once per repository folder and process: a landing makes commits one after the other.
  let known = identities.get(cwd);
  if (!known) {
    known = askIdentity(cwd);
    identities.set(cwd, known);
    known.catch(() => identities.delete(cwd));
  }
  return known;
}

const identities = new Map<string, Promise<NodeJS.ProcessEnv>>();

async function askIdentity(cwd: string): Promise<NodeJS.ProcessEnv> {
  const configured = async (key: string): Promise<boolean> => (await runGit(cwd, ['config', '--get', key], { okCodes: [0, 1] })).stdout.trim() !== '';
  const env: NodeJS.ProcessEnv = {};
  if (!process.env.GIT_AUTHOR_NAME && !process.env.GIT_COMMITTER_NAME && !(await configured('user.name'))) Object.assign(env, { GIT_AUTHOR_NAME: 'jobline', GIT_COMMITTER_NAME: 'jobline' });
  if (!process.env.GIT_AUTHOR_EMAIL && !process.env.GIT_COMMITTER_EMAIL && !(await configured('user.email'))) Object.assign(env, { GIT_AUTHOR_EMAIL: 'jobline@localhost', GIT_COMMITTER_EMAIL: 'jobline@localhost' });
  return env;
}

/** The commit `ref` points at, or null when it does not exist. @throws WorktreeError GIT_FAILED. */
export async function readRef(cwd: string, ref: string): Promise<string | null> {
  const result = await runGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { okCodes: [0, 1] });
  return result.code === 0 ? result.stdout.trim() : null;
}

/** True when commit `ancestor` is an ancestor of (or is) `descendant`. @throws WorktreeError GIT_FAILED. */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await runGit(cwd, ['merge-base', '--is-ancestor', ancestor, descendant], { okCodes: [0, 1] })).code === 0;
}
