// How a phase ends with its last task (decidePhaseEnd), exactly: the action it takes, with the
// output, answer file, commit and error a user sees; and the records a change leaves to append.
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../../src/jobs/model/job.js';
import { applyActions, decidePhaseEnd, recordBoard, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T = '2026-11-22T10:05:00.000Z';
const OWNER = { pid: 4242, hostname: 'box', processStartedAt: T0 };
const CHANGES = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'src/a.ts', added: 1, removed: 0 }], moreFiles: 0 };

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: `do ${id}`, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}
function newJob(overrides: Partial<Job> = {}, phaseNames = ['a', 'b']): Job {
  return { ...createJob({ id: 'job-abcd1234', agent: 'build', description: 'fix it', mode: 'background', phaseNames, owner: OWNER, now: T0, workers: 3 }), ...overrides };
}
/** A job whose first phase runs `tasks` (all of them claimed). */
function runningWith(tasks: Task[], overrides: Partial<Job> = {}): JobState {
  let state = applyActions({ job: newJob(overrides), board: { tasks: [...tasks, task('t9', 1)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: tasks[0]!.id }], T0).state;
  for (const other of tasks.slice(1)) state = applyActions(state, [{ type: 'startTask', taskId: other.id, worker: 1 }], T0).state;
  return state;
}
/** The board once the phase's tasks ended as `ends` says (the last one not yet applied). */
function endedBut(state: JobState, ends: Record<string, 'done' | 'failed'>): TaskBoard {
  return { ...state.board, tasks: state.board.tasks.map((t) => (t.id in ends ? { ...t, status: ends[t.id]! } : t)) };
}

describe('decidePhaseEnd', () => {
  it('a phase\'s only task ends it with the task\'s output, its answer file and its commit', () => {
    const state = runningWith([task('t1', 0)]);
    const board = endedBut(state, { t1: 'done' });
    expect(decidePhaseEnd(state.job, board, { type: 'completeTask', taskId: 't1', output: 'all good', outputFile: 'answers/p1-a1.md', changes: CHANGES, commit: 'c1' }))
      .toStrictEqual({ type: 'completePhase', output: 'all good', outputFile: 'answers/p1-a1.md', changes: CHANGES, failedTasks: 0, commit: 'c1' });
    expect(decidePhaseEnd(state.job, board, { type: 'completeTask', taskId: 't1', output: 'all good' }))
      .toStrictEqual({ type: 'completePhase', output: 'all good', changes: null, failedTasks: 0 });
  });

  it('a phase of several tasks counts them, with no answer file of one task', () => {
    const state = runningWith([task('t1', 0), task('t2', 0), task('t3', 0)]);
    const board = { ...endedBut(state, { t1: 'done', t2: 'done', t3: 'done' }) };
    expect(decidePhaseEnd(state.job, board, { type: 'completeTask', taskId: 't3', output: 'x', outputFile: 'answers/r3.md' }))
      .toStrictEqual({ type: 'completePhase', output: '3 of 3 tasks done', changes: null, failedTasks: 0 });
  });

  it('a background phase of several tasks with a failure fails, counting them; its only task\'s failure gives its error', () => {
    const state = runningWith([task('t1', 0), task('t2', 0), task('t3', 0)]);
    const board = endedBut(state, { t1: 'done', t2: 'failed', t3: 'failed' });
    expect(decidePhaseEnd(state.job, board, { type: 'failTask', taskId: 't3', error: 'exit 2' }))
      .toStrictEqual({ type: 'failPhase', error: '2 of 3 tasks failed', output: '1 of 3 tasks done, 2 failed', changes: null });
    const single = runningWith([task('t1', 0)]);
    expect(decidePhaseEnd(single.job, endedBut(single, { t1: 'failed' }), { type: 'failTask', taskId: 't1', error: 'exit 2', output: 'log tail' }))
      .toStrictEqual({ type: 'failPhase', error: 'exit 2', output: 'log tail', changes: null });
  });

  it('an interactive job\'s only task whose failure asks: the phase completes and the person is asked', () => {
    const state = runningWith([task('t1', 0)], { mode: 'interactive' });
    const board = endedBut(state, { t1: 'failed' });
    expect(decidePhaseEnd(state.job, board, { type: 'failTask', taskId: 't1', error: 'tests fail', asks: true }))
      .toStrictEqual({ type: 'completePhase', output: null, changes: null, failedTasks: 1, failedInPhase: 1 });
    expect(decidePhaseEnd(state.job, board, { type: 'failTask', taskId: 't1', error: 'tests fail' })).toMatchObject({ type: 'failPhase', error: 'tests fail' });
    // In background mode nobody is asked.
    const background = runningWith([task('t1', 0)]);
    expect(decidePhaseEnd(background.job, endedBut(background, { t1: 'failed' }), { type: 'failTask', taskId: 't1', error: 'tests fail', asks: true })).toMatchObject({ type: 'failPhase' });
  });

  it('a task\'s failure that ends a keep-going phase carries no commit', () => {
    const state = runningWith([task('t1', 0), task('t2', 0)], { keepGoing: true });
    const board = endedBut(state, { t1: 'done', t2: 'failed' });
    expect(decidePhaseEnd(state.job, board, { type: 'failTask', taskId: 't2', error: 'no' }))
      .toStrictEqual({ type: 'completePhase', output: '1 of 2 tasks done, 1 failed', changes: null, failedTasks: 1 });
  });

  it('nothing ends while a task has not ended, the phase has no tasks, or the phase or the job is not running', () => {
    const state = runningWith([task('t1', 0), task('t2', 0)]);
    const last: JobAction & { type: 'completeTask' } = { type: 'completeTask', taskId: 't2', output: 'x' };
    expect(decidePhaseEnd(state.job, endedBut(state, { t2: 'done' }), last)).toBeNull();
    const allDone = endedBut(state, { t1: 'done', t2: 'done' });
    expect(decidePhaseEnd({ ...state.job, status: 'awaiting_approval' }, allDone, last)).toBeNull();
    expect(decidePhaseEnd({ ...state.job, phases: state.job.phases.map((p) => ({ ...p, status: 'pending' as const })) }, allDone, last)).toBeNull();
    expect(decidePhaseEnd({ ...state.job, currentPhase: 5 }, allDone, last)).toBeNull();
    expect(decidePhaseEnd(state.job, { tasks: [task('t9', 1, { status: 'done' })], runs: [] }, last)).toBeNull();
  });
});

describe('records', () => {
  it('a board\'s first write holds every task, then every run, stamped', () => {
    const run: Run = { id: 'r1', taskId: 't1', attempt: 1, worker: 'w', startedAt: T0, state: { status: 'running' }, output: { file: 'output.log', section: 's' } };
    const board: TaskBoard = { tasks: [task('t1', 0), task('t2', 1)], runs: [run] };
    expect(recordBoard(board, 4)).toEqual([{ kind: 'task', seq: 4, task: board.tasks[0] }, { kind: 'task', seq: 4, task: board.tasks[1] }, { kind: 'run', seq: 4, run }]);
  });

  it('a placeholder a plan replaces is recorded removed only, even when the same change had put it back to wait', () => {
    // Cancelled, then resumed, started and planned in one change: t2 waits again, then a plan replaces it.
    let state = applyActions({ job: newJob(), board: { tasks: [task('t1', 0), task('t2', 1)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase' }, { type: 'cancel' }], T0).state;
    expect(state.board.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    const change = applyActions(state, [
      { type: 'resume', mode: 'background' }, { type: 'start' }, { type: 'startPhase' },
      { type: 'completeTask', taskId: 't1', output: 'ok', plannedTasks: [{ title: 'x', input: 'x', dependsOn: [], claims: [] }] },
    ], T);
    state = change.state;
    expect(state.board.tasks.map((t) => t.id)).toEqual(['t1', 't3']);
    const t2 = change.records.filter((r) => r.kind === 'task' && r.task.id === 't2');
    expect(t2).toHaveLength(1);
    expect(t2[0]).toMatchObject({ removed: true });
    expect(change.records[0]).toMatchObject({ kind: 'task', task: { id: 't2' }, removed: true });
  });
});
