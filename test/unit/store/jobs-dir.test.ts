import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureJobsDir, getCurrentUid, resolveJobsDir } from '../../../src/store/jobs-dir.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('jobs folder', () => {
  it('defaults to <tmpdir>/jobline-<uid>; the config and then JOBLINE_JOBS_DIR override it', () => {
    expect(resolveJobsDir(undefined, {})).toMatch(new RegExp(`jobline-${getCurrentUid()}$`));
    expect(resolveJobsDir('/srv/jobs', {})).toBe('/srv/jobs');
    expect(resolveJobsDir('/srv/jobs', { JOBLINE_JOBS_DIR: '/var/tmp/j' })).toBe('/var/tmp/j');
  });

  it('creates a missing folder with mode 0700', () => {
    const dir = join(makeTempDir(), 'nested', 'jobs');
    ensureJobsDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink, a file, a folder writable by others, and one owned by someone else', () => {
    const base = makeTempDir();
    const link = join(base, 'link');
    symlinkSync(makeTempDir(), link);
    expect(() => ensureJobsDir(link)).toThrow(expect.objectContaining({ code: 'JOBS_DIR_UNSAFE', message: expect.stringContaining('is a symbolic link') }));

    const file = join(base, 'file');
    writeFileSync(file, '');
    expect(() => ensureJobsDir(file)).toThrow(/is not a folder/);

    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => ensureJobsDir(open)).toThrow(/writable by others \(mode 777\)\. Run chmod 700/);
    // Writable by anyone but its owner: the group, or others without the group.
    chmodSync(open, 0o770);
    expect(() => ensureJobsDir(open)).toThrow(/writable by its group \(mode 770\)\. Run chmod 700/);
    chmodSync(open, 0o702);
    expect(() => ensureJobsDir(open)).toThrow(/writable by others \(mode 702\)\. Run chmod 700/);
    chmodSync(open, 0o750);
    expect(() => ensureJobsDir(open)).not.toThrow(); // readable by the group is the owner's choice

    const mine = join(base, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    expect(() => ensureJobsDir(mine, { uid: getCurrentUid() + 1 })).toThrow(/is owned by uid \d+, not by you/);
    expect(() => ensureJobsDir(mine)).not.toThrow();
  });
});
