// The workers' commands through the job service's one dispatch: every command reaches the
// session's workers, a job is named by a prefix or its name, an external job another process left
// in the folder joins the session when its workers call, and an agent job of another process does not.
import { describe, expect, it } from 'vitest';
import { FolderWorkers } from '../../../src/jobs/service/folder-workers.js';
import { makeFakeService, makeInMemoryReader } from '../../helpers/fakes.js';
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
    expect((await service.dispatch({ type: 'completeTask', jobId: job.id, taskId: 't1', worker: worker.name, summary: 'ok' })).status).toBe('done');
    await service.dispatch({ type: 'claim', jobId: job.id, worker: worker.name });
    expect((await service.dispatch({ type: 'failTask', jobId: job.id, taskId: 't2', reason: 'flaky' })).status).toBe('todo');
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
