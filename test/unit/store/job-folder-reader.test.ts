// Listing many jobs through the ended-jobs index: a selection reads only the jobs it shows (and
// every job the index does not know, such as running ones), whatever else is stored.
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createJob, type Job } from '../../../src/jobs/model/job.js';
import { buildMissingIndex } from '../../../src/store/cleanup.js';
import { INDEX_FILE, readIndex } from '../../../src/store/ended-index.js';
import { inboxPathOf } from '../../../src/store/job-requests.js';
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
    const failed = Array.from({ length: 24 }, (_, i) => stored(store, i, 'failed'));
    const interrupted = [stored(store, 200, 'interrupted'), stored(store, 201, 'interrupted')];
    const completed = Array.from({ length: 12 }, (_, i) => stored(store, 300 + i, 'completed'));
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
    expect(onlyFailed.matching).toBe(24);
  });

  it('reads everything without a selection, and skips unreadable items with a warning', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const ids = [stored(store, 1, 'failed'), stored(store, 2, 'completed')];
    const listing = await new JobFolderReader(store).list();
    expect(listing.jobs.map((job) => job.id)).toEqual(ids);
    expect(listing).toMatchObject({ warnings: [], total: 2, matching: 2 });
  });
});

// A job of this process, with a `created` event naming its folder, stored in `store`.
function withFiles(store: JobStore): Job {
  const id = store.claimIdSync();
  const job = { ...createJob({ id, agent: 'sh', description: 'd', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: '2026-11-22T10:00:00.000Z' }), eventSeq: 2 };
  store.writeSync(job, [{ ts: job.createdAt, type: 'created', seq: 1, cwd: '/project' } as never, { ts: job.createdAt, type: 'started', seq: 2 } as never]);
  return job;
}

const run = (file: string, section = 'phase 1/1 run · attempt 1') => ({ id: 'r1', output: { file, section } }) as never;

