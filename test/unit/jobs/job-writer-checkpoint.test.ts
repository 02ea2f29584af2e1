// The job writer's checkpoint of job.json after a journal-only write (a change of counters only):
// it is written within the progress interval, unless a newer write of the job landed meanwhile.
// A checkpoint that outlived a newer write was refused as stale, and its owner warned the user
// that its copy of the job was out of date ("Not saving …") although the disk was right.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { TaskRecord } from '../../../src/jobs/model/task.js';
import { JobWriter } from '../../../src/jobs/service/job-writer.js';
import { InMemoryRepository } from '../../helpers/fakes.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

const record = (seq: number): TaskRecord => ({ kind: 'task', seq, task: { id: 't1', phase: 0, title: 'a', input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] } });
const event = (type: JobEvent['type'], seq: number): JobEvent => ({ ts: FIXED_NOW, type, seq } as JobEvent);

describe('JobWriter checkpoints', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('drops a checkpoint once a newer write of the job landed: no stale write, no warning', async () => {
    const store = new InMemoryRepository();
    const failed: unknown[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (_job, error) => failed.push(error), recovered: () => {} });
    const id = 'job-aaaaaaaa';
    store.writeSync(makeJob({ id, status: 'running', eventSeq: 62 }));
    // A task's end that changed counters only: the journal takes it, job.json waits for a checkpoint.
    await writer.write(makeJob({ id, status: 'running', eventSeq: 63 }), [event('task_completed', 63)], false, [record(63)], { isCountersOnly: true });
    // The job's end lands before the checkpoint's time.
    await writer.write(makeJob({ id, status: 'failed', eventSeq: 66 }), [event('failed', 66)]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(failed).toEqual([]);
    expect(store.jobs.get(id)?.job).toMatchObject({ status: 'failed', eventSeq: 66 });
  });

  it('writes the checkpoint when nothing newer came', async () => {
    const store = new InMemoryRepository();
    const writer = new JobWriter(store, 1000, { writeFailed: () => {}, recovered: () => {} });
    const id = 'job-bbbbbbbb';
    store.writeSync(makeJob({ id, status: 'running', eventSeq: 1 }));
    const written: number[] = [];
    const write = store.write.bind(store);
    store.write = async (job: Job, ...rest: Parameters<typeof write> extends [Job, ...infer R] ? R : never) => {
      written.push(job.eventSeq);
      return write(job, ...rest);
    };
    await writer.write(makeJob({ id, status: 'running', eventSeq: 2 }), [event('task_completed', 2)], false, [record(2)], { isCountersOnly: true });
    expect(written).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(written).toEqual([2, 2]); // job.json caught up with its journal
  });
});
