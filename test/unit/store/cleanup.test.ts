import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/jobs/model/job.js';
import { enforceEndedLimits, enforceUnfinishedLimit, getEndedLimits, removeListedJobs } from '../../../src/store/cleanup.js';
import { JobStore } from '../../../src/store/job-store.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

async function seed(store: JobStore, statuses: JobStatus[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, status] of statuses.entries()) {
    const id = store.claimIdSync();
    const endedAt = status === 'running' || status === 'queued' ? null : `2026-11-22T10:00:${String(10 + i).padStart(2, '0')}.000Z`;
    store.writeSync(makeJob({ id, status, endedAt, createdAt: `2026-11-22T09:00:${String(10 + i).padStart(2, '0')}.000Z` }));
    ids.push(id);
  }
  return ids;
}

describe('storage policy', () => {
  it('keeps only the newest maxUnfinishedJobs failed, cancelled or interrupted jobs', async () => {
    const store = JobStore.open(makeTempDir());
    const ids = await seed(store, ['failed', 'running', 'cancelled', 'completed', 'interrupted', 'failed', 'queued']);
    const removed = await enforceUnfinishedLimit(store, 2);
    expect(removed).toEqual([ids[0], ids[2]]);
    const left = (await store.list()).jobs.map((job) => job.id).sort();
    expect(left).toEqual([ids[1], ids[3], ids[4], ids[5], ids[6]].sort());
  });

  it('keeps the newest maxCompletedJobs completed jobs apart from the unfinished ones, and a limit of 0 removes a job as it completes', async () => {
    const store = JobStore.open(makeTempDir());
    const ids = await seed(store, ['completed', 'failed', 'completed', 'completed', 'failed']);
    expect(await enforceEndedLimits(store, { completed: 2, unfinished: 2 })).toEqual([ids[0]]);
    const justCompleted = makeJob({ id: store.claimIdSync(), status: 'completed', endedAt: '2026-11-22T11:00:00.000Z' });
    store.writeSync(justCompleted);
    expect(await enforceEndedLimits(store, getEndedLimits({ keepTempFiles: false, maxCompletedJobs: 2, maxUnfinishedJobs: 2 }))).toEqual([ids[2]]);
    expect(await enforceEndedLimits(store, getEndedLimits({ keepTempFiles: true, maxCompletedJobs: 0, maxUnfinishedJobs: 2 }))).toEqual([]);
    expect((await enforceEndedLimits(store, getEndedLimits({ keepTempFiles: false, maxCompletedJobs: 0, maxUnfinishedJobs: 2 }))).sort()).toEqual([ids[3], justCompleted.id].sort());
    expect((await store.list()).jobs.map((job) => job.id).sort()).toEqual([ids[1], ids[4]].sort());
  });

  it('removes nothing while under the limit, and everything unfinished at limit 0', async () => {
    const store = JobStore.open(makeTempDir());
    await seed(store, ['failed', 'cancelled']);
    expect(await enforceUnfinishedLimit(store, 10)).toEqual([]);
    expect(await enforceUnfinishedLimit(store, 0)).toHaveLength(2);
  });

  it('removeListedJobs removes exactly the listed jobs, and none that is active or changed since the listing', async () => {
    const store = JobStore.open(makeTempDir());
    const ids = await seed(store, ['completed', 'running', 'failed', 'awaiting_approval', 'interrupted', 'cancelled']);
    const listed = (await store.list()).jobs;
    const byId = new Map(listed.map((job) => [job.id, job]));
    // Resumed by someone after the listing: now queued again.
    const resumed = byId.get(ids[4]!)!;
    store.writeSync({ ...resumed, status: 'queued', endedAt: null });
    const chosen = [ids[0], ids[1], ids[3], ids[4]].map((id) => byId.get(id!)!);
    expect(await removeListedJobs(store, chosen)).toEqual([ids[0]]);
    expect((await store.list()).jobs.map((job) => job.status).sort()).toEqual(['awaiting_approval', 'cancelled', 'failed', 'queued', 'running']);
  });
});
