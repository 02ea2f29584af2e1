import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../../../src/jobs/model/job.js';
import { StoreError } from '../../../src/errors.js';
import { buildMissingIndex, enforceEndedLimits, enforceUnfinishedLimit, getEndedLimits, removeIfUnchanged, removeListedJobs } from '../../../src/store/cleanup.js';
import { formatEndedLine, INDEX_FILE, readIndex, rewriteIndex } from '../../../src/store/ended-index.js';
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

// A store whose jobs end at the given times (minutes past 10:00) and were created at the given minutes past 9:00.
function seedAt(store: JobStore, jobs: Array<{ status: JobStatus; ended: number; created?: number }>): string[] {
  return jobs.map(({ status, ended, created = 0 }) => {
    const id = store.claimIdSync();
    const at = (hour: number, minute: number) => `2026-11-22T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
    store.writeSync(makeJob({ id, status, endedAt: at(10, ended), createdAt: at(9, created) }));
    return id;
  });
}

describe('the eviction order', () => {
  it('is the oldest end first, then the oldest creation, then the id, whatever order the jobs were stored in', async () => {
    const store = JobStore.open(makeTempDir());
    const [late, tieNew, tieOld, sameOne, sameTwo] = seedAt(store, [
      { status: 'failed', ended: 30 },
      { status: 'failed', ended: 10, created: 20 },
      { status: 'failed', ended: 10, created: 5 },
      { status: 'failed', ended: 20, created: 1 },
      { status: 'failed', ended: 20, created: 1 },
    ]);
    expect(await enforceUnfinishedLimit(store, 1)).toEqual([tieOld, tieNew, ...[sameOne!, sameTwo!].sort()]);
    expect((await store.list()).jobs.map((job) => job.id)).toEqual([late]);
  });
});

describe('a pass over an index that says more than there is', () => {
  it('counts a job resumed since (or gone) as one less, keeps it, and drops it from the index', async () => {
    const store = JobStore.open(makeTempDir());
    const [oldest, middle, newest] = seedAt(store, [{ status: 'failed', ended: 1 }, { status: 'failed', ended: 2 }, { status: 'failed', ended: 3 }]);
    await buildMissingIndex(store);
    const resumed = store.readSync(oldest!)!;
    store.writeSync({ ...resumed, status: 'running', endedAt: null });
    expect(await enforceUnfinishedLimit(store, 1)).toEqual([middle]);
    expect((await store.list()).jobs.map((job) => job.id).sort()).toEqual([oldest, newest].sort());
    expect([...readIndex(store.dir)!.entries.keys()]).toEqual([newest]);
  });

  it('counts a job it was told just ended, which the index missed', async () => {
    const store = JobStore.open(makeTempDir());
    const [first] = seedAt(store, [{ status: 'failed', ended: 1 }]);
    await buildMissingIndex(store);
    const before = [...readIndex(store.dir)!.entries.values()];
    const [missed] = seedAt(store, [{ status: 'cancelled', ended: 2 }]);
    rewriteIndex(store.dir, before); // its line was lost
    expect(readIndex(store.dir)!.entries.has(missed!)).toBe(false);
    expect(await enforceUnfinishedLimit(store, 1)).toEqual([]);
    expect(await enforceUnfinishedLimit(store, 1, undefined, store.readSync(missed!)!)).toEqual([first]);
    // A job that did not end is no entry.
    const [running] = seedAt(store, [{ status: 'running', ended: 3 }]);
    expect(await enforceUnfinishedLimit(store, 0, undefined, store.readSync(running!)!)).toEqual([missed]);
    expect(readIndex(store.dir)!.entries.size).toBe(0);
  });

  it('rewrites the index when it dropped or removed entries, or when its lines far outnumber its jobs', async () => {
    const store = JobStore.open(makeTempDir());
    const ids = seedAt(store, [{ status: 'failed', ended: 1 }, { status: 'completed', ended: 2 }]);
    await buildMissingIndex(store);
    const path = join(store.dir, INDEX_FILE);
    const entries = [...readIndex(store.dir)!.entries.values()];
    // A few repeated lines: under the limit (4 lines a job, and 64), it stays as it is.
    appendFileSync(path, entries.map(formatEndedLine).join('').repeat(30));
    const few = readFileSync(path, 'utf8');
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 })).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(few);
    // Past it: compacted to one line a job.
    appendFileSync(path, entries.map(formatEndedLine).join('').repeat(10));
    expect(readIndex(store.dir)!.lineCount).toBeGreaterThan(4 * 2 + 64);
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 })).toEqual([]);
    expect(readIndex(store.dir)!.lineCount).toBe(2);
    // A removal appends the job's "-" line: the file is not rewritten for it.
    const beforeRemoval = readFileSync(path, 'utf8');
    expect(await enforceEndedLimits(store, { unfinished: 0, completed: 5 })).toEqual([ids[0]]);
    expect([...readIndex(store.dir)!.entries.keys()]).toEqual([ids[1]]);
    expect(readFileSync(path, 'utf8')).toBe(`${beforeRemoval}- ${ids[0]}\n`);
    // An entry of a job that is gone is dropped, and the file rewritten without it.
    const completed = entries.find((entry) => entry.id === ids[1])!;
    appendFileSync(path, formatEndedLine({ ...completed, id: 'job-gone0001', endedAt: '2000-01-01T00:00:00.000Z', createdAt: '2000-01-01T00:00:00.000Z' }));
    expect(await enforceEndedLimits(store, { unfinished: 0, completed: 1 })).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(formatEndedLine(completed));
  });

  it('writes the job a pass is for into the index when the index missed it, and only then rewrites it', async () => {
    const store = JobStore.open(makeTempDir());
    const [kept] = seedAt(store, [{ status: 'completed', ended: 1 }]);
    await buildMissingIndex(store);
    const path = join(store.dir, INDEX_FILE);
    const whole = readFileSync(path, 'utf8');
    // The job the pass is for is in the index already: nothing to write.
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 }, undefined, store.readSync(kept!)!)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(whole);
    // One the index missed (its line was lost) is written into it.
    const [missed] = seedAt(store, [{ status: 'failed', ended: 2 }]);
    rewriteIndex(store.dir, [...readIndex(store.dir)!.entries.values()].filter((entry) => entry.id !== missed));
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 }, undefined, store.readSync(missed!)!)).toEqual([]);
    expect([...readIndex(store.dir)!.entries.keys()].sort()).toEqual([kept, missed].sort());
  });
});

describe('building a missing index', () => {
  it('builds one from the folder, rebuilds one with lines of an older version, and leaves a whole one alone', async () => {
    const store = JobStore.open(makeTempDir());
    const [failed, completed] = seedAt(store, [{ status: 'failed', ended: 1, created: 1 }, { status: 'completed', ended: 2, created: 2 }]);
    await buildMissingIndex(store);
    expect([...readIndex(store.dir)!.entries.values()].map((entry) => [entry.id, entry.kind, entry.status])).toEqual([[failed, 'unfinished', 'failed'], [completed, 'completed', 'completed']]);
    const path = join(store.dir, INDEX_FILE);
    const entries = [...readIndex(store.dir)!.entries.values()];
    seedAt(store, [{ status: 'cancelled', ended: 3 }]);
    rewriteIndex(store.dir, entries); // its line was lost: only a rebuild would add it
    const whole = readFileSync(path, 'utf8');
    await buildMissingIndex(store);
    expect(readFileSync(path, 'utf8')).toBe(whole);
    // A line of an older version says no status: the index is rebuilt from the folder.
    writeFileSync(path, `u ${failed} 2026-11-22T10:01:00.000Z 2026-11-22T09:00:00.000Z\n`);
    await buildMissingIndex(store);
    expect(readIndex(store.dir)!.entries.size).toBe(3);
    expect([...readIndex(store.dir)!.entries.values()].every((entry) => entry.status !== null)).toBe(true);
  });
});

describe('removing one job if it is unchanged', () => {
  it('removes nothing that is gone or ended again since it was listed', async () => {
    const store = JobStore.open(makeTempDir());
    const [id] = seedAt(store, [{ status: 'failed', ended: 1 }]);
    const listed = store.readSync(id!)!;
    store.writeSync({ ...listed, endedAt: '2026-11-22T12:00:00.000Z' });
    expect(await removeIfUnchanged(store, listed)).toBe(false);
    expect(store.readSync(id!)).not.toBeNull();
    const gone = makeJob({ id: 'job-zzzzzzzz', status: 'failed', endedAt: listed.endedAt });
    expect(await removeIfUnchanged(store, gone)).toBe(false);
  });

  it('keeps a job whose worktree holds work not landed; takes the worktree with a job that may go', async () => {
    const asked: string[] = [];
    const guard = {
      whyKeep: async (job: Job) => (job.name === 'keep' ? 'its work has not landed' : null),
      remove: async (job: Job) => void asked.push(`remove ${job.name}`),
    };
    const store = JobStore.open(makeTempDir(), { worktreeGuard: guard });
    const worktree = { path: '/w/x', branch: 'jobline/x', base: 'a'.repeat(40), baseBranch: 'main', repository: '/r', snapshot: null, target: 'main', isolation: 'worktree' as const };
    const keep = makeJob({ id: store.claimIdSync(), name: 'keep', status: 'completed', endedAt: '2026-11-22T10:00:00.000Z', worktree });
    const go = makeJob({ id: store.claimIdSync(), name: 'go', status: 'completed', endedAt: '2026-11-22T10:00:00.000Z', worktree });
    const plain = makeJob({ id: store.claimIdSync(), name: 'plain', status: 'completed', endedAt: '2026-11-22T10:00:00.000Z' });
    for (const job of [keep, go, plain]) store.writeSync(job);
    expect(await removeIfUnchanged(store, keep)).toBe(false);
    expect(await removeIfUnchanged(store, go)).toBe(true);
    expect(await removeIfUnchanged(store, plain)).toBe(true);
    expect(asked).toEqual(['remove go']);
    expect((await store.list()).jobs.map((job) => job.name)).toEqual(['keep']);
  });

  it('counts a job whose claim finds it gone, or that cannot be read, as not removed; other failures are thrown', async () => {
    const store = JobStore.open(makeTempDir());
    const [id] = seedAt(store, [{ status: 'failed', ended: 1 }]);
    const listed = store.readSync(id!)!;
    const failing = (code: string) => ({ ...store, dir: store.dir, withJobClaim: async () => { throw new StoreError(code as never, code); } }) as unknown as JobStore;
    expect(await removeIfUnchanged(failing('CLAIM_TARGET_GONE'), listed)).toBe(false);
    expect(await removeIfUnchanged(failing('JOB_IO'), listed)).toBe(false);
    await expect(removeIfUnchanged(failing('CLAIM_BUSY'), listed)).rejects.toMatchObject({ code: 'CLAIM_BUSY' });
  });
});

describe('removing one job if it is unchanged, its file read afresh', () => {
  it('keeps a job whose file cannot be read any more, and one whose status changed at the same end', async () => {
    const store = JobStore.open(makeTempDir());
    const [unreadable, recast] = seedAt(store, [{ status: 'failed', ended: 1 }, { status: 'failed', ended: 2 }]);
    const listedUnreadable = store.readSync(unreadable!)!;
    writeFileSync(store.pathsOf(unreadable!).job, '{');
    expect(await removeIfUnchanged(store, listedUnreadable)).toBe(false);
    const listedRecast = store.readSync(recast!)!;
    store.writeSync({ ...listedRecast, status: 'cancelled' });
    expect(await removeIfUnchanged(store, listedRecast)).toBe(false);
    expect(store.readSync(recast!)!.status).toBe('cancelled');
    expect(readFileSync(store.pathsOf(unreadable!).job, 'utf8')).toBe('{');
  });
});

describe('the index rewritten by a pass', () => {
  it('stays as it is at exactly 4 lines a job and 64, and is compacted one line past that', async () => {
    const store = JobStore.open(makeTempDir());
    seedAt(store, [{ status: 'failed', ended: 1 }, { status: 'completed', ended: 2 }]);
    await buildMissingIndex(store);
    const path = join(store.dir, INDEX_FILE);
    const entries = [...readIndex(store.dir)!.entries.values()];
    appendFileSync(path, entries.map(formatEndedLine).join('').repeat(35));
    expect(readIndex(store.dir)!.lineCount).toBe(4 * 2 + 64);
    const atLimit = readFileSync(path, 'utf8');
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 })).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(atLimit);
    appendFileSync(path, formatEndedLine(entries[0]!));
    expect(await enforceEndedLimits(store, { unfinished: 5, completed: 5 })).toEqual([]);
    expect(readIndex(store.dir)!.lineCount).toBe(2);
  });

  it('is rebuilt when any of its lines is of an older version, not only when all are', async () => {
    const store = JobStore.open(makeTempDir());
    const [failed, completed] = seedAt(store, [{ status: 'failed', ended: 1 }, { status: 'completed', ended: 2 }]);
    await buildMissingIndex(store);
    const path = join(store.dir, INDEX_FILE);
    writeFileSync(path, `u ${failed} 2026-11-22T10:01:00.000Z 2026-11-22T09:00:00.000Z\nc ${completed} 2026-11-22T10:02:00.000Z 2026-11-22T09:00:00.000Z completed\n`);
    await buildMissingIndex(store);
    expect(readIndex(store.dir)!.entries.get(failed!)!.status).toBe('failed');
  });
});
