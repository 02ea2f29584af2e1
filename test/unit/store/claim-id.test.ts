// A job id is claimed by creating its folder exclusively: an id whose folder exists (another
// process's job) is never handed out again. Ids are random, so the collision is forced here; so is
// a removal's rename failing (the other store faults are real: job-store-files.test.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { JobStore } from '../../../src/store/job-store.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const sequence: string[] = [];
vi.mock('../../../src/store/new-job-id.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/store/new-job-id.js')>();
  return { ...actual, generateJobId: () => sequence.shift() ?? actual.generateJobId() };
});
const renameFails = { code: null as string | null };
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: async (...args: Parameters<typeof fs.rename>) => {
      if (renameFails.code) throw Object.assign(new Error(`${renameFails.code}: failed, rename`), { code: renameFails.code });
      return fs.rename(...args);
    },
  };
});

describe('claimIdSync', () => {
  it('skips an id whose folder another process created, and never returns one id twice', () => {
    const dir = makeTempDir();
    const mine = JobStore.open(dir);
    const theirs = JobStore.open(dir);
    sequence.push('job-aaaaaaaa', 'job-aaaaaaaa', 'job-aaaaaaaa', 'job-bbbbbbbb');
    expect(theirs.claimIdSync()).toBe('job-aaaaaaaa');
    expect(mine.claimIdSync()).toBe('job-bbbbbbbb');
  });

  it('gives up after 20 ids taken in a row, saying so; a 21st would have been free', () => {
    const dir = makeTempDir();
    const store = JobStore.open(dir);
    mkdirSync(join(dir, 'job-taken000'));
    sequence.push(...Array(20).fill('job-taken000'), 'job-free0000');
    expect(() => store.claimIdSync()).toThrow(expect.objectContaining({ code: 'JOB_IO', message: `Cannot find a free job id in ${dir} after 20 tries.` }));
    expect(existsSync(join(dir, 'job-free0000'))).toBe(false);
    sequence.length = 0;
  });
});

describe('remove', () => {
  it('whose folder cannot be moved aside fails with the cause, and leaves the job whole; a job gone already is fine', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }));
    renameFails.code = 'EACCES';
    try {
      await expect(store.remove(id)).rejects.toMatchObject({ code: 'EACCES' });
      expect(store.readSync(id)?.id).toBe(id);
      renameFails.code = 'ENOENT';
      await expect(store.remove(id)).resolves.toBeUndefined();
    } finally {
      renameFails.code = null;
    }
    await store.remove(id);
    expect(existsSync(store.pathsOf(id).dir)).toBe(false);
  });
});
