// External jobs without a server (FolderWorkers on an in-memory repository): a job made open for
// workers, commands that each read, decide and write under the job's claim, leases recorded and
// found lapsed at the next change, names and prefixes resolved, and other jobs left alone.
import { describe, expect, it } from 'vitest';
import { FolderWorkers } from '../../../src/jobs/service/folder-workers.js';
import { InMemoryRepository, makeInMemoryReader } from '../../helpers/fakes.js';
import { makeJob } from '../../helpers/jobs.js';

const plan = (title: string, claims: string[] = [], dependsOn: string[] = []) => ({ title, input: `do ${title}`, dependsOn, claims });

function setup(leaseMs = 1000) {
  const store = new InMemoryRepository();
  let now = Date.parse('2026-12-02T10:00:00.000Z');
  const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date(now), leaseMs);
  return { store, folder, advance: (ms: number) => (now += ms) };
}

describe('external jobs on the folder', () => {
  it('creates a job that runs at once, open for workers, written in full', () => {
    const { store, folder } = setup();
    const job = folder.create({ name: 'nightly', tasks: [plan('a'), plan('b', [], ['a'])], cwd: '/p', prompt: 'nightly' });
    expect(job).toMatchObject({ agent: 'external', status: 'running', name: 'nightly', keepGoing: true, mode: 'background' });
    expect(job.phases[0]).toMatchObject({ name: 'work', status: 'running' });
    const stored = store.jobs.get(job.id)!;
    expect(stored.events.map((event) => event.type)).toEqual(['created', 'queued', 'started', 'phase_started']);
    expect(stored.records.map((record) => record.kind === 'task' && [record.task.id, record.task.dependsOn])).toEqual([['t1', []], ['t2', ['t1']]]);
    expect(() => folder.create({ name: 'two words', tasks: [], cwd: '/p' })).toThrow(/"two words" is not a job name/);
  });

  it('claims, completes and fails tasks, each change stored before the next command reads it', async () => {
    const { store, folder } = setup();
    const { id } = folder.create({ name: 'w', tasks: [plan('a', ['src']), plan('b', ['src/x.ts']), plan('c')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    const [first, second] = await Promise.all([folder.workers.claim(id, worker.name), folder.workers.claim(id, worker.name)]);
    // Two claims at once, one after the other under the claim: t2 overlaps t1's files, so c.
    expect([first?.task.id, second?.task.id]).toEqual(['t1', 't3']);
    await expect(folder.workers.claim(id, worker.name, ['src/a.ts'])).rejects.toMatchObject({ code: 'CLAIM_CONFLICT' });
    await folder.workers.endTask(id, 't1', { worker: worker.name, token: first!.token, summary: 'ok', filesModified: ['src/a.ts'] });
    await folder.workers.endTask(id, 't3', { worker: worker.name, token: second!.token, error: 'broke' });
    const board = (await store.readBoard(store.jobs.get(id)!.job)).board;
    expect(board.tasks.map((task) => task.status)).toEqual(['done', 'todo', 'failed']);
    expect((await folder.workers.claim(id, worker.name))?.task.id).toBe('t2');
    // Only the token's hash is stored with the run: the stored board hands out no live token.
    const runs = (await store.readBoard(store.jobs.get(id)!.job)).board.runs;
    expect(runs[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(store.jobs.get(id)!.records)).not.toContain(first!.token);
  });

  it('records leases, and finds a lapsed one at the next change: its worker leaves and its task waits again', async () => {
    const { store, folder, advance } = setup(1000);
    const { id } = folder.create({ name: 'l', tasks: [plan('a')], cwd: '/p' });
    const { worker: silent } = await folder.workers.join(id, 'dev');
    const stale = (await folder.workers.claim(id, silent.name))!;
    advance(600);
    const { worker: other } = await folder.workers.join(id, 'dev');
    expect(await folder.workers.claim(id, other.name)).toBeNull();
    advance(500);
    const current = (await folder.workers.claim(id, other.name))!;
    expect(current.task.id).toBe('t1');
    const events = store.jobs.get(id)!.events;
    expect(events.filter((event) => event.type === 'worker_left')).toEqual([expect.objectContaining({ worker: silent.name, reason: 'its lease of 1 s ran out without a heartbeat' })]);
    await expect(folder.workers.heartbeat(id, silent.name, stale.token)).rejects.toMatchObject({ code: 'WORKER_NOT_IN_JOB' });
    // A worker holding a claim keeps it with its token; none, or a stale one, is refused.
    await expect(folder.workers.heartbeat(id, other.name)).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED', message: `${other.name} holds t1 of ${id}: give the claim token of one (--token, or $JOBLINE_CLAIM_TOKEN as jobline task claim writes it to $JOBLINE_ENV_FILE; "token" in the API).` });
    await expect(folder.workers.heartbeat(id, other.name, stale.token)).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED', message: `${other.name} holds t1 of ${id}, and that token is not of its claims; its claim may have ended with its lease.` });
    expect(new Date(await folder.workers.heartbeat(id, other.name, current.token)).toISOString()).toBe('2026-12-02T10:00:02.100Z');
    // The stale worker, without a worker id, cannot end the task its lease lost.
    await expect(folder.workers.endTask(id, 't1', { token: stale.token, summary: 'late' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    await expect(folder.workers.endTask(id, 't1', { summary: 'late' })).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED' });
    expect((await folder.workers.endTask(id, 't1', { token: current.token, summary: 'mine' })).result).toBe('mine');
    // Holding nothing, a worker keeps its place in the job without a token.
    expect(new Date(await folder.workers.heartbeat(id, other.name)).toISOString()).toBe('2026-12-02T10:00:02.100Z');
  });

  it('finds a job by its id, its name or a prefix of either, and gives a name to one job only', async () => {
    const { folder } = setup();
    const { id } = folder.create({ name: 'same', tasks: [], cwd: '/p' });
    expect(await folder.resolve(id.slice(4, 9))).toBe(id);
    expect(await folder.resolve('same')).toBe(id);
    expect(await folder.resolve('SAM')).toBe(id);
    expect(() => folder.create({ name: 'same', tasks: [], cwd: '/p' })).toThrow(`The name same is taken by ${id}`);
    const generated = folder.create({ name: null, tasks: [], cwd: '/p' });
    expect(generated.name).toBe(`name-${generated.id.slice(5)}`); // the in-memory register names it after its id
    expect(await folder.resolve(generated.name!)).toBe(generated.id);
    await expect(folder.resolve('nothing')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it("leaves another process's agent job alone, and an ended job takes no workers", async () => {
    const { store, folder } = setup();
    const agentJob = makeJob({ id: 'job-agent001', status: 'running' });
    store.writeSync(agentJob);
    await expect(folder.workers.join(agentJob.id, 'dev')).rejects.toMatchObject({ code: 'JOB_OWNED_ELSEWHERE' });
    const { id } = folder.create({ name: 'e', tasks: [], cwd: '/p' });
    await folder.workers.close(id, 'completed');
    await expect(folder.workers.join(id, 'dev')).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
  });
});
