// How the scheduler turns a run's outcome into its task's end (what the run reported lands on the
// run, its task, its phase and its job), runs a task again whose remote worker went away, says a
// claim wait once per holder, and gives a queued job its slot. In-memory fakes: milliseconds per test.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import { StoreError } from '../../../src/errors.js';
import type { Executor } from '../../../src/jobs/ports/executor.js';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeManager, makeFakeService, makeInMemoryReader } from '../../helpers/fakes.js';
import { ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { JobService } from '../../../src/jobs/service/job-service.js';

const ONE = commandAgent('one', { work: 'true' });
const USAGE = { input: 120, output: 30, cached: 0 };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a run\'s outcome', () => {
  it('lands what a completed run reported: its files, tokens, output file and instructions', async () => {
    const { service, manager, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).finish({ kind: 'completed', output: 'all done', filesModified: ['src/a.ts'], usage: USAGE, outputFile: 'answer.md', instructions: 'run npm test next' });
    await service.lifecycle.whenIdle();
    const ended = manager.get(job.id);
    expect(ended.status).toBe('completed');
    expect(ended.phases[0]).toMatchObject({ status: 'completed', output: 'all done', outputFile: 'answer.md' });
    expect(ended.instructions).toBe('run npm test next');
    const board = manager.boardOf(job.id)!;
    expect(board.runs[0]).toMatchObject({ state: { status: 'succeeded' }, filesModified: ['src/a.ts'], usage: USAGE });
    expect(board.tasks[0]!.filesModified).toEqual(['src/a.ts']);
  });

  it('lands what a failed run reported the same way, and keeps out what it did not report', async () => {
    const { service, manager, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).finish({ kind: 'failed', error: 'exit code 3', output: 'tail', filesModified: ['src/b.ts'], usage: USAGE, outputFile: 'log.md', instructions: 'look at b' });
    await service.lifecycle.whenIdle();
    const ended = manager.get(job.id);
    expect(ended.status).toBe('failed');
    expect(ended.phases[0]).toMatchObject({ status: 'failed', error: 'exit code 3', output: 'tail', outputFile: 'log.md' });
    expect(ended.instructions).toBe('look at b');
    expect(manager.boardOf(job.id)!.runs[0]).toMatchObject({ state: { status: 'failed', error: 'exit code 3' }, filesModified: ['src/b.ts'], usage: USAGE });

    const other = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(2)).finish({ kind: 'failed', error: 'exit code 4' });
    await service.lifecycle.whenIdle();
    const run = manager.boardOf(other.job.id)!.runs[0]!;
    expect(Object.keys(run).filter((key) => key === 'usage' || key === 'filesModified')).toEqual([]);
    expect(manager.get(other.job.id).phases[0]).toMatchObject({ status: 'failed', output: null });
    expect(manager.get(other.job.id).phases[0]!.outputFile ?? null).toBeNull();
    expect(manager.get(other.job.id).instructions ?? null).toBeNull();
  });

  it('asks the person when an interactive job\'s failed run says its failure asks (its tests fail)', async () => {
    const { service, manager, executor } = makeFakeService();
    const asking = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'interactive', cwd: '/w' });
    (await executor.whenRuns(1)).finish({ kind: 'failed', error: 'tests fail', asks: true });
    const plain = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'interactive', cwd: '/w' });
    (await executor.whenRuns(2)).finish({ kind: 'failed', error: 'tests fail' });
    await manager.whenNothingRuns();
    expect(manager.get(asking.job.id).status).toBe('awaiting_approval');
    expect(manager.get(plain.job.id).status).toBe('failed');
  });

  it('ends a run whose remote worker went away as interrupted, with the reason, not as failed', async () => {
    const { service, manager, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const first = await executor.whenRuns(1);
    // A queue's executor says so of a run whose worker stopped answering (not a PhaseOutcome).
    (first as unknown as { end(outcome: unknown): void }).end({ kind: 'interrupted', reason: 'worker w1 went away' });
    await service.lifecycle.whenIdle();
    expect(manager.boardOf(job.id)!.runs.map((run) => run.state)).toEqual([expect.objectContaining({ status: 'interrupted', reason: 'worker w1 went away' })]);
    expect(manager.get(job.id)).toMatchObject({ status: 'failed', error: 'Phase work failed: worker w1 went away' });
  });

  it('gives a plan\'s tasks their description or input, files or claims, and dependencies, each empty when absent', async () => {
    const PLANNER: AgentSpec = { type: 'module', name: 'planner', summary: 'plans', module: '/nonexistent/planner.mjs', phases: [{ name: 'plan' }, { name: 'build' }] };
    const { service, manager, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: PLANNER, prompt: 'build it', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).finish({ kind: 'completed', output: 'three parts', tasks: [
      { title: 'docs', description: 'write docs', files: ['docs/**'] },
      { title: 'code', input: 'write code', claims: ['src/**'], dependsOn: ['docs'] },
      { title: 'bare' },
    ] });
    await executor.whenRuns(2);
    const planned = manager.boardOf(job.id)!.tasks.filter((task) => task.phase === 1);
    expect(planned.map((task) => [task.title, task.input, task.claims, task.dependsOn.length])).toEqual([
      ['docs', 'write docs', ['docs/**'], 0],
      ['code', 'write code', ['src/**'], 1],
      ['bare', '', [], 0],
    ]);
  });
});

