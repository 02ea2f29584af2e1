// What each job action does to the task board, exactly: the tasks and runs it changes (in the
// board's order), their statuses, claims, results and files, the task events, and the boards a
// journal can leave that no action writes (missing tasks, runs left open).
import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import { createJob, type Job } from '../../../src/jobs/model/job.js';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import { transitionTasks } from '../../../src/jobs/model/task-transitions.js';
import { transitionJob, type JobAction } from '../../../src/jobs/model/transitions.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T = '2026-11-22T10:05:00.000Z';
const OWNER = { pid: 4242, hostname: 'box', processStartedAt: T0 };
const CHANGES = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'src/a.ts', added: 1, removed: 0 }], moreFiles: 0 };

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: `do ${id}`, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}
function run(id: string, taskId: string, extra: Partial<Run> = {}): Run {
  return { id, taskId, attempt: 1, worker: 'build[abcd-0]', startedAt: T0, state: { status: 'running' }, output: { file: `runs/${id}.log`, section: 'phase 1/2 a · attempt 1' }, ...extra };
}
function newJob(overrides: Partial<Job> = {}, phaseNames = ['a', 'b']): Job {
  return { ...createJob({ id: 'job-abcd1234', agent: 'build', description: 'fix it', mode: 'background', phaseNames, owner: OWNER, now: T0, workers: 3 }), ...overrides };
}
/** A started job (its first phase not yet open) over `tasks`. */
function started(tasks: Task[], overrides: Partial<Job> = {}, phaseNames?: string[]): JobState {
  return applyActions({ job: newJob(overrides, phaseNames), board: { tasks, runs: [] } }, [{ type: 'start' }], T0).state;
}
const apply = (state: JobState, actions: JobAction[]) => applyActions(state, actions, T);
const statuses = (board: TaskBoard): string[] => board.tasks.map((t) => `${t.id}:${t.status}`);
const ids = (items: ReadonlyArray<{ id: string }>): string[] => items.map((item) => item.id);

describe('starting tasks', () => {
  it('an external worker\'s files join its task\'s claims once each; a run without files keeps them as they were', () => {
    const state = started([task('t1', 0, { claims: ['src/**'] }), task('t2', 0, { claims: ['docs/**', 'docs/**'] }), task('t3', 1)]);
    const claimed = apply(state, [{ type: 'startPhase', taskId: 't1', worker: 'ext[abcd-3]', files: ['src/**', 'test/a.ts', 'test/a.ts'] }]).state;
    expect(claimed.board.tasks[0]!.claims).toEqual(['src/**', 'test/a.ts']);
    const second = apply(claimed, [{ type: 'startTask', taskId: 't2', worker: 1 }]).state;
    expect(second.board.tasks[1]!.claims).toEqual(['docs/**', 'docs/**']);
    expect(second.board.runs.map((r) => [r.id, r.worker])).toEqual([['r1', 'ext[abcd-3]'], ['r2', 'build[abcd-1]']]);
  });

  it('names a task the job does not have, or one not ready, in its refusal', () => {
    const state = apply(started([task('t1', 0), task('t2', 0, { dependsOn: ['t1'] }), task('t3', 1)]), [{ type: 'startPhase', taskId: 't1' }]).state;
    const refusal = (action: JobAction): string => {
      try {
        apply(state, [action]);
      } catch (error) {
        expect(error).toBeInstanceOf(TransitionError);
        expect((error as TransitionError).code).toBe('ILLEGAL_TRANSITION');
        return (error as Error).message;
      }
      throw new Error('allowed');
    };
    expect(refusal({ type: 'startTask', taskId: 't9', worker: 1 })).toBe('Cannot startTask t9 of job-abcd1234: no such task, or not ready in the current phase.');
    expect(refusal({ type: 'startTask', taskId: 't2', worker: 1 })).toBe('Cannot startTask t2 of job-abcd1234: it is todo, or not ready in the current phase.');
    expect(refusal({ type: 'completeTask', taskId: 't2', output: 'x' })).toBe('Cannot completeTask t2 of job-abcd1234: it is todo.');
  });

  it('a task that waits for one the board does not have never becomes ready', () => {
    const state = started([task('t1', 0, { dependsOn: ['t7'] }), task('t2', 1)]);
    const change = apply(state, [{ type: 'startPhase' }]);
    expect(change.state.board.runs).toEqual([]);
    expect(statuses(change.state.board)).toEqual(['t1:todo', 't2:todo']);
  });
});

