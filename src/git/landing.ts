// One landing's git steps: the candidate built without touching any checkout (merge-tree
// --write-tree, commit-tree), and the target moved to exactly that commit, through the checkout
// where it is checked out (merge --ff-only: files and branch together, refusing to overwrite the
// user's changes) or by compare-and-swap of the ref where it is checked out nowhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WorktreeError } from '../errors.js';
import type { Candidate, Move, MoveOptions, PreparedMove } from '../jobs/ports/worktrees.js';
import type { MergeStrategy } from '../jobs/model/job.js';
import { gitText, runGit, splitNul, startGit } from './git-cli.js';
import { identityEnv, isAncestor, listUncommitted, readRef } from './repository.js';
import { changedFiles, listWorktrees } from './worktree.js';

/** What a landing needs to know of the job's worktree. */
export interface LandingSource {
  repository: string;
  path: string;
  /** The job's branch (or, for a merge only, any full ref: `refs/…`). */
  branch: string;
  /** The snapshot of the user's uncommitted changes at the bottom of the branch (never landed), or null. */
  snapshot: string | null;
}

// The files in conflict in the worktree at `path` (after a merge or rebase that stopped).
async function conflictedFiles(path: string): Promise<string[]> {
  return splitNul(await gitText(path, ['diff', '--name-only', '--diff-filter=U', '-z']));
}

// Replays the job's commits onto `onto` in its own worktree (`git rebase --onto <onto> <upstream>`):
// the snapshot of the user's changes is left out, or the history made linear. Returns the new tip,
// or the files of the first conflict (the rebase is aborted: the branch stays as it was).
async function replay(source: LandingSource, onto: string, upstream: string): Promise<{ tip: string } | { files: string[] }> {
  if (!existsSync(source.path)) throw new WorktreeError('NOT_LANDABLE', `The job's worktree ${source.path} is gone, and its commits must be replayed onto the target there; recreate it with git worktree add ${source.path} ${source.branch}.`);
  const dirty = await listUncommitted(source.path);
  if (dirty.length > 0) throw new WorktreeError('WORKTREE_DIRTY', `The job's worktree ${source.path} has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}): commit them there (or discard them), then land it again.`);
  const result = await runGit(source.path, ['rebase', '--quiet', '--no-autostash', '--onto', onto, upstream], { okCodes: [0, 1, 128], env: await identityEnv(source.path) });
  if (result.code === 0) return { tip: await gitText(source.path, ['rev-parse', 'HEAD']) };
  const files = await conflictedFiles(source.path);
  await runGit(source.path, ['rebase', '--abort'], { okCodes: [0, 128] });
  if (files.length === 0) throw new WorktreeError('GIT_FAILED', `Replaying the job's commits onto the target failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' / ')}`);
  return { files };
}

/**
 * Builds the commit that landing `source`'s branch on `target` with `strategy` makes: `merge` a
 * merge commit, `rebase` the job's commits replayed onto the target, `squash` one commit. The
 * snapshot of the user's changes is never part of it. Touches no checkout but the job's worktree.
 * A built candidate says where the target is checked out. `backupRef` (the target's backup) is
 * written while the candidate is built where the target is checked out (it moves through that
 * checkout, after the backup); where it is checked out nowhere, the candidate carries it as
 * `pendingBackup`, for the compare-and-swap's git to write before it moves the target.
 * @throws WorktreeError NO_TARGET (no such branch), NOT_LANDABLE, WORKTREE_DIRTY, GIT_FAILED.
 */
export async function buildCandidate(source: LandingSource, job: { id: string; name: string }, target: string, strategy: MergeStrategy, backupRef?: string): Promise<Candidate> {
  const repo = source.repository;
  // A source may be a branch or a full ref (a run's work fetched from another machine).
  const sourceRef = source.branch.startsWith('refs/') ? source.branch : `refs/heads/${source.branch}`;
  // One git call for the target, its tree, where it is checked out, and the job's branch.
  const listed = new Map(splitNul(await gitText(repo, ['for-each-ref', '--format=%(refname)%09%(objectname)%09%(tree)%09%(worktreepath)%00', `refs/heads/${target}`, sourceRef])).map((line) => {
    // Each line after the first starts with the newline ending the one before; a path is the rest.
    const [name, commit, tree, ...path] = line.replace(/^\n/, '').split('\t');
    return [name, { commit, tree, checkout: path.join('\t') }] as const;
  }));
  const listedTarget = listed.get(`refs/heads/${target}`);
  const oldTarget = listedTarget?.commit;
  const targetTree = listedTarget?.tree;
  const branchTip = listed.get(sourceRef)?.commit;
  if (!oldTarget || !targetTree) throw new WorktreeError('NO_TARGET', `There is no branch ${target} to land on (merge.target, or the branch checked out where the job started).`);
  if (!branchTip) throw new WorktreeError('NOT_LANDABLE', `The job's branch ${source.branch} is gone: nothing to land.`);
  const checkout = await checkoutOf(repo, target, listedTarget.checkout ?? '');
  // Moving through a checkout needs the backup first: it is written while the candidate is built.
  const backup = backupRef && checkout ? writeBackupRef(repo, backupRef, oldTarget) : Promise.resolve();
  backup.catch(() => {});
  try {
    const candidate = await build(source, job, target, strategy, { oldTarget, targetTree, tip: branchTip });
    return candidate.kind === 'built' ? { ...candidate, checkout, ...(backupRef && !checkout ? { pendingBackup: backupRef } : {}) } : candidate;
  } finally {
    await backup;
  }
}

