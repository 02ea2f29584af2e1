// The job writer's ordering and merging, against an in-memory store whose writes finish when the
// test says: merged writes keep every event, a failed write is not acknowledged, and neither is
// the write merged behind it (it was made on top of the failed one); nothing is retried.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { JobWriter } from '../../../src/jobs/service/job-writer.js';
import type { JobStore } from '../../../src/store/job-store.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

interface HeldWrite {
  job: Job;
  events: JobEvent[];
  finish: (error?: Error) => void;
}

function heldStore(): { store: JobStore; writes: HeldWrite[] } {
  const writes: HeldWrite[] = [];
  const store = {
    writeSync: () => {},
    write: (job: Job, events: JobEvent[]) => new Promise<void>((resolve, reject) => {
      writes.push({ job, events: [...events], finish: (error) => (error ? reject(error) : resolve()) });
    }),
  } as unknown as JobStore;
  return { store, writes };
}

const event = (type: JobEvent['type']): JobEvent => ({ ts: FIXED_NOW, type });
const noListener = { writeFailed: () => {}, recovered: () => {} };

describe('JobWriter', () => {
  it('writes the changes of one turn as one write', async () => {
    const { store, writes } = heldStore();
    const writer = new JobWriter(store, 1000, noListener);
    const job = makeJob({ status: 'running' });
    const both = Promise.all([writer.write(job, [event('task_completed')]), writer.write({ ...job, eventSeq: 2 }, [event('task_started')])]);
    expect(writes).toHaveLength(0);
    await Promise.resolve();
    expect(writes.map((write) => write.events.map((e) => e.type))).toEqual([['task_completed', 'task_started']]);
    writes[0]!.finish();
    await both;
  });

  it('merges changes made while a write is in flight into one next write that keeps every event', async () => {
    const { store, writes } = heldStore();
    const writer = new JobWriter(store, 1000, noListener);
    const job = makeJob({ status: 'running' });
    const first = writer.write(job, [event('phase_started')]);
    await Promise.resolve(); // the write goes out at the end of the turn that made it
    const second = writer.write({ ...job, currentPhase: 1 }, [event('phase_completed')]);
    const third = writer.write({ ...job, currentPhase: 2 }, [event('approval_requested'), event('approved')]);
    expect(writes).toHaveLength(1);
    writes[0]!.finish();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    expect(writes[1]!.job.currentPhase).toBe(2); // the newest snapshot
    expect(writes[1]!.events.map((e) => e.type)).toEqual(['phase_completed', 'approval_requested', 'approved']);
    writes[1]!.finish();
    await Promise.all([second, third]);
  });

  it('rejects a failed write and the changes merged behind it, telling each change at once; nothing is retried', async () => {
    const { store, writes } = heldStore();
    const failed: string[] = [];
    const recovered: string[] = [];
    const writer = new JobWriter(store, 1000, { writeFailed: (job) => failed.push(job.id), recovered: (job) => recovered.push(job.id) });
    const job = makeJob({ status: 'running' });
    const told: string[] = [];
    const tell = (name: string) => ({ landed: () => told.push(`${name} landed`), refused: () => told.push(`${name} refused`) });
    const write = writer.write(job, [event('phase_started')], false, [], tell('first'));
    await Promise.resolve();
    const behind = writer.write({ ...job, currentPhase: 1 }, [event('phase_completed')], false, [], tell('second'));
    writes[0]!.finish(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    await expect(write).rejects.toThrow('ENOSPC');
    await expect(behind).rejects.toThrow('ENOSPC');
    expect(told).toEqual(['first refused', 'second refused']);
    expect(failed).toEqual([job.id]);
    expect(writes).toHaveLength(1); // the change behind was never written
    // The next change is written as it is, with only its own events; its landing is a recovery.
    const next = writer.write({ ...job, status: 'failed' }, [event('failed')], false, [], tell('third'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes[1]!.events.map((e) => e.type)).toEqual(['failed']);
    writes[1]!.finish();
    await next;
    expect(told.at(-1)).toBe('third landed');
    expect(recovered).toEqual([job.id]);
  });

  it('acknowledges writes in call order across jobs, and a failure does not hold the others back', async () => {
    const { store, writes } = heldStore();
    const writer = new JobWriter(store, 1000, noListener);
    const order: string[] = [];
    const a = writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'running' }), [event('started')]).then(() => order.push('a'), () => order.push('a failed'));
    const b = writer.write(makeJob({ id: 'job-bbbbbbbb', status: 'running' }), [event('started')]).then(() => order.push('b'));
    await Promise.resolve();
    writes[1]!.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]); // b waits for a
    writes[0]!.finish(new Error('EIO'));
    await Promise.all([a, b]);
    expect(order).toEqual(['a failed', 'b']);
  });
});
