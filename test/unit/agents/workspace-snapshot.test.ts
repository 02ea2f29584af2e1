// Workspace snapshots in a real git repository: what a phase changed, untracked files included,
// without touching the user's index, and no snapshot where it would flood the object store.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_UNTRACKED_FILES, describeChanges, readFullDiff, snapshotWorkspace } from '../../../src/agents/workspace-snapshot.js';
import { undoChanges } from '../../../src/agents/workspace-restore.js';
import { makeTempDir } from '../../helpers/temp.js';

function repository(): { dir: string; git: (...args: string[]) => string } {
  const dir = makeTempDir();
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
  writeFileSync(join(dir, 'a.txt'), 'one\n');
  writeFileSync(join(dir, '.gitignore'), 'ignored/\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'start');
  return { dir, git };
}

describe('workspace snapshots', () => {
  it('tell the files a phase changed, untracked ones included and ignored ones not, leaving the index alone', async () => {
    const { dir, git } = repository();
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git('add', 'staged.txt');
    const before = (await snapshotWorkspace(join(dir)))!;
    writeFileSync(join(dir, 'a.txt'), 'one\ntwo\n');
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored', 'big.log'), 'x\n');
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    const after = (await snapshotWorkspace(dir))!;
    expect(describeChanges(dir, before, after)).toEqual({ before, after, files: [{ path: 'a.txt', added: 1, removed: 0 }, { path: 'new.txt', added: 1, removed: 0 }], moreFiles: 0 });
    expect(readFullDiff(dir, { before, after }, false)).toContain('+two');
    expect(git('diff', '--cached', '--name-only')).toBe('staged.txt\n'); // the user's index is as it was
  });

  it('leave out the jobs folder when it lies in the workspace: a job\'s own files are no change of its, and never flood it', async () => {
    const { dir } = repository();
    const jobsDir = join(dir, '.jobs');
    mkdirSync(join(jobsDir, 'job-aaaa0001'), { recursive: true });
    const before = (await snapshotWorkspace(dir, jobsDir))!;
    writeFileSync(join(jobsDir, 'job-aaaa0001', 'output.log'), 'phase output\n');
    for (let i = 0; i <= MAX_UNTRACKED_FILES; i++) writeFileSync(join(jobsDir, `f${i}.json`), '');
    writeFileSync(join(dir, 'made.txt'), 'by the phase\n');
    const after = await snapshotWorkspace(dir, jobsDir);
    expect(after).not.toBeNull();
    expect(describeChanges(dir, before, after!)!.files.map((file) => file.path)).toEqual(['made.txt']);
    // A jobs folder outside the workspace changes nothing.
    expect(await snapshotWorkspace(dir, makeTempDir())).toBe(await snapshotWorkspace(dir));
  });

  it('takes none outside git, or where too many untracked files would flood the repository', async () => {
    expect(await snapshotWorkspace(makeTempDir())).toBeNull();
    const { dir } = repository();
    for (let i = 0; i <= MAX_UNTRACKED_FILES; i++) writeFileSync(join(dir, `f${i}.txt`), '');
    expect(await snapshotWorkspace(dir)).toBeNull();
  });
});

describe('undoing a phase\'s changes for its retry', () => {
  it('puts the files back to the tree before the phase, keeps what it undid under a ref, and leaves the index, HEAD and ignored files alone', async () => {
    const { dir, git } = repository();
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git('add', 'staged.txt');
    const head = git('rev-parse', 'HEAD');
    const before = (await snapshotWorkspace(dir))!;
    writeFileSync(join(dir, 'a.txt'), 'changed\n');
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'deep', 'new.ts'), 'new\n');
    rmSync(join(dir, 'staged.txt'));
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored', 'build.log'), 'kept\n');
    const attempt = (await snapshotWorkspace(dir))!;
    const undone = await undoChanges(dir, before, null, 'refs/jobline/undone/job-x/implement-1', 'undone');
    expect(undone).toEqual({ ref: 'refs/jobline/undone/job-x/implement-1', files: 3 });
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    expect(readFileSync(join(dir, 'staged.txt'), 'utf8')).toBe('staged\n');
    expect(existsSync(join(dir, 'src'))).toBe(false);
    expect(readFileSync(join(dir, 'ignored', 'build.log'), 'utf8')).toBe('kept\n');
    expect(await snapshotWorkspace(dir)).toBe(before);
    expect(git('rev-parse', 'refs/jobline/undone/job-x/implement-1^{tree}').trim()).toBe(attempt);
    expect(git('show', '--name-only', '--format=', 'refs/jobline/undone/job-x/implement-1').split('\n').filter(Boolean).sort()).toEqual(['a.txt', 'src/deep/new.ts', 'staged.txt']);
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(git('diff', '--cached', '--name-only')).toBe('staged.txt\n');
    expect(await undoChanges(dir, before, null, 'refs/jobline/undone/job-x/implement-2', 'undone')).toBeNull();
  });
});
