// Workers from outside in a manager (in-memory repository, scripted runs): joins made at once get
// names of their own, a silent worker loses its claims when its lease runs out, a claim an
// external worker holds keeps the scheduler's tasks that touch its files waiting, and only an
// external job is closed by its coordinator.
import { afterEach, describe, expect, it } from 'vitest';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';
import type { JobManager } from '../../../src/jobs/service/manager.js';
import type { AgentSpec } from '../../../src/agents/agent.js';
import { InMemoryRepository, makeFakeManager, TWO_PHASES } from '../../helpers/fakes.js';
import { waitFor } from '../../helpers/wait.js';
import { claimsOfOpenRuns, ExternalWorkers, type WorkerJob } from '../../../src/jobs/service/external-workers.js';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import { OPEN_EXTERNAL_JOB } from '../../../src/jobs/model/transitions.js';
import { createJobTasks } from '../../../src/jobs/model/task.js';
import { makeJob } from '../../helpers/jobs.js';

let manager: JobManager<InMemoryRepository> | undefined;
const makeManager = (options: { workerLeaseMs?: number } = {}) => {
  const made = makeFakeManager(options);
  manager = made.manager;
  return made;
};
const makeTempDir = () => '/work/project';
afterEach(async () => {
  await manager?.shutdown();
  manager = undefined;
});

const plan = (title: string, claims: string[] = []) => ({ title, input: title, dependsOn: [], claims });

