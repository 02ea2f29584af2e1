// Names of jobs in the register, and claim tokens: a new job's name given or its claimed folder
// removed; a rename takes the new name before its commit and frees the old one only after, and a
// failed commit frees the new one again; a claim token matches only its own run's hash.
import { describe, expect, it } from 'vitest';
import type { Run } from '../../../src/jobs/model/task.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import { createClaimToken, hashClaimToken, isClaimTokenOf } from '../../../src/jobs/service/claim-tokens.js';
import { claimNewJobName, renameAround } from '../../../src/jobs/service/job-naming.js';

function registerOf(options: { isTaken?: boolean } = {}) {
  const calls: string[] = [];
  const repository = {
    claimNameSync: (id: string, name: string | null) => {
      calls.push(`claim ${id} ${name}`);
      if (options.isTaken) throw Object.assign(new Error(`The name ${name} is taken.`), { code: 'JOB_NAME_TAKEN' });
      return name ?? 'brave-otter';
    },
    releaseNameSync: (name: string, id: string) => calls.push(`release ${name} ${id}`),
    remove: async (id: string) => {
      calls.push(`remove ${id}`);
      throw new Error('already gone');
    },
  } as unknown as JobRepository;
  return { repository, calls };
}

describe('claimNewJobName', () => {
  it('gives the wanted name, or a generated one, and removes the claimed folder when the name is taken', async () => {
    const { repository, calls } = registerOf();
    expect(claimNewJobName(repository, 'job-aaaa0001', 'night')).toBe('night');
    expect(claimNewJobName(repository, 'job-aaaa0002', null)).toBe('brave-otter');
    expect(calls).toEqual(['claim job-aaaa0001 night', 'claim job-aaaa0002 null']);
    const taken = registerOf({ isTaken: true });
    expect(() => claimNewJobName(taken.repository, 'job-aaaa0003', 'night')).toThrow(expect.objectContaining({ code: 'JOB_NAME_TAKEN' }));
    await Promise.resolve();
    expect(taken.calls).toEqual(['claim job-aaaa0003 night', 'remove job-aaaa0003']);
  });
});

describe('renameAround', () => {
  it('takes the new name before the commit and frees the old one after it', async () => {
    const { repository, calls } = registerOf();
    await renameAround(repository, 'job-aaaa0001', 'old', 'new', async () => void calls.push('commit'));
    expect(calls).toEqual(['claim job-aaaa0001 new', 'commit', 'release old job-aaaa0001']);
  });

  it('takes no name to drop one, and frees none when the job had none', async () => {
    const dropped = registerOf();
    await renameAround(dropped.repository, 'job-aaaa0001', 'old', null, async () => void dropped.calls.push('commit'));
    expect(dropped.calls).toEqual(['commit', 'release old job-aaaa0001']);
    const named = registerOf();
    await renameAround(named.repository, 'job-aaaa0001', null, 'new', async () => void named.calls.push('commit'));
    expect(named.calls).toEqual(['claim job-aaaa0001 new', 'commit']);
  });

  it('frees the new name again when the commit fails, keeps the old one, and throws the failure', async () => {
    const { repository, calls } = registerOf();
    await expect(renameAround(repository, 'job-aaaa0001', 'old', 'new', async () => {
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(calls).toEqual(['claim job-aaaa0001 new', 'release new job-aaaa0001']);
    const unnamed = registerOf();
    await expect(renameAround(unnamed.repository, 'job-aaaa0001', 'old', null, async () => {
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(unnamed.calls).toEqual([]);
  });

  it('commits nothing when the new name is taken', async () => {
    const { repository, calls } = registerOf({ isTaken: true });
    await expect(renameAround(repository, 'job-aaaa0001', 'old', 'new', async () => void calls.push('commit'))).rejects.toMatchObject({ code: 'JOB_NAME_TAKEN' });
    expect(calls).toEqual(['claim job-aaaa0001 new']);
  });
});

describe('claim tokens', () => {
  it('are 43 characters of base64url, new each time, and match only their own run by hash', () => {
    const token = createClaimToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createClaimToken()).not.toBe(token);
    expect(hashClaimToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const run = { tokenHash: hashClaimToken(token) } as Run;
    expect(isClaimTokenOf(run, token)).toBe(true);
    expect(isClaimTokenOf(run, createClaimToken())).toBe(false);
    expect(isClaimTokenOf(run, undefined)).toBe(false);
    expect(isClaimTokenOf(run, '')).toBe(false);
    expect(isClaimTokenOf({} as Run, token)).toBe(false);
    expect(isClaimTokenOf({ tokenHash: hashClaimToken('') } as Run, '')).toBe(false);
  });
});
