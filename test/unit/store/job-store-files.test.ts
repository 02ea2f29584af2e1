// The jobs folder as the store writes and reads it, in one process (test/unit/store/job-store.test.ts
// holds the tests with other processes): a write lands whole or not at all (durable, scrubbed, in
// order: records, job.json, events), an older state never replaces a newer one, the ended-jobs index
// follows ends, a crash's leftovers are completed or swept, and a reader gets every job as everyone
// sees it (a dead owner's job interrupted) with a warning for what it cannot read.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { Run, Task, TaskRecord } from '../../../src/jobs/model/task.js';
import { OWNER_GONE_REASON } from '../../../src/jobs/process/liveness.js';
import { readProcessStartMs } from '../../../src/jobs/process/owner.js';
import { readEvents, formatEventLines } from '../../../src/store/event-log.js';
import { INDEX_FILE, readIndex, rewriteIndex } from '../../../src/store/ended-index.js';
import { serializeJob } from '../../../src/store/job-file.js';
import { JobStore } from '../../../src/store/job-store.js';
import { formatTaskRecordLines, readTaskRecords } from '../../../src/store/task-log.js';
import { getFsyncCount } from '../../../src/store/atomic-write.js';
import { performWrite, type WriteRequested } from '../../../src/store/write-threads.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const T = '2026-12-06T00:00:00.000Z';
const task = (id: string, status: Task['status']): Task => ({ id, phase: 0, title: id, input: id, status, dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });
const run = (id: string, taskId: string, state: Run['state']): Run => ({ id, taskId, attempt: 1, worker: 'sh[abcd-0]', startedAt: T, state, output: { file: `runs/${id}.log`, section: 's' } });
const taskRecord = (value: Task, seq = 1): TaskRecord => ({ kind: 'task', seq, task: value });
const event = (seq: number, type = 'note'): JobEvent => ({ ts: FIXED_NOW, type, seq }) as JobEvent;
// The owner of a job whose process is gone: this pid, started at another time (the pid was reused).
const goneOwner = (): Job['owner'] => ({ pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' });

function open(options: Parameters<typeof JobStore.open>[1] = {}) {
  const dir = makeTempDir('jobline-store-');
  const store = JobStore.open(dir, options);
  return { dir, store };
}

describe('a write', () => {
  it('appends the records, replaces job.json with this write\'s events as its journal, then appends the events', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const job = makeJob({ id, eventSeq: 2 });
    store.writeSync(job, [event(1, 'created'), event(2, 'queued')], [taskRecord(task('t1', 'todo'), 2)]);
    const paths = store.pathsOf(id);
    expect(readFileSync(paths.job, 'utf8')).toBe(serializeJob(job, [event(1, 'created'), event(2, 'queued')]));
    expect((await readEvents(paths.events)).events).toEqual([event(1, 'created'), event(2, 'queued')]);
    expect(readTaskRecords(paths.tasks!)!.records).toEqual([taskRecord(task('t1', 'todo'), 2)]);
    expect(await store.loadRaw(id)).toEqual(job);
    expect(store.readSync(id)).toEqual(job);
    // No events, no records: job.json only.
    store.writeSync({ ...job, description: 'changed' });
    expect((await store.loadRaw(id)).description).toBe('changed');
    expect((await readEvents(paths.events)).events).toHaveLength(2);
    expect(readTaskRecords(paths.tasks!)!.records).toHaveLength(1);
  });

  it('of a state older than the one on disk is refused as JOB_STALE; other failures are JOB_IO naming the job and cause', () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 5 }));
    expect(() => store.writeSync(makeJob({ id, eventSeq: 4, description: 'old' }))).toThrow(expect.objectContaining({ code: 'JOB_STALE', message: expect.stringMatching(new RegExp(`^Not saving ${id} to ${store.pathsOf(id).job}: a newer state \\(event 5\\) is on disk than this write's \\(event 4\\)`)) }));
    expect(store.readSync(id)!.eventSeq).toBe(5);
    store.writeSync(makeJob({ id, eventSeq: 5, description: 'same seq' }));
    expect(store.readSync(id)!.description).toBe('same seq');
    expect(() => store.writeSync(makeJob({ id: 'job-gone0000' }))).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(/^Cannot save job-gone0000 to .*job-gone0000\/job\.json: .*ENOENT/) }));
  });

  it('that fails at job.json takes its records back: nothing of it is left for a reader', () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }), [], [taskRecord(task('t1', 'todo'))]);
    const paths = store.pathsOf(id);
    const before = readFileSync(paths.tasks!, 'utf8');
    rmSync(paths.job);
    mkdirSync(paths.job);
    writeFileSync(join(paths.job, 'x'), 'x');
    expect(() => store.writeSync(makeJob({ id, eventSeq: 1 }), [event(1)], [taskRecord(task('t1', 'done'), 1)])).toThrow(expect.objectContaining({ code: 'JOB_IO' }));
    expect(readFileSync(paths.tasks!, 'utf8')).toBe(before);
    expect(existsSync(paths.events)).toBe(false);
  });

  it('never writes a key down: job.json, events, records and the manifest pass the scrubber', async () => {
    const key = 'sk-store-0123456789abcdefghijklmnopqrstu';
    process.env.JOBLINE_STORE_TEST_KEY = key;
    try {
      const { store } = open({ secretEnvNames: ['JOBLINE_STORE_TEST_KEY'] });
      const id = store.claimIdSync();
      const job = makeJob({ id, description: `use ${key}` });
      store.writeSync(job, [{ ...event(1), reason: key } as JobEvent], [taskRecord({ ...task('t1', 'todo'), input: key })]);
      store.writeManifestSync({ id, note: key } as never);
      const paths = store.pathsOf(id);
      for (const file of readdirSync(paths.dir)) expect(readFileSync(join(paths.dir, file), 'utf8'), file).not.toContain(key.slice(0, 12));
      expect((await store.loadRaw(id)).description).toBe('use ***');
      expect(JSON.parse(readFileSync(join(paths.dir, 'job_manifest.json'), 'utf8'))).toEqual({ id, note: '***' });
      expect(store.recordGroupOf(id, [taskRecord({ ...task('t1', 'todo'), input: key })]).text).not.toContain(key.slice(0, 12));
      expect(store.recordGroupOf(id, []).path).toBe(paths.tasks);
    } finally {
      delete process.env.JOBLINE_STORE_TEST_KEY;
    }
  });

  it('that ends a job (or resumes one) tells the ended-jobs index, when there is one', () => {
    const { dir, store } = open();
    rewriteIndex(dir, []);
    const failed = store.claimIdSync();
    store.writeSync(makeJob({ id: failed, status: 'failed', endedAt: T }));
    const completed = store.claimIdSync();
    store.writeSync(makeJob({ id: completed, status: 'completed', endedAt: null }));
    const running = store.claimIdSync();
    store.writeSync(makeJob({ id: running, status: 'running' }));
    expect([...readIndex(dir)!.entries.values()]).toEqual([
      { id: failed, kind: 'unfinished', endedAt: T, createdAt: FIXED_NOW, status: 'failed' },
      { id: completed, kind: 'completed', endedAt: FIXED_NOW, createdAt: FIXED_NOW, status: 'completed' },
    ]);
    store.writeSync(makeJob({ id: failed, status: 'running' }), [event(1, 'resumed')]);
    expect([...readIndex(dir)!.entries.keys()]).toEqual([completed]);
    expect(readFileSync(join(dir, INDEX_FILE), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('of a whole board compacts the journal to what it holds, settled', () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 1 }), [], [taskRecord(task('t1', 'todo'), 1), taskRecord(task('t2', 'todo'), 1)]);
    const paths = store.pathsOf(id);
    // A crash left a record beyond job.json's seq in the journal.
    writeFileSync(paths.tasks!, readFileSync(paths.tasks!, 'utf8') + formatTaskRecordLines([taskRecord(task('t1', 'done'), 9)]));
    store.writeSync(makeJob({ id, eventSeq: 2 }), [], [taskRecord(task('t2', 'done'), 2)], { isBoardWhole: true });
    const records = readTaskRecords(paths.tasks!)!.records;
    expect(records.map((record) => (record.kind === 'task' ? `${record.task.id} ${record.task.status} @${record.seq}` : ''))).toEqual(['t1 done @1', 't2 todo @1', 't2 done @2']);
  });

  it('of counters only goes to the journal and the log, and leaves job.json', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 1 }), [event(1)]);
    const before = readFileSync(store.pathsOf(id).job, 'utf8');
    // The write the write threads perform, done here (no thread): the same description of it.
    store.writeSync(makeJob({ id, eventSeq: 2, description: 'not written' }), [event(2)], [taskRecord(task('t1', 'todo'), 2)], { isJournalOnly: true } as never);
    expect(readFileSync(store.pathsOf(id).job, 'utf8')).toBe(before);
    expect((await readEvents(store.pathsOf(id).events)).events.map((e) => e.seq)).toEqual([1, 2]);
    expect(readFileSync(store.pathsOf(id).tasks!, 'utf8')).toMatch(/^\{"kind":"group"/);
    // The next change numbers its events after the log's.
    expect(store.readForUpdate(id).job.eventSeq).toBe(2);
  });
});

