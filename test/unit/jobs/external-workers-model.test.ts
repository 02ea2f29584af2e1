// The model of workers from outside: joining names them after the job, a claim takes the next
// runnable task whose claims (and the files the worker names) are free, leaving or losing the
// lease sends the worker's tasks back, and an external job ends only when it is closed.
import { describe, expect, it } from 'vitest';
import { applyActions, recordBoard, type JobState } from '../../../src/jobs/model/job-state.js';
import { foldTaskRecords } from '../../../src/jobs/model/task-history.js';
import { EXTERNAL_AGENT, EXTERNAL_PHASE } from '../../../src/jobs/model/job.js';
import { createJobTasks, type TaskPlan } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { decideClaim, type HeldClaim } from '../../../src/jobs/model/worker-claims.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = '2026-12-02T08:00:00.000Z';
const plan = (title: string, extra: Partial<TaskPlan> = {}): TaskPlan => ({ title, input: `do ${title}`, dependsOn: [], claims: [], ...extra });

function externalJob(plans: TaskPlan[] = [plan('a'), plan('b')]): JobState {
  const job = makeJob({ agent: EXTERNAL_AGENT, mode: 'background', workers: 1 }, [EXTERNAL_PHASE]);
  const opened = applyActions({ job, board: { tasks: plans.length > 0 ? createJobTasks([EXTERNAL_PHASE], '', [plans]) : [], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: null }], NOW);
  return opened.state;
}

const apply = (state: JobState, actions: JobAction[]) => applyActions(state, actions, NOW);