describe('JobFolderReader, one job\'s files', () => {
  it('says where the folder is, which ids it holds, which exist and which have their files', async () => {
    const dir = makeTempDir('jobline-reader-');
    const store = JobStore.open(dir);
    const reader = new JobFolderReader(store);
    const job = withFiles(store);
    expect(reader.jobsDir).toBe(dir);
    expect(await reader.listIds()).toEqual([job.id]);
    expect(reader.storedIdsSync(false)).toEqual([job.id]);
    expect(reader.exists(job.id)).toBe(true);
    expect(reader.exists('job-zzzzzzzz')).toBe(false);
    expect(reader.exists('../x')).toBe(false);
    expect(reader.hasFiles(job.id)).toBe(true);
    mkdirSync(join(dir, 'job-yyyyyyyy'));
    expect(reader.exists('job-yyyyyyyy')).toBe(true);
    expect(reader.hasFiles('job-yyyyyyyy')).toBe(false);
    expect((await reader.load(job.id)).id).toBe(job.id);
    expect(reader.pathsOf(job.id)).toEqual(store.pathsOf(job.id));
    expect(reader.names).toBe(store.names);
    expect(reader.takeUnrecordedInterruptions()).toEqual([]);
    expect((await reader.readBoard(job)).board.tasks.map((task) => task.id)).toEqual(['t1']);
    // A folder that is gone lists no ids.
    rmSync(dir, { recursive: true });
    expect(reader.storedIdsSync(false)).toEqual([]);
  });

  it('lists the unfinished ones from the ended-jobs index alone', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const failed = stored(store, 1, 'failed');
    stored(store, 2, 'completed');
    stored(store, 3, 'running');
    const reader = new JobFolderReader(store);
    expect(reader.storedIdsSync(true)).toEqual([]); // no index yet
    await buildMissingIndex(store);
    expect(reader.storedIdsSync(true)).toEqual([failed]);
  });

  it('reads its events, the folder it was made in, and its manifest', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const reader = new JobFolderReader(store);
    const job = withFiles(store);
    expect((await reader.readEvents(job.id)).map((event) => event.type)).toEqual(['created', 'started']);
    expect(await reader.creationFolderOf(job.id)).toBe('/project');
    expect(await reader.creationFolderOf('job-zzzzzzzz')).toBeNull();
    expect(await reader.readManifest(job.id)).toBeNull();
  });

  it('reads its output: the tail, a run\'s section of output.log or a run\'s own file; a run file of another shape is refused', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const reader = new JobFolderReader(store);
    const job = withFiles(store);
    const paths = store.pathsOf(job.id);
    writeFileSync(paths.output, 'before\n── phase 1/1 run · attempt 1 · 2026-11-22 10:00:00 UTC ──\none\ntwo\n');
    expect(await reader.readOutputTail(job.id, 2)).toMatchObject({ lines: ['one', 'two'], hasEarlier: true });
    expect((await reader.readRunOutput(job.id, run('output.log'), 10)).lines).toEqual(['── phase 1/1 run · attempt 1 · 2026-11-22 10:00:00 UTC ──', 'one', 'two']);
    mkdirSync(join(paths.dir, 'runs'));
    writeFileSync(join(paths.dir, 'runs', 'r3.log'), 'a\nb\nc\n');
    expect(await reader.readRunOutput(job.id, run('runs/r3.log'), 2)).toMatchObject({ lines: ['b', 'c'], hasEarlier: true, size: 6 });
    const refused = () => reader.readRunOutput(job.id, { id: 'r9', output: { file: '../../etc/passwd', section: '' } } as never, 2);
    expect(refused).toThrow(expect.objectContaining({ code: 'JOB_FILE_CORRUPT', message: `${job.id}: run r9 names an output file jobline does not write (../../etc/passwd)` }));
  });

  it('follows its output and a run\'s: from the end by default, or from an offset', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const reader = new JobFolderReader(store);
    const job = withFiles(store);
    const paths = store.pathsOf(job.id);
    writeFileSync(paths.output, 'old\n');
    const follower = await reader.outputFollower(job.id);
    expect(await follower.read()).toEqual([]);
    writeFileSync(paths.output, 'old\nnew\n');
    expect(await follower.read()).toEqual(['new']);
    expect(await (await reader.outputFollower(job.id, 0)).read()).toEqual(['old', 'new']);
    // No output yet: from its start.
    const other = withFiles(store);
    const fresh = await reader.outputFollower(other.id);
    writeFileSync(store.pathsOf(other.id).output, 'first\n');
    expect(await fresh.read()).toEqual(['first']);
    mkdirSync(join(paths.dir, 'runs'));
    writeFileSync(join(paths.dir, 'runs', 'r2.log'), 'x\ny\n');
    expect(await reader.runOutputFollower(job.id, run('runs/r2.log'), 2).read()).toEqual(['y']);
    const lines: string[] = [];
    expect(await reader.followOutput(job.id, { onLines: (batch) => lines.push(...batch), isEnded: () => true })).toBe(true);
    expect(lines).toEqual(['old', 'new']);
    const runLines: string[] = [];
    expect(await reader.followRunOutput(job.id, run('runs/r2.log'), { onLines: (batch) => runLines.push(...batch), isEnded: () => true, offset: 2 })).toBe(true);
    expect(runLines).toEqual(['y']);
  });

  it('names the files it has, and counts its runs\' own logs', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const reader = new JobFolderReader(store);
    const job = withFiles(store);
    const paths = store.pathsOf(job.id);
    expect(reader.existingFiles(job.id)).toEqual({ files: [paths.job, paths.events], runLogs: null });
    writeFileSync(paths.output, 'x\n');
    mkdirSync(join(paths.dir, 'runs'));
    expect(reader.existingFiles(job.id).runLogs).toBeNull();
    for (const name of ['r1.log', 'r2.log', 'notes.txt']) writeFileSync(join(paths.dir, 'runs', name), '');
    expect(reader.existingFiles(job.id)).toEqual({ files: [paths.job, paths.events, paths.output], runLogs: { dir: join(paths.dir, 'runs'), count: 2 } });
  });

  it('sweeps what crashes left in the folder', () => {
    const dir = makeTempDir('jobline-reader-');
    const store = JobStore.open(dir);
    mkdirSync(join(dir, 'job-aaaaaaaa'));
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(join(dir, 'job-aaaaaaaa'), longAgo, longAgo);
    expect(new JobFolderReader(store).sweepLeftovers().emptyFolders).toEqual([join(dir, 'job-aaaaaaaa')]);
    expect(readdirSync(dir)).not.toContain('job-aaaaaaaa');
  });
});

