// The workers' commands through the job service's one dispatch: every command reaches the
// session's workers, a job is named by a prefix or its name, an external job another process left
// in the folder joins the session when its workers call, and an agent job of another process does not.
import { describe, expect, it } from 'vitest';
import { FolderWorkers } from '../../../src/jobs/service/folder-workers.js';
import { makeFakeService, makeInMemoryReader, TWO_PHASES as TWO_PHASES_AGENT } from '../../helpers/fakes.js';
import { makeJob } from '../../helpers/jobs.js';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';

const plan = (title: string) => ({ title, input: title, dependsOn: [], claims: [] });

describe('worker commands through the service', () => {
  it('join, claim, complete, fail, add, heartbeat, leave and close, by prefix and by name', async () => {
    const { service, manager } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'ext', mode: 'background', cwd: '/p', name: 'ext', tasks: [plan('a'), plan('b')], retries: 1 });
    const { worker } = await service.dispatch({ type: 'join', jobId: 'ext', agent: 'dev' });
    const claimed = await service.dispatch({ type: 'claim', jobId: job.id.slice(0, 9), worker: worker.name });
    expect(claimed?.task.id).toBe('t1');
    await expect(service.dispatch({ type: 'completeTask', jobId: job.id, taskId: 't1', worker: worker.name, summary: 'ok' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    expect((await service.dispatch({ type: 'completeTask', jobId: job.id, taskId: 't1', worker: worker.name, token: claimed!.token, summary: 'ok' })).status).toBe('done');
    const next = await service.dispatch({ type: 'claim', jobId: job.id, worker: worker.name });
    await expect(service.dispatch({ type: 'heartbeat', jobId: job.id, worker: worker.name })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    expect((await service.dispatch({ type: 'heartbeat', jobId: job.id, worker: worker.name, token: next!.token })).leaseExpiresAtMs).toBeGreaterThan(0);
    await expect(service.dispatch({ type: 'failTask', jobId: job.id, taskId: 't2', reason: 'flaky' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    expect((await service.dispatch({ type: 'failTask', jobId: job.id, taskId: 't2', token: next!.token, reason: 'flaky' })).status).toBe('todo');
    expect((await service.dispatch({ type: 'addTasks', jobId: job.id, tasks: [plan('c')] })).map((task) => task.id)).toEqual(['t3']);
    expect((await service.dispatch({ type: 'heartbeat', jobId: job.id, worker: worker.name })).leaseExpiresAtMs).toBeGreaterThan(0);
    expect((await service.dispatch({ type: 'leave', jobId: job.id, worker: worker.name })).joinedWorkers).toEqual([]);
    expect((await service.dispatch({ type: 'close', jobId: job.id, status: 'cancelled' })).status).toBe('cancelled');
    expect(manager.get(job.id).status).toBe('cancelled');
  });

  it('takes an external job left in the folder into the session when a worker calls, and refuses another process\'s agent job', async () => {
    const { service, store, manager } = makeFakeService();
    const left = new FolderWorkers(store, makeInMemoryReader(store), () => new Date()).create({ name: 'left', tasks: [plan('a')], cwd: '/p' });
    expect(manager.has(left.id)).toBe(false);
    const { worker } = await service.dispatch({ type: 'join', jobId: left.id, agent: 'dev' });
    expect(manager.has(left.id)).toBe(true);
    expect((await service.dispatch({ type: 'claim', jobId: left.id, worker: worker.name }))?.task.id).toBe('t1');
    store.writeSync(makeJob({ id: 'job-other001', status: 'running' }));
    await expect(service.dispatch({ type: 'join', jobId: 'job-other001', agent: 'dev' })).rejects.toMatchObject({ code: 'JOB_OWNED_ELSEWHERE' });
  });

  it("renames a job and changes an active job's mode", async () => {
    const { service, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p' });
    expect((await service.dispatch({ type: 'update', jobId: job.id, name: 'renamed' })).name).toBe('renamed');
    expect((await service.dispatch({ type: 'update', jobId: 'renamed', name: null })).name).toBeNull();
    await service.dispatch({ type: 'close', jobId: job.id, status: 'completed' });
    await expect(service.dispatch({ type: 'update', jobId: job.id, mode: 'interactive' })).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
    expect(executor.runs).toHaveLength(0);
  });
});

describe('names, updates and slots', () => {
  it('resolves a name of the session\'s jobs or the stored ones, and gives a name to one job only', async () => {
    const { service, store } = makeFakeService();
    const { job: twin } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p', name: 'twin' });
    await expect(service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p', name: 'twin' })).rejects.toMatchObject({ code: 'JOB_NAME_TAKEN', message: `The name twin is taken by ${twin.id}.` });
    expect(await service.resolve('twin')).toBe(twin.id);
    const stored = new FolderWorkers(store, makeInMemoryReader(store), () => new Date()).create({ name: 'stored', tasks: [], cwd: '/p' });
    expect(await service.resolve(' stored ')).toBe(stored.id);
    await expect(service.resolve('nobody')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('changes only what an update names, and refuses to take an ended external job in', async () => {
    const { service, store, manager } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p', name: 'keep' });
    const before = store.commits.length;
    expect((await service.dispatch({ type: 'update', jobId: job.id, name: 'keep' })).name).toBe('keep');
    expect((await service.dispatch({ type: 'update', jobId: job.id })).name).toBe('keep');
    expect(store.commits.length).toBe(before);
    expect((await service.dispatch({ type: 'update', jobId: job.id, mode: 'interactive' })).mode).toBe('interactive');
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date());
    const ended = folder.create({ name: 'ended', tasks: [], cwd: '/p' });
    await folder.workers.close(ended.id, 'completed');
    await expect(service.dispatch({ type: 'join', jobId: ended.id, agent: 'dev' })).rejects.toThrow(`${ended.id} is completed; workers take part only in active jobs.`);
    expect(manager.has(ended.id)).toBe(false);
  });

  it("frees an agent job's slot when a worker from outside ends its last task, so the next job starts", async () => {
    const { service, executor, manager } = makeFakeService({ maxConcurrentJobs: 1 });
    const agent = { type: 'command' as const, name: 'pair', summary: 'pair', workers: 1, phases: [{ name: 'both', tasks: [{ name: 'one', run: 'true', dependsOn: [], claims: [] }, { name: 'two', run: 'true', dependsOn: [], claims: [] }] }] };
    const { job } = await service.dispatch({ type: 'submit', agent, prompt: 'p', mode: 'background', cwd: '/p' });
    const queued = (await service.dispatch({ type: 'submit', agent: TWO_PHASES_AGENT, prompt: 'next', mode: 'background', cwd: '/p' })).job;
    const first = await executor.whenRuns(1);
    const { worker } = await service.dispatch({ type: 'join', jobId: job.id, agent: 'dev' });
    const claimed = await service.dispatch({ type: 'claim', jobId: job.id, worker: worker.name });
    expect(claimed?.task.id).toBe('t2');
    first.complete();
    await new Promise((resolve) => setImmediate(resolve));
    expect(manager.get(queued.id).status).toBe('queued');
    await service.dispatch({ type: 'completeTask', jobId: job.id, taskId: 't2', worker: worker.name, token: claimed!.token });
    expect(manager.get(job.id).status).toBe('completed');
    expect((await executor.whenRuns(2)).request.jobId).toBe(queued.id);
  });
});

describe('what the service says of its session', () => {
  it('is attached to no server when its jobs run here, and reads a job\'s events from its log', async () => {
    const { service } = makeFakeService();
    expect(service.attachedServer).toBeNull();
    const { job } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p' });
    expect((await service.readEvents(job.id)).map((event) => event.type)).toEqual(['created', 'queued', 'started', 'phase_started']);
  });

  it("renames a job only to a free name, freeing its old one, and refuses to close an agent's job, saying why", async () => {
    const { service, store, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: createExternalAgent(), prompt: 'x', mode: 'background', cwd: '/p', name: 'mine' });
    const other = new FolderWorkers(store, makeInMemoryReader(store), () => new Date()).create({ name: 'theirs', tasks: [], cwd: '/p' });
    await expect(service.dispatch({ type: 'update', jobId: job.id, name: 'theirs' })).rejects.toMatchObject({ code: 'JOB_NAME_TAKEN' });
    expect((await service.dispatch({ type: 'update', jobId: job.id, name: 'ours' })).name).toBe('ours');
    expect(await service.resolve('ours')).toBe(job.id);
    await expect(service.resolve('mine')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(await service.resolve('theirs')).toBe(other.id);
    const agentJob = (await service.dispatch({ type: 'submit', agent: TWO_PHASES_AGENT, prompt: 'p', mode: 'interactive', cwd: '/p' })).job;
    await expect(service.dispatch({ type: 'close', jobId: agentJob.id, status: 'completed' })).rejects.toThrow(`${agentJob.id} is run by agent two: it ends with its last phase; cancel it to stop it.`);
    (await executor.whenRuns(1)).complete();
  });
});
