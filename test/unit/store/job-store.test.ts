import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobFile, serializeJob } from '../../../src/store/job-file.js';
import { JobStore } from '../../../src/store/job-store.js';
import { OWNER_GONE_REASON, viewWithLiveness } from '../../../src/jobs/process/liveness.js';
import { JobFolderReader } from '../../../src/store/job-folder-reader.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import { readEvents } from '../../../src/store/event-log.js';
import { FIXED_NOW, deadOwner, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';
import type { TaskRecord } from '../../../src/jobs/model/task.js';

describe('JobStore', () => {
  it('claims unique ids by creating their folders, and saves and loads a job', async () => {
    const store = JobStore.open(makeTempDir());
    const ids = Array.from({ length: 50 }, () => store.claimIdSync());
    expect(new Set(ids).size).toBe(50);
    const job = makeJob({ id: ids[0]! });
    store.writeSync(job);
    expect(await store.loadRaw(job.id)).toEqual(job);
    expect(statSync(store.pathsOf(job.id).job).mode & 0o777).toBe(0o600);
    expect(statSync(store.pathsOf(job.id).dir).mode & 0o777).toBe(0o700);
  });

  it('appends events as JSON lines and skips a torn last line when reading', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }), [{ ts: FIXED_NOW, type: 'created' }, { ts: FIXED_NOW, type: 'queued' }]);
    store.writeSync(makeJob({ id, status: 'running' }), [{ ts: FIXED_NOW, type: 'started' }]);
    writeFileSync(store.pathsOf(id).events, '{"ts":"2026', { flag: 'a' });
    const { events, skippedLines } = await readEvents(store.pathsOf(id).events);
    expect(events.map((e) => e.type)).toEqual(['created', 'queued', 'started']);
    expect(skippedLines).toBe(1);
  });

  it('never lets a concurrent reader see a torn job.json', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    const path = store.pathsOf(id).job;
    store.writeSync(makeJob({ id }));
    // A separate process rewrites the file 300 times with ~200 KB bodies while this one reads.
    const script = `
      import { writeFileAtomicSync } from ${JSON.stringify(new URL('../../../dist/store/atomic-write.js', import.meta.url).href)};
      const base = ${JSON.stringify(serializeJob(makeJob({ id })))};
      for (let i = 0; i < 300; i++) {
        const job = JSON.parse(base);
        job.description = String(i % 10).repeat(100_000 + (i % 7) * 15_000);
        writeFileAtomicSync(${JSON.stringify(path)}, JSON.stringify(job, null, 2));
      }`;
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    let isRunning = true;
    void exited.then(() => (isRunning = false));
    let reads = 0;
    const descriptions = new Set<string>();
    while (isRunning) {
      const job = parseJobFile(readFileSync(path, 'utf8'), path);
      descriptions.add(job.description.slice(0, 1));
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited).toBe(0);
    expect(reads).toBeGreaterThan(20);
    expect(descriptions.size).toBeGreaterThan(1); // the reader really saw the file change
  });

  it('lists jobs oldest first, skipping corrupt files and symlinked folders with a warning', async () => {
    const dir = makeTempDir();
    const store = JobStore.open(dir);
    const [a, b, corrupt, empty] = [store.claimIdSync(), store.claimIdSync(), store.claimIdSync(), store.claimIdSync()];
    store.writeSync(makeJob({ id: a!, createdAt: '2026-11-22T10:00:02.000Z' }));
    store.writeSync(makeJob({ id: b!, createdAt: '2026-11-22T10:00:01.000Z' }));
    writeFileSync(store.pathsOf(corrupt!).job, '{"schemaVersion": 1, "id": "job-');
    symlinkSync(makeTempDir(), join(dir, 'job-11111111'));
    void empty; // a folder whose job.json was never written: skipped silently
    const { jobs, warnings } = await store.list();
    expect(jobs.map((job) => job.id)).toEqual([b, a]);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain(`Skipped ${corrupt}: Corrupt job file`);
    expect(warnings.join('\n')).toContain('job-11111111: a job folder must not be a symbolic link');
  });

  it('removes a job folder atomically, and finishes removals a killed process left behind', async () => {
    const dir = makeTempDir();
    const store = JobStore.open(dir);
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }));
    await store.remove(id);
    expect(readdirSync(dir)).toEqual([]);
    // What a kill in the middle of a removal leaves: the renamed folder, partly deleted.
    mkdirSync(join(dir, '.removing-job-zzzz9999-1-1'));
    writeFileSync(join(dir, '.removing-job-zzzz9999-1-1', 'output.log'), 'x');
    const reopened = JobStore.open(dir);
    expect(await reopened.listIds()).toEqual([]);
    await reopened.removalsSwept;
    expect(readdirSync(dir)).toEqual([]);
  });

  it('resolves prefixes against the folders present', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    expect(await store.resolveId(id.slice(4, 8))).toBe(id);
    await expect(store.resolveId('zzzzzzzzz')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});