describe('JobFolderReader, requests to a job\'s owner', () => {
  it('delivers cancel, approve and retry (its feedback, and keep) to the inbox of the owner, which takes each once, in order', () => {
    const dir = makeTempDir('jobline-reader-');
    const reader = new JobFolderReader(JobStore.open(dir));
    const owner = getCurrentOwner();
    const inbox = reader.openOwnerInbox();
    expect(inbox.take()).toEqual([]);
    reader.sendToOwner({ id: 'job-aaaaaaaa', owner }, { type: 'cancel' });
    reader.sendToOwner({ id: 'job-aaaaaaaa', owner }, { type: 'approve' });
    reader.sendToOwner({ id: 'job-bbbbbbbb', owner }, { type: 'retry', feedback: 'again', keep: true });
    reader.sendToOwner({ id: 'job-bbbbbbbb', owner }, { type: 'retry', feedback: null });
    // Another process's request is not this one's.
    reader.sendToOwner({ id: 'job-cccccccc', owner: deadOwner() }, { type: 'cancel' });
    expect(inbox.take()).toEqual([
      { jobId: 'job-aaaaaaaa', request: { type: 'cancel' } },
      { jobId: 'job-aaaaaaaa', request: { type: 'approve' } },
      { jobId: 'job-bbbbbbbb', request: { type: 'retry', feedback: 'again', keep: true } },
      { jobId: 'job-bbbbbbbb', request: { type: 'retry', feedback: null } },
    ]);
    expect(inbox.take()).toEqual([]);
    inbox.close();
    expect(readdirSync(join(dir, '.inbox')).length).toBe(1); // the dead owner's, which a sweep removes
  });
});

describe('JobFolderReader.list without an index', () => {
  it('keeps the newest ended jobs asked for, by their end, and every job not ended', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const old = stored(store, 1, 'failed');
    const running = stored(store, 2, 'running');
    const newer = stored(store, 3, 'completed');
    const newest = stored(store, 4, 'cancelled');
    const reader = new JobFolderReader(store);
    const listing = await reader.list({ newestEnded: 2 });
    expect(listing.jobs.map((job) => job.id)).toEqual([running, newer, newest]);
    expect(listing).toMatchObject({ total: 4, matching: 4 });
    expect((await reader.list({ statuses: ['failed', 'completed'] })).jobs.map((job) => job.id).sort()).toEqual([old, newer].sort());
  });
});

// Waits for the policy's claim, which a listing that has the index built takes first: what the
// build wrote is on disk once this returns.
const afterIndexBuilds = (store: JobStore): Promise<void> => store.withPolicyClaim(() => undefined);

describe('JobFolderReader.list and the ended-jobs index', () => {
  it('has a missing index built by a selective listing, not by a listing of everything', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    const failed = stored(store, 1, 'failed');
    const reader = new JobFolderReader(store);
    expect((await reader.list()).jobs.map((job) => job.id)).toEqual([failed]);
    await afterIndexBuilds(store);
    expect(readIndex(store.dir)).toBeNull();
    expect((await reader.list({ statuses: ['failed'] })).jobs.map((job) => job.id)).toEqual([failed]);
    await afterIndexBuilds(store);
    expect([...readIndex(store.dir)!.entries.keys()]).toEqual([failed]);
  });

  it('has the index rebuilt once more than 200 jobs are unknown to it, and not at 200', async () => {
    const dir = makeTempDir('jobline-reader-');
    const store = JobStore.open(dir);
    const reader = new JobFolderReader(store);
    // An index of an older version, whose line does not say the job's status, and folders of jobs
    // cut short before their first write: all unknown to the index.
    const lost = stored(store, 1, 'failed');
    writeFileSync(join(dir, INDEX_FILE), `u ${lost} 2026-11-22T10:01:00.000Z 2026-11-22T09:00:00.000Z\n`);
    const cutShort = Array.from({ length: 200 }, (_, i) => `job-${String(i).padStart(8, '0')}`);
    for (const id of cutShort.slice(0, 199)) mkdirSync(join(dir, id));
    const atLimit = await reader.list({ statuses: ['failed'] });
    expect(atLimit).toEqual({ jobs: [expect.objectContaining({ id: lost })], warnings: [], total: 200, matching: 1 });
    await afterIndexBuilds(store);
    expect(readIndex(dir)!.entries.get(lost)!.status).toBeNull();
    mkdirSync(join(dir, cutShort[199]!));
    expect((await reader.list({ statuses: ['failed'] })).total).toBe(201);
    await afterIndexBuilds(store);
    expect(readIndex(dir)!.entries.get(lost)!.status).toBe('failed');
  });

  it('says which items of the folder it skipped when listing through the index', async () => {
    const dir = makeTempDir('jobline-reader-');
    const store = JobStore.open(dir);
    const failed = stored(store, 1, 'failed');
    await buildMissingIndex(store);
    const reader = new JobFolderReader(store);
    expect(await reader.list({ statuses: ['failed'] })).toMatchObject({ warnings: [], total: 1, matching: 1 });
    const broken = stored(store, 2, 'running');
    writeFileSync(store.pathsOf(broken).job, '{');
    const listing = await reader.list({ statuses: ['failed', 'running'] });
    expect(listing.jobs.map((job) => job.id)).toEqual([failed]);
    expect(listing.warnings).toEqual([expect.stringMatching(new RegExp(`^Skipped ${broken}: Corrupt job file .*: it is not valid JSON`))]);
  });

  it('without an index, keeps the newest ended jobs whatever order they were stored in, a job ended without an end time being the oldest', async () => {
    const store = JobStore.open(makeTempDir('jobline-reader-'));
    // Stored newest end first.
    const ids = [5, 4, 3, 2, 1].map((minute) => {
      const id = store.claimIdSync();
      const job = createJob({ id, agent: 'sh', description: 'd', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: `2026-11-22T09:0${5 - minute}:00.000Z` });
      store.writeSync({ ...job, status: 'failed', endedAt: `2026-11-22T10:0${minute}:00.000Z` });
      return id;
    });
    const undated = store.claimIdSync();
    const job = createJob({ id: undated, agent: 'sh', description: 'd', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: '2026-11-22T09:09:00.000Z' });
    store.writeSync({ ...job, status: 'cancelled', endedAt: null });
    const reader = new JobFolderReader(store);
    expect((await reader.list({ newestEnded: 2 })).jobs.map((listed) => listed.id)).toEqual(ids.slice(0, 2));
    expect((await reader.list({ newestEnded: 5 })).jobs.map((listed) => listed.id)).toEqual(ids);
  });
});