describe('reading for an update', () => {
  it('gives the job with its file\'s time, and the log\'s seq when the log is further', () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 1 }), [event(1)]);
    const read = store.readForUpdate(id);
    expect(read.job.eventSeq).toBe(1);
    expect(Math.abs(Date.parse(read.modifiedAt) - Date.now())).toBeLessThan(60_000);
    writeFileSync(store.pathsOf(id).events, formatEventLines([event(1), event(2), event(3)]));
    expect(store.readForUpdate(id).job.eventSeq).toBe(3);
    writeFileSync(store.pathsOf(id).events, 'garbage\n');
    expect(store.readForUpdate(id).job.eventSeq).toBe(1);
    rmSync(store.pathsOf(id).events);
    mkdirSync(store.pathsOf(id).events);
    expect(store.readForUpdate(id).job.eventSeq).toBe(1);
    expect(() => store.readForUpdate('job-gone0000')).toThrow(expect.objectContaining({ code: 'JOB_IO', cause: expect.objectContaining({ code: 'ENOENT' }) }));
  });

  it('completes a log a crash left one write behind, when its writer is gone', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const paths = store.pathsOf(id);
    store.writeSync(makeJob({ id, eventSeq: 1, owner: goneOwner() }), [event(1)]);
    // job.json landed with events 2 and 3; the crash kept them out of the log.
    writeFileSync(paths.job, serializeJob(makeJob({ id, eventSeq: 3, owner: goneOwner() }), [event(2), event(3)]));
    expect(store.readForUpdate(id).job.eventSeq).toBe(3);
    expect((await readEvents(paths.events)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe('reading jobs', () => {
  it('as everyone sees them: an active job whose owner is gone reads interrupted (recorded later, once)', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, status: 'running', startedAt: T, owner: goneOwner() }));
    const seen = await store.load(id);
    expect(seen).toMatchObject({ status: 'interrupted', error: OWNER_GONE_REASON });
    expect((await store.loadRaw(id)).status).toBe('running');
    expect(store.takeUnrecordedInterruptions()).toEqual([id]);
    expect(store.takeUnrecordedInterruptions()).toEqual([]);
    const live = store.claimIdSync();
    store.writeSync(makeJob({ id: live, status: 'running' }));
    expect((await store.load(live)).status).toBe('running');
    expect(store.takeUnrecordedInterruptions()).toEqual([]);
  });

  it('completes a crash\'s log on load, under the job\'s claim', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const paths = store.pathsOf(id);
    store.writeSync(makeJob({ id, eventSeq: 1, owner: goneOwner(), status: 'completed' }), [event(1)]);
    writeFileSync(paths.job, serializeJob(makeJob({ id, eventSeq: 2, owner: goneOwner(), status: 'completed' }), [event(2)]));
    await store.load(id);
    expect((await readEvents(paths.events)).events.map((e) => e.seq)).toEqual([1, 2]);
    expect(existsSync(store.claimPathOf(id))).toBe(false);
  });

  it('leaves a crash\'s log to whoever holds the job\'s claim, and reads the job all the same', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const paths = store.pathsOf(id);
    store.writeSync(makeJob({ id, eventSeq: 1, owner: goneOwner(), status: 'completed' }), [event(1)]);
    writeFileSync(paths.job, serializeJob(makeJob({ id, eventSeq: 2, owner: goneOwner(), status: 'completed' }), [event(2)]));
    const live = { pid: process.ppid, hostname: hostname(), processStartedAt: new Date(readProcessStartMs(process.ppid) as number).toISOString() };
    writeFileSync(store.claimPathOf(id), JSON.stringify({ token: 'theirs', holder: live, acquiredAt: '', expiresAt: null }));
    expect((await store.load(id)).eventSeq).toBe(2);
    expect((await readEvents(paths.events)).events.map((e) => e.seq)).toEqual([1]);
    expect(JSON.parse(readFileSync(store.claimPathOf(id), 'utf8')).token).toBe('theirs');
  });

  it('lists every job oldest first; corrupt ones and symlinked folders are skipped with a warning, half-made ones silently', async () => {
    const { dir, store } = open();
    const ids = [store.claimIdSync(), store.claimIdSync(), store.claimIdSync()];
    store.writeSync(makeJob({ id: ids[0]!, createdAt: '2026-11-22T12:00:00.000Z' }));
    store.writeSync(makeJob({ id: ids[1]!, createdAt: '2026-11-22T11:00:00.000Z' }));
    writeFileSync(store.pathsOf(ids[2]!).job, '{"torn');
    store.claimIdSync(); // a creation cut short: a folder without job.json
    const elsewhere = makeTempDir();
    symlinkSync(elsewhere, join(dir, 'job-link0000'));
    mkdirSync(join(dir, 'not-a-job'));
    writeFileSync(join(dir, 'job-file0000'), '');
    const { jobs, warnings } = await store.list();
    expect(jobs.map((job) => job.id)).toEqual([ids[1], ids[0]]);
    expect(warnings).toEqual([
      `Skipped ${join(dir, 'job-link0000')}: a job folder must not be a symbolic link.`,
      expect.stringMatching(new RegExp(`^Skipped ${ids[2]}: Corrupt job file .*it is not valid JSON`)),
    ]);
    expect((await store.listIds()).sort()).toEqual([...ids, (await store.listIds()).find((id) => !ids.includes(id))].sort());
    // Same time: by id.
    const same = await store.loadMany([ids[0]!, ids[1]!].reverse(), []);
    expect(same.map((job) => job.id)).toEqual([ids[1], ids[0]]);
  });

  it('skips a job file of the wrong shape with a warning, dates a dead owner\'s job by its file, and reads a missing one as null', async () => {
    const { store } = open();
    const good = store.claimIdSync();
    store.writeSync(makeJob({ id: good }));
    const odd = store.claimIdSync();
    writeFileSync(store.pathsOf(odd).job, serializeJob(makeJob({ id: odd, agent: 'two words' })));
    const { jobs, warnings } = await store.list();
    expect(jobs.map((job) => job.id)).toEqual([good]);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^Skipped ${odd}: Corrupt job file .*agent: expected an agent name`))]);
    expect(store.readSync('job-zzzzzzzz')).toBeNull();
    const dead = store.claimIdSync();
    store.writeSync(makeJob({ id: dead, status: 'running', startedAt: '2026-11-22T08:00:00.000Z', progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null }, owner: goneOwner() }));
    const mtime = statSync(store.pathsOf(dead).job).mtime.toISOString();
    expect((await store.load(dead)).endedAt).toBe(mtime);
  });

  it('reads a journal without records as no journal (a board rebuilt, not recorded); one that cannot be read says why', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const job = makeJob({ id });
    store.writeSync(job);
    writeFileSync(store.pathsOf(id).tasks!, '');
    expect((await store.readBoard(job)).isRecorded).toBe(false);
    rmSync(store.pathsOf(id).tasks!);
    mkdirSync(store.pathsOf(id).tasks!);
    await expect(store.readBoard(job)).rejects.toMatchObject({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot read the tasks of ${id}: .*EISDIR`)), cause: expect.objectContaining({ code: 'EISDIR' }) });
  });

  it('resolves an id, a name or a prefix of either against what is there', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, name: 'night' }));
    store.claimNameSync(id, 'night');
    expect(await store.resolveId(id.slice(0, 8))).toBe(id);
    expect(await store.resolveId('Night')).toBe(id);
    await expect(store.resolveId('job-zzzzzzzz')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('reads a job\'s tasks from its journal, or rebuilds them from its phases for an older job', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const job = makeJob({ id, eventSeq: 1 });
    store.writeSync(job, [], [taskRecord(task('t1', 'todo'), 1)]);
    expect(await store.readBoard(job)).toMatchObject({ board: { tasks: [expect.objectContaining({ id: 't1', status: 'todo' })], runs: [] }, isRecorded: true });
    // A record beyond job.json's seq (a crash): not on disk as the board reads.
    writeFileSync(store.pathsOf(id).tasks!, formatTaskRecordLines([taskRecord(task('t1', 'todo'), 1), taskRecord(task('t1', 'done'), 5)]));
    expect((await store.readBoard(job)).isRecorded).toBe(false);
    const older = store.claimIdSync();
    const olderJob = makeJob({ id: older });
    store.writeSync(olderJob);
    const rebuilt = await store.readBoard(olderJob);
    expect(rebuilt.isRecorded).toBe(false);
    expect(rebuilt.board.tasks.length).toBe(olderJob.phases.length);
    rmSync(store.pathsOf(older).dir, { recursive: true });
    mkdirSync(store.pathsOf(older).dir);
    mkdirSync(store.pathsOf(older).tasks!);
    await expect(store.readBoard(olderJob)).rejects.toMatchObject({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot read the tasks of ${older}: `)) });
  });
});

describe('removing a job', () => {
  it('removes its folder and frees its name, and tells the index', async () => {
    const { dir, store } = open();
    rewriteIndex(dir, []);
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, name: 'night' }));
    store.claimNameSync(id, 'night');
    await store.remove(id);
    expect(existsSync(store.pathsOf(id).dir)).toBe(false);
    expect(store.names.idOf('night')).toBeNull();
    expect(store.names.list()).toEqual([]);
    expect(readFileSync(join(dir, INDEX_FILE), 'utf8')).toBe(`- ${id}\n`);
    expect(readdirSync(dir).filter((name) => name.startsWith('.removing-'))).toEqual([]);
    await store.remove(id);
  });

  it('left half done by a killed process is finished by the next open', async () => {
    const { dir, store } = open();
    mkdirSync(join(dir, '.removing-job-abcd1234-1-1', 'deep'), { recursive: true });
    writeFileSync(join(dir, '.removing-job-abcd1234-1-1', 'deep', 'f'), 'x');
    await store.removalsSwept;
    const reopened = JobStore.open(dir);
    await reopened.removalsSwept;
    expect(readdirSync(dir).filter((name) => name.startsWith('.removing-'))).toEqual([]);
  });
});

describe('ids and claims', () => {
  it('claims a fresh id by creating its folder (0700); says why when it cannot', () => {
    const { dir, store } = open();
    const id = store.claimIdSync();
    expect(id).toMatch(/^job-[a-z0-9]{8}$/);
    expect(existsSync(join(dir, id))).toBe(true);
    expect(store.outputPathOf(id)).toBe(join(dir, id, 'output.log'));
    expect(store.claimPathOf(id)).toBe(join(dir, id, 'claim'));
    const broken = JobStore.open(makeTempDir());
    rmSync(broken.dir, { recursive: true });
    expect(() => broken.claimIdSync()).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot create a job folder in ${broken.dir}: .*ENOENT`)) }));
    expect(() => broken.writeManifestSync({ id } as never)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(/^Cannot write .*job_manifest\.json: /) }));
  });

  it('runs work under a job\'s claim, naming the job when it is busy; and the storage policy\'s', async () => {
    const { dir, store } = open();
    const id = store.claimIdSync();
    expect(await store.withJobClaim(id, () => existsSync(store.claimPathOf(id)))).toBe(true);
    expect(existsSync(store.claimPathOf(id))).toBe(false);
    writeFileSync(store.claimPathOf(id), JSON.stringify({ token: 't', holder: { pid: process.ppid, hostname: '', processStartedAt: '' }, acquiredAt: '', expiresAt: '2999-01-01T00:00:00.000Z' }));
    await expect(store.withJobClaim(id, () => 0, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'CLAIM_BUSY', message: expect.stringMatching(new RegExp(`^${id} is being changed by jobline pid`)) });
    expect(await store.withPolicyClaim(() => existsSync(join(dir, '.storage-policy.claim')))).toBe(true);
    expect(store.waitForWritesSync(10)).toBe(true);
  });
});

