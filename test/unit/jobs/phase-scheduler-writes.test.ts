// The scheduler and the disk: a run's end and the start of the task its worker takes next share one
// write; a run started after its job's start carries its own start record (written before its
// command runs); a slot goes to the next job only once the last one's end is on disk; the storage
// policy has a pass at each end of a job; writes that fail are said and made again. In-memory
// fakes: milliseconds per test.
import { describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import type { Job } from '../../../src/jobs/model/job.js';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeManager, makeFakeService, type InMemoryRepository } from '../../helpers/fakes.js';
import type { SubmitRequest } from '../../../src/jobs/service/manager-api.js';

const ONE = commandAgent('one', { work: 'true' });
const BATCH = commandAgent('batch', { run: 'eval "$JOB_PROMPT"' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

// Makes the store's asynchronous writes of job `id` fail while `failing.is` holds.
function failWritesOf(store: InMemoryRepository, id: () => string) {
  const failing = { is: false, count: 0 };
  const write = store.write.bind(store);
  store.write = async (job: Job, ...rest) => {
    if (failing.is && job.id === id()) {
      failing.count++;
      throw new StoreError('JOB_IO', `Cannot save ${job.id}: ENOSPC`);
    }
    return write(job, ...rest);
  };
  return failing;
}

// A manager that was just given `request`, whose writes of that job fail (ENOSPC) while
// `failing.is`, and the warnings it says.
async function submitFailingWrites(request: SubmitRequest, options: Parameters<typeof makeFakeManager>[0] = {}) {
  const fake = makeFakeManager(options);
  const warnings: string[] = [];
  fake.manager.on('warning', (message) => warnings.push(message));
  let id = '';
  const failing = failWritesOf(fake.store, () => id);
  const { job } = await fake.manager.submit(request);
  id = job.id;
  return { ...fake, warnings, failing, job };
}

describe('the scheduler\'s writes', () => {
  it('writes a run\'s end with the start of the next task in one write, and hands that run its own start record', async () => {
    const { service, executor, store } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['a', 'b', 'c'] });
    (await executor.whenRuns(1)).complete();
    (await executor.whenRuns(2)).complete();
    (await executor.whenRuns(3)).complete();
    await service.lifecycle.whenIdle();
    expect(store.commits.map((commit) => commit.events)).toEqual([
      ['created', 'queued', 'started', 'task_started', 'phase_started'],
      ['task_completed', 'task_started'],
      ['task_completed', 'task_started'],
      ['task_completed', 'phase_completed', 'completed'],
    ]);
    expect(store.jobs.get(job.id)!.events.map((event) => event.type)).toEqual(['created', 'queued', 'started', 'task_started', 'phase_started', 'task_completed', 'task_started', 'task_completed', 'task_started', 'task_completed', 'phase_completed', 'completed']);
    // The first run's start was written with the job's; each later one's is handed to its run.
    const starts = executor.runs.map((run) => run.request.startRecord ?? null);
    expect(starts[0]).toBeNull();
    expect(starts.slice(1).map((start) => [start!.runId, start!.path, (JSON.parse(start!.text) as { records: Array<{ kind: string }> }).records.map((record) => record.kind)])).toEqual([
      ['r2', `/nonexistent/${job.id}/tasks.jsonl`, ['task', 'run']],
      ['r3', `/nonexistent/${job.id}/tasks.jsonl`, ['task', 'run']],
    ]);
    expect(executor.runs.map((run) => run.request.outputLogPath)).toEqual([1, 2, 3].map((n) => `/nonexistent/${job.id}/runs/r${n}.log`));
  });

  it('gives the slot to the next job only once the last one\'s end is on disk', async () => {
    const { manager, store, executor } = makeFakeManager({ maxConcurrentJobs: 1 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const second = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const first = await executor.whenRuns(1);
    store.holdWrites();
    first.complete();
    await settle();
    await settle();
    expect(manager.get(second.job.id).status).toBe('queued');
    store.releaseWrites();
    (await executor.whenRuns(2)).complete();
    await manager.whenIdle();
    expect(manager.get(second.job.id).status).toBe('completed');
    expect(store.jobs.get(second.job.id)!.events.map((event) => event.type)).toEqual(['created', 'queued', 'started', 'phase_started', 'phase_completed', 'completed']);
  });

  it('has the storage policy pass at each end of a job: a failed job resumed and completed goes when completed jobs are not kept', async () => {
    const { service, manager, executor, store } = makeFakeService({ maxCompletedJobs: 0 });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'interactive', cwd: '/w' });
    (await executor.whenRuns(1)).fail('exit code 1');
    await manager.whenIdle();
    expect(store.jobs.get(job.id)!.job.status).toBe('failed');
    await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' });
    (await executor.whenRuns(2)).complete();
    await vi.waitFor(() => expect(store.jobs.has(job.id)).toBe(false));
  });

  it('stops a job for approval when a run says it reached the budget', async () => {
    const { service, executor, store } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', budget: { tokens: 100 } });
    const run = await executor.whenRuns(1);
    run.listener.budgetReached({ input: 150, output: 10, cached: 0 });
    await vi.waitFor(() => expect(store.loadStored(job.id).status).toBe('awaiting_approval'));
    expect(store.loadStored(job.id).budgetStop).toMatchObject({ reason: expect.stringContaining('budget reached: 160 tokens of 100') });
  });
});