describe('claim waits', () => {
  const EDIT: AgentSpec = { type: 'command', name: 'edit', summary: 'edit', workers: 3, phases: [{ name: 'edit', tasks: [
    { name: 'all', run: 'a', dependsOn: [], claims: ['src/**'] },
    { name: 'login', run: 'b', dependsOn: [], claims: ['src/login.ts'] },
    { name: 'logout', run: 'c', dependsOn: [], claims: ['src/logout.ts'] },
  ] }] };

  it('says each waiting task\'s wait, even when two wait for the same holder', async () => {
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    await service.dispatch({ type: 'submit', agent: EDIT, prompt: 'edit', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    await settle();
    const said = () => updates.flatMap((update) => (update.type === 'activity' ? [`${update.icon} ${update.text}`] : []));
    expect(said()).toEqual(['⏸ t2 waits: src/login.ts is claimed by t1', '⏸ t3 waits: src/logout.ts is claimed by t1']);
    executor.runs[0]!.complete();
    await executor.whenRuns(3);
    for (const run of executor.runs.slice(1)) run.complete();
    await service.lifecycle.whenIdle();
    expect(said()).toHaveLength(2);
  });

  it('says a wait again when another task holds the claim', async () => {
    const CHAIN: AgentSpec = { type: 'command', name: 'chain', summary: 'chain', workers: 2, phases: [{ name: 'edit', tasks: [
      { name: 'first', run: 'a', dependsOn: [], claims: ['src/**'] },
      { name: 'waiter', run: 'b', dependsOn: [], claims: ['src/login.ts'] },
      { name: 'second', run: 'c', dependsOn: [], claims: ['src/**'] },
    ] }] };
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    await service.dispatch({ type: 'submit', agent: CHAIN, prompt: 'edit', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    await settle();
    const said = () => updates.flatMap((update) => (update.type === 'activity' ? [`${update.icon} ${update.text}`] : []));
    expect(said()).toEqual(['⏸ t2 waits: src/login.ts is claimed by t1', '⏸ t3 waits: src/** is claimed by t1']);
    executor.runs[0]!.complete(); // t1 ends: the plan starts t2 (first in line) and t3 waits for it
    await executor.whenRuns(2);
    await settle();
    expect(executor.runs.map((run) => run.request.taskId)).toEqual(['t1', 't2']);
    expect(said().slice(2)).toEqual(['⏸ t3 waits: src/** is claimed by t2']);
    executor.runs[1]!.complete();
    (await executor.whenRuns(3)).complete();
    await service.lifecycle.whenIdle();
  });
});

describe('slots', () => {
  it('gives a queued job the slot a job frees, and says which jobs hold one', async () => {
    const { manager, executor } = makeFakeManager({ maxConcurrentJobs: 1 });
    const first = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const second = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    expect(manager.get(second.job.id).status).toBe('queued');
    expect(executor.runs).toHaveLength(1);
    executor.runs[0]!.complete();
    const next = await executor.whenRuns(2);
    expect(next.request.jobId).toBe(second.job.id);
    expect(manager.get(first.job.id).status).toBe('completed');
    next.complete();
    await manager.whenIdle();
  });

  it('says a job asks for more workers than this machine runs at once, but not when runs go to a queue', async () => {
    const WIDE = commandAgent('wide', { work: 'true' });
    const local = makeFakeManager({ maxWorkers: 2 });
    const wide = await local.manager.submit({ agent: WIDE, prompt: 'p', mode: 'background', cwd: '/w', workers: 3 });
    expect(wide.runLimit).toBe(2);
    const narrow = await local.manager.submit({ agent: WIDE, prompt: 'p', mode: 'background', cwd: '/w', workers: 2 });
    expect(narrow.runLimit).toBeUndefined();
    const queued = makeFakeManager({ maxWorkers: 2 });
    (queued.executor as unknown as { runLimit: number }).runLimit = 1 satisfies Executor['runLimit'];
    const remote = await queued.manager.submit({ agent: WIDE, prompt: 'p', mode: 'background', cwd: '/w', workers: 3 });
    expect(remote.runLimit).toBeUndefined();
  });

  it('warns and leaves a queued job queued when its start cannot be written, and starts it once the disk takes it', async () => {
    const { manager, store, executor } = makeFakeManager({ maxConcurrentJobs: 1 });
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const queued = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const first = await executor.whenRuns(1);
    const write = store.write.bind(store);
    let isFailing = false;
    store.write = async (job, ...rest) => {
      if (isFailing && job.id === queued.job.id) throw new StoreError('JOB_IO', `Cannot save ${job.id}: ENOSPC`);
      return write(job, ...rest);
    };
    isFailing = true;
    first.complete();
    await expect.poll(() => warnings.filter((warning) => warning.startsWith(`${queued.job.id}: `))).toEqual([`${queued.job.id}: Cannot save ${queued.job.id}: ENOSPC`]);
    expect(manager.get(queued.job.id).status).toBe('queued');
    expect(executor.runs).toHaveLength(1);
    isFailing = false;
    const second = await executor.whenRuns(2);
    expect(second.request.jobId).toBe(queued.job.id);
    second.complete();
    await manager.whenIdle();
  });
});

describe('runs of a job in a worktree', () => {
  function makeWorktreeService(configure: (port: ScriptedWorktrees) => void = () => {}) {
    const port = new ScriptedWorktrees();
    configure(port);
    const fake = makeFakeManager({ worktrees: port, maxWorkers: 10 });
    const service = new JobService({ repository: fake.store, reader: makeInMemoryReader(fake.store), manager: fake.manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: ONE, cwd }), worktrees: port });
    return { ...fake, port, service };
  }

  it('cancels the job when its worktree\'s setup reports a cancel of its own', async () => {
    const { service, executor, store } = makeWorktreeService((port) => (port.settings.setup = 'npm ci'));
    const { job } = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'halted' });
    (await executor.whenRuns(1)).stop();
    await service.lifecycle.whenIdle();
    expect(store.loadStored(job.id).status).toBe('cancelled');
    expect(executor.runs).toHaveLength(1);
  });

  it('commits no phase for a run whose worker went away, nor for a run that ended after its job was cancelled', async () => {
    const { service, executor, store, port } = makeWorktreeService();
    const gone = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'gone' });
    const first = await executor.whenRuns(1);
    (first as unknown as { end(outcome: unknown): void }).end({ kind: 'interrupted', reason: 'worker w1 went away' });
    await service.lifecycle.whenIdle();
    expect(store.loadStored(gone.job.id).status).toBe('failed');
    const cancelled = await service.dispatch({ type: 'submit', agent: ONE, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'stopped' });
    const second = await executor.whenRuns(2);
    await service.dispatch({ type: 'cancel', jobId: cancelled.job.id });
    second.complete('finished anyway');
    await service.lifecycle.whenIdle();
    expect(store.loadStored(cancelled.job.id).status).toBe('cancelled');
    expect(port.calls.filter((call) => call.startsWith('commitPhase'))).toEqual([]);
  });
});

