// The storage policy as the session applies it, on the in-memory fakes: which ended jobs go, when,
// and what the session says about them.
import { describe, expect, it, vi } from 'vitest';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeService } from '../../helpers/fakes.js';

const ONE_PHASE = commandAgent('one', { run: 'true' });

describe('the storage policy in a session', () => {
  it('puts a pass due while jobs are being submitted off until the next submission has ended', async () => {
    vi.useFakeTimers();
    try {
      const { service, store, executor } = makeFakeService({ maxUnfinishedJobs: 0, policyPassDelayMs: 100, maxConcurrentJobs: 3 });
      const submit = () => service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
      const first = await submit();
      (await executor.whenRuns(1)).fail();
      await vi.advanceTimersByTimeAsync(50);
      await submit();
      // Due at 100 ms, but a job was submitted at 50: the pass waits for the next submission.
      await vi.advanceTimersByTimeAsync(60);
      expect(store.jobs.has(first.job.id)).toBe(true);
      await submit();
      await vi.advanceTimersByTimeAsync(1);
      expect(store.jobs.has(first.job.id)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a job the session just saw end, and says so when a later pass removes it', async () => {
    const { service, store, executor, updates } = makeFakeService({ maxUnfinishedJobs: 1 });
    const first = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(first.job.id)).toBe(true); // within the limit
    const second = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(2)).fail();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(first.job.id)).toBe(false); // the oldest unfinished job went
    expect(store.jobs.has(second.job.id)).toBe(true);
    expect(updates.filter((u) => u.type === 'removed')).toEqual([{ type: 'removed', jobId: first.job.id }]);
    expect(service.isInSession(first.job.id)).toBe(false);
  });

  it('removes nothing of a kind without a limit (keepTempFiles keeps completed jobs)', async () => {
    const { service, store, executor } = makeFakeService({ keepTempFiles: true, maxCompletedJobs: 0 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(job.id)).toBe(true);
  });

  it('warns when a pass fails, and goes on', async () => {
    const { service, store, executor, updates } = makeFakeService({ maxCompletedJobs: 0 });
    store.applyEndedLimits = async () => {
      throw new Error('CLAIM_BUSY: another jobline is cleaning up');
    };
    await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenIdle();
    expect(updates.filter((u) => u.type === 'warning')).toEqual([{ type: 'warning', message: 'Storage cleanup failed: CLAIM_BUSY: another jobline is cleaning up' }]);
  });

  it('cleans up after a cancel of a queued job too', async () => {
    const { service, store, executor } = makeFakeService({ maxConcurrentJobs: 1, maxUnfinishedJobs: 0 });
    await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    const queued = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    await service.dispatch({ type: 'cancel', jobId: queued.job.id });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(queued.job.id)).toBe(false);
    expect(executor.runs).toHaveLength(1);
  });

  it('removes an ended job at once under a limit of 0, yet the session still shows it, and says nothing of it', async () => {
    const { service, store, executor, updates } = makeFakeService({ maxUnfinishedJobs: 0 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(job.id)).toBe(false);
    expect(service.sessionJob(job.id)!.status).toBe('failed');
    expect(updates.filter((u) => u.type === 'removed')).toEqual([]);
  });

  it('removes an unfinished job even while a front end holds removals (only completed jobs wait to be seen)', async () => {
    const { service, store, executor } = makeFakeService({ maxUnfinishedJobs: 0, keepTempFiles: true });
    const release = service.lifecycle.holdRemovals();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    expect(store.jobs.has(job.id)).toBe(false); // keepTempFiles keeps completed jobs only
    release();
  });
});