// Where branch `target` is checked out, from for-each-ref's %(worktreepath) (`listed`: the main
// checkout's or any worktree's folder, '' for nowhere). A folder without its `.git` is one git
// may call prunable (or a bare repository's): `git worktree list` decides then, as findCheckout.
async function checkoutOf(repo: string, target: string, listed: string): Promise<string | null> {
  if (listed === '') return null;
  if (existsSync(join(listed, '.git'))) return listed;
  return findCheckout(repo, target);
}

// The candidate once the refs are read (see buildCandidate).
async function build(source: LandingSource, job: { id: string; name: string }, target: string, strategy: MergeStrategy, refs: { oldTarget: string; targetTree: string; tip: string }): Promise<Exclude<Candidate, { kind: 'built' }> | { kind: 'built'; commit: string; oldTarget: string }> {
  const repo = source.repository;
  const { oldTarget, targetTree } = refs;
  let { tip } = refs;
  {
  const hasSnapshot = source.snapshot !== null && source.snapshot !== tip && (await isAncestor(repo, source.snapshot, tip));
  if (source.snapshot === tip) return { kind: 'nothing' };
  if (hasSnapshot || strategy === 'rebase') {
    if (!hasSnapshot && (await isAncestor(repo, oldTarget, tip))) {
      // Already on top of the target: nothing to replay.
    } else {
      const replayed = await replay(source, oldTarget, hasSnapshot ? source.snapshot! : oldTarget);
      if ('files' in replayed) return { kind: 'conflict', files: replayed.files, oldTarget };
      tip = replayed.tip;
    }
  }
  if (strategy === 'rebase') return (await isAncestor(repo, tip, oldTarget)) ? { kind: 'nothing' } : { kind: 'built', commit: tip, oldTarget };
  const merged = await runGit(repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', oldTarget, tip], { okCodes: [0, 1] });
  const [tree, ...files] = splitNul(merged.stdout);
  if (merged.code === 1) return { kind: 'conflict', files, oldTarget };
  // Merged, the target is as it was: it has the job's work already.
  if (tree === targetTree) return { kind: 'nothing' };
  const trailer = `\n\nJobline-Job: ${job.id}\n`;
  const env = await identityEnv(repo);
  const commit = strategy === 'squash'
    ? await gitText(repo, ['commit-tree', tree!, '-p', oldTarget, '-m', `${job.name}: the job's work, squashed${trailer}`], { env })
    : await gitText(repo, ['commit-tree', tree!, '-p', oldTarget, '-p', tip, '-m', `Merge ${source.branch} into ${target}${trailer}`], { env });
  return { kind: 'built', commit, oldTarget };
  }
}

/** Points `ref` (refs/jobline/before/<id>) at `commit`: what a target was before a landing. @throws WorktreeError GIT_FAILED. */
export async function writeBackupRef(repo: string, ref: string, commit: string): Promise<void> {
  await runGit(repo, ['update-ref', '-m', 'jobline: the target before a landing', ref, commit]);
}

/**
 * Moves branch `target` of the repository at `repo` from `from` to `to` (see WorktreePort.moveTarget):
 * through the checkout that has it checked out, with `merge --ff-only` (never update-ref on a
 * checked-out branch: its files would stay old), after checking that none of the user's
 * uncommitted files is one the landing changes; else by compare-and-swap, by a git that first
 * writes `options.backupRef` at `from` (see prepareSwap).
 * @throws WorktreeError GIT_FAILED when git refuses for another reason (its words quoted).
 */
export async function moveTarget(repo: string, target: string, from: string, to: string, message: string, options: MoveOptions = {}): Promise<Move> {
  const checkout = options.checkout !== undefined ? options.checkout : await findCheckout(repo, target);
  return checkout ? moveThrough(repo, checkout, from, to) : prepareSwap(repo, target, from, to, message, options.backupRef).move();
}

/**
 * A move of the target prepared ahead (see WorktreePort.prepareMove): where the target moves by
 * compare-and-swap, its git (`update-ref --stdin`) is started now and does nothing until `move`
 * gives it the transaction, so starting it overlaps what the landing does meanwhile (recording
 * the step before). `cancel` (after a move, a no-op) leaves everything as it is.
 */
export function prepareMove(repo: string, target: string, from: string, to: string, message: string, options: MoveOptions & { checkout: string | null }): PreparedMove {
  if (options.checkout) return { move: () => moveThrough(repo, options.checkout!, from, to), cancel: () => {} };
  return prepareSwap(repo, target, from, to, message, options.backupRef);
}

// The compare-and-swap of branch `target`, its git started now. Its first transaction writes the
// backup at once (`backedUp` settles on git's `commit: ok` for it), its second, once `move` gives
// it, moves the target: the backup exists before the target moves, at every step a landing can be
// killed at, and both cost one git process.
function prepareSwap(repo: string, target: string, from: string, to: string, message: string, backupRef: string | undefined): PreparedMove {
  let said = '';
  let heard: ((isWritten: boolean) => void) | null = null;
  const git = startGit(repo, ['update-ref', '-m', message, '--stdin'], {
    okCodes: [0, 1, 128],
    onStdout: (text) => {
      said += text;
      if (/^commit: ok$/m.test(said)) heard?.(true);
    },
  });
  let backedUp: Promise<void> | undefined;
  if (backupRef) {
    // Ref names never hold whitespace; each line is one command of update-ref's --stdin.
    git.write(`start\nupdate ${backupRef} ${from}\nprepare\ncommit\n`);
    backedUp = new Promise<boolean>((resolve) => (heard = resolve)).then((isWritten) => {
      if (!isWritten) throw new WorktreeError('GIT_FAILED', `git update-ref ${backupRef} failed: the backup of ${target} was not written, so nothing moved`);
    });
    // A git that ended first (killed, or refused the backup) wrote none.
    git.ended.then(() => heard?.(/^commit: ok$/m.test(said)), () => heard?.(false));
    backedUp.catch(() => {});
  }
  return {
    ...(backedUp ? { backedUp } : {}),
    cancel: git.cancel,
    move: async () => {
      if (backedUp) await backedUp;
      // The second transaction: applied whole, or not at all when the target is no longer at `from`.
      const swapped = await git.feed(`${backupRef ? 'start\n' : ''}update refs/heads/${target} ${to} ${from}\n${backupRef ? 'prepare\ncommit\n' : ''}`);
      if (swapped.code === 0) return { kind: 'landed', through: 'ref', checkout: null };
      const now = await readRef(repo, `refs/heads/${target}`);
      if (now !== from) return { kind: 'moved', now };
      throw new WorktreeError('GIT_FAILED', `git update-ref refs/heads/${target} failed: ${swapped.stderr.trim()}`);
    },
  };
}

// Fast-forwards `path`'s checked-out target from `from` to `to` (see moveTarget), unless the
// user's uncommitted changes there are in the way.
async function moveThrough(repo: string, path: string, from: string, to: string): Promise<Move> {
  const checkout = { path };
  const blocking = async (): Promise<string[]> => {
    const changed = new Set(await changedFiles(repo, from, to));
    return (await listUncommitted(checkout.path)).filter((file) => changed.has(file));
  };
  const head = await readRef(checkout.path, 'HEAD');
  if (head !== from) return { kind: 'moved', now: head };
  const blocked = await blocking();
  if (blocked.length > 0) return { kind: 'blocked', files: blocked, checkout: checkout.path };
  const merged = await runGit(checkout.path, ['merge', '--ff-only', '--quiet', '--no-edit', to], { okCodes: [0, 1, 128] });
  if (merged.code === 0) return { kind: 'landed', through: 'checkout', checkout: checkout.path };
  const now = await readRef(checkout.path, 'HEAD');
  if (now === to) return { kind: 'landed', through: 'checkout', checkout: checkout.path };
  if (now !== from) return { kind: 'moved', now };
  const files = await blocking();
  if (files.length > 0) return { kind: 'blocked', files, checkout: checkout.path };
  throw new WorktreeError('GIT_FAILED', `git merge --ff-only in ${checkout.path} refused: ${(merged.stderr || merged.stdout).trim().split('\n').slice(0, 3).join(' / ')}`);
}

/**
 * The folder where branch `target` of the repository at `repo` is checked out (the user's
 * checkout or any worktree), or null. @throws WorktreeError GIT_FAILED.
 */
export async function findCheckout(repo: string, target: string): Promise<string | null> {
  return (await listWorktrees(repo)).find((entry) => entry.branch === target && !entry.isPrunable)?.path ?? null;
}

/**
 * Merges `target` into the job's branch in its worktree at `path`, leaving conflict markers.
 * Returns the conflicted files; none: it merged cleanly and is committed.
 * @throws WorktreeError WORKTREE_DIRTY (uncommitted changes would mix with the merge), GIT_FAILED.
 */
export async function mergeTargetIn(path: string, branch: string, target: string): Promise<string[]> {
  const dirty = await listUncommitted(path);
  if (dirty.length > 0) throw new WorktreeError('WORKTREE_DIRTY', `The job's worktree ${path} has uncommitted changes (${dirty.slice(0, 5).join(', ')}): commit or discard them there first.`);
  const result = await runGit(path, ['merge', '--no-ff', '--no-edit', '-m', `Merge ${target} into ${branch}`, `refs/heads/${target}`], { okCodes: [0, 1], env: await identityEnv(path) });
  return result.code === 0 ? [] : conflictedFiles(path);
}
