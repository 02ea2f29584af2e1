// The model of tasks and runs: every job action's effect on the board, run by run, and the
// records each change leaves to append (only what changed, stamped with the job's eventSeq).
import { describe, expect, it } from 'vitest';
import { applyActions, recordBoard, type JobState } from '../../../src/jobs/model/job-state.js';
import { createInputTasks, createPhaseTasks, formatWorkerName, type TaskBoard } from '../../../src/jobs/model/task.js';
import { foldTaskRecords, hasRecordsBeyond, settleBoard } from '../../../src/jobs/model/task-history.js';
import { summarize, TASK_RESULT_CHARS } from '../../../src/jobs/model/task-transitions.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

const T1 = '2026-11-22T10:01:00.000Z';
const T2 = '2026-11-22T10:02:00.000Z';

function newState(mode: 'interactive' | 'background' = 'interactive'): JobState {
  const job = makeJob({ mode });
  return { job, board: { tasks: createPhaseTasks(job.phases.map((phase) => phase.name), job.description), runs: [] } };
}

function run(state: JobState, actions: JobAction[], now = T1) {
  return applyActions(state, actions, now);
}

const started = (state = newState()) => run(state, [{ type: 'start' }, { type: 'startPhase' }]).state;

describe('tasks and runs follow the job', () => {
  it('gives a new job one task per phase, each waiting, with the prompt as input', () => {
    const { board } = newState();
    expect(board.tasks.map((task) => [task.id, task.phase, task.title, task.status, task.input])).toEqual([
      ['t1', 0, 'analyze', 'todo', 'add auth'],
      ['t2', 1, 'plan', 'todo', 'add auth'],
      ['t3', 2, 'implement', 'todo', 'add auth'],
    ]);
    expect(board.runs).toEqual([]);
  });

  it('opens a run when a phase starts: the task is claimed by the job worker, named agent[id-0]', () => {
    const change = run(newState(), [{ type: 'start' }, { type: 'startPhase' }]);
    const [task] = change.state.board.tasks;
    expect(task).toMatchObject({ id: 't1', status: 'claimed', attempts: 1 });
    expect(change.state.board.runs).toEqual([{
      id: 'r1', taskId: 't1', attempt: 1, worker: 'build[abcd-0]', startedAt: T1, state: { status: 'running' },
      output: { file: 'output.log', section: 'phase 1/3 analyze · attempt 1' },
    }]);
    // Only what changed is recorded, stamped with the job's eventSeq after the change.
    expect(change.records.map((record) => [record.kind, record.seq])).toEqual([['task', 2], ['run', 2]]);
    expect(change.state.job.eventSeq).toBe(2);
  });

  it('closes the run when the phase completes, with the result and the files it changed', () => {
    const changes = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'src/a.ts', added: 1, removed: 0 }], moreFiles: 0 };
    const { state, records } = run(started(), [{ type: 'completePhase', output: 'found  three\nfiles', changes }], T2);
    expect(state.board.runs[0]!.state).toEqual({ status: 'succeeded', endedAt: T2 });
    expect(state.board.tasks[0]).toMatchObject({ status: 'done', result: 'found three files', filesModified: ['src/a.ts'] });
    expect(records).toHaveLength(2);
  });

  it('closes the run as failed with its error, and fails the task', () => {
    const { state } = run(started(), [{ type: 'failPhase', error: 'exit code 3' }], T2);
    expect(state.board.runs[0]!.state).toEqual({ status: 'failed', endedAt: T2, error: 'exit code 3' });
    expect(state.board.tasks[0]).toMatchObject({ status: 'failed', result: 'exit code 3' });
  });

  it('keeps every run of a retried phase: a retry opens a new run, attempt 2, and the first stays', () => {
    let state = run(started(), [{ type: 'completePhase', output: 'first' }]).state;
    state = run(state, [{ type: 'retry', feedback: 'again' }]).state;
    expect(state.board.tasks[0]!.status).toBe('todo');
    state = run(state, [{ type: 'start' }, { type: 'startPhase' }], T2).state;
    expect(state.board.runs.map((r) => [r.id, r.taskId, r.attempt, r.state.status, r.output.section])).toEqual([
      ['r1', 't1', 1, 'succeeded', 'phase 1/3 analyze · attempt 1'],
      ['r2', 't1', 2, 'running', 'phase 1/3 analyze · attempt 2'],
    ]);
    expect(state.board.tasks[0]).toMatchObject({ status: 'claimed', attempts: 2 });
  });

  it('moves to the next phase\'s task after an approval', () => {
    let state = run(started(), [{ type: 'completePhase', output: 'ok' }]).state;
    state = run(state, [{ type: 'approve' }, { type: 'start' }, { type: 'startPhase' }]).state;
    expect(state.board.tasks.map((task) => task.status)).toEqual(['done', 'claimed', 'todo']);
    expect(state.board.runs.map((r) => r.taskId)).toEqual(['t1', 't2']);
  });

  it('cancels the open run and every task not ended; a resume puts them back to todo', () => {
    const cancelled = run(started(), [{ type: 'cancel' }], T2).state;
    expect(cancelled.board.runs[0]!.state).toEqual({ status: 'cancelled', endedAt: T2 });
    expect(cancelled.board.tasks.map((task) => task.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const resumed = run(cancelled, [{ type: 'resume', mode: 'interactive' }]).state;
    expect(resumed.board.tasks.map((task) => task.status)).toEqual(['todo', 'todo', 'todo']);
    expect(resumed.board.runs).toHaveLength(1); // history stays
  });

  it('closes the open run as interrupted with the reason; the task waits again', () => {
    const { state } = run(started(), [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }], T2);
    expect(state.board.runs[0]!.state).toEqual({ status: 'interrupted', endedAt: T2, reason: 'Interrupted: jobline exited' });
    expect(state.board.tasks[0]!.status).toBe('todo');
  });

  it('leaves a completed, unapproved task done when an interactive resume asks again', () => {
    let state = run(started(), [{ type: 'completePhase', output: 'ok' }]).state;
    state = run(state, [{ type: 'interrupt', reason: 'gone' }]).state;
    state = run(state, [{ type: 'resume', mode: 'interactive' }]).state;
    expect(state.job.status).toBe('awaiting_approval');
    expect(state.board.tasks.map((task) => task.status)).toEqual(['done', 'todo', 'todo']);
  });

  it('records nothing for actions that do not touch tasks (start, approve, progress)', () => {
    expect(run(newState(), [{ type: 'start' }]).records).toEqual([]);
    expect(run(started(), [{ type: 'reportProgress', progress: { round: 2 } }]).records).toEqual([]);
  });

  it('changes nothing when an illegal action throws', () => {
    const state = newState();
    expect(() => run(state, [{ type: 'completePhase', output: null }])).toThrow(/Cannot completePhase/);
    expect(state.board.tasks[0]!.status).toBe('todo');
  });

  it('skips a task whose dependencies are not done, and starts none when none is runnable', () => {
    const state = newState();
    const board: TaskBoard = { ...state.board, tasks: [{ ...state.board.tasks[0]!, dependsOn: ['t3'] }, ...state.board.tasks.slice(1)] };
    const change = run({ ...state, board }, [{ type: 'start' }, { type: 'startPhase' }]);
    expect(change.state.board.runs).toEqual([]);
    expect(change.records).toEqual([]);
  });
});