describe('ending tasks', () => {
  const two = (): JobState => apply(started([task('t1', 0), task('t2', 0), task('t3', 1)]), [{ type: 'startPhase', taskId: 't1' }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;

  it('a completed task\'s run keeps the tokens it used and the files it wrote', () => {
    const usage = { inputTokens: 12, outputTokens: 3 } as never;
    const { state } = apply(two(), [{ type: 'completeTask', taskId: 't1', output: 'ok', usage, filesModified: ['src/x.ts'] }]);
    expect(state.board.runs[0]).toMatchObject({ state: { status: 'succeeded', endedAt: T }, usage, filesModified: ['src/x.ts'] });
    expect(state.board.tasks[0]).toMatchObject({ status: 'done', filesModified: ['src/x.ts'] });
    const plain = apply(two(), [{ type: 'completeTask', taskId: 't1', output: 'ok' }]).state.board.runs[0]!;
    expect(Object.keys(plain)).not.toContain('usage');
    expect(Object.keys(plain)).not.toContain('filesModified');
  });

  it('a phase\'s only task takes its files from the diff, none when there is no diff; a failed one keeps its files', () => {
    const single = (): JobState => apply(started([task('t1', 0, { filesModified: ['old.ts'] }), task('t2', 1)]), [{ type: 'startPhase' }]).state;
    expect(apply(single(), [{ type: 'completePhase', output: 'ok', changes: CHANGES }]).state.board.tasks[0]!.filesModified).toEqual(['src/a.ts']);
    expect(apply(single(), [{ type: 'completePhase', output: 'ok' }]).state.board.tasks[0]!.filesModified).toEqual([]);
    const failed = apply(single(), [{ type: 'failPhase', error: 'boom', changes: CHANGES }]).state.board.tasks[0]!;
    expect(failed).toMatchObject({ status: 'failed', result: 'boom', filesModified: ['old.ts'] });
  });

  it('a task that fails for good cancels its phase\'s waiting tasks, reporting the changes in board order', () => {
    // t1 waits (its dependency t3 is not done); t2 claimed then fails: t1 is cancelled though it sits before t2.
    const state = apply(started([task('t1', 0, { dependsOn: ['t3'] }), task('t2', 0), task('t3', 0, { dependsOn: ['t2'] }), task('t4', 1)]), [{ type: 'startPhase', taskId: 't2' }]).state;
    const change = transitionTasks(state.board, state.job, state.job, { type: 'failTask', taskId: 't2', error: 'boom' }, T);
    expect(ids(change.changed)).toEqual(['t1', 't2', 't3', 'r1']);
    expect(statuses(change.board)).toEqual(['t1:cancelled', 't2:failed', 't3:cancelled', 't4:todo']);
    expect(change.board.tasks[0]!.result).toBe('not run: t2 failed');
  });
});

describe('takeRun and waitRun', () => {
  const waiting = (): JobState => apply(started([task('t1', 0), task('t2', 0), task('t3', 1)]), [{ type: 'startPhase', taskId: 't1' }, { type: 'waitRun', taskId: 't1', labels: ['gpu'] }]).state;

  it('a taken run names its host and waits no more; taken again, it names the new host only', () => {
    const state = waiting();
    expect(state.board.runs[0]!.waitingFor).toEqual(['gpu']);
    const taken = apply(state, [{ type: 'takeRun', taskId: 't1', host: 'box-1' }]).state;
    expect(taken.board.runs[0]!.worker).toBe('build[abcd-0]@box-1');
    expect(Object.keys(taken.board.runs[0]!)).not.toContain('waitingFor');
    expect(apply(taken, [{ type: 'takeRun', taskId: 't1', host: 'box-2' }]).state.board.runs[0]!.worker).toBe('build[abcd-0]@box-2');
    // A taken run waits for no worker.
    expect(Object.keys(apply(taken, [{ type: 'waitRun', taskId: 't1', labels: ['gpu'] }]).state.board.runs[0]!)).not.toContain('waitingFor');
  });

  it('a task without an open run is left alone, even when other runs are on the board', () => {
    const state = apply(waiting(), [{ type: 'completeTask', taskId: 't1', output: 'ok' }, { type: 'startTask', taskId: 't2', worker: 1 }]).state;
    for (const action of [{ type: 'takeRun', taskId: 't1', host: 'h' }, { type: 'waitRun', taskId: 't1', labels: ['x'] }, { type: 'takeRun', taskId: 't3', host: 'h' }] as JobAction[]) {
      const change = transitionTasks(state.board, state.job, state.job, action, T);
      expect(change.changed).toEqual([]);
      expect(change.board).toBe(state.board);
    }
  });
});

describe('reopen', () => {
  const completed = (): JobState => {
    let state = apply(started([task('t1', 0), task('t2', 1), task('t3', 1)]), [{ type: 'startPhase' }, { type: 'completePhase', output: 'ok' }, { type: 'startPhase' }]).state;
    state = apply(state, [{ type: 'startTask', taskId: 't3', worker: 1 }, { type: 'completeTask', taskId: 't2', output: 'ok' }, { type: 'completeTask', taskId: 't3', output: 'ok' }]).state;
    expect(state.job.status).toBe('completed');
    return state;
  };

  it('a phase just added gets one task holding the prompt, after the highest id', () => {
    const change = apply(completed(), [{ type: 'reopen', phase: 'resolve', feedback: 'conflicts' }]);
    const added = change.state.board.tasks.at(-1)!;
    expect(added).toEqual({ id: 't4', phase: 2, title: 'resolve', input: 'fix it', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });
    expect(change.records).toEqual([{ kind: 'task', seq: change.state.job.eventSeq, task: added }]);
    expect(change.events.map((e) => e.type)).toEqual(['resumed', 'queued']);
    expect(statuses(change.state.board)).toEqual(['t1:done', 't2:done', 't3:done', 't4:todo']);
  });

  it('an existing last phase\'s tasks wait again; those of other phases stay', () => {
    const change = apply(completed(), [{ type: 'reopen', phase: 'b', feedback: null }]);
    expect(statuses(change.state.board)).toEqual(['t1:done', 't2:todo', 't3:todo']);
    expect(change.records.map((r) => (r.kind === 'task' ? r.task.id : r.run.id))).toEqual(['t2', 't3']);
  });
});

describe('close', () => {
  it('closing an external job cancels its open runs and the tasks not ended; ended ones stay', () => {
    let state = applyActions({ job: newJob({ agent: 'external' }, ['work']), board: { tasks: [task('t1', 0), task('t2', 0), task('t3', 0)], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: null }], T0).state;
    state = apply(state, [{ type: 'startTask', taskId: 't1', worker: 'ext[abcd-0]' }, { type: 'startTask', taskId: 't2', worker: 'ext[abcd-1]' }, { type: 'completeTask', taskId: 't1', output: 'ok' }]).state;
    const change = apply(state, [{ type: 'close', status: 'completed' }]);
    expect(statuses(change.state.board)).toEqual(['t1:done', 't2:cancelled', 't3:cancelled']);
    expect(change.state.board.runs.map((r) => [r.id, r.state])).toEqual([['r1', { status: 'succeeded', endedAt: T }], ['r2', { status: 'cancelled', endedAt: T }]]);
  });
});

describe('retry', () => {
  const ended = (fail: string[]): JobState => {
    let state = apply(started([task('t1', 0), task('t2', 0), task('t3', 0), task('t4', 1)], { mode: 'interactive', keepGoing: true }), [{ type: 'startPhase', taskId: 't1' }, { type: 'startTask', taskId: 't2', worker: 1 }, { type: 'startTask', taskId: 't3', worker: 2 }]).state;
    for (const id of ['t1', 't2', 't3']) state = apply(state, [fail.includes(id) ? { type: 'failTask', taskId: id, error: 'no' } : { type: 'completeTask', taskId: id, output: 'ok' }]).state;
    expect(state.job.status).toBe('awaiting_approval');
    return state;
  };

  it('a phase some of whose tasks failed runs those again, keeping the done ones', () => {
    const change = apply(ended(['t2']), [{ type: 'retry', feedback: null }]);
    expect(statuses(change.state.board)).toEqual(['t1:done', 't2:todo', 't3:done', 't4:todo']);
    expect(change.records.map((r) => (r.kind === 'task' ? r.task.id : r.run.id))).toEqual(['t2']);
  });

  it('a phase whose tasks all failed, or all succeeded, runs them all again', () => {
    expect(statuses(apply(ended(['t1', 't2', 't3']), [{ type: 'retry', feedback: null }]).state.board)).toEqual(['t1:todo', 't2:todo', 't3:todo', 't4:todo']);
    expect(statuses(apply(ended([]), [{ type: 'retry', feedback: null }]).state.board)).toEqual(['t1:todo', 't2:todo', 't3:todo', 't4:todo']);
  });
});

describe('resume without a plan made beforehand', () => {
  // keepGoing, interrupted: a failed task runs again only when the resume retries failures.
  const interrupted = (): JobState => {
    let state = apply(started([task('t1', 0), task('t2', 0), task('t3', 0), task('t4', 1)], { keepGoing: true }), [{ type: 'startPhase', taskId: 't1' }, { type: 'startTask', taskId: 't2', worker: 1 }, { type: 'startTask', taskId: 't3', worker: 2 }]).state;
    state = apply(state, [{ type: 'failTask', taskId: 't1', error: 'no' }, { type: 'completeTask', taskId: 't2', output: 'ok' }, { type: 'interrupt', reason: 'gone' }]).state;
    expect(statuses(state.board)).toEqual(['t1:failed', 't2:done', 't3:todo', 't4:todo']);
    return state;
  };

  it('plans it from the board: what was cut off runs again; failed tasks only with retryFailed', () => {
    const state = interrupted();
    const resumed = (retryFailed?: boolean) => {
      const action: JobAction = { type: 'resume', mode: 'background', ...(retryFailed === undefined ? {} : { retryFailed }) };
      return transitionTasks(state.board, state.job, transitionJob(state.job, action, T).job, action, T);
    };
    expect(statuses(resumed().board)).toEqual(['t1:failed', 't2:done', 't3:todo', 't4:todo']);
    expect(resumed(false).changed).toEqual([]);
    expect(statuses(resumed(true).board)).toEqual(['t1:todo', 't2:done', 't3:todo', 't4:todo']);
  });

  it('a plan naming a task the board does not have, or one waiting already, changes nothing', () => {
    const state = interrupted();
    const action: JobAction = { type: 'resume', mode: 'background', plan: { taskIds: ['t9', 't3'], phases: [0] } };
    const change = transitionTasks(state.board, state.job, transitionJob(state.job, action, T).job, action, T);
    expect(change.changed).toEqual([]);
    expect(change.board).toBe(state.board);
  });
});

describe('planned and added tasks', () => {
  const plan = (title: string, dependsOn: string[] = [], claims: string[] = []) => ({ title, input: `run ${title}`, dependsOn, claims });

  it('a plan replaces the next phase\'s placeholder: new ids, dependencies by title, the claims given', () => {
    const state = apply(started([task('t1', 0), task('t2', 1)]), [{ type: 'startPhase' }]).state;
    const change = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'ok', plannedTasks: [plan('x', [], ['src/x/**']), plan('y', ['x']), plan('z', ['y'])] }]);
    expect(change.state.board.tasks.slice(1)).toEqual([
      { id: 't3', phase: 1, title: 'x', input: 'run x', status: 'todo', dependsOn: [], claims: ['src/x/**'], attempts: 0, result: null, filesModified: [], isPlanned: true },
      { id: 't4', phase: 1, title: 'y', input: 'run y', status: 'todo', dependsOn: ['t3'], claims: [], attempts: 0, result: null, filesModified: [], isPlanned: true },
      { id: 't5', phase: 1, title: 'z', input: 'run z', status: 'todo', dependsOn: ['t4'], claims: [], attempts: 0, result: null, filesModified: [], isPlanned: true },
    ]);
  });

  it('a plan never replaces a next phase that ran, or whose tasks no longer wait', () => {
    for (const placeholder of [task('t2', 1, { attempts: 1, status: 'failed' }), task('t2', 1, { status: 'cancelled' })]) {
      const state = apply(started([task('t1', 0), placeholder]), [{ type: 'startPhase' }]).state;
      const change = apply(state, [{ type: 'completeTask', taskId: 't1', output: 'ok', plannedTasks: [plan('x')] }]);
      expect(ids(change.state.board.tasks)).toEqual(['t1', 't2']);
    }
  });

  it('added tasks go after the current phase\'s last task, numbered after the highest, depending by title or by id', () => {
    const state = apply(started([task('t1', 0), task('t5', 0), task('t2', 1)], {}, ['a', 'b']), [{ type: 'startPhase', taskId: 't1' }]).state;
    const change = apply(state, [{ type: 'addTasks', tasks: [plan('p'), plan('q', ['p', 't1']), plan('r', ['q', 'nothing'])] }]);
    expect(change.state.board.tasks.map((t) => [t.id, t.phase, t.status, t.dependsOn, t.filesModified])).toEqual([
      ['t1', 0, 'claimed', [], []], ['t5', 0, 'todo', [], []],
      ['t6', 0, 'todo', [], []], ['t7', 0, 'todo', ['t6', 't1'], []], ['t8', 0, 'todo', ['t7'], []],
      ['t2', 1, 'todo', [], []],
    ]);
  });

  it('added to a board without tasks, they are its first', () => {
    const state = applyActions({ job: newJob({ agent: 'external' }, ['work']), board: { tasks: [], runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: null }], T0).state;
    expect(ids(apply(state, [{ type: 'addTasks', tasks: [plan('p')] }]).state.board.tasks)).toEqual(['t1']);
  });
});

