// A job id is claimed by creating its folder exclusively: an id whose folder exists (another
// process's job) is never handed out again. Ids are random, so the collision is forced here.
import { describe, expect, it, vi } from 'vitest';
import { JobStore } from '../../../src/store/job-store.js';
import { makeTempDir } from '../../helpers/temp.js';

const sequence: string[] = [];
vi.mock('../../../src/store/new-job-id.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/store/new-job-id.js')>();
  return { ...actual, generateJobId: () => sequence.shift() ?? actual.generateJobId() };
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
});
