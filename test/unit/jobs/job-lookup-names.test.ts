// Finding a job by the name in its job.json (jobs of an earlier version): only when nothing else
// named it (an ambiguous prefix stays ambiguous), with the name typed with spaces around it, the
// twins' ids handed with the error (a front end offers them), and a reader's own failure passed on.
import { describe, expect, it } from 'vitest';
import { JobLookupError } from '../../../src/errors.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobReader } from '../../../src/jobs/ports/job-reader.js';
import { resolveJob } from '../../../src/jobs/service/job-lookup.js';
import { makeJob } from '../../helpers/jobs.js';

function readerOf(stored: Job[], options: { namesError?: Error } = {}): JobReader {
  return {
    exists: (id: string) => stored.some((job) => job.id === id),
    listIds: async () => stored.map((job) => job.id),
    names: {
      list: () => {
        if (options.namesError) throw options.namesError;
        return [];
      },
      idOf: () => null,
    },
    list: async (selection: { statuses: string[] }) => ({ jobs: stored.filter((job) => selection.statuses.includes(job.status)), warnings: [], total: stored.length, matching: 0 }),
  } as unknown as JobReader;
}

describe('resolveJob by an old name', () => {
  it('never turns an ambiguous prefix into the job that has it as its name', async () => {
    const jobs = [makeJob({ id: 'job-twin0001' }), makeJob({ id: 'job-twin0002' }), makeJob({ id: 'job-else0003', name: 'job-twin', status: 'running' })];
    await expect(resolveJob('job-twin', readerOf(jobs))).rejects.toMatchObject({ code: 'JOB_ID_AMBIGUOUS', matches: ['job-twin0001', 'job-twin0002'] });
  });

  it('takes the name with spaces around it', async () => {
    const old = makeJob({ id: 'job-old00001', name: 'legacy', status: 'running' });
    expect(await resolveJob('  legacy ', readerOf([old]))).toBe('job-old00001');
  });

  it('hands the ids of the jobs that share it with the error', async () => {
    const twins = [makeJob({ id: 'job-aaaa0001', name: 'twin', status: 'running' }), makeJob({ id: 'job-bbbb0002', name: 'twin', status: 'queued' })];
    const error = await resolveJob('twin', readerOf(twins)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobLookupError);
    expect((error as JobLookupError).matches).toEqual(['job-aaaa0001', 'job-bbbb0002']);
  });

  it("passes on a failure of the folder's names as it is", async () => {
    const broken = new Error('names unreadable');
    await expect(resolveJob('legacy', readerOf([], { namesError: broken }))).rejects.toBe(broken);
  });
});
