// The manager when things go wrong or end: a creation that cannot be written, writes that fail and
// recover, a stale session, exits, holds on removals. In-memory fakes: milliseconds per test.
import { describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeManager, makeFakeService } from '../../helpers/fakes.js';

const ONE_PHASE = commandAgent('one', { run: 'true' });
const submitTo = (manager: ReturnType<typeof makeFakeManager>['manager'], mode: 'interactive' | 'background' = 'background') =>
  manager.submit({ agent: ONE_PHASE, prompt: 'p', mode, cwd: '/work' });

describe('the manager when things go wrong', () => {
  it('refuses a job whose creation cannot be written: nothing of it runs or stays', async () => {
    const { manager, store, executor } = makeFakeManager();
    const writeSync = store.writeSync.bind(store);
    store.writeSync = () => {
      throw new StoreError('JOB_IO', 'Cannot save: ENOSPC');
    };
    await expect(submitTo(manager)).rejects.toMatchObject({ code: 'JOB_NOT_CREATED', message: 'The job was not created: Cannot save: ENOSPC. Nothing of it ran.' });
    expect(manager.list()).toEqual([]);
    expect(executor.runs).toEqual([]);
    store.writeSync = writeSync;
    await submitTo(manager);
    expect(manager.list()).toHaveLength(1);
  });

  it('undoes a change whose write failed, says so once, and makes it again once the disk takes it', async () => {
    const { manager, store, executor } = makeFakeManager();
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    const events: string[] = [];
    manager.on('jobEvent', (_job, event) => events.push(event.type));
    const { job } = await submitTo(manager);
    const run = await executor.whenRuns(1);
    const write = store.write.bind(store);
    let attempts = 0;
    store.write = async () => {
      attempts++;
      throw new StoreError('JOB_IO', `Cannot save ${job.id}: ENOSPC`);
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      run.complete();
      await vi.advanceTimersByTimeAsync(0);
      expect(warnings).toEqual([`Cannot save ${job.id}: ENOSPC. ${job.id}'s latest change was not saved, so it did not happen; its work waits and jobline tries again.`]);
      // Not on disk, so not so in memory either, and not reported.
      expect(manager.get(job.id).status).toBe('running');
      expect(events).not.toContain('completed');
      await vi.advanceTimersByTimeAsync(1000); // tried again after 1 s: fails again, said no more
      expect(attempts).toBe(2);
      expect(warnings).toHaveLength(1);
      store.write = write;
      await vi.advanceTimersByTimeAsync(2000); // then after 2 s: it lands
      await vi.advanceTimersByTimeAsync(60_000); // and the storage policy has its pass
    } finally {
      vi.useRealTimers();
    }
    expect(manager.get(job.id).status).toBe('completed');
    expect(store.jobs.get(job.id)!.job.status).toBe('completed');
    expect(events).toContain('completed');
    expect(warnings.at(-1)).toBe(`${job.id} is saved again; its work goes on.`);
  });

  it('says when another writer changed a job behind this session', async () => {
    const { manager, store, executor } = makeFakeManager();
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    const { job } = await submitTo(manager);
    const run = await executor.whenRuns(1);
    store.jobs.get(job.id)!.job = { ...store.jobs.get(job.id)!.job, eventSeq: 99 };
    run.complete();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([`Not saving ${job.id}: a newer state is stored. This session's copy of ${job.id} is out of date; see jobline show ${job.id}.`]);
  });

  it('marks active jobs interrupted once at exit, however many exit paths run', async () => {
    const { manager, store } = makeFakeManager();
    const { job } = await submitTo(manager);
    expect(manager.interruptActiveSync()).toEqual([job.id]);
    expect(store.jobs.get(job.id)!.job.status).toBe('interrupted');
    expect(manager.interruptActiveSync()).toEqual([]);
    expect(await manager.shutdown()).toEqual([]);
    expect(manager.interruptActiveSync()).toEqual([]);
    await expect(submitTo(manager)).rejects.toMatchObject({ code: 'MANAGER_CLOSED', message: 'jobline is shutting down; no new jobs are accepted.' });
  });

  it('keeps the files of a completed job while a front end holds removals, and removes them after', async () => {
    const { manager, store, executor } = makeFakeManager({ maxCompletedJobs: 0 });
    const release = manager.holdRemovals();
    const completed = new Promise((resolve) => manager.on('jobEvent', (_job, event) => event.type === 'completed' && resolve(null)));
    const { job } = await submitTo(manager);
    (await executor.whenRuns(1)).complete();
    await completed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.jobs.has(job.id)).toBe(true); // heard of, but held
    release();
    release(); // a second release changes nothing
    await manager.whenIdle();
    expect(store.jobs.has(job.id)).toBe(false);
  });

  it('counts a job awaiting approval as idle for whenNothingRuns, not for whenIdle', async () => {
    const { manager, executor } = makeFakeManager();
    const { job } = await submitTo(manager, 'interactive');
    const two = commandAgent('two', { a: 'true', b: 'true' });
    const other = await manager.submit({ agent: two, prompt: 'p', mode: 'interactive', cwd: '/work' });
    (await executor.whenRuns(1)).complete();
    (await executor.whenRuns(2)).complete();
    await manager.whenNothingRuns();
    expect(manager.get(other.job.id).status).toBe('awaiting_approval');
    expect(manager.hasActiveJobs()).toBe(true);
    expect(manager.get(job.id).status).toBe('completed');
    let isIdle = false;
    const idle = manager.whenIdle().then(() => (isIdle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isIdle).toBe(false);
    await manager.cancel(other.job.id);
    await idle;
    expect(manager.hasActiveJobs()).toBe(false);
    expect(manager.runningCount).toBe(0);
  });

  it('resolves ids of this session only, and refuses to resume an unknown job without a way to adopt it', async () => {
    const { manager } = makeFakeManager();
    const { job } = await submitTo(manager);
    expect(manager.resolveId(job.id.slice(4, 8))).toBe(job.id);
    expect(() => manager.get('nosuch')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    expect(manager.has(job.id)).toBe(true);
    expect(manager.boardOf(job.id)!.tasks).toHaveLength(1);
    expect(manager.boardOf('job-nosuch00')).toBeNull();
    const ended = await manager.cancel(job.id);
    expect(ended.status).toBe('cancelled');
    manager.store.jobs.delete(job.id);
    await expect(manager.resume('job-zzzzzzzz', 'background')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND', message: 'No job job-zzzzzzzz in this session.' });
  });

  it('says which processes of an earlier run are still alive', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    executor.processesLeft.set(job.id, [1, 2, 3, 4, 5, 6]);
    await expect(service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' })).rejects.toMatchObject({
      code: 'JOB_PROCESSES_ALIVE',
      message: `${job.id} still has processes of its previous run alive (pid 1, 2, 3, 4, 5, …); resume it once they have ended.`,
    });
    executor.processesLeft.set(job.id, [7]);
    await expect(service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' })).rejects.toMatchObject({ message: `${job.id} still has processes of its previous run alive (pid 7); resume it once they have ended.` });
  });

  it('says so when an exit cannot mark a job interrupted, and does not count it as marked', async () => {
    const { manager, store } = makeFakeManager();
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    const { job } = await submitTo(manager);
    store.writeSync = () => {
      throw new StoreError('JOB_IO', `Cannot save ${job.id}: EROFS`);
    };
    expect(manager.interruptActiveSync()).toEqual([]);
    expect(warnings).toEqual([`Cannot save ${job.id}: EROFS`]);
  });

  it('makes the last of several output lines the last event, and writes progress on its own', async () => {
    const { manager, store, executor } = makeFakeManager();
    const { job } = await submitTo(manager);
    const run = await executor.whenRuns(1);
    run.listener.output(['one', 'two', 'three'], 3);
    expect(manager.get(job.id).progress.lastEvent).toBe('three');
    run.listener.progress({ round: 4 });
    // Progress is written within progressFlushMs (5 ms here), without events.
    for (let i = 0; i < 200 && !store.commits.some((c) => c.id === job.id && c.events.length === 0); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.jobs.get(job.id)!.job.progress).toMatchObject({ round: 4, lastEvent: 'three' });
  });
});
