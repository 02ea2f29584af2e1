// The job writer's durability decisions, on a recording store and a fake clock: which writes are
// synchronous, which renames must survive a power loss, progress coalescing, failures (never
// retried here), and what an exit path takes over.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { TaskRecord } from '../../../src/jobs/model/task.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import { JobWriter } from '../../../src/jobs/service/job-writer.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

interface Recorded {
  how: 'sync' | 'async';
  job: Job;
  events: string[];
  records: number;
  isRenameDurable: boolean | null;
}

function recordingStore(failures: { async: number } = { async: 0 }) {
  const writes: Recorded[] = [];
  const store = {
    writeSync: (job: Job, events: JobEvent[] = [], records: TaskRecord[] = []) => {
      writes.push({ how: 'sync', job, events: events.map((e) => e.type), records: records.length, isRenameDurable: null });
    },
    write: async (job: Job, events: JobEvent[], options: { isRenameDurable: boolean }, records: TaskRecord[] = []) => {
      if (failures.async > 0) {
        failures.async--;
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'JOB_IO' });
      }
      writes.push({ how: 'async', job, events: events.map((e) => e.type), records: records.length, isRenameDurable: options.isRenameDurable });
    },
  } as unknown as JobRepository;
  return { store, writes };
}

const event = (type: JobEvent['type']): JobEvent => ({ ts: FIXED_NOW, type });
const record = (seq: number): TaskRecord => ({ kind: 'task', seq, task: { id: 't1', phase: 0, title: 'a', input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] } });
const noListener = { writeFailed: () => {}, recovered: () => {} };