describe('parseJobFile', () => {
  const path = '/tmp/x/job.json';
  it.each([
    ['a truncated file', serializeJob(makeJob()).slice(0, 40), /Corrupt job file \/tmp\/x\/job.json: it is not valid JSON/],
    ['an empty file', '', /it is empty/],
    ['a wrong-schema file', JSON.stringify({ ...makeJob(), status: 'done' }), /status: Invalid option/],
    ['an unknown schemaVersion', JSON.stringify({ ...makeJob(), schemaVersion: 9 }), /Unsupported job file .*schemaVersion 9 \(this jobline reads versions 1 and 2\)/],
  ])('rejects %s with JOB_FILE_CORRUPT and a clear message', (_name, text, message) => {
    expect(() => parseJobFile(text, path)).toThrow(expect.objectContaining({ code: 'JOB_FILE_CORRUPT', message: expect.stringMatching(message) }));
  });

  it('reads the phase an older version marked cancelled when it interrupted the job as interrupted, and keeps a set-aside time', () => {
    const written = makeJob({ status: 'interrupted', error: 'Interrupted: jobline exited', dismissedAt: FIXED_NOW }, ['plan', 'build']);
    written.phases[0] = { ...written.phases[0]!, status: 'completed' };
    written.phases[1] = { ...written.phases[1]!, status: 'cancelled' };
    const read = parseJobFile(serializeJob(written), path);
    expect(read.phases.map((phase) => phase.status)).toEqual(['completed', 'interrupted']);
    expect(read.dismissedAt).toBe(FIXED_NOW);
    // A cancelled job's phase stays cancelled.
    expect(parseJobFile(serializeJob({ ...written, status: 'cancelled' }), path).phases[1]!.status).toBe('cancelled');
  });
});

describe('a job whose owner died without marking it', () => {
  it('is recorded as interrupted once, durably, dated by its last recorded activity, and reads the same every time', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    const phaseStart = '2026-11-22T10:05:00.000Z';
    const job = makeJob({ id, status: 'running', startedAt: FIXED_NOW, owner: deadOwner() });
    job.phases[0] = { ...job.phases[0]!, status: 'running', attempts: 1, startedAt: phaseStart };
    store.writeSync(job, [{ ts: FIXED_NOW, type: 'created' }, { ts: phaseStart, type: 'phase_started' }]);
    // The file was last written at the phase start (as a crash right after it would leave it).
    const { utimesSync } = await import('node:fs');
    utimesSync(store.pathsOf(id).job, new Date(phaseStart), new Date(phaseStart));

    // A reader of the folder sees it interrupted without changing a file; the job service (every
    // front end's reader) records it, through the commit path, the first time it reads it.
    const viewed = await store.load(id);
    expect(viewed).toMatchObject({ status: 'interrupted', error: OWNER_GONE_REASON, endedAt: phaseStart });
    expect((await store.loadRaw(id)).status).toBe('running');
    const service = new JobService({ repository: store, reader: new JobFolderReader(store), manager: null, cwd: '/', adopt: () => { throw new Error('not here'); } });
    const first = await service.get(id);
    const second = await service.get(id);
    const listed = (await service.list()).jobs[0];
    expect(first).toMatchObject({ status: 'interrupted', error: OWNER_GONE_REASON, endedAt: phaseStart });
    expect(second).toEqual(first);
    expect(listed).toEqual(first);
    expect(await store.loadRaw(id)).toEqual(first);
    const { events } = await readEvents(store.pathsOf(id).events);
    expect(events.filter((event) => event.type === 'interrupted')).toEqual([
      { seq: 1, ts: phaseStart, type: 'interrupted', reason: OWNER_GONE_REASON, detectedAt: expect.stringMatching(/^\d{4}-/) },
    ]);
  });
});

