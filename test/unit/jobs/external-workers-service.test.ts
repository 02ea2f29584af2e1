// Workers from outside in a real manager (worker threads, files in a temp folder): joins made at
// once get names of their own, a silent worker loses its claims when its lease runs out, and a
// claim an external worker holds keeps the scheduler's tasks that touch its files waiting.
import { afterEach, describe, expect, it } from 'vitest';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';
import type { JobManager } from '../../../src/jobs/service/manager.js';
import type { JobStore } from '../../../src/store/job-store.js';
import { commandAgent, makeManager } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

let manager: JobManager<JobStore> | undefined;
afterEach(async () => {
  await manager?.shutdown();
  manager = undefined;
});

const plan = (title: string, claims: string[] = []) => ({ title, input: title, dependsOn: [], claims });

describe('external workers in a session', () => {
  it('gives joins made at once names of their own', async () => {
    manager = makeManager();
    const { job } = await manager.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), tasks: [plan('a')] });
    const joined = await Promise.all(Array.from({ length: 5 }, () => manager!.workers.join(job.id, 'dev')));
    expect(new Set(joined.map(({ worker }) => worker.name)).size).toBe(5);
    expect(manager.get(job.id).joinedWorkers).toHaveLength(5);
  });

  it('takes the claims of a worker silent past its lease and gives its task to the next claim', async () => {
    manager = makeManager({ workerLeaseMs: 150 });
    const { job } = await manager.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), tasks: [plan('a')] });
    const { worker: silent } = await manager.workers.join(job.id, 'dev');
    expect((await manager.workers.claim(job.id, silent.name))?.task.id).toBe('t1');
    await waitFor(() => !manager!.get(job.id).joinedWorkers?.some((worker) => worker.name === silent.name), 'the silent worker to lose its lease');
    expect(manager.boardOf(job.id)!.tasks[0]!.status).toBe('todo');
    const { worker: next } = await manager.workers.join(job.id, 'dev');
    expect((await manager.workers.claim(job.id, next.name))?.task.id).toBe('t1');
    await expect(manager.workers.endTask(job.id, 't1', { worker: silent.name, summary: 'late' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    await manager.workers.endTask(job.id, 't1', { worker: next.name, summary: 'ok' });
    expect(manager.boardOf(job.id)!.tasks[0]!.status).toBe('done');
  });

  it("holds back an agent's task whose files an external worker holds, in the same folder, until it lets go", async () => {
    manager = makeManager();
    const cwd = makeTempDir();
    const external = await manager.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd, tasks: [plan('edit', ['src/a.ts'])] });
    const { worker } = await manager.workers.join(external.job.id, 'dev');
    await manager.workers.claim(external.job.id, worker.name);
    const agent = { ...commandAgent('edit', {}), phases: [{ name: 'edit', tasks: [{ name: 'touch', run: 'true', dependsOn: [], claims: ['src'] }] }] };
    const waits: string[] = [];
    manager.on('jobActivity', (_job, _icon, text) => waits.push(text));
    const { job } = await manager.submit({ agent, prompt: 'p', mode: 'background', cwd });
    // Its only task waits on the held claim, and says who holds it.
    await waitFor(() => waits.find((text) => text.includes('is claimed by')), 'the task to say it waits');
    expect(waits[0]).toBe(`t1 waits: src is claimed by ${external.job.id.slice(0, 8)} t1`);
    expect(manager.boardOf(job.id)!.tasks[0]!.status).toBe('todo');
    await manager.workers.endTask(external.job.id, 't1', { worker: worker.name });
    await waitFor(() => manager!.get(job.id).status === 'completed', 'the agent job to run once the claim is let go');
  });
});