describe('boards a journal can leave', () => {
  it('runs left open close in the board\'s order, each once', () => {
    // Two open runs of t1 (a start written twice): the later one is t1's open run.
    const state = started([task('t1', 0, { status: 'claimed', attempts: 2 }), task('t2', 0, { status: 'claimed', attempts: 1 }), task('t3', 1)]);
    const board: TaskBoard = { tasks: state.board.tasks, runs: [run('r1', 't1'), run('r2', 't2'), run('r3', 't1', { attempt: 2 })] };
    const change = transitionTasks(board, state.job, transitionJob(state.job, { type: 'cancel' }, T).job, { type: 'cancel' }, T);
    expect(ids(change.changed)).toEqual(['t1', 't2', 't3', 'r2', 'r3']);
  });

  it('a run open for a task the board does not have closes without ending a task', () => {
    const state = apply(started([task('t1', 0), task('t2', 1)]), [{ type: 'startPhase' }]).state;
    const board: TaskBoard = { tasks: state.board.tasks, runs: [...state.board.runs, run('r2', 't9')] };
    for (const action of [{ type: 'completePhase', output: 'ok' }, { type: 'interrupt', reason: 'gone' }] as JobAction[]) {
      const change = transitionTasks(board, state.job, transitionJob(state.job, action, T).job, action, T);
      expect(ids(change.changed)).toEqual(['t1', 'r1', 'r2']);
    }
  });

  it('an interruption leaves a task that had ended as it was, closing its run', () => {
    const state = started([task('t1', 0, { status: 'done', attempts: 1 }), task('t2', 1)]);
    const board: TaskBoard = { tasks: state.board.tasks, runs: [run('r1', 't1')] };
    const change = transitionTasks(board, state.job, transitionJob(state.job, { type: 'interrupt', reason: 'gone' }, T).job, { type: 'interrupt', reason: 'gone' }, T);
    expect(ids(change.changed)).toEqual(['r1']);
    expect(statuses(change.board)).toEqual(['t1:done', 't2:todo']);
  });

  it('a task already waiting is no change to a retry or a reopen', () => {
    const job = transitionJob(transitionJob(newJob({ mode: 'interactive' }), { type: 'start' }, T0).job, { type: 'startPhase', taskId: null }, T0).job;
    const waiting = transitionJob(job, { type: 'completePhase', output: 'ok' }, T0).job;
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'failed', attempts: 1 }), task('t2', 0), task('t3', 1)], runs: [] };
    const retried = transitionTasks(board, waiting, transitionJob(waiting, { type: 'retry', feedback: null }, T).job, { type: 'retry', feedback: null }, T);
    expect(ids(retried.changed)).toEqual(['t1']);
    const completed: Job = { ...waiting, status: 'completed', currentPhase: 1, phases: waiting.phases.map((p) => ({ ...p, status: 'completed' })) };
    const done: TaskBoard = { tasks: [task('t1', 0, { status: 'done' }), task('t2', 1, { status: 'done' }), task('t3', 1)], runs: [] };
    const action: JobAction = { type: 'reopen', phase: 'b', feedback: null };
    expect(ids(transitionTasks(done, completed, transitionJob(completed, action, T).job, action, T).changed)).toEqual(['t2']);
  });

  it('a retry of a phase without tasks changes nothing', () => {
    const job = transitionJob(transitionJob(newJob({ mode: 'interactive' }), { type: 'start' }, T0).job, { type: 'startPhase', taskId: null }, T0).job;
    const waiting = transitionJob(job, { type: 'completePhase', output: 'ok' }, T0).job;
    const board: TaskBoard = { tasks: [task('t2', 1)], runs: [] };
    const change = transitionTasks(board, waiting, transitionJob(waiting, { type: 'retry', feedback: null }, T).job, { type: 'retry', feedback: null }, T);
    expect(change.changed).toEqual([]);
    expect(change.board).toBe(board);
  });
});