describe('workers from outside', () => {
  it('opens an external job with no task claimed, and names joined workers <agent>[<id4>-<n>] from 0', () => {
    let state = externalJob();
    expect(state.job.status).toBe('running');
    expect(state.board.runs).toEqual([]);
    const first = apply(state, [{ type: 'joinWorker', agent: 'dev' }]);
    state = apply(first.state, [{ type: 'joinWorker', agent: 'dev' }]).state;
    expect(state.job.joinedWorkers?.map((worker) => worker.name)).toEqual(['dev[abcd-0]', 'dev[abcd-1]']);
    expect(first.events).toEqual([expect.objectContaining({ type: 'worker_joined', worker: 'dev[abcd-0]', agent: 'dev' })]);
  });

  it("numbers a worker joining an agent's job after the job's own workers", () => {
    const job = makeJob({ workers: 3, status: 'running' });
    const { state } = apply({ job, board: { tasks: [], runs: [] } }, [{ type: 'joinWorker', agent: 'dev' }]);
    expect(state.job.joinedWorkers?.[0]?.name).toBe('dev[abcd-3]');
  });

  it('claims a task for the named worker, adding the files it names to the claims, and logs it', () => {
    let state = apply(externalJob(), [{ type: 'joinWorker', agent: 'dev' }]).state;
    const change = apply(state, [{ type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]', files: ['src/a.ts'] }]);
    state = change.state;
    expect(state.board.tasks[0]).toMatchObject({ status: 'claimed', claims: ['src/a.ts'], attempts: 1 });
    expect(state.board.runs[0]).toMatchObject({ taskId: 't1', worker: 'dev[abcd-0]', state: { status: 'running' } });
    expect(change.events.map((event) => event.type)).toEqual(['task_started']);
  });

  it('keeps the hash of the claim token the service made with the run it opens, and records it', () => {
    const hash = 'ab'.repeat(32);
    const change = apply(apply(externalJob(), [{ type: 'joinWorker', agent: 'dev' }]).state, [{ type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]', tokenHash: hash }]);
    expect(change.state.board.runs[0]!.tokenHash).toBe(hash);
    expect(change.records).toContainEqual(expect.objectContaining({ kind: 'run', run: expect.objectContaining({ tokenHash: hash }) }));
    // A run of jobline's own workers has none.
    expect(apply(externalJob(), [{ type: 'startTask', taskId: 't1', worker: 0 }]).state.board.runs[0]).not.toHaveProperty('tokenHash');
  });

  it('does not end an external job when its last task is done: it ends when closed', () => {
    let state = apply(externalJob([plan('a')]), [{ type: 'joinWorker', agent: 'dev' }, { type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]' }]).state;
    state = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'ok', filesModified: ['x'] }]).state;
    expect(state.job.status).toBe('running');
    expect(state.board.tasks[0]).toMatchObject({ status: 'done', result: 'ok', filesModified: ['x'] });
    const closed = apply(state, [{ type: 'close', status: 'completed' }]);
    expect(closed.state.job).toMatchObject({ status: 'completed', joinedWorkers: [] });
    expect(closed.events.map((event) => event.type)).toEqual(['completed']);
  });

  it('closing as failed records why and cancels the tasks not run', () => {
    const state = apply(externalJob(), [{ type: 'close', status: 'failed', reason: 'tests are red' }]).state;
    expect(state.job).toMatchObject({ status: 'failed', error: 'tests are red' });
    expect(state.board.tasks.map((task) => task.status)).toEqual(['cancelled', 'cancelled']);
  });

  it("a worker that leaves (or loses its lease) ends its runs interrupted; its tasks wait again and others' stay", () => {
    let state = apply(externalJob(), [{ type: 'joinWorker', agent: 'dev' }, { type: 'joinWorker', agent: 'dev' }]).state;
    state = apply(state, [{ type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]' }, { type: 'startTask', taskId: 't2', worker: 'dev[abcd-1]' }]).state;
    const change = apply(state, [{ type: 'leaveWorker', worker: 'dev[abcd-0]', reason: 'its lease of 30 s ran out without a heartbeat' }]);
    expect(change.state.board.tasks.map((task) => task.status)).toEqual(['todo', 'claimed']);
    expect(change.state.board.runs[0]!.state).toEqual({ status: 'interrupted', endedAt: NOW, reason: 'its lease of 30 s ran out without a heartbeat' });
    expect(change.state.job.joinedWorkers?.map((worker) => worker.name)).toEqual(['dev[abcd-1]']);
    expect(change.events).toEqual([expect.objectContaining({ type: 'worker_left', worker: 'dev[abcd-0]', reason: expect.stringContaining('lease') })]);
    expect(() => apply(change.state, [{ type: 'leaveWorker', worker: 'dev[abcd-0]', reason: 'left' }])).toThrow(/not in the job/);
  });

  it('adds tasks to the current phase with ids after the highest, dependencies by title or id', () => {
    const change = apply(externalJob(), [{ type: 'addTasks', tasks: [plan('c', { dependsOn: ['t1'] }), plan('d', { dependsOn: ['c'] })] }]);
    expect(change.state.board.tasks.map((task) => [task.id, task.title, task.dependsOn])).toEqual([['t1', 'a', []], ['t2', 'b', []], ['t3', 'c', ['t1']], ['t4', 'd', ['t3']]]);
    expect(change.events).toEqual([expect.objectContaining({ type: 'tasks_added', count: 2 })]);
    expect(change.records.map((record) => record.kind === 'task' && record.task.id)).toEqual(['t3', 't4']);
  });

  it('reads back an open external job of one task without a run: no phase implies a run of its workers', () => {
    const state = externalJob([plan('only')]);
    const records = recordBoard(state.board, state.job.eventSeq);
    expect(foldTaskRecords(state.job, records)).toEqual({ tasks: [expect.objectContaining({ id: 't1', status: 'todo' })], runs: [] });
  });

  it('renames any job, and logs the new name', () => {
    const change = apply(externalJob(), [{ type: 'rename', name: 'nightly' }]);
    expect(change.state.job.name).toBe('nightly');
    expect(change.events).toEqual([expect.objectContaining({ type: 'renamed', name: 'nightly' })]);
  });
});

describe('deciding a claim', () => {
  const holder = (claims: string[], workspace = '/w'): HeldClaim => ({ jobId: 'job-other000', taskId: 't9', worker: 'ci[othe-0]', workspace, claims });

  it('gives the first waiting task whose dependencies are done', () => {
    const state = externalJob([plan('a', { dependsOn: ['b'] }), plan('b')]);
    const decision = decideClaim(state.job, state.board, '/w', [], []);
    expect(decision).toMatchObject({ kind: 'claim', task: { id: 't2' } });
  });

  it('refuses named files that a held claim covers, naming the files and the holder', () => {
    const state = externalJob();
    expect(decideClaim(state.job, state.board, '/w', ['src/a.ts', 'README.md'], [holder(['src'])])).toEqual({ kind: 'conflict', files: ['src/a.ts'], holder: holder(['src']) });
  });

  it('ignores claims held in another folder', () => {
    const state = externalJob();
    expect(decideClaim(state.job, state.board, '/w', ['src/a.ts'], [holder(['src'], '/elsewhere')])).toMatchObject({ kind: 'claim', task: { id: 't1' } });
  });

  it("passes over a task whose own claims are held, and says so when none is left", () => {
    const state = externalJob([plan('a', { claims: ['src/**'] }), plan('b', { claims: ['docs'] })]);
    expect(decideClaim(state.job, state.board, '/w', [], [holder(['src/x.ts'])])).toMatchObject({ kind: 'claim', task: { id: 't2' } });
    const none = decideClaim(state.job, state.board, '/w', [], [holder(['src/x.ts']), holder(['docs/a.md'])]);
    expect(none).toEqual({ kind: 'none', reason: expect.stringContaining('waits for a dependency or a claim') });
  });

  it('gives none for a job that is not running a phase', () => {
    const state = externalJob();
    const awaiting = { ...state.job, status: 'awaiting_approval' as const };
    expect(decideClaim(awaiting, state.board, '/w', [], [])).toEqual({ kind: 'none', reason: expect.stringContaining('awaiting_approval') });
  });
});