describe('the scheduler when writes fail', () => {
  it('says a handed-over start that could not be written, and records the run\'s end once the disk takes it', async () => {
    const { manager, store, executor, warnings, failing, job } = await submitFailingWrites({ agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['a', 'b'] });
    const first = await executor.whenRuns(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      failing.is = true;
      first.complete();
      await vi.advanceTimersByTimeAsync(0);
      expect(warnings).toContain(`${job.id}: Cannot save ${job.id}: ENOSPC`);
      expect(manager.get(job.id).status).toBe('running');
      failing.is = false;
      await vi.advanceTimersByTimeAsync(5000);
    } finally {
      vi.useRealTimers();
    }
    const runs = executor.runs.filter((run) => run.request.jobId === job.id);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs.slice(1)) run.complete();
    await manager.whenIdle();
    expect(store.loadStored(job.id).status).toBe('completed');
    expect(manager.boardOf(job.id)!.tasks.map((task) => task.status)).toEqual(['done', 'done']);
  });

  it('says a phase\'s start that could not be written, starts nothing of it, and makes the end of the phase before it again', async () => {
    const TWO = commandAgent('two', { a: 'true', b: 'true' });
    const { manager, store, executor, warnings, failing, job } = await submitFailingWrites({ agent: TWO, prompt: 'p', mode: 'background', cwd: '/w' });
    const first = await executor.whenRuns(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      failing.is = true;
      first.complete('a done');
      await vi.advanceTimersByTimeAsync(0);
      expect(warnings).toContain(`${job.id}: Cannot save ${job.id}: ENOSPC`);
      expect(executor.runs).toHaveLength(1); // phase b did not start: its start is not on disk
      await vi.advanceTimersByTimeAsync(1000); // made again after the retry delay: fails again
      expect(failing.count).toBeGreaterThanOrEqual(2);
      failing.is = false;
      await vi.advanceTimersByTimeAsync(5000);
    } finally {
      vi.useRealTimers();
    }
    const second = await executor.whenRuns(2);
    expect(second.request).toMatchObject({ jobId: job.id, phaseIndex: 1 });
    second.complete('b done');
    await manager.whenIdle();
    expect(store.loadStored(job.id)).toMatchObject({ status: 'completed', phases: [{ output: 'a done' }, { output: 'b done' }] });
  });
});

describe('the scheduler when a stop or an end cannot be written', () => {
  it('says a budget stop that could not be written', async () => {
    const { executor, warnings, failing, job } = await submitFailingWrites({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', budget: { tokens: 100 } });
    const run = await executor.whenRuns(1);
    failing.is = true;
    run.listener.budgetReached({ input: 150, output: 10, cached: 0 });
    await vi.waitFor(() => expect(warnings).toContain(`${job.id}: Cannot save ${job.id}: ENOSPC`));
    failing.is = false;
  });

  it('says a run\'s wait for a worker with labels that could not be written', async () => {
    const { executor, warnings, failing, job } = await submitFailingWrites({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    failing.is = true;
    run.listener.waiting!(['gpu']);
    await vi.waitFor(() => expect(warnings).toContain(`${job.id}: Cannot save ${job.id}: ENOSPC`));
    failing.is = false;
  });

  it('does not make a run\'s end again once its job was cancelled meanwhile: the job stays cancelled, its slot goes to the next', async () => {
    const { manager, store, executor, warnings, failing, job } = await submitFailingWrites({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' }, { maxConcurrentJobs: 1 });
    const run = await executor.whenRuns(1);
    const next = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      failing.is = true;
      run.complete();
      await vi.advanceTimersByTimeAsync(0);
      expect(warnings).toHaveLength(1); // the end was not saved
      failing.is = false;
      const cancelled = manager.cancel(job.id);
      await vi.advanceTimersByTimeAsync(10_000);
      await cancelled;
    } finally {
      vi.useRealTimers();
    }
    expect(store.loadStored(job.id).status).toBe('cancelled');
    expect(warnings.filter((warning) => warning.startsWith(`${job.id}: `))).toEqual([]);
    const second = await executor.whenRuns(2);
    expect(second.request.jobId).toBe(next.job.id);
    second.complete();
    await manager.whenIdle();
  });
});

describe('the scheduler while the session closes', () => {
  it('records a run that ended on its own as the session closed, and starts nothing more', async () => {
    const { manager, store, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: BATCH, prompt: 'b', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['a', 'b'] });
    const run = await executor.whenRuns(1);
    const closing = manager.shutdown();
    run.complete('done anyway');
    expect(await closing).toEqual([job.id]);
    expect(executor.runs).toHaveLength(1);
    const stored = store.jobs.get(job.id)!;
    expect(stored.job.status).toBe('interrupted');
    const { board } = await store.readBoard(stored.job);
    expect(board.tasks.map((task) => task.status)).toEqual(['done', 'todo']);
  });
});

describe('a run that reports a cancel of its own while its job is stopped at its budget', () => {
  it('cancels the job once the stop is answered: the job does not hang running with a run nothing runs', async () => {
    const { service, manager, executor, store } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', budget: { tokens: 100 } });
    const run = await executor.whenRuns(1);
    run.listener.budgetReached({ input: 150, output: 10, cached: 0 });
    await vi.waitFor(() => expect(store.loadStored(job.id).status).toBe('awaiting_approval'));
    run.stop();
    await settle();
    expect(store.loadStored(job.id).status).toBe('awaiting_approval');
    await service.dispatch({ type: 'approve', jobId: job.id });
    await service.lifecycle.whenIdle();
    expect(store.loadStored(job.id).status).toBe('cancelled');
    expect(manager.boardOf(job.id)!.runs.map((r) => r.state.status)).toEqual(['cancelled']);
    expect(manager.runningCount).toBe(0);
  });
});