describe('JobWriter durability', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes a creation on the caller\'s thread, with its records, unless it is one of many (bulk)', async () => {
    const { store, writes } = recordingStore();
    const writer = new JobWriter(store, 1000, noListener);
    await writer.write(makeJob({ id: 'job-aaaaaaaa' }), [event('created'), event('queued')], false, [record(2)]);
    expect(writes).toEqual([expect.objectContaining({ how: 'sync', events: ['created', 'queued'], records: 1 })]);
    await writer.write(makeJob({ id: 'job-bbbbbbbb' }), [event('created')], true, [record(1)]);
    expect(writes[1]).toMatchObject({ how: 'async', events: ['created'], records: 1, isRenameDurable: true });
    await writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'running' }), [event('started')]);
    expect(writes[2]).toMatchObject({ how: 'async', isRenameDurable: false }); // a state a power loss may roll back
    await writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'completed' }), [event('completed')]);
    expect(writes[3]).toMatchObject({ how: 'async', isRenameDurable: true }); // an end must survive
  });

  it('refuses a creation that cannot be written, and never retries it', async () => {
    const store = { writeSync: () => { throw new Error('EROFS'); }, write: async () => {} } as unknown as JobRepository;
    const failed: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (job) => failed.push(job.id), recovered: () => {} });
    await expect(writer.write(makeJob(), [event('created')])).rejects.toThrow('EROFS');
    expect(failed).toEqual([]);
  });

  it('writes progress at most once per interval, with the newest state, and not after a full write', async () => {
    const { store, writes } = recordingStore();
    const writer = new JobWriter(store, 1000, noListener);
    let job = makeJob({ status: 'running' });
    writer.scheduleProgress(job.id, () => job);
    job = { ...job, progress: { ...job.progress, round: 2 } };
    writer.scheduleProgress(job.id, () => job);
    await vi.advanceTimersByTimeAsync(999);
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.job.progress.round).toBe(2);
    expect(writes[0]!.events).toEqual([]);
    // A full write carries the progress: the pending progress write is dropped.
    writer.scheduleProgress(job.id, () => job);
    await writer.write({ ...job, currentPhase: 1 }, [event('phase_completed')]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(writes.map((w) => w.events)).toEqual([[], ['phase_completed']]);
    // settle drops a pending progress write too.
    writer.scheduleProgress(job.id, () => job);
    await writer.settle();
    await vi.advanceTimersByTimeAsync(5000);
    expect(writes).toHaveLength(2);
  });

  it('retries nothing: a failed write is the caller\'s error, and no timer writes it later', async () => {
    const failures = { async: 1 };
    const { store, writes } = recordingStore(failures);
    const failed: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (job) => failed.push(job.id), recovered: () => {} });
    const job = makeJob({ status: 'running' });
    await expect(writer.write(job, [event('phase_started')], false, [record(3)])).rejects.toThrow('ENOSPC');
    expect(failed).toEqual([job.id]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writes).toEqual([]);
  });

  it('hands an exit path the write on its way and the changes queued behind it, which it then never writes', async () => {
    let release!: () => void;
    const written: string[][] = [];
    const store = {
      writeSync: () => {},
      write: (_job: Job, events: JobEvent[]) => new Promise<void>((resolve) => {
        written.push(events.map((e) => e.type));
        release = resolve;
      }),
    } as unknown as JobRepository;
    const writer = new JobWriter(store, 1000, noListener);
    const job = makeJob({ status: 'running', eventSeq: 4 });
    void writer.write(job, [event('phase_started')]);
    await vi.advanceTimersByTimeAsync(0);
    void writer.write({ ...job, eventSeq: 6 }, [event('task_started'), event('task_completed')], false, [record(6)]);
    const exit = writer.takeForExit(job.id);
    expect(exit.inFlightSeq).toBe(4);
    expect(exit.queued?.events.map((e) => e.type)).toEqual(['task_started', 'task_completed']);
    expect(exit.queued?.records).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([['phase_started']]); // the queued changes are the exit's to write
    expect(writer.takeForExit('job-unknown0')).toEqual({ inFlightSeq: null, queued: null });
  });

  it('refuses a stale write: it is said once and never retried', async () => {
    const store = {
      writeSync: () => {},
      write: async () => { throw Object.assign(new Error('Not saving'), { code: 'JOB_STALE' }); },
    } as unknown as JobRepository;
    const failed: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (job) => failed.push(job.id), recovered: () => {} });
    await expect(writer.write(makeJob({ status: 'running' }), [event('started')])).rejects.toThrow('Not saving');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(failed).toHaveLength(1);
  });

  it('makes a merged write rename-durable when any change in it must be, and reports recoveries only', async () => {
    const options: boolean[] = [];
    let release!: () => void;
    const store = {
      writeSync: () => {},
      write: (_job: Job, _events: JobEvent[], opts: { isRenameDurable: boolean }) => {
        options.push(opts.isRenameDurable);
        return options.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    } as unknown as JobRepository;
    const recovered: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: () => {}, recovered: (job) => recovered.push(job.id) });
    const job = makeJob({ status: 'running' });
    const first = writer.write(job, [event('started')]);
    await vi.advanceTimersByTimeAsync(0);
    const second = writer.write({ ...job, status: 'completed' }, [event('completed')]);
    const third = writer.write({ ...job, status: 'completed' }, []);
    release();
    await Promise.all([first, second, third]);
    expect(options).toEqual([false, true]);
    expect(recovered).toEqual([]);
  });

  it('does not retry a bulk creation that failed: the job is refused', async () => {
    const failures = { async: 1 };
    const { store, writes } = recordingStore(failures);
    const failed: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (job) => failed.push(job.id), recovered: () => {} });
    await expect(writer.write(makeJob(), [event('created')], true)).rejects.toThrow('ENOSPC');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writes).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('makes the first write after a failure rename-durable', async () => {
    const failures = { async: 1 };
    const { store, writes } = recordingStore(failures);
    const writer = new JobWriter(store, 1000, noListener);
    const job = makeJob({ status: 'running' });
    await expect(writer.write(job, [event('phase_started')])).rejects.toThrow();
    await writer.write(job, [event('phase_started')]);
    expect(writes).toEqual([expect.objectContaining({ events: ['phase_started'], isRenameDurable: true })]);
  });

  it('settles: waits for every write in flight or merged, and drops progress not yet written', async () => {
    let release!: () => void;
    const writes: string[] = [];
    const store = {
      writeSync: () => {},
      write: (job: Job, events: JobEvent[]) => new Promise<void>((resolve) => {
        writes.push(`${job.id}:${events.map((e) => e.type).join(',')}`);
        release = resolve;
      }),
    } as unknown as JobRepository;
    const writer = new JobWriter(store, 1000, noListener);
    const job = makeJob({ status: 'running' });
    void writer.write(job, [event('phase_started')]);
    await vi.advanceTimersByTimeAsync(0);
    void writer.write({ ...job, currentPhase: 1 }, [event('phase_completed')]);
    const idle = makeJob({ id: 'job-efgh5678', status: 'running' });
    writer.scheduleProgress(idle.id, () => idle);
    let isSettled = false;
    const settling = writer.settle().then(() => (isSettled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(isSettled).toBe(false);
    release(); // the first write lands; the merged one starts
    await vi.advanceTimersByTimeAsync(0);
    expect(isSettled).toBe(false);
    release();
    await settling;
    await vi.advanceTimersByTimeAsync(5000);
    // The progress write was dropped: only the two writes of the first job happened.
    expect(writes).toEqual([`${job.id}:phase_started`, `${job.id}:phase_completed`]);
    // With nothing in flight it settles at once.
    await writer.settle();
  });

});