describe('viewWithLiveness', () => {
  it('reports an active job whose owner process is gone as interrupted', async () => {
    const child = spawn('true');
    await new Promise((resolve) => child.on('exit', resolve));
    const job = makeJob({ status: 'running', owner: { ...makeJob().owner, pid: child.pid! } });
    expect(viewWithLiveness(job, FIXED_NOW)).toMatchObject({ status: 'interrupted', error: OWNER_GONE_REASON, endedAt: FIXED_NOW });
  });

  it('does not take a reused pid for the owner: the start time must match', () => {
    const owner = makeJob().owner;
    const job = makeJob({ status: 'queued', owner: { ...owner, processStartedAt: '2020-01-01T00:00:00.000Z' } });
    expect(viewWithLiveness(job, FIXED_NOW).status).toBe('interrupted');
  });

  it('leaves jobs of a live owner, of another host and of finished jobs alone', async () => {
    const { readProcessStartMs } = await import('../../../src/jobs/process/owner.js');
    const child = spawn('sleep', ['30']);
    try {
      const startedMs = readProcessStartMs(child.pid!) as number;
      const owner = { ...makeJob().owner, pid: child.pid!, processStartedAt: new Date(startedMs).toISOString() };
      expect(viewWithLiveness(makeJob({ status: 'running', owner }), FIXED_NOW).status).toBe('running');
      expect(viewWithLiveness(makeJob({ status: 'running', owner: { ...owner, pid: 999_999, hostname: 'elsewhere' } }), FIXED_NOW).status).toBe('running');
      expect(viewWithLiveness(makeJob({ status: 'failed', owner: { ...owner, pid: 999_999 } }), FIXED_NOW).status).toBe('failed');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('job files on disk', () => {
  it('never follows a symbolic link planted in place of output.log, events.jsonl or job.json', async () => {
    const { OutputSink } = await import('../../../src/jobs/runtime/output-sink.js');
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }));
    const target = join(makeTempDir(), 'target');
    writeFileSync(target, 'precious\n');
    const paths = store.pathsOf(id);
    symlinkSync(target, paths.output);
    expect(() => new OutputSink(paths.output, () => {})).toThrow(/ELOOP/);
    // events.jsonl is appended after job.json, the commit point: the change stands, its events are
    // kept back (job.json's journal holds them), and the link is never followed.
    symlinkSync(target, paths.events);
    store.writeSync(makeJob({ id, status: 'running' }), [{ ts: FIXED_NOW, type: 'started' }]);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    symlinkSync(target, paths.tasks!);
    expect(() => store.writeSync(makeJob({ id, status: 'running', eventSeq: 1 }), [], [{ kind: 'task', seq: 1, task: { id: 't1', phase: 0, title: 'a', input: 'a', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] } }])).toThrow(/ELOOP/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    const other = store.claimIdSync();
    symlinkSync(target, store.pathsOf(other).job);
    await expect(store.loadRaw(other)).rejects.toThrow(/ELOOP/);
  });

  it('terminates a torn last line of events.jsonl before appending, so the next event is kept', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id }), [{ ts: FIXED_NOW, type: 'created' }]);
    writeFileSync(store.pathsOf(id).events, '{"ts":"2026-11-22T10:00:00.000Z","type":"phase_sta', { flag: 'a' });
    store.writeSync(makeJob({ id, status: 'interrupted' }), [{ ts: FIXED_NOW, type: 'interrupted', reason: 'x' }]);
    const { events, skippedLines } = await readEvents(store.pathsOf(id).events);
    expect(events.map((event) => event.type)).toEqual(['created', 'interrupted']);
    expect(skippedLines).toBe(1);
  });

  it('reports an oversized job.json as corrupt without reading it whole', async () => {
    const { MAX_JOB_FILE_BYTES } = await import('../../../src/store/job-store.js');
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    writeFileSync(store.pathsOf(id).job, Buffer.alloc(MAX_JOB_FILE_BYTES + 1, 0x20));
    await expect(store.loadRaw(id)).rejects.toMatchObject({ code: 'JOB_FILE_CORRUPT', message: expect.stringMatching(/far larger than any job/) });
    const { warnings } = await store.list();
    expect(warnings.join()).toMatch(/far larger than any job/);
  });
});

