// Workspace snapshots in a real git repository: what a phase changed, untracked files included,
// without touching the user's index, and no snapshot where it would flood the object store.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_UNTRACKED_FILES, describeChanges, readFullDiff, snapshotWorkspace } from '../../../src/agents/workspace-snapshot.js';
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
  it('tell the files a phase changed, untracked ones included and ignored ones not, leaving the index alone', () => {
    const { dir, git } = repository();
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git('add', 'staged.txt');
    const before = snapshotWorkspace(join(dir))!;
    writeFileSync(join(dir, 'a.txt'), 'one\ntwo\n');
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored', 'big.log'), 'x\n');
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    const after = snapshotWorkspace(dir)!;
    expect(describeChanges(dir, before, after)).toEqual({ before, after, files: [{ path: 'a.txt', added: 1, removed: 0 }, { path: 'new.txt', added: 1, removed: 0 }], moreFiles: 0 });
    expect(readFullDiff(dir, { before, after }, false)).toContain('+two');
    expect(git('diff', '--cached', '--name-only')).toBe('staged.txt\n'); // the user's index is as it was
  });

  it('leave out the jobs folder when it lies in the workspace: a job\'s own files are no change of its, and never flood it', () => {
    const { dir } = repository();
    const jobsDir = join(dir, '.jobs');
    mkdirSync(join(jobsDir, 'job-aaaa0001'), { recursive: true });
    const before = snapshotWorkspace(dir, jobsDir)!;
    writeFileSync(join(jobsDir, 'job-aaaa0001', 'output.log'), 'phase output\n');
    for (let i = 0; i <= MAX_UNTRACKED_FILES; i++) writeFileSync(join(jobsDir, `f${i}.json`), '');
    writeFileSync(join(dir, 'made.txt'), 'by the phase\n');
    const after = snapshotWorkspace(dir, jobsDir);
    expect(after).not.toBeNull();
    expect(describeChanges(dir, before, after!)!.files.map((file) => file.path)).toEqual(['made.txt']);
    // A jobs folder outside the workspace changes nothing.
    expect(snapshotWorkspace(dir, makeTempDir())).toBe(snapshotWorkspace(dir));
  });

  it('takes none outside git, or where too many untracked files would flood the repository', () => {
    expect(snapshotWorkspace(makeTempDir())).toBeNull();
    const { dir } = repository();
    for (let i = 0; i <= MAX_UNTRACKED_FILES; i++) writeFileSync(join(dir, `f${i}.txt`), '');
    expect(snapshotWorkspace(dir)).toBeNull();
  });
});
