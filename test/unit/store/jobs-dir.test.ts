import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('jobs folder, in full', () => {
  it('takes JOBLINE_JOBS_DIR only when it says something, made absolute', () => {
    expect(resolveJobsDir('/srv/jobs', { JOBLINE_JOBS_DIR: '   ' })).toBe('/srv/jobs');
    expect(resolveJobsDir('/srv/jobs', { JOBLINE_JOBS_DIR: '' })).toBe('/srv/jobs');
    expect(resolveJobsDir(null, { JOBLINE_JOBS_DIR: 'rel/jobs' })).toBe(join(process.cwd(), 'rel/jobs'));
    expect(resolveJobsDir('rel/cfg', {})).toBe(join(process.cwd(), 'rel/cfg'));
    expect(getCurrentUid()).toBe(process.getuid!());
  });

  it('says each refusal in full, with how to fix it; a folder that cannot be made or read says why', () => {
    const base = makeTempDir();
    const fix = 'Remove or fix it, or choose another folder with JOBLINE_JOBS_DIR or "jobsDir" in .jobrc.json.';
    const file = join(base, 'file');
    writeFileSync(file, '');
    expect(() => ensureJobsDir(file)).toThrow(expect.objectContaining({ code: 'JOBS_DIR_UNSAFE', message: `Refusing jobs folder ${file}: it is not a folder. ${fix}` }));
    const mine = join(base, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    expect(() => ensureJobsDir(mine, { uid: 4242 })).toThrow(expect.objectContaining({ code: 'JOBS_DIR_UNSAFE', message: `Refusing jobs folder ${mine}: it is owned by uid ${getCurrentUid()}, not by you (uid 4242). ${fix}` }));
    // Without a uid to compare (a platform without uids), anyone's folder is taken.
    expect(() => ensureJobsDir(mine, { uid: -1 })).not.toThrow();
    // uid 0 (root) is a uid like any other: a folder of another user is refused to it too.
    if (getCurrentUid() === 0) {
      const theirs = join(base, 'theirs');
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 4242, 4242);
      expect(() => ensureJobsDir(theirs, { uid: 0 })).toThrow(`Refusing jobs folder ${theirs}: it is owned by uid 4242, not by you (uid 0). ${fix}`);
    }
    chmodSync(mine, 0o707);
    expect(() => ensureJobsDir(mine)).toThrow(expect.objectContaining({ code: 'JOBS_DIR_UNSAFE', message: `Refusing jobs folder ${mine}: it is writable by others (mode 707). Run chmod 700 on it. ${fix}` }));
    chmodSync(mine, 0o020);
    expect(() => ensureJobsDir(mine)).toThrow(`Refusing jobs folder ${mine}: it is writable by its group (mode 020). Run chmod 700 on it. ${fix}`);
    const inFile = join(file, 'jobs');
    expect(() => ensureJobsDir(inFile)).toThrow(expect.objectContaining({ code: 'JOBS_DIR_IO', message: expect.stringMatching(new RegExp(`^Cannot inspect jobs folder ${inFile}: ENOTDIR`)), cause: expect.objectContaining({ code: 'ENOTDIR' }) }));
    const deeper = join(file, 'sub', 'jobs');
    expect(() => ensureJobsDir(deeper)).toThrow(expect.objectContaining({ code: 'JOBS_DIR_IO', message: expect.stringMatching(new RegExp(`^Cannot create jobs folder ${deeper}: ENOTDIR`)), cause: expect.objectContaining({ code: 'ENOTDIR' }) }));
  });
});


describe('jobs folder, on its edges', () => {
  it('is made with every missing folder above it', () => {
    const dir = join(makeTempDir(), 'a', 'b', 'c', 'jobs');
    ensureJobsDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Already there and safe: taken as it is.
    expect(() => ensureJobsDir(dir)).not.toThrow();
  });

  it('has no owner to check on a platform without uids (-1), where the default folder says so', () => {
    const getuid = process.getuid;
    try {
      (process as { getuid?: () => number }).getuid = undefined;
      expect(getCurrentUid()).toBe(-1);
      expect(resolveJobsDir(undefined, {})).toMatch(/jobline--1$/);
      const theirs = join(makeTempDir(), 'theirs');
      mkdirSync(theirs, { mode: 0o700 });
      expect(() => ensureJobsDir(theirs)).not.toThrow();
    } finally {
      process.getuid = getuid;
    }
  });
});