describe('atomic writes', () => {
  it('fsync the temp file before the rename, and the folder too when the rename must be durable', async () => {
    const { getFsyncCount, writeFileAtomicSync } = await import('../../../src/store/atomic-write.js');
    const path = join(makeTempDir(), 'file.json');
    let before = getFsyncCount();
    writeFileAtomicSync(path, '{"a":1}', { isRenameDurable: false });
    expect(getFsyncCount() - before).toBe(1);
    before = getFsyncCount();
    writeFileAtomicSync(path, '{"a":2}', { isRenameDurable: true });
    expect(getFsyncCount() - before).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(join(path, '..'))).toEqual(['file.json']); // no temp file left
  });
});

describe('tasks.jsonl', () => {
  it('is the journal: fsynced once by every write that appends to it, before job.json, however many records it carries', async () => {
    const { getFsyncCount } = await import('../../../src/store/atomic-write.js');
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    const run = (n: number, status: 'running' | 'succeeded'): TaskRecord => ({
      kind: 'run',
      seq: n,
      run: { id: `r${n}`, taskId: `t${n}`, attempt: 1, worker: 'sh[abcd-0]', startedAt: FIXED_NOW, state: status === 'running' ? { status } : { status, endedAt: FIXED_NOW }, output: { file: `runs/r${n}.log`, section: 's' } },
    });
    const fsyncsOf = (records: TaskRecord[]): number => {
      const before = getFsyncCount();
      store.writeSync(makeJob({ id }), [], records);
      return getFsyncCount() - before;
    };
    const withoutRecords = fsyncsOf([]);
    expect(fsyncsOf([run(1, 'running')])).toBe(withoutRecords + 1); // a start, before its command
    expect(fsyncsOf([run(1, 'succeeded')])).toBe(withoutRecords + 1); // an end, before it is reported
    // A window of starts and ends: one fsync for all (group commit).
    expect(fsyncsOf(Array.from({ length: 50 }, (_, n) => run(n + 2, n % 2 === 0 ? 'running' : 'succeeded')))).toBe(withoutRecords + 1);
    expect(readFileSync(store.pathsOf(id).tasks!, 'utf8').trim().split('\n')).toHaveLength(52);
  });

  it('takes a write\'s records back when its job.json cannot be replaced: nothing of a failed write is left', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    const task = (status: 'todo' | 'done'): TaskRecord => ({ kind: 'task', seq: 1, task: { id: 't1', phase: 0, title: 'a', input: 'a', status, dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] } });
    store.writeSync(makeJob({ id, eventSeq: 1 }), [], [task('todo')]);
    const before = readFileSync(store.pathsOf(id).tasks!, 'utf8');
    // job.json cannot be replaced: a folder stands where its temp file would go… so make job.json a folder.
    const { rmSync, mkdirSync } = await import('node:fs');
    rmSync(store.pathsOf(id).job);
    mkdirSync(store.pathsOf(id).job);
    expect(() => store.writeSync(makeJob({ id, eventSeq: 2 }), [], [task('done')])).toThrow(/Cannot save/);
    expect(readFileSync(store.pathsOf(id).tasks!, 'utf8')).toBe(before);
  });
});

describe('a log that a crash left behind job.json', () => {
  it('is completed from job.json\'s journal by the first reader, after its torn last line', async () => {
    const store = JobStore.open(makeTempDir());
    const id = store.claimIdSync();
    const owner = deadOwner();
    const created = { seq: 1, ts: FIXED_NOW, type: 'created' as const };
    const started = { seq: 2, ts: FIXED_NOW, type: 'started' as const };
    const failed = [{ seq: 3, ts: FIXED_NOW, type: 'phase_failed' as const, phase: 'analyze', error: 'x' }, { seq: 4, ts: FIXED_NOW, type: 'failed' as const }];
    // What a kill between the rename of job.json and the append of its events leaves: the log
    // has the first two events and a piece of the third; job.json says failed.
    writeFileSync(store.pathsOf(id).events, `${JSON.stringify(created)}\n${JSON.stringify(started)}\n{"seq":3,"ts":"2026`);
    const job = makeJob({ id, status: 'failed', error: 'Phase analyze failed: x', endedAt: FIXED_NOW, owner, eventSeq: 4 });
    writeFileSync(store.pathsOf(id).job, serializeJob(job, failed));
    expect((await store.load(id)).status).toBe('failed');
    const { events, skippedLines } = await readEvents(store.pathsOf(id).events);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(skippedLines).toBe(1);
    await store.load(id); // a second reader adds nothing
    expect((await readEvents(store.pathsOf(id).events)).events).toHaveLength(4);
  });
});
