// Leaving a session: every active job of this process is marked interrupted (ended and external
// jobs are left as they are, and a job whose mark did not take is not counted), and every run is
// asked to stop with the grace period, then the executor closes only once every run has ended.
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/jobs/model/job.js';
import type { Executor } from '../../../src/jobs/ports/executor.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { interruptJobsSync, stopRuns } from '../../../src/jobs/service/session-exit.js';
import { makeJob } from '../../helpers/jobs.js';

describe('interruptJobsSync', () => {
  it('marks the active jobs of this process, with the reason, and returns those marked', () => {
    const store = {} as JobRepository;
    const asked: string[] = [];
    const entry = (id: string, status: JobStatus, options: { agent?: string; isMarked?: boolean } = {}) => ({
      id,
      job: makeJob({ id, status, ...(options.agent ? { agent: options.agent } : {}) }),
      interruptSync: (given: JobRepository, reason: string) => {
        asked.push(`${id} ${reason} ${given === store}`);
        return options.isMarked ?? true;
      },
    }) as unknown as JobHandle;
    const jobs = [entry('job-aaaa0001', 'running'), entry('job-aaaa0002', 'completed'), entry('job-aaaa0003', 'queued', { agent: 'external' }), entry('job-aaaa0004', 'awaiting_approval'), entry('job-aaaa0005', 'running', { isMarked: false })];
    expect(interruptJobsSync(jobs, store, 'jobline exited')).toEqual(['job-aaaa0001', 'job-aaaa0004']);
    expect(asked).toEqual(['job-aaaa0001 jobline exited true', 'job-aaaa0004 jobline exited true', 'job-aaaa0005 jobline exited true']);
  });
});

describe('stopRuns', () => {
  it('asks every run to stop with the grace period, and closes the executor once all have ended', async () => {
    const events: string[] = [];
    const ends: Array<() => void> = [];
    const run = (name: string) => ({
      cancel: (graceMs: number) => events.push(`cancel ${name} ${graceMs}`),
      outcome: new Promise<void>((resolve) => ends.push(() => {
        events.push(`ended ${name}`);
        resolve();
      })),
    });
    const jobs = [{ runHandles: [run('a'), run('b')] }, { runHandles: [] }, { runHandles: [run('c')] }] as unknown as JobHandle[];
    const executor = { close: async () => void events.push('closed') } as unknown as Executor;
    const stopped = stopRuns(jobs, executor, 2500);
    expect(events).toEqual(['cancel a 2500', 'cancel b 2500', 'cancel c 2500']);
    ends[0]!();
    ends[2]!();
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    expect(events).not.toContain('closed');
    ends[1]!();
    await stopped;
    expect(events.slice(3)).toEqual(['ended a', 'ended c', 'ended b', 'closed']);
  });
});