describe('reading the board back', () => {
  it('folds records to the latest of each, and applies a journal a crash cut short as it says: ends happened, starts did not', () => {
    const first = run(newState(), [{ type: 'start' }, { type: 'startPhase' }]);
    const second = run(first.state, [{ type: 'completePhase', output: 'ok' }]);
    const records = [...recordBoard(newState().board, 0), ...first.records, ...second.records];
    expect(foldTaskRecords(second.state.job, records)).toEqual(second.state.board);
    // job.json still at the first change: the second's end is in the journal, so it happened.
    const ended = foldTaskRecords(first.state.job, records);
    expect(ended.tasks[0]).toMatchObject({ status: 'done', result: 'ok' });
    expect(ended.runs[0]!.state).toMatchObject({ status: 'succeeded' });
    expect(hasRecordsBeyond(first.state.job, records)).toBe(true);
    expect(hasRecordsBeyond(second.state.job, records)).toBe(false);
    // job.json still at the creation: the start's write never landed, so its run never started.
    const created = newState();
    const unstarted = foldTaskRecords(created.job, [...recordBoard(created.board, 0), ...first.records]);
    expect(unstarted.runs).toEqual([]);
    expect(unstarted.tasks[0]).toMatchObject({ status: 'todo', attempts: 0 });
  });

  it('a journal beyond job.json that restates a claim keeps it; a new attempt it claimed waits again', () => {
    const job = makeJob({ mode: 'background', workers: 2, retries: 1 }, ['run']);
    const tasks = createInputTasks(['run'], ['a', 'b']);
    const started = run({ job, board: { tasks, runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }]);
    // One write, cut short: t1 failed and was claimed again (attempt 2), t2 restated as claimed.
    const cut = run(started.state, [{ type: 'failTask', taskId: 't1', error: 'exit 1' }, { type: 'startTask', taskId: 't1', worker: 0 }]);
    const records = [...recordBoard(started.state.board, started.state.job.eventSeq), ...cut.records, { kind: 'task' as const, seq: cut.state.job.eventSeq, task: started.state.board.tasks[1]! }];
    const board = foldTaskRecords(started.state.job, records);
    expect(board.tasks.map((task) => [task.id, task.status, task.attempts])).toEqual([['t1', 'todo', 1], ['t2', 'claimed', 1]]);
    expect(board.runs.map((r) => [r.id, r.state.status])).toEqual([['r1', 'failed'], ['r2', 'running']]);
  });

  it('shows a run left open on a job that is not running as interrupted at its last activity', () => {
    const state = started();
    const job = { ...state.job, status: 'interrupted' as const, endedAt: T2, error: 'Interrupted: the jobline process that ran it is gone' };
    const board = settleBoard(job, state.board);
    expect(board.runs[0]!.state).toEqual({ status: 'interrupted', endedAt: T2, reason: job.error });
    expect(board.tasks[0]!.status).toBe('todo');
    expect(settleBoard(state.job, state.board)).toBe(state.board); // running: as it is
  });
});

describe('names and summaries', () => {
  it('names a job worker after its agent and the first 4 characters of the id suffix', () => {
    expect(formatWorkerName('build', 'job-ab12cd34', 0)).toBe('build[ab12-0]');
    expect(formatWorkerName('sh', 'job-zz990000', 3)).toBe('sh[zz99-3]');
  });

  it('summarizes a result on one line, cut at TASK_RESULT_CHARS', () => {
    expect(summarize(null)).toBeNull();
    expect(summarize(' a\n\n b ')).toBe('a b');
    const long = summarize('x'.repeat(TASK_RESULT_CHARS + 5))!;
    expect(long).toHaveLength(TASK_RESULT_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(summarize('y'.repeat(TASK_RESULT_CHARS))).toBe('y'.repeat(TASK_RESULT_CHARS));
  });

  it('uses FIXED_NOW for new jobs (sanity of the helper)', () => {
    expect(newState().job.createdAt).toBe(FIXED_NOW);
  });
});
