// What a run reports besides its output, through the job service on an in-memory repository and a
// scripted executor: a model's answer as it streams (the job is writing; the text reported), a
// remote worker that took the run (its name written soon, or with the outcome), a run waiting for
// a worker with labels, and a run that reached the job's budget (the job stops for approval; an
// outcome that comes meanwhile waits for the answer; approving raises the budget and goes on).
import { describe, expect, it, vi } from 'vitest';
import type { JobUpdate } from '../../../src/jobs/service/job-commands.js';
import { makeFakeService } from '../../helpers/fakes.js';
import { commandAgent } from '../../helpers/jobs.js';
import { waitFor } from '../../helpers/wait.js';

const ONE = commandAgent('one', { run: 'true' });
const BATCH = commandAgent('batch', { run: 'eval "$JOB_PROMPT"' });

describe('a model\'s answer as it streams', () => {
  it('makes the job writing, with how much and the last words, and is reported with its task when the phase runs several', async () => {
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    run.listener.text('Hello');
    run.listener.text(` there\n${'x'.repeat(70)}`);
    expect(service.sessionJob(job.id)!.progress.lastEvent).toBe(`✍ writing (${5 + 7 + 70} characters): …${'x'.repeat(60)}`);
    run.listener.text('\n');
    expect(service.sessionJob(job.id)!.progress.lastEvent).toBe(`✍ writing (${5 + 7 + 70 + 1} characters)`);
    const texts = updates.filter((update): update is Extract<JobUpdate, { type: 'text' }> => update.type === 'text');
    expect(texts.map((update) => [update.text, update.taskId])).toEqual([['Hello', undefined], [` there\n${'x'.repeat(70)}`, undefined], ['\n', undefined]]);
    run.complete();

    const batch = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b'] });
    const second = await executor.whenRuns(3);
    second.listener.text('hi');
    expect(updates.filter((update) => update.type === 'text').at(-1)).toMatchObject({ text: 'hi', taskId: 't2', job: expect.objectContaining({ id: batch.job.id }) });
    expect(service.sessionJob(batch.job.id)!.progress.lastEvent).toBe('✍ writing (2 characters): hi');
  });
});

describe('a run on another machine', () => {
  it('names the worker that took it, written soon after (or with its outcome when that comes first)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { service, executor, store } = makeFakeService({ maxWorkers: 10 });
      const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b'] });
      const [first, second] = [await executor.whenRuns(1), await executor.whenRuns(2)];
      first.listener.taken!('box-1');
      second.listener.taken!('box-2');
      await vi.advanceTimersByTimeAsync(249);
      expect(store.jobs.get(job.id)!.records.some((record) => record.kind === 'run' && record.run.worker.includes('@'))).toBe(false);
      // The second's outcome comes first: its take is written with it.
      second.complete('b done');
      await vi.advanceTimersByTimeAsync(1);
      await vi.advanceTimersByTimeAsync(50);
      const { board } = await service.view(job.id);
      expect(board.runs.map((run) => [run.taskId, run.worker, run.state.status])).toEqual([
        ['t1', 'batch[' + job.id.slice(4, 8) + '-0]@box-1', 'running'],
        ['t2', 'batch[' + job.id.slice(4, 8) + '-1]@box-2', 'succeeded'],
      ]);
      // A later take of the same run replaces the first; a run that ended is not marked.
      first.listener.taken!('box-3');
      first.complete('a done');
      await vi.advanceTimersByTimeAsync(300);
      expect((await service.view(job.id)).board.runs[0]!.worker).toBe('batch[' + job.id.slice(4, 8) + '-0]@box-3');
    } finally {
      vi.useRealTimers();
    }
  });

  it('waiting for a worker with labels says which', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    run.listener.waiting!(['gpu', 'linux']);
    await waitFor(async () => (await service.view(job.id)).board.runs[0]!.waitingFor !== undefined, 'the wait recorded');
    expect((await service.view(job.id)).board.runs[0]!.waitingFor).toEqual(['gpu', 'linux']);
  });
});

describe('a run that reached the job\'s budget', () => {
  it('stops the job for approval; an outcome meanwhile waits for the answer; approving raises the budget and records it', async () => {
    const { service, executor, store } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/w', budget: { tokens: 100 } });
    const run = await executor.whenRuns(1);
    run.listener.progress({ usage: { input: 90, output: 30, cached: 0 } });
    run.listener.budgetReached({ input: 90, output: 30, cached: 0 });
    await waitFor(() => store.loadStored(job.id).status === 'awaiting_approval', 'the budget stop');
    expect(store.loadStored(job.id).budgetStop).toMatchObject({ reason: 'budget reached: 120 tokens of 100; continue with +50%?' });
    // Reached again while stopped: one stop.
    run.listener.budgetReached({ input: 95, output: 30, cached: 0 });
    run.complete('finished anyway');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.loadStored(job.id)).toMatchObject({ status: 'awaiting_approval' });
    expect((await service.view(job.id)).board.runs[0]!.state.status).toBe('running');
    await service.dispatch({ type: 'approve', jobId: job.id });
    await service.lifecycle.whenIdle();
    // 120 used of 100: raised by half of it, above what was used.
    expect(store.loadStored(job.id)).toMatchObject({ status: 'completed', budget: { tokens: 170 }, budgetStop: null });
    expect((await service.view(job.id)).board.runs[0]!.state.status).toBe('succeeded');
  });

  it('within its budget does not stop the job: the runs hear the budget again', async () => {
    const { service, executor, store } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b'], budget: { tokens: 1000 } });
    const [first, second] = [await executor.whenRuns(1), await executor.whenRuns(2)];
    first.listener.progress({ usage: { input: 10, output: 5, cached: 0 } });
    second.listener.budgetReached({ input: 10, output: 5, cached: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.loadStored(job.id).status).toBe('running');
    expect(second.usageUpdates.at(-1)).toEqual({ others: expect.objectContaining({ input: 10, output: 5 }), budget: { tokens: 1000 } });
    first.complete();
    second.complete();
    await service.lifecycle.whenIdle();
  });
});
