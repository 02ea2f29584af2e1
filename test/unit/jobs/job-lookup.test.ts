// Finding the job a user means: a full id at once (whatever its case and spaces, held in memory or
// in the folder), a registered name or a unique prefix of either, and for jobs of an earlier
// version the name in a held job, else in an active job of the folder; several such jobs are
// ambiguous, named; none is not found.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobReader } from '../../../src/jobs/ports/job-reader.js';
import { resolveJob } from '../../../src/jobs/service/job-lookup.js';
import { makeJob } from '../../helpers/jobs.js';

function readerOf(stored: Job[], names: Record<string, string> = {}, options: { isListFailing?: boolean } = {}) {
  const asked: string[] = [];
  const reader = {
    exists: (id: string) => stored.some((job) => job.id === id),
    listIds: async () => {
      asked.push('listIds');
      if (options.isListFailing) throw new Error('unreadable');
      return stored.map((job) => job.id);
    },
    names: { list: () => Object.keys(names), idOf: (name: string) => names[name.toLowerCase()] ?? null },
    list: async (selection: { statuses: string[] }) => {
      asked.push(`list ${selection.statuses.join(',')}`);
      return { jobs: stored.filter((job) => selection.statuses.includes(job.status)), warnings: [], total: stored.length, matching: 0 };
    },
  } as unknown as JobReader;
  return { reader, asked };
}

const held = (jobs: Job[]) => ({ has: (id: string) => jobs.some((job) => job.id === id), jobs: () => jobs });

describe('resolveJob', () => {
  it('takes a full id at once, in any case and with spaces, without listing the folder', async () => {
    const job = makeJob({ id: 'job-abcd1234' });
    const { reader, asked } = readerOf([job]);
    expect(await resolveJob('  JOB-ABCD1234 ', reader)).toBe('job-abcd1234');
    expect(await resolveJob('job-abcd1234', readerOf([]).reader, held([job]))).toBe('job-abcd1234');
    expect(asked).toEqual([]);
  });

  it('resolves a prefix among held and stored jobs, and a registered name', async () => {
    const stored = makeJob({ id: 'job-abcd1234' });
    const mine = makeJob({ id: 'job-zzzz9999' });
    const { reader } = readerOf([stored], { night: 'job-abcd1234' });
    expect(await resolveJob('job-abcd', reader)).toBe('job-abcd1234');
    expect(await resolveJob('job-zz', reader, held([mine]))).toBe('job-zzzz9999');
    expect(await resolveJob('Night', reader)).toBe('job-abcd1234');
    // An unreadable folder lists nothing: held jobs still resolve.
    expect(await resolveJob('job-zz', readerOf([], {}, { isListFailing: true }).reader, held([mine]))).toBe('job-zzzz9999');
  });

  it('finds a job of an earlier version by the name in its job.json: a held one first, else an active one of the folder', async () => {
    const old = makeJob({ id: 'job-old00001', name: 'legacy', status: 'running' });
    const { reader, asked } = readerOf([old]);
    expect(await resolveJob('legacy', reader)).toBe('job-old00001');
    expect(asked).toEqual(['listIds', 'list queued,running,awaiting_approval']);
    const mine = makeJob({ id: 'job-mine0001', name: 'legacy', status: 'completed' });
    expect(await resolveJob('legacy', reader, held([mine]))).toBe('job-mine0001');
    const ended = makeJob({ id: 'job-end00001', name: 'gone', status: 'completed' });
    await expect(resolveJob('gone', readerOf([ended]).reader)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('says which jobs share an old name, and that nothing has it', async () => {
    const twins = [makeJob({ id: 'job-aaaa0001', name: 'twin', status: 'running' }), makeJob({ id: 'job-bbbb0002', name: 'twin', status: 'queued' })];
    await expect(resolveJob('twin', readerOf(twins).reader)).rejects.toMatchObject({ code: 'JOB_ID_AMBIGUOUS', message: '2 active jobs are named twin: job-aaaa0001, job-bbbb0002; give an id.' });
    await expect(resolveJob('nothing', readerOf([]).reader)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    // An ambiguous prefix is said as such, not looked up by name.
    const alike = [makeJob({ id: 'job-twin0001' }), makeJob({ id: 'job-twin0002' })];
    await expect(resolveJob('job-twin', readerOf(alike).reader)).rejects.toMatchObject({ code: 'JOB_ID_AMBIGUOUS' });
  });
});
