// Listing many jobs through the ended-jobs index: a selection reads only the jobs it shows (and
// every job the index does not know, such as running ones), whatever else is stored.
import { describe, expect, it, vi } from 'vitest';
import { createJob, type Job } from '../../../src/jobs/model/job.js';
import { buildMissingIndex } from '../../../src/store/cleanup.js';
import { readIndex } from '../../../src/store/ended-index.js';
import { JobFolderReader } from '../../../src/store/job-folder-reader.js';
import { JobStore } from '../../../src/store/job-store.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import { deadOwner } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

function stored(store: JobStore, index: number, status: Job['status'], owner = getCurrentOwner()): string {
  const id = store.claimIdSync();
  const minute = String(index % 60).padStart(2, '0');
  const hour = String(10 + Math.floor(index / 60)).padStart(2, '0');
  const job = createJob({ id, agent: 'sh', description: `job ${index}`, mode: 'background', phaseNames: ['run'], owner, now: `2026-11-22T${hour}:${minute}:00.000Z` });
  const isEnded = status !== 'running' && status !== 'queued';
  store.writeSync({ ...job, status, endedAt: isEnded ? `2026-11-22T${hour}:${minute}:30.000Z` : null, eventSeq: 1 });
  return id;
}

describe('JobFolderReader.list with a selection', () => {
  it('reads only the selected ended jobs and the jobs the index does not know', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const failed = Array.from({ length: 120 }, (_, i) => stored(store, i, 'failed'));
    const interrupted = [stored(store, 200, 'interrupted'), stored(store, 201, 'interrupted')];
    const completed = Array.from({ length: 30 }, (_, i) => stored(store, 300 + i, 'completed'));
    const running = stored(store, 400, 'running');
    const crashed = stored(store, 401, 'running', deadOwner()); // its owner died: it reads as interrupted
    const reader = new JobFolderReader(store);

    // No index yet: the first listing reads every job, and has the index built.
    const first = await reader.list({ statuses: ['interrupted'] });
    expect(first.jobs.map((job) => job.id).sort()).toEqual([...interrupted, crashed].sort());
    await buildMissingIndex(store);
    expect(readIndex(store.dir)!.entries.get(failed[0]!)!.status).toBe('failed');

    const loadMany = vi.spyOn(store, 'loadMany');
    const review = await reader.list({ statuses: ['interrupted'] });
    expect(review.jobs.map((job) => job.id).sort()).toEqual([...interrupted, crashed].sort());
    expect(loadMany.mock.calls[0]![0]!.length).toBe(3 + 1); // the 3 interrupted (the crashed one is indexed now) and the running one
    loadMany.mockClear();

    const page = await reader.list({ newestEnded: 10 });
    expect(loadMany.mock.calls[0]![0]!.length).toBe(10 + 1); // the newest 10 ended, and the running job
    expect(page.jobs.map((job) => job.id)).toContain(running);
    // The newest ended: the crashed job (interrupted at its last activity, the latest) and 9 completed.
    expect(page.jobs.filter((job) => job.status !== 'running').map((job) => job.id)).toEqual([...completed.slice(-9), crashed]);
    expect(page.total).toBe(failed.length + interrupted.length + completed.length + 2);
    expect(page.matching).toBe(page.total);

    const onlyFailed = await reader.list({ statuses: ['failed'], newestEnded: 5 });
    expect(onlyFailed.jobs.map((job) => job.id)).toEqual(failed.slice(-5));
    expect(onlyFailed.matching).toBe(120);
  });

  it('reads everything without a selection, and skips unreadable items with a warning', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const ids = [stored(store, 1, 'failed'), stored(store, 2, 'completed')];
    const listing = await new JobFolderReader(store).list();
    expect(listing.jobs.map((job) => job.id)).toEqual(ids);
    expect(listing).toMatchObject({ warnings: [], total: 2, matching: 2 });
  });
});