describe('runs of tasks in worktrees of their own', () => {
  it('lands nothing of a run that ended after its job was cancelled, nor of one whose worker went away', async () => {
    const port = new ScriptedWorktrees();
    const fake = makeFakeManager({ worktrees: port, maxWorkers: 10 });
    const service = new JobService({ repository: fake.store, reader: makeInMemoryReader(fake.store), manager: fake.manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: ONE, cwd }), worktrees: port });
    const BATCH = commandAgent('batch', { run: 'eval "$JOB_PROMPT"' });
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'batch', mode: 'background', cwd: '/work', isolation: 'task-worktree', name: 'fan', workers: 2, taskInputs: ['a', 'b'] });
    const [first, second] = [await fake.executor.whenRuns(1), await fake.executor.whenRuns(2)];
    (first as unknown as { end(outcome: unknown): void }).end({ kind: 'interrupted', reason: 'worker w1 went away' });
    await settle();
    await service.dispatch({ type: 'cancel', jobId: job.id });
    second.complete('b done');
    await service.lifecycle.whenIdle();
    expect(fake.store.loadStored(job.id).status).toBe('cancelled');
    expect(port.calls.filter((call) => call.startsWith('landTask') || call.startsWith('commitPhase'))).toEqual([]);
  });
});

describe('claim waits of jobs that end', () => {
  const EDIT: AgentSpec = { type: 'command', name: 'edit', summary: 'edit', workers: 2, phases: [{ name: 'edit', tasks: [
    { name: 'all', run: 'a', dependsOn: [], claims: ['src/**'] },
    { name: 'login', run: 'b', dependsOn: [], claims: ['src/login.ts'] },
  ] }] };

  it('says a resumed job\'s wait again, and another job\'s wait still once', async () => {
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    const said = () => updates.flatMap((update) => (update.type === 'activity' && update.icon === '⏸' ? [`${update.job.id} ${update.text}`] : []));
    const kept = await service.dispatch({ type: 'submit', agent: EDIT, prompt: 'edit', mode: 'background', cwd: '/a' });
    const ended = await service.dispatch({ type: 'submit', agent: EDIT, prompt: 'edit', mode: 'background', cwd: '/b' });
    await executor.whenRuns(2);
    await settle();
    const wait = (id: string) => `${id} t2 waits: src/login.ts is claimed by t1`;
    expect(said()).toEqual([wait(kept.job.id), wait(ended.job.id)]);
    await service.dispatch({ type: 'cancel', jobId: ended.job.id });
    executor.runs[1]!.stop();
    await settle();
    await service.dispatch({ type: 'resume', jobId: ended.job.id, mode: 'background' });
    await executor.whenRuns(3);
    await settle();
    expect(said()).toEqual([wait(kept.job.id), wait(ended.job.id), wait(ended.job.id)]);
    for (const run of executor.runs) run.complete();
    await executor.whenRuns(5);
    for (const run of executor.runs) run.complete();
    await service.lifecycle.whenIdle();
  });
});