// The store's write threads replaced by writes done here, at once (the threads run only the
// compiled code, in worker threads: write-threads.test.ts): what the store hands them, and what it
// makes of their failures.
function withWritesHere(store: JobStore) {
  const handed: Array<{ key: string; write: Omit<WriteRequested, 'seq'> }> = [];
  const asked: string[] = [];
  const threads = {
    write: async (key: string, write: Omit<WriteRequested, 'seq'>) => {
      handed.push({ key, write });
      performWrite(write);
    },
    prepare: (key: string) => void asked.push(`prepare ${key}`),
    waitForWritesSync: (timeoutMs: number) => {
      asked.push(`wait ${timeoutMs}`);
      return false;
    },
    close: async () => void asked.push('close'),
  };
  (store as unknown as { writeThreads: typeof threads }).writeThreads = threads;
  return { handed, asked };
}

describe('a write in a write thread', () => {
  it('lands as writeSync\'s does, with the manifest of a job\'s end; a stale or failed one is refused naming the job and its cause', async () => {
    const { store } = open();
    const { handed } = withWritesHere(store);
    const id = store.claimIdSync();
    const job = makeJob({ id, eventSeq: 2, status: 'completed', endedAt: T });
    await store.write(job, [event(1, 'created'), event(2, 'completed')], { isRenameDurable: false, manifest: { id, note: 'end' } as never }, [taskRecord(task('t1', 'done'), 2)]);
    expect(handed.map((write) => write.key)).toEqual([id]);
    expect(handed[0]!.write).toMatchObject({ isRenameDurable: false, isJournalOnly: false, eventSeq: 2 });
    expect(readFileSync(store.pathsOf(id).job, 'utf8')).toBe(serializeJob(job, [event(1, 'created'), event(2, 'completed')]));
    expect(JSON.parse(readFileSync(join(store.pathsOf(id).dir, 'job_manifest.json'), 'utf8'))).toEqual({ id, note: 'end' });
    expect(readFileSync(join(store.pathsOf(id).dir, 'job_manifest.json'), 'utf8')).toBe(`${JSON.stringify({ id, note: 'end' }, null, 2)}\n`);
    const stale = store.write(makeJob({ id, eventSeq: 1 }), [], { isRenameDurable: true });
    await expect(stale).rejects.toMatchObject({ code: 'JOB_STALE', message: expect.stringContaining(`Not saving ${id} to ${store.pathsOf(id).job}: a newer state`), cause: expect.objectContaining({ code: 'JOB_STALE' }) });
    const gone = store.write(makeJob({ id: 'job-gone0000' }), [], { isRenameDurable: true });
    await expect(gone).rejects.toMatchObject({ code: 'JOB_IO', message: expect.stringContaining('Cannot save job-gone0000 to '), cause: expect.objectContaining({ code: 'ENOENT' }) });
  });

  it('of counters only of a job that ends is no journal-only write: job.json and the index take its end', async () => {
    const { dir, store } = open();
    rewriteIndex(dir, []);
    const { handed } = withWritesHere(store);
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 1, status: 'running' }));
    await store.write(makeJob({ id, eventSeq: 2, status: 'failed', endedAt: T }), [event(2, 'failed')], { isRenameDurable: true, isJournalOnly: true }, [taskRecord(task('t1', 'failed'), 2)]);
    expect(handed[0]!.write.isJournalOnly).toBe(false);
    expect(store.readSync(id)!.status).toBe('failed');
    expect([...readIndex(dir)!.entries.keys()]).toEqual([id]);
    // Without records, a write leaves the journal alone.
    await store.write(makeJob({ id, eventSeq: 3, status: 'failed', endedAt: T }), [], { isRenameDurable: true });
    expect(handed[1]!.write.tasks).toBeUndefined();
  });

  it('starts, waits for and stops the threads as asked', async () => {
    const { store } = open();
    expect(store.waitForWritesSync(5)).toBe(true); // none started
    const { asked } = withWritesHere(store);
    store.prepareWrites('job-abcd1234');
    expect(store.waitForWritesSync(7)).toBe(false);
    await store.close();
    expect(asked).toEqual(['prepare job-abcd1234', 'wait 7', 'close']);
    expect(store.waitForWritesSync(5)).toBe(true); // closed: none left
    await store.closeWriteThreads();
  });
});

