// How a landing finds where its target is checked out and moves it, on real repositories: the
// checkout comes with the target from one for-each-ref (a linked worktree's too; a worktree whose
// folder is gone is not one), a target checked out nowhere moves by compare-and-swap, by the git
// that wrote its backup ref first, and a move prepared ahead moves nothing until it is told to.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCandidate, moveTarget, prepareMove } from '../../src/git/landing.js';
import type { Candidate } from '../../src/jobs/ports/worktrees.js';
import { gitEnv, makeGitProject, type GitProject } from '../helpers/git.js';

beforeAll(() => {
  Object.assign(process.env, gitEnv(makeGitProject({}).home));
});

const JOB = { id: 'job-abcd1234', name: 'calm-owl' };
const BACKUP = `refs/jobline/before/${JOB.id}`;

// A project with branch `release` and a job branch `jobline/calm-owl` adding b.txt, both off main.
function project(): GitProject {
  const made = makeGitProject({ 'a.txt': 'line\n' });
  made.git(['branch', 'release']);
  made.git(['checkout', '-q', '-b', 'jobline/calm-owl']);
  made.write('b.txt', 'job\n');
  made.commitAll('calm-owl: edit');
  made.git(['checkout', '-q', 'main']);
  return made;
}

async function build(made: GitProject, target: string): Promise<Extract<Candidate, { kind: 'built' }>> {
  const candidate = await buildCandidate({ repository: made.cwd, path: join(made.worktreesDir, 'calm-owl'), branch: 'jobline/calm-owl', snapshot: null }, JOB, target, 'merge', BACKUP);
  if (candidate.kind !== 'built') throw new Error(`not built: ${candidate.kind}`);
  return candidate;
}

const refOf = (made: GitProject, ref: string): string | null => {
  try {
    return made.git(['rev-parse', '--verify', '--quiet', ref]).trim();
  } catch {
    return null;
  }
};

describe('a landing\'s move', () => {
  it('lands through a linked worktree that has the target checked out, its backup written first', async () => {
    const made = project();
    const elsewhere = join(made.root, 'release-checkout');
    made.git(['worktree', 'add', '-q', elsewhere, 'release']);
    const old = refOf(made, 'release')!;
    const candidate = await build(made, 'release');
    expect(candidate.checkout).toBe(elsewhere);
    expect(candidate.pendingBackup).toBeUndefined();
    expect(refOf(made, BACKUP)).toBe(old);
    const move = await moveTarget(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: candidate.checkout });
    expect(move).toEqual({ kind: 'landed', through: 'checkout', checkout: elsewhere });
    // The files moved with the branch there; the user's checkout (main) is as it was.
    expect(made.read('b.txt', elsewhere)).toBe('job\n');
    expect(refOf(made, 'main')).toBe(old);
  });

  it('takes a worktree whose folder is gone for no checkout, and writes the backup, then moves the target, by one git', async () => {
    const made = project();
    const gone = join(made.root, 'gone-checkout');
    made.git(['worktree', 'add', '-q', gone, 'release']);
    rmSync(gone, { recursive: true, force: true });
    const old = refOf(made, 'release')!;
    const candidate = await build(made, 'release');
    expect(candidate.checkout).toBeNull();
    expect(candidate.pendingBackup).toBe(BACKUP);
    // Nothing is replaced yet, so there is no backup yet.
    expect(refOf(made, BACKUP)).toBeNull();
    const move = await moveTarget(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: BACKUP });
    expect(move).toEqual({ kind: 'landed', through: 'ref', checkout: null });
    expect(refOf(made, 'release')).toBe(candidate.commit);
    expect(refOf(made, BACKUP)).toBe(old);
    expect(made.git(['reflog', '-1', '--format=%gs', 'release']).trim()).toBe('jobline: land calm-owl');
  });

  it('moves nothing when the target moved since the candidate was built (its backup is of the target it was built on)', async () => {
    const made = project();
    const candidate = await build(made, 'release');
    made.git(['update-ref', 'refs/heads/release', refOf(made, 'jobline/calm-owl')!]);
    const moved = refOf(made, 'release');
    const move = await moveTarget(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: BACKUP });
    expect(move).toEqual({ kind: 'moved', now: moved });
    expect(refOf(made, 'release')).toBe(moved);
    expect(refOf(made, BACKUP)).toBe(candidate.oldTarget);
  });

  it('prepared ahead, has the backup written before it is told to move, and the target still where it was', async () => {
    const made = project();
    const old = refOf(made, 'release')!;
    const candidate = await build(made, 'release');
    const prepared = prepareMove(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: BACKUP });
    await prepared.backedUp;
    expect(refOf(made, BACKUP)).toBe(old);
    expect(refOf(made, 'release')).toBe(old);
    expect(await prepared.move()).toEqual({ kind: 'landed', through: 'ref', checkout: null });
    expect(refOf(made, 'release')).toBe(candidate.commit);
    expect(refOf(made, BACKUP)).toBe(old);
  });

  it('prepared ahead, compares the target when told to move, not before; given up, moves nothing', async () => {
    const made = project();
    const candidate = await build(made, 'release');
    prepareMove(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: BACKUP }).cancel();
    const prepared = prepareMove(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: BACKUP });
    // The target moves after the move was prepared (its git started), before it is told to move.
    const tip = refOf(made, 'jobline/calm-owl')!;
    made.git(['update-ref', 'refs/heads/release', tip]);
    expect(await prepared.move()).toEqual({ kind: 'moved', now: tip });
    prepared.cancel();
    expect(refOf(made, 'release')).toBe(tip);
  });

  it('says so when the backup cannot be written, and moves nothing', async () => {
    const made = project();
    const old = refOf(made, 'release')!;
    const candidate = await build(made, 'release');
    // A ref name git refuses: the backup's transaction fails, so the target's is never given.
    const prepared = prepareMove(made.cwd, 'release', candidate.oldTarget, candidate.commit, 'jobline: land calm-owl', { checkout: null, backupRef: 'refs/jobline/before/bad..name' });
    await expect(prepared.backedUp).rejects.toMatchObject({ code: 'GIT_FAILED' });
    await expect(prepared.move()).rejects.toMatchObject({ code: 'GIT_FAILED' });
    expect(refOf(made, 'release')).toBe(old);
  });
});