describe('JobFolderReader, ids and events', () => {
  it('lists as stored ids only the job folders, not the index or the inbox beside them', async () => {
    const dir = makeTempDir('jobline-reader-');
    const store = JobStore.open(dir);
    const failed = stored(store, 1, 'failed');
    await buildMissingIndex(store);
    mkdirSync(join(dir, '.inbox'));
    expect(readdirSync(dir).length).toBeGreaterThan(1);
    expect(new JobFolderReader(store).storedIdsSync(false)).toEqual([failed]);
  });

  it('says why the events of other processes cannot be followed in a folder that is gone', () => {
    const dir = makeTempDir('jobline-reader-');
    const reader = new JobFolderReader(JobStore.open(dir));
    rmSync(dir, { recursive: true });
    const failures: string[] = [];
    const stop = reader.tailEvents(() => false, () => {}, (message) => failures.push(message));
    stop();
    expect(failures).toEqual([expect.stringContaining(`Jobs that other jobline processes run in ${dir} are not followed live`)]);
  });
});

describe('JobFolderReader, the owner\'s inbox at exit', () => {
  it('is removed when the process exits while it is open, and left to close() after', () => {
    const dir = makeTempDir('jobline-reader-');
    const reader = new JobFolderReader(JobStore.open(dir));
    const owner = getCurrentOwner();
    const before = process.listeners('exit');
    const inbox = reader.openOwnerInbox();
    const added = process.listeners('exit').filter((listener) => !before.includes(listener));
    expect(added).toHaveLength(1);
    reader.sendToOwner({ id: 'job-aaaaaaaa', owner }, { type: 'cancel' });
    expect(readdirSync(join(dir, '.inbox'))).toHaveLength(1);
    (added[0] as () => void)(); // what the process runs as it exits
    expect(readdirSync(join(dir, '.inbox'))).toEqual([]);
    inbox.close();
    expect(process.listeners('exit')).toEqual(before);
  });

  it('takes only the requests addressed to this process, even from its own inbox file', () => {
    const dir = makeTempDir('jobline-reader-');
    const reader = new JobFolderReader(JobStore.open(dir));
    const owner = getCurrentOwner();
    const inbox = reader.openOwnerInbox();
    // The same instant written another way: the same inbox file, another process's start.
    const other = { ...owner, processStartedAt: owner.processStartedAt.replace('Z', '+00:00') };
    expect(inboxPathOf(dir, other)).toBe(inboxPathOf(dir, owner));
    reader.sendToOwner({ id: 'job-aaaaaaaa', owner: other }, { type: 'cancel' });
    reader.sendToOwner({ id: 'job-bbbbbbbb', owner }, { type: 'approve' });
    expect(inbox.take()).toEqual([{ jobId: 'job-bbbbbbbb', request: { type: 'approve' } }]);
    inbox.close();
  });
});