describe('the store\'s own guarantees', () => {
  it('makes a job\'s folder 0700, and writes job.json with its folder fsynced unless told otherwise', () => {
    const { store } = open();
    const id = store.claimIdSync();
    expect(statSync(store.pathsOf(id).dir).mode & 0o777).toBe(0o700);
    let before = getFsyncCount();
    store.writeSync(makeJob({ id, eventSeq: 1 }));
    const durable = getFsyncCount() - before;
    before = getFsyncCount();
    store.writeSync(makeJob({ id, eventSeq: 2 }), [], [], { isRenameDurable: false });
    expect(getFsyncCount() - before).toBe(durable - 1);
  });

  it('frees a name it was told to, and keeps the causes of its failures', () => {
    const { store } = open();
    const id = store.claimIdSync();
    expect(store.claimNameSync(id, 'night')).toBe('night');
    store.releaseNameSync('night', id);
    expect(store.names.idOf('night')).toBeNull();
    const broken = JobStore.open(makeTempDir());
    rmSync(broken.dir, { recursive: true });
    expect(() => broken.claimIdSync()).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOENT' }) }));
    expect(() => broken.writeManifestSync({ id } as never)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOENT' }) }));
  });

  it('sweeps only what half-done removals left at open: job folders stay', async () => {
    const { dir, store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }));
    mkdirSync(join(dir, '.removing-job-abcd1234-1-1', 'deep'), { recursive: true });
    writeFileSync(join(dir, '.removing-job-abcd1234-1-1', 'deep', 'f'), 'x');
    await store.removalsSwept;
    const reopened = JobStore.open(dir);
    await reopened.removalsSwept;
    expect(readdirSync(dir).sort()).toEqual([id]);
    expect(reopened.readSync(id)!.id).toBe(id);
  });
});

