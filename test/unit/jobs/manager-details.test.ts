// The manager's details a user would notice: exact messages, the events of a creation, feedback
// trimming, a cancel's grace period at shutdown, and what a resumed or adopted job writes.
import { describe, expect, it } from 'vitest';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeManager } from '../../helpers/fakes.js';

const ONE = commandAgent('one', { run: 'true' });
const TWO = commandAgent('two', { a: 'true', b: 'true' });

describe('the manager, in detail', () => {
  it('writes a creation as created and queued, with the agent, mode and folder', async () => {
    const { manager, store } = makeFakeManager({ maxConcurrentJobs: 1 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const { job } = await manager.submit({ agent: TWO, prompt: 'q', mode: 'interactive', cwd: '/elsewhere' });
    const [created, queued] = store.jobs.get(job.id)!.events;
    expect(created).toMatchObject({ seq: 1, type: 'created', agent: 'two', mode: 'interactive', cwd: '/elsewhere' });
    expect(queued).toMatchObject({ seq: 2, type: 'queued' });
    expect(store.jobs.get(job.id)!.records.map((r) => r.kind)).toEqual(['task', 'task']); // the whole board, once
  });

  it('has the executor get ready while a new job\'s creation is written, not for a queued one', async () => {
    const { manager, executor } = makeFakeManager({ maxConcurrentJobs: 1 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect(executor.prepared).toBe(1);
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).complete();
    await executor.whenRuns(2);
    expect(executor.prepared).toBe(1); // the queued job's creation was on disk already
  });

  it('says exactly why it refuses', async () => {
    const { manager, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/w' });
    await expect(manager.approve(job.id)).rejects.toThrow(`Cannot approve ${job.id}: it is running, not awaiting approval.`);
    await expect(manager.retry(job.id)).rejects.toThrow(`Cannot retry ${job.id}: it is running, not awaiting approval.`);
    await expect(manager.resume(job.id, 'background')).rejects.toThrow(`${job.id} is running; only failed, cancelled or interrupted jobs can be resumed.`);
    (await executor.whenRuns(1)).fail();
    await manager.whenIdle();
    await expect(manager.cancel(job.id)).rejects.toThrow(`${job.id} is already failed; only queued, running or waiting jobs can be cancelled.`);
  });

  it('passes retry feedback on trimmed of nothing but blanks, and none for blank feedback', async () => {
    const { manager, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/w' });
    const waiting = () => new Promise((resolve) => manager.once('jobEvent', function wait(_j, e) { if (e.type === 'approval_requested') resolve(null); else manager.once('jobEvent', wait); }));
    let asked = waiting();
    (await executor.whenRuns(1)).complete();
    await asked;
    asked = waiting();
    await manager.retry(job.id, '   ');
    const second = await executor.whenRuns(2);
    expect(second.request.feedback).toBeNull();
    second.complete();
    await asked;
    await manager.retry(job.id, ' keep the spaces ');
    expect((await executor.whenRuns(3)).request.feedback).toBe(' keep the spaces ');
  });

  it('resumes by a typed id in any case, and writes the resumed job\'s whole board', async () => {
    const { manager, store, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await manager.whenIdle();
    await manager.resume(job.id, 'background');
    expect((await executor.whenRuns(2)).request.attempt).toBe(2);
    // Taken over by another session: it writes the board in full with the resume.
    const other = makeFakeManager();
    (await executor.whenRuns(2)).fail();
    await manager.whenIdle();
    other.store.jobs.set(job.id, { ...store.jobs.get(job.id)! });
    const before = other.store.jobs.get(job.id)!.records.length;
    await other.manager.resume(` ${job.id.toUpperCase()} `, 'background', () => ({ agent: ONE, cwd: '/w' }));
    const written = other.store.jobs.get(job.id)!.records.slice(before);
    // The resume writes the whole board (its task, its two earlier runs); the start then claims
    // the task and opens a third run.
    expect(written.map((r) => (r.kind === 'task' ? `task ${r.task.status}` : `run ${r.run.id} ${r.run.state.status}`))).toEqual([
      'task todo', 'run r1 failed', 'run r2 failed', 'task claimed', 'run r3 running',
    ]);
  });

  it('stops runs at shutdown within the shorter of cancelGraceMs and the shutdown grace', async () => {
    const { manager, executor } = makeFakeManager({ cancelGraceMs: 5000 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    const stopping = manager.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(run.cancelledWithGraceMs).toBe(1000);
    run.stop();
    await stopping;
    const quick = makeFakeManager({ cancelGraceMs: 200 });
    await quick.manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const quickRun = await quick.executor.whenRuns(1);
    const quickStop = quick.manager.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(quickRun.cancelledWithGraceMs).toBe(200);
    quickRun.stop();
    await quickStop;
  });

  it('warns about weak containment once, on the first submission', async () => {
    const { manager, executor } = makeFakeManager();
    executor.containmentWarning = () => 'job processes are contained by process group only (test)';
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect(warnings).toEqual(['job processes are contained by process group only (test)']);
    await manager.whenReady();
  });

  it('does not remove a job of this session that still runs, even when listed as ended', async () => {
    const { manager, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    expect(await manager.removeJobs([{ ...job, status: 'failed' }])).toEqual([]);
    expect(manager.has(job.id)).toBe(true);
  });

  it('counts a queue position among the jobs waiting for a slot only', async () => {
    const { manager } = makeFakeManager({ maxConcurrentJobs: 1 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' }); // runs
    const gone = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    await manager.cancel(gone.job.id);
    const second = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const third = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect([second.queuePosition, third.queuePosition]).toEqual([1, 2]);
  });

  it('counts each hold on removals once, however often it is released', async () => {
    const { manager, store, executor } = makeFakeManager({ maxCompletedJobs: 0 });
    const first = manager.holdRemovals();
    const second = manager.holdRemovals();
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).complete();
    first();
    first();
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.jobs.has(job.id)).toBe(true); // the second hold still holds
    second();
    await manager.whenIdle();
    expect(store.jobs.has(job.id)).toBe(false);
  });
});
