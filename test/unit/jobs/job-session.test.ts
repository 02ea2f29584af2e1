// A session's jobs and the waits on them, on a bare session: lookups by id and prefix, agents and
// boards of held jobs only, removal holds that nest and release once, idle waits that count an
// approval wait as idle only for whenNothingRuns, a busy slot or cleanup as not idle, active jobs
// (an external one is left to its workers), and a queued job's place among those without a slot.
import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../../../src/jobs/model/job.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { JobSession } from '../../../src/jobs/service/job-session.js';
import { makeJob } from '../../helpers/jobs.js';

class BareSession extends JobSession {
  isBusyNow = false;
  readonly slots = new Set<string>();

  add(job: Job, extra: Partial<JobHandle> = {}): void {
    this.entries.set(job.id, { id: job.id, job, agent: null, board: null, ...extra } as unknown as JobHandle);
  }

  setStatus(id: string, status: JobStatus): void {
    const entry = this.entries.get(id)!;
    this.entries.set(id, { ...entry, job: { ...entry.job, status } } as JobHandle);
    this.recheckWaiters();
  }

  protected isBusy(): boolean {
    return this.isBusyNow;
  }

  protected holdsSlot(id: string): boolean {
    return this.slots.has(id);
  }

  removalsAllowed(): Promise<void> {
    return this.whenRemovalsAllowed();
  }

  placeOf(id: string): number {
    return this.queuePositionOf(id);
  }

  entryOf(input: string): JobHandle {
    return this.requireEntry(input);
  }
}

// Whether `promise` has settled once pending callbacks have run.
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  return settled;
}

describe('JobSession', () => {
  it('lists its jobs oldest first and finds them by id or prefix; agents and boards only of held jobs', () => {
    const session = new BareSession();
    const agent = { name: 'dev' };
    const board = { tasks: [], runs: [] };
    session.add(makeJob({ id: 'job-bbbb0001' }), { agent, board } as never);
    session.add(makeJob({ id: 'job-aaaa0002' }));
    expect(session.list().map((job) => job.id)).toEqual(['job-bbbb0001', 'job-aaaa0002']);
    expect(session.get('job-aaaa').id).toBe('job-aaaa0002');
    expect(session.entryOf('job-b').id).toBe('job-bbbb0001');
    expect(session.resolveId('job-bbbb0001')).toBe('job-bbbb0001');
    expect(session.agentOf('job-bbbb0001')).toBe(agent);
    expect(session.boardOf('job-bbbb0001')).toBe(board);
    expect(session.agentOf('job-aaaa0002')).toBeNull();
    expect(session.agentOf('job-cccc0003')).toBeNull();
    expect(session.boardOf('job-cccc0003')).toBeNull();
    expect(session.has('job-aaaa0002')).toBe(true);
    expect(session.has('job-aaaa')).toBe(false);
    expect(() => session.get('job-cccc')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });

  it('allows removals once every hold is released; a hold released twice counts once', async () => {
    const session = new BareSession();
    expect(await isSettled(session.removalsAllowed())).toBe(true);
    const first = session.holdRemovals();
    const second = session.holdRemovals();
    const allowed = session.removalsAllowed();
    first();
    first();
    expect(await isSettled(allowed)).toBe(false);
    second();
    expect(await isSettled(allowed)).toBe(true);
  });

  it('is idle with no active job and nothing busy; an approval wait is idle only for whenNothingRuns', async () => {
    const session = new BareSession();
    session.add(makeJob({ id: 'job-aaaa0001', status: 'awaiting_approval' }));
    session.add(makeJob({ id: 'job-aaaa0002', status: 'completed' }));
    const idle = session.whenIdle();
    expect(await isSettled(session.whenNothingRuns())).toBe(true);
    expect(await isSettled(idle)).toBe(false);
    session.isBusyNow = true;
    const nothingRuns = session.whenNothingRuns();
    expect(await isSettled(nothingRuns)).toBe(false);
    session.setStatus('job-aaaa0001', 'completed');
    expect(await isSettled(idle)).toBe(false);
    session.isBusyNow = false;
    session.setStatus('job-aaaa0001', 'completed');
    expect(await isSettled(idle)).toBe(true);
    expect(await isSettled(nothingRuns)).toBe(true);
    session.add(makeJob({ id: 'job-aaaa0003', status: 'running' }));
    expect(await isSettled(session.whenNothingRuns())).toBe(false);
  });

  it('has active jobs while one is queued, running or awaiting approval, except an external one', () => {
    const session = new BareSession();
    session.add(makeJob({ id: 'job-aaaa0001', status: 'completed' }));
    expect(session.hasActiveJobs()).toBe(false);
    session.add(makeJob({ id: 'job-aaaa0002', status: 'running', agent: 'external' }));
    expect(session.hasActiveJobs()).toBe(false);
    session.add(makeJob({ id: 'job-aaaa0003', status: 'awaiting_approval' }));
    expect(session.hasActiveJobs()).toBe(true);
  });

  it('places a queued job among the queued jobs without a slot, in order', () => {
    const session = new BareSession();
    session.add(makeJob({ id: 'job-aaaa0001', status: 'queued' }));
    session.add(makeJob({ id: 'job-aaaa0002', status: 'running' }));
    session.add(makeJob({ id: 'job-aaaa0003', status: 'queued' }));
    session.add(makeJob({ id: 'job-aaaa0004', status: 'queued' }));
    expect(session.placeOf('job-aaaa0003')).toBe(2);
    session.slots.add('job-aaaa0001');
    expect(session.placeOf('job-aaaa0003')).toBe(1);
    expect(session.placeOf('job-aaaa0004')).toBe(2);
    expect(session.placeOf('job-zzzz0009')).toBe(2);
  });
});