describe('the store, as the job service uses it', () => {
  it('leaves a journal alone on a write that is not of a whole board, whatever a crash left in it', () => {
    const { store } = open();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, eventSeq: 1 }), [], [taskRecord(task('t1', 'todo'), 1)]);
    const paths = store.pathsOf(id);
    writeFileSync(paths.tasks!, readFileSync(paths.tasks!, 'utf8') + formatTaskRecordLines([taskRecord(task('t1', 'done'), 9)]));
    store.writeSync(makeJob({ id, eventSeq: 2 }), [], [taskRecord(task('t2', 'todo'), 2)]);
    const records = readTaskRecords(paths.tasks!)!.records;
    expect(records.map((record) => (record.kind === 'task' ? `${record.task.id} ${record.task.status} @${record.seq}` : ''))).toEqual(['t1 todo @1', 't1 done @9', 't2 todo @2']);
  });

  it('leaves a log behind job.json to its writer while that writer lives', async () => {
    const { store } = open();
    const id = store.claimIdSync();
    const paths = store.pathsOf(id);
    const live = { pid: process.ppid, hostname: hostname(), processStartedAt: new Date(readProcessStartMs(process.ppid) as number).toISOString() };
    store.writeSync(makeJob({ id, eventSeq: 1, owner: live }), [event(1)]);
    // Its job.json has landed with events 2 and 3; the writer appends them next.
    writeFileSync(paths.job, serializeJob(makeJob({ id, eventSeq: 3, owner: live }), [event(2), event(3)]));
    expect(store.readForUpdate(id).job.eventSeq).toBe(3);
    expect((await readEvents(paths.events)).events.map((e) => e.seq)).toEqual([1]);
  });

  it('applies the storage limits and removes listed jobs through the folder', async () => {
    const { dir, store } = open();
    rewriteIndex(dir, []);
    const ended = (status: 'failed' | 'completed', endedAt: string) => {
      const id = store.claimIdSync();
      store.writeSync(makeJob({ id, status, endedAt, eventSeq: 1 }));
      return id;
    };
    const older = ended('failed', '2026-11-22T10:00:00.000Z');
    const newer = ended('failed', '2026-11-22T11:00:00.000Z');
    const done = ended('completed', '2026-11-22T12:00:00.000Z');
    expect(await store.applyEndedLimits({ unfinished: 1, completed: 5 }, '2026-11-22T13:00:00.000Z')).toEqual([older]);
    expect(existsSync(store.pathsOf(older).dir)).toBe(false);
    expect(await store.removeListed([store.readSync(done)!])).toEqual([done]);
    expect((await store.listIds()).sort()).toEqual([newer]);
  });

  it('waits up to 30 s for the storage policy\'s claim, and names the jobs folder when it gives up', async () => {
    const { dir, store } = open();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      let finish!: () => void;
      const first = store.withPolicyClaim(() => new Promise<void>((resolve) => (finish = resolve)));
      let outcome: unknown = 'waiting';
      const second = store.withPolicyClaim(() => 'ran').then((value) => (outcome = value), (error: unknown) => (outcome = error));
      await vi.advanceTimersByTimeAsync(29_999);
      expect(outcome).toBe('waiting');
      await vi.advanceTimersByTimeAsync(1);
      await second;
      expect(outcome).toMatchObject({ code: 'CLAIM_BUSY', message: `the jobs folder ${dir} is being changed by this jobline; try again in a moment.` });
      finish();
      await first;
    } finally {
      vi.useRealTimers();
    }
  });
});
