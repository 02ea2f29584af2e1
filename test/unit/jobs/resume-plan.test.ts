// A resume runs only the work that is not done (issue 25 §1): done tasks keep their runs and
// results, interrupted and never-started tasks wait again, and failed tasks run again only where
// the resume is their retry. Pure: the model's own machines, run action by action.
import { describe, expect, it } from 'vitest';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import { planResume } from '../../../src/jobs/model/resume-plan.js';
import { createInputTasks, type Task, type TaskBoard } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { makeJob } from '../../helpers/jobs.js';

const T1 = '2026-11-22T10:01:00.000Z';

// A batch of `lines` in one phase, `workers` at a time, started.
function batch(lines: number, options: { keepGoing?: boolean; workers?: number; retries?: number } = {}): JobState {
  const inputs = Array.from({ length: lines }, (_line, index) => `line ${index + 1}`);
  const job = makeJob({ mode: 'background', workers: options.workers ?? 3, keepGoing: options.keepGoing ?? false, retries: options.retries ?? 0 }, ['run']);
  return applyActions({ job, board: { tasks: createInputTasks(['run'], inputs), runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], T1).state;
}

function act(state: JobState, actions: JobAction[]): JobState {
  return applyActions(state, actions, T1).state;
}

const statuses = (board: TaskBoard): string => board.tasks.map((task) => task.status[0]).join('');
const complete = (taskId: string): JobAction => ({ type: 'completeTask', taskId, output: `${taskId} ok` });
const fail = (taskId: string): JobAction => ({ type: 'failTask', taskId, error: `${taskId} exit 1` });
const start = (taskId: string, worker = 1): JobAction => ({ type: 'startTask', taskId, worker });

describe('a resume never runs a finished task again', () => {
  it('an interrupted batch resumes with its done tasks done, runs kept, and only the rest waiting', () => {
    let state = act(batch(6), [complete('t1'), start('t2'), complete('t2'), start('t3'), start('t4', 2)]);
    state = act(state, [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }]);
    expect(statuses(state.board)).toBe('ddtttt');
    const runsBefore = state.board.runs;
    const resumed = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(resumed.job).toMatchObject({ status: 'queued', currentPhase: 0 });
    expect(statuses(resumed.board)).toBe('ddtttt');
    expect(resumed.board.tasks.slice(0, 2).map((task) => task.result)).toEqual(['t1 ok', 't2 ok']);
    // Every run stays, the interrupted ones as interrupted.
    expect(resumed.board.runs).toEqual(runsBefore);
    expect(runsBefore.map((run) => run.state.status)).toEqual(['succeeded', 'succeeded', 'interrupted', 'interrupted']);
    // The next runs go to the tasks that are not done, in order.
    const next = act(resumed, [{ type: 'start' }, { type: 'startPhase', worker: 0 }]);
    expect(next.board.runs.at(-1)).toMatchObject({ taskId: 't3', attempt: 2 });
  });

  it('a job ended failed because of its failed tasks retries them, and only them (keep-going batch)', () => {
    let state = batch(4, { keepGoing: true });
    state = act(state, [fail('t1'), start('t2'), complete('t2'), start('t3'), fail('t3'), start('t4'), complete('t4')]);
    expect(state.job).toMatchObject({ status: 'failed', error: '2 tasks failed' });
    expect(state.job.phases[0]!.status).toBe('completed');
    const resumed = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(resumed.job).toMatchObject({ status: 'queued', currentPhase: 0 });
    expect(resumed.job.phases[0]!.status).toBe('pending');
    expect(statuses(resumed.board)).toBe('tdtd');
    // Run to the end: the retried tasks succeed this time, the job completes.
    let done = act(resumed, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, start('t3'), complete('t1'), complete('t3')]);
    expect(done.job.status).toBe('completed');
    expect(statuses(done.board)).toBe('dddd');
    done = act(done, []);
    expect(done.board.runs.filter((run) => run.taskId === 't2')).toHaveLength(1);
  });

  it('a keep-going job interrupted with failed tasks keeps them failed, unless asked (--retry-failed)', () => {
    let state = batch(4, { keepGoing: true });
    state = act(state, [fail('t1'), start('t2'), complete('t2'), start('t3')]);
    state = act(state, [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }]);
    expect(statuses(state.board)).toBe('fdtt');
    expect(statuses(act(state, [{ type: 'resume', mode: 'background' }]).board)).toBe('fdtt');
    expect(statuses(act(state, [{ type: 'resume', mode: 'background', retryFailed: true }]).board)).toBe('tdtt');
  });

  it('a fail-fast job that failed retries the failed task and the tasks its failure stopped', () => {
    let state = batch(4);
    state = act(state, [start('t2'), complete('t2'), fail('t1')]);
    expect(state.job.status).toBe('failed');
    expect(statuses(state.board)).toBe('fdcc');
    expect(statuses(act(state, [{ type: 'resume', mode: 'background' }]).board)).toBe('tdtt');
  });

  it('a cancelled job runs again what the cancel stopped; its done tasks stay done', () => {
    let state = act(batch(4), [complete('t1'), start('t2'), { type: 'cancel' }]);
    expect(statuses(state.board)).toBe('dccc');
    state = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(statuses(state.board)).toBe('dttt');
  });

  it('dependents of done tasks stay unblocked; dependents of a failure that stays failed stay not run', () => {
    const tasks: Task[] = ['a', 'b', 'c', 'd'].map((title, index) => ({ id: `t${index + 1}`, phase: 0, title, input: title, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] }));
    tasks[1]!.dependsOn = ['t1']; // b after a
    tasks[3]!.dependsOn = ['t3']; // d after c
    const job = makeJob({ mode: 'background', workers: 2, keepGoing: true }, ['run']);
    let state = applyActions({ job, board: { tasks, runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, start('t3')], T1).state;
    state = act(state, [complete('t1'), fail('t3')]);
    expect(statuses(state.board)).toBe('dtfc'); // d not run: c failed
    state = act(state, [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }]);
    const kept = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(statuses(kept.board)).toBe('dtfc');
    const next = act(kept, [{ type: 'start' }, { type: 'startPhase', worker: 0 }]);
    expect(next.board.runs.at(-1)!.taskId).toBe('t2');
    expect(statuses(act(state, [{ type: 'resume', mode: 'background', retryFailed: true }]).board)).toBe('dttt');
  });

  it('an agent job resumes at its first phase that did not complete; completed phases keep their task and run', () => {
    const job = makeJob({ mode: 'background' }, ['analyze', 'plan']);
    let state = applyActions({ job, board: { tasks: createInputTasks(['analyze', 'plan'], ['x']), runs: [] } }, [{ type: 'start' }, { type: 'startPhase' }], T1).state;
    state = act(state, [{ type: 'completePhase', output: 'analysis' }, { type: 'startPhase' }, { type: 'interrupt', reason: 'gone' }]);
    const resumed = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(resumed.job.currentPhase).toBe(1);
    expect(statuses(resumed.board)).toBe('dt');
    expect(resumed.board.tasks[0]!.result).toBe('analysis');
  });

  it('a resumed job skips the phases it keeps: a keep-going first phase retried goes on past a completed second', () => {
    const job = makeJob({ mode: 'background', keepGoing: true }, ['build', 'report']);
    let state = applyActions({ job, board: { tasks: createInputTasks(['build', 'report'], ['a', 'b']), runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, start('t2')], T1).state;
    state = act(state, [complete('t1'), fail('t2'), { type: 'startPhase', taskId: 't3', worker: 0 }, start('t4'), complete('t3'), complete('t4')]);
    expect(state.job).toMatchObject({ status: 'failed', error: '1 task failed' });
    let resumed = act(state, [{ type: 'resume', mode: 'background' }]);
    expect(resumed.job).toMatchObject({ currentPhase: 0 });
    expect(resumed.job.phases.map((phase) => phase.status)).toEqual(['pending', 'completed']);
    resumed = act(resumed, [{ type: 'start' }, { type: 'startPhase', taskId: 't2', worker: 0 }, complete('t2')]);
    expect(resumed.job.status).toBe('completed');
  });

  it('planResume names nothing to run again for a job whose work is all done but for kept failures', () => {
    let state = batch(2, { keepGoing: true });
    state = act(state, [fail('t1'), start('t2'), complete('t2')]);
    state = { ...state, job: { ...state.job, status: 'interrupted' } };
    expect(planResume(state.job, state.board, false)).toEqual({ taskIds: [], phases: [] });
    expect(() => act(state, [{ type: 'resume', mode: 'background' }])).toThrow(/no task left to run/);
  });
});
