// The model of a phase of several tasks: workers claiming tasks, each task's run ending on its
// own, retries as new runs, and the phase ending with its last task (failing, or completing with
// keepGoing). Pure: every case is one applyActions call on a hand-built state.
import { describe, expect, it } from 'vitest';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Job } from '../../../src/jobs/model/job.js';
import { countTasks, formatWorkerName, type Task } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { makeJob } from '../../helpers/jobs.js';

const T1 = '2026-11-22T10:01:00.000Z';

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: `echo ${id}`, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}

/** A running job whose first phase holds t1..t3 and whose second phase holds t4. */
function batchState(overrides: Partial<Job> = {}, phases = ['run', 'report']): JobState {
  const job = makeJob({ mode: 'background', workers: 3, ...overrides }, phases);
  const tasks = [task('t1', 0), task('t2', 0), task('t3', 0, { dependsOn: ['t1'] }), ...(phases.length > 1 ? [task('t4', 1)] : [])];
  return applyActions({ job, board: { tasks, runs: [] } }, [{ type: 'start' }], T1).state;
}

const apply = (state: JobState, actions: JobAction[]) => applyActions(state, actions, T1);

describe('a phase of several tasks', () => {
  it('runs a task per worker, each named after the job, and logs each start', () => {
    const change = apply(batchState(), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]);
    expect(change.state.board.runs.map((run) => [run.id, run.taskId, run.worker, run.attempt])).toEqual([
      ['r1', 't1', 'build[abcd-0]', 1],
      ['r2', 't2', 'build[abcd-1]', 1],
    ]);
    expect(change.events.filter((event) => event.type === 'task_started').map((event) => [event.task, event.worker])).toEqual([
      ['t1', 'build[abcd-0]'],
      ['t2', 'build[abcd-1]'],
    ]);
    expect(change.state.job.phases[0]!.status).toBe('running');
  });

  it('refuses a task that is not ready: a dependency not done, already claimed, or of another phase', () => {
    const running = apply(batchState(), [{ type: 'startPhase', taskId: 't1', worker: 0 }]).state;
    expect(() => apply(running, [{ type: 'startTask', taskId: 't3', worker: 1 }])).toThrow(/startTask t3 .*not ready/);
    expect(() => apply(running, [{ type: 'startTask', taskId: 't1', worker: 1 }])).toThrow(/it is claimed/);
    expect(() => apply(running, [{ type: 'startTask', taskId: 't4', worker: 1 }])).toThrow(/not ready in the current phase/);
    expect(() => apply(running, [{ type: 'completeTask', taskId: 't2', output: null }])).toThrow(/it is todo/);
    expect(() => apply(running, [{ type: 'startTask', taskId: 't9', worker: 1 }])).toThrow(/no such task/);
  });

  it('ends the phase with its last task, counting its tasks, and moves on to the next phase', () => {
    let state = apply(batchState(), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'one' }, { type: 'startTask', taskId: 't3', worker: 0 }]).state;
    state = apply(state, [{ type: 'completeTask', taskId: 't2', output: 'two' }]).state;
    expect(state.job.phases[0]!.status).toBe('running'); // t3 still runs
    const last = apply(state, [{ type: 'completeTask', taskId: 't3', output: 'three' }]);
    expect(last.state.job.phases[0]).toMatchObject({ status: 'completed', output: '3 of 3 tasks done' });
    expect(last.state.job).toMatchObject({ status: 'running', currentPhase: 1 });
    expect(last.events.map((event) => event.type)).toEqual(['task_completed', 'phase_completed']);
    expect(last.state.board.tasks.map((t) => [t.id, t.status, t.result])).toEqual([['t1', 'done', 'one'], ['t2', 'done', 'two'], ['t3', 'done', 'three'], ['t4', 'todo', null]]);
  });

  it('runs a failed task again as a new run while retries remain, keeping the failed run', () => {
    let state = apply(batchState({ retries: 1 }), [{ type: 'startPhase', taskId: 't2', worker: 0 }]).state;
    const first = apply(state, [{ type: 'failTask', taskId: 't2', error: 'exit code 1' }]);
    expect(first.events).toEqual([expect.objectContaining({ type: 'task_failed', task: 't2', error: 'exit code 1', willRetry: true })]);
    expect(first.state.board.tasks[1]).toMatchObject({ status: 'todo', attempts: 1 });
    state = apply(first.state, [{ type: 'startTask', taskId: 't2', worker: 0 }]).state;
    const second = apply(state, [{ type: 'failTask', taskId: 't2', error: 'exit code 2' }]);
    expect(second.state.board.runs.map((run) => [run.id, run.attempt, run.state.status])).toEqual([['r1', 1, 'failed'], ['r2', 2, 'failed']]);
    expect(second.state.board.tasks[1]).toMatchObject({ status: 'failed', attempts: 2 });
    // Failed for good, with nothing else running: the waiting tasks are not run, the phase fails.
    expect(second.state.job).toMatchObject({ status: 'failed', error: 'Phase run failed: 1 of 3 tasks failed' });
  });

  it('fails fast: a task that failed for good leaves the phase\'s waiting tasks unrun, and the phase fails once its runs end', () => {
    let state = apply(batchState(), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't2', error: 'boom' }]).state;
    expect(state.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'claimed'], ['t2', 'failed'], ['t3', 'cancelled'], ['t4', 'todo']]);
    expect(state.board.tasks[2]!.result).toBe('not run: t2 failed');
    expect(state.job.eventSeq).toBeGreaterThan(0);
    expect(state.job.status).toBe('running'); // t1 still runs
    const end = apply(state, [{ type: 'completeTask', taskId: 't1', output: null }]);
    expect(end.state.job).toMatchObject({ status: 'failed', error: 'Phase run failed: 1 of 3 tasks failed' });
    expect(end.state.job.phases[0]!.output).toBe('1 of 3 tasks done, 1 failed, 1 not run');
  });

  it('with keepGoing runs every task that can run, and ends the job failed with its count of failed tasks', () => {
    let state = apply(batchState({ keepGoing: true }, ['run']), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't1', error: 'boom' }]).state;
    // t3 depends on the failed t1: it can never run. t2 runs on.
    expect(state.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'failed'], ['t2', 'claimed'], ['t3', 'cancelled']]);
    const end = apply(state, [{ type: 'completeTask', taskId: 't2', output: null }]);
    expect(end.state.job.phases[0]).toMatchObject({ status: 'completed', output: '1 of 3 tasks done, 1 failed, 1 not run' });
    expect(end.state.job).toMatchObject({ status: 'failed', error: '1 task failed' });
  });

  it('in interactive mode asks about failed tasks: retry re-runs only those that did not succeed', () => {
    let state = apply(batchState({ mode: 'interactive' }), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't2', error: 'boom' }, { type: 'completeTask', taskId: 't1', output: 'ok' }]).state;
    expect(state.job).toMatchObject({ status: 'awaiting_approval', hasPendingApproval: true });
    expect(state.job.phases[0]).toMatchObject({ status: 'completed', failedTasks: 1, output: '1 of 3 tasks done, 1 failed, 1 not run' });
    state = apply(state, [{ type: 'retry', feedback: 'use the other port' }, { type: 'start' }]).state;
    expect(state.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'done'], ['t2', 'todo'], ['t3', 'todo'], ['t4', 'todo']]);
    state = apply(state, [{ type: 'startPhase', taskId: 't2', worker: 0 }]).state;
    expect(state.job.pendingFeedback).toBe('use the other port');
    state = apply(state, [{ type: 'completeTask', taskId: 't2', output: 'ok' }, { type: 'startTask', taskId: 't3', worker: 0 }, { type: 'completeTask', taskId: 't3', output: 'ok' }]).state;
    // All done now: the phase asks as any interactive phase does, without a failed count.
    expect(state.job.status).toBe('awaiting_approval');
    expect(state.job.phases[0]!.failedTasks).toBeUndefined();
    expect(state.board.runs.filter((run) => run.taskId === 't2').map((run) => run.state.status)).toEqual(['failed', 'succeeded']);
  });

  it('retries every task of a phase whose tasks all succeeded (the person wants it redone), and a phase\'s only task', () => {
    let state = apply(batchState({ mode: 'interactive' }), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'ok' }, { type: 'completeTask', taskId: 't2', output: 'ok' }, { type: 'startTask', taskId: 't3', worker: 0 }, { type: 'completeTask', taskId: 't3', output: 'ok' }]).state;
    expect(state.job.status).toBe('awaiting_approval');
    const retried = apply(state, [{ type: 'retry', feedback: null }]).state;
    expect(retried.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'todo'], ['t2', 'todo'], ['t3', 'todo'], ['t4', 'todo']]);
    const single = makeJob({ mode: 'interactive' }, ['only', 'next']);
    let one = applyActions({ job: single, board: { tasks: [task('t1', 0), task('t2', 1)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'completeTask', taskId: 't1', output: 'ok' }], T1).state;
    one = apply(one, [{ type: 'retry', feedback: 'again' }]).state;
    expect(one.board.tasks.map((t) => t.status)).toEqual(['todo', 'todo']);
  });

  it('in interactive mode goes on anyway when approved, and a last phase approved so ends the job failed', () => {
    let state = apply(batchState({ mode: 'interactive' }, ['run']), [{ type: 'startPhase', taskId: 't1', worker: 0 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't1', error: 'boom' }]).state;
    expect(state.job.status).toBe('awaiting_approval');
    const approved = apply(state, [{ type: 'approve' }]).state;
    expect(approved.job).toMatchObject({ status: 'failed', error: '1 task failed' });
    const cancelled = apply(state, [{ type: 'cancel' }]).state;
    expect(cancelled.job.status).toBe('cancelled');
    const twoPhases = apply(batchState({ mode: 'interactive' }), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'failTask', taskId: 't1', error: 'boom' }]).state;
    expect(apply(twoPhases, [{ type: 'approve' }]).state.job).toMatchObject({ status: 'queued', currentPhase: 1 });
  });

  it('with keepGoing leaves unrun every task that needs a failed one, however far down the chain', () => {
    const job = makeJob({ mode: 'background', workers: 3, keepGoing: true }, ['run']);
    // Listed before what it needs: finding t3 takes a second pass once t2 is found.
    const tasks = [task('t1', 0), task('t3', 0, { dependsOn: ['t2'] }), task('t2', 0, { dependsOn: ['t1'] }), task('t4', 0)];
    let state = apply({ job, board: { tasks, runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }]).state;
    const failed = apply(state, [{ type: 'failTask', taskId: 't1', error: 'boom' }]);
    expect(failed.state.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'failed'], ['t3', 'cancelled'], ['t2', 'cancelled'], ['t4', 'todo']]);
    expect(failed.events).toEqual([expect.objectContaining({ type: 'task_failed', task: 't1', willRetry: false })]);
    state = apply(failed.state, [{ type: 'startTask', taskId: 't4', worker: 0 }]).state;
    expect(apply(state, [{ type: 'completeTask', taskId: 't4', output: null }]).state.job).toMatchObject({ status: 'failed', error: '1 task failed' });
  });

  it('counts tasks by how they stand, and names workers after the job id\'s suffix only', () => {
    const statuses = ['cancelled', 'cancelled', 'done'] as const;
    expect(countTasks(statuses.map((status, i) => task(`t${i}`, 0, { status })))).toEqual({ total: 3, done: 1, running: 0, failed: 0, notRun: 2 });
    expect(formatWorkerName('sh', 'job-abcd1234', 2)).toBe('sh[abcd-2]');
    expect(formatWorkerName('sh', 'xjob-abcd', 0)).toBe('sh[xjob-0]');
  });

  it('ends a phase of one task as the task ended: its output, or its error', () => {
    const job = makeJob({ mode: 'background' }, ['only']);
    const state = apply({ job, board: { tasks: [task('t1', 0)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase' }]).state;
    const done = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'the whole\nanswer' }]);
    expect(done.state.job).toMatchObject({ status: 'completed', phases: [expect.objectContaining({ output: 'the whole\nanswer' })] });
    expect(done.events.map((event) => event.type)).toEqual(['phase_completed', 'completed']); // no task events for a phase of one task
    const failed = apply(state, [{ type: 'failTask', taskId: 't1', error: 'exit code 3' }]);
    expect(failed.state.job).toMatchObject({ status: 'failed', error: 'Phase only failed: exit code 3' });
    expect(failed.events.map((event) => event.type)).toEqual(['phase_failed', 'failed']); // its own events say it
  });

  it('cancels, or interrupts, every run of the job at once', () => {
    const state = apply(batchState(), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    const cancelled = apply(state, [{ type: 'cancel' }]).state;
    expect(cancelled.board.runs.map((run) => run.state.status)).toEqual(['cancelled', 'cancelled']);
    expect(cancelled.board.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const interrupted = apply(state, [{ type: 'interrupt', reason: 'jobline exited' }]).state;
    expect(interrupted.board.runs.map((run) => run.state.status)).toEqual(['interrupted', 'interrupted']);
    expect(interrupted.board.tasks.map((t) => t.status)).toEqual(['todo', 'todo', 'todo', 'todo']);
  });
});

describe('what a phase of several tasks says', () => {
  it('says exactly why a task cannot start or end', () => {
    const queued = batchState();
    const running = apply(queued, [{ type: 'startPhase', taskId: 't1', worker: 0 }]).state;
    const id = running.job.id;
    expect(() => apply(queued, [{ type: 'startPhase', taskId: 't3', worker: 0 }])).toThrow(`Cannot startPhase t3 of ${id}: it is todo, or not ready in the current phase.`);
    expect(() => apply(running, [{ type: 'startTask', taskId: 't9', worker: 1 }])).toThrow(`Cannot startTask t9 of ${id}: no such task, or not ready in the current phase.`);
    expect(() => apply(running, [{ type: 'completeTask', taskId: 't2', output: null }])).toThrow(`Cannot completeTask t2 of ${id}: it is todo.`);
    expect(() => apply(running, [{ type: 'failTask', taskId: 't9', error: 'x' }])).toThrow(`Cannot failTask t9 of ${id}: no such task.`);
  });

  it('counts failed tasks in the plural, going on and when approved', () => {
    let state = apply(batchState({ keepGoing: true }, ['run']), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't1', error: 'boom' }, { type: 'failTask', taskId: 't2', error: 'bang' }]).state;
    expect(state.job).toMatchObject({ status: 'failed', error: '2 tasks failed' });
    let asked = apply(batchState({ mode: 'interactive' }, ['run']), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    asked = apply(asked, [{ type: 'failTask', taskId: 't1', error: 'boom' }, { type: 'failTask', taskId: 't2', error: 'bang' }]).state;
    expect(asked.job.phases[0]!.failedTasks).toBe(2);
    expect(apply(asked, [{ type: 'approve' }]).state.job).toMatchObject({ status: 'failed', error: '2 tasks failed' });
  });

  it('refuses to end a task that is not running, and keeps a phase\'s waiting tasks while a failed one will be retried', () => {
    const running = apply(batchState({ retries: 1 }), [{ type: 'startPhase', taskId: 't1', worker: 0 }]).state;
    expect(() => apply(running, [{ type: 'failTask', taskId: 't2', error: 'x' }])).toThrow(`Cannot failTask t2 of ${running.job.id}: it is todo.`);
    const failedOnce = apply(running, [{ type: 'failTask', taskId: 't1', error: 'flaky' }]).state;
    // It will run again: nothing is given up yet (fail fast waits for its last attempt).
    expect(failedOnce.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'todo'], ['t2', 'todo'], ['t3', 'todo'], ['t4', 'todo']]);
  });

  it('keeps what ended when the job is cancelled, and the tasks of earlier phases when a later phase is retried', () => {
    let state = apply(batchState({ keepGoing: true }), [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    state = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'ok' }, { type: 'failTask', taskId: 't2', error: 'no' }, { type: 'startTask', taskId: 't3', worker: 0 }]).state;
    const cancelled = apply(state, [{ type: 'cancel' }]).state;
    expect(cancelled.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'done'], ['t2', 'failed'], ['t3', 'cancelled'], ['t4', 'cancelled']]);
    // An interactive job: phase 1 done, phase 2 done and retried; phase 1's tasks stay done.
    const job = makeJob({ mode: 'interactive', workers: 3 }, ['run', 'report', 'deliver']);
    let asked = applyActions({ job, board: { tasks: [task('t1', 0), task('t2', 0), task('t3', 1), task('t4', 2)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }], T1).state;
    asked = apply(asked, [{ type: 'completeTask', taskId: 't1', output: 'ok' }, { type: 'completeTask', taskId: 't2', output: 'ok' }]).state;
    asked = apply(asked, [{ type: 'approve' }, { type: 'start' }, { type: 'startPhase', taskId: 't3', worker: 0 }, { type: 'completeTask', taskId: 't3', output: 'ok' }]).state;
    expect(asked.job).toMatchObject({ status: 'awaiting_approval', currentPhase: 1 });
    const retried = apply(asked, [{ type: 'retry', feedback: null }]).state;
    expect(retried.board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'done'], ['t2', 'done'], ['t3', 'todo'], ['t4', 'todo']]);
  });
});