describe('external workers in a session', () => {
  it('gives joins made at once names of their own', async () => {
    makeManager();
    const { job } = await manager!.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), tasks: [plan('a')] });
    const joined = await Promise.all(Array.from({ length: 5 }, () => manager!.workers.join(job.id, 'dev')));
    expect(new Set(joined.map(({ worker }) => worker.name)).size).toBe(5);
    expect(manager!.get(job.id).joinedWorkers).toHaveLength(5);
  });

  it('takes the claims of a worker silent past its lease and gives its task to the next claim; only the new holder, by its token, ends it', async () => {
    makeManager({ workerLeaseMs: 150 });
    const { job } = await manager!.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), tasks: [plan('a')] });
    const { worker: silent } = await manager!.workers.join(job.id, 'dev');
    const stale = (await manager!.workers.claim(job.id, silent.name))!;
    expect(stale.task.id).toBe('t1');
    await waitFor(() => !manager!.get(job.id).joinedWorkers?.some((worker) => worker.name === silent.name), 'the silent worker to lose its lease');
    expect(manager!.boardOf(job.id)!.tasks[0]!.status).toBe('todo');
    const { worker: next } = await manager!.workers.join(job.id, 'dev');
    const current = (await manager!.workers.claim(job.id, next.name))!;
    expect(current.task.id).toBe('t1');
    expect(current.token).not.toBe(stale.token);
    // The stale worker, back: without a worker id (as the README's body and `task complete` without
    // $JOBLINE_WORKER_ID send it), with or without its old token, it is refused.
    for (const end of [{ summary: 'late' }, { token: stale.token, summary: 'late' }, { token: stale.token, error: 'late' }, { worker: silent.name, token: stale.token, summary: 'late' }]) {
      await expect(manager!.workers.endTask(job.id, 't1', end)).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    }
    await expect(manager!.workers.endTask(job.id, 't1', { worker: next.name, summary: 'ok' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    expect(manager!.boardOf(job.id)!.runs.at(-1)).toMatchObject({ worker: next.name, state: { status: 'running' } });
    await manager!.workers.endTask(job.id, 't1', { token: current.token, summary: 'ok' });
    expect(manager!.boardOf(job.id)!.tasks[0]).toMatchObject({ status: 'done', result: 'ok' });
    expect(manager!.boardOf(job.id)!.runs.map((run) => [run.worker, run.state.status])).toEqual([[silent.name, 'interrupted'], [next.name, 'succeeded']]);
  });

  it("holds back an agent's task whose files an external worker holds, in the same folder, until it lets go", async () => {
    const { executor } = makeManager();
    const cwd = makeTempDir();
    const external = await manager!.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd, tasks: [plan('edit', ['src/a.ts'])] });
    const { worker } = await manager!.workers.join(external.job.id, 'dev');
    const { token } = (await manager!.workers.claim(external.job.id, worker.name))!;
    const agent: AgentSpec = { type: 'command', name: 'edit', summary: 'edit', phases: [{ name: 'edit', tasks: [{ name: 'touch', run: 'true', dependsOn: [], claims: ['src'] }] }] };
    const waits: string[] = [];
    manager!.on('jobActivity', (_job, _icon, text) => waits.push(text));
    const { job } = await manager!.submit({ agent, prompt: 'p', mode: 'background', cwd });
    // Its only task waits on the held claim, and says who holds it.
    await waitFor(() => waits.find((text) => text.includes('is claimed by')), 'the task to say it waits');
    expect(waits[0]).toBe(`t1 waits: src is claimed by ${external.job.id.slice(0, 8)} t1`);
    expect(manager!.boardOf(job.id)!.tasks[0]!.status).toBe('todo');
    await manager!.workers.endTask(external.job.id, 't1', { worker: worker.name, token });
    (await executor.whenRuns(1)).complete();
    await waitFor(() => manager!.get(job.id).status === 'completed', 'the agent job to run once the claim is let go');
  });

  it('closes an external job as its coordinator says, and refuses to close an agent job', async () => {
    const { executor } = makeManager();
    const { job } = await manager!.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), tasks: [plan('a'), plan('b')] });
    const { worker } = await manager!.workers.join(job.id, 'dev');
    await manager!.workers.claim(job.id, worker.name);
    await manager!.workers.close(job.id, 'failed', 'the build broke');
    expect(manager!.get(job.id)).toMatchObject({ status: 'failed', error: 'the build broke', joinedWorkers: [] });
    expect(manager!.boardOf(job.id)!.tasks.map((task) => task.status)).toEqual(['cancelled', 'cancelled']);
    await expect(manager!.workers.claim(job.id, worker.name)).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
    const agentJob = await manager!.submit({ agent: TWO_PHASES, prompt: 'p', mode: 'interactive', cwd: makeTempDir() });
    await expect(manager!.workers.close(agentJob.job.id, 'completed')).rejects.toMatchObject({ code: 'JOB_NOT_EXTERNAL' });
    (await executor.whenRuns(1)).complete();
  });

  it('keeps an external job going past a failed task, and gives a task failed with retries left back to the queue', async () => {
    makeManager();
    const { job } = await manager!.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: makeTempDir(), retries: 1, tasks: [plan('a'), plan('b')] });
    const { worker } = await manager!.workers.join(job.id, 'dev');
    const first = (await manager!.workers.claim(job.id, worker.name))!;
    await manager!.workers.endTask(job.id, 't1', { worker: worker.name, token: first.token, error: 'flaky' });
    expect(manager!.boardOf(job.id)!.tasks[0]).toMatchObject({ status: 'todo', attempts: 1 });
    const again = (await manager!.workers.claim(job.id, worker.name))!;
    expect(again.task.id).toBe('t1');
    // The first run's token ended with it.
    await expect(manager!.workers.endTask(job.id, 't1', { token: first.token, error: 'flaky again' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    await manager!.workers.endTask(job.id, 't1', { worker: worker.name, token: again.token, error: 'flaky again' });
    expect(manager!.boardOf(job.id)!.tasks.map((task) => task.status)).toEqual(['failed', 'todo']);
    expect(manager!.get(job.id).status).toBe('running');
    const added = await manager!.workers.addTasks(job.id, [plan('c')]);
    expect(added.map((task) => task.id)).toEqual(['t3']);
        await expect(manager!.workers.heartbeat(job.id, 'dev[zzzz-9]')).rejects.toMatchObject({ code: 'WORKER_NOT_IN_JOB' });
    await manager!.workers.leave(job.id, worker.name);
    expect(manager!.get(job.id).joinedWorkers).toEqual([]);
  });

  it('records each lease in job.json, and a worker whose recorded lease ran out leaves at the next change, even without its timer', async () => {
    let now = Date.parse('2026-12-02T09:00:00.000Z');
    const store = new InMemoryRepository();
    const host = {
      withJob: async <T,>(id: string, work: (job: WorkerJob) => Promise<T>): Promise<T> => work(jobOf(id)),
      heldClaims: (job: WorkerJob) => claimsOfOpenRuns(job.id, job.board, job.cwd),
      nowMs: () => now,
      taskEnded: () => {},
      isLongLived: false,
    };
    // A job kept as the folder keeps it: applied and stored at each commit.
    let state: JobState = { job: makeJob({ id: 'job-ext00001', agent: 'external', mode: 'background' }, ['work']), board: { tasks: createJobTasks(['work'], '', [[plan('a'), plan('b')]]), runs: [] } };
    state = applyActions(state, [...OPEN_EXTERNAL_JOB], new Date(now).toISOString()).state;
    const jobOf = (id: string): WorkerJob => ({
      id, cwd: '/w', get job() { return state.job; }, get board() { return state.board; }, isRunningHere: () => false,
      commit: async (actions) => {
        const change = applyActions(state, actions, new Date(now).toISOString());
        state = change.state;
        store.writeSync(state.job, change.events, change.records);
      },
    });
    const workers = new ExternalWorkers(host, 1000);
    const { worker: silent } = await workers.join('job-ext00001', 'dev');
    expect(state.job.joinedWorkers![0]!.leaseExpiresAt).toBe('2026-12-02T09:00:01.000Z');
    await workers.claim('job-ext00001', silent.name);
    now += 500;
    const { worker: busy } = await workers.join('job-ext00001', 'dev');
    // Any call renews: the silent worker's lease still ends at :01, the busy one's moves on.
    now += 600;
    expect((await workers.claim('job-ext00001', busy.name))?.task.id).toBe('t1');
    expect(state.job.joinedWorkers!.map((worker) => worker.name)).toEqual([busy.name]);
    expect(store.commits.flatMap((commit) => commit.events)).toContain('worker_left');
    await expect(workers.endTask('job-ext00001', 't1', { worker: silent.name })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
  });
});
