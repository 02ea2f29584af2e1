// Reading a job's tasks and runs back when tasks.jsonl lags job.json (a power loss takes the
// records written since its last fsync): what /tasks and `show` say after a crash. Pure.
import { describe, expect, it } from 'vitest';
import type { Job, PhaseState } from '../../../src/jobs/model/job.js';
import type { Run, Task, TaskBoard, TaskRecord } from '../../../src/jobs/model/task.js';
import { foldTaskRecords, settleBoard } from '../../../src/jobs/model/task-history.js';
import { makeJob } from '../../helpers/jobs.js';

const CREATED = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:01:00.000Z';
const T2 = '2026-11-22T10:02:00.000Z';
const T3 = '2026-11-22T10:03:00.000Z';

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: 'x', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}

function phase(name: string, extra: Partial<PhaseState> = {}): PhaseState {
  return { name, status: 'pending', attempts: 0, startedAt: null, endedAt: null, output: null, error: null, changes: null, ...extra };
}

const records = (tasks: Task[], runs: Run[] = []): TaskRecord[] => [...tasks.map((t): TaskRecord => ({ kind: 'task', seq: 1, task: t })), ...runs.map((r): TaskRecord => ({ kind: 'run', seq: 1, run: r }))];
const shown = (board: TaskBoard) => ({
  tasks: board.tasks.map((t) => [t.id, t.status, t.attempts]),
  runs: board.runs.map((r) => [r.id, r.taskId, r.attempt, r.state, r.output.section]),
});

describe('a board read back after its records were lost', () => {
  it('ends the tasks of ended phases as their phases did, and rebuilds each started phase\'s missing run', () => {
    const job: Job = makeJob({ status: 'interrupted', createdAt: CREATED, endedAt: T3, eventSeq: 9, error: 'jobline stopped' }, []);
    job.phases = [
      phase('a', { status: 'completed', attempts: 2, startedAt: T1, endedAt: T2 }),
      phase('b', { status: 'failed', attempts: 1, startedAt: T2, endedAt: null, error: null }),
      phase('c', { status: 'cancelled', attempts: 1, startedAt: T2 }),
      phase('d', { status: 'pending', attempts: 1, startedAt: T2 }), // a retry queued, not started
      phase('e', { status: 'pending' }),
    ];
    // Only the creation's records made it: every task waiting, no run.
    const board = foldTaskRecords(job, records([task('t1', 0), task('t2', 1), task('t3', 2), task('t4', 3), task('t5', 4, { attempts: 3 })]));
    expect(shown(board)).toEqual({
      tasks: [['t1', 'done', 2], ['t2', 'failed', 1], ['t3', 'todo', 1], ['t4', 'todo', 0], ['t5', 'todo', 3]],
      runs: [
        ['r1', 't1', 2, { status: 'succeeded', endedAt: T2 }, 'phase 1/5 a · attempt 2'],
        // No end of its own: the job's end; no error: "failed".
        ['r2', 't2', 1, { status: 'failed', endedAt: T3, error: 'failed' }, 'phase 2/5 b · attempt 1'],
        ['r3', 't3', 1, { status: 'cancelled', endedAt: T3 }, 'phase 3/5 c · attempt 1'],
      ],
    });
    expect(board.runs.every((run) => run.worker === 'build[abcd-0]' && run.output.file === 'output.log')).toBe(true);
  });

  it('ends a run it has as its phase ended, keeps a task\'s higher attempt count, and reads the creation time when nothing ended', () => {
    const job: Job = makeJob({ status: 'running', createdAt: CREATED, endedAt: null, eventSeq: 9 }, []);
    job.phases = [phase('a', { status: 'completed', attempts: 1, startedAt: T1, endedAt: null }), phase('b', { status: 'running', attempts: 1, startedAt: T2 })];
    const open: Run = { id: 'r1', taskId: 't1', attempt: 1, worker: 'build[abcd-0]', startedAt: T1, state: { status: 'running' }, output: { file: 'output.log', section: 'phase 1/2 a · attempt 1' } };
    const board = foldTaskRecords(job, records([task('t1', 0, { status: 'claimed', attempts: 1 }), task('t2', 1, { attempts: 4 })], [open]));
    expect(shown(board)).toEqual({
      tasks: [['t1', 'done', 1], ['t2', 'todo', 4]],
      runs: [
        ['r1', 't1', 1, { status: 'succeeded', endedAt: CREATED }, 'phase 1/2 a · attempt 1'],
        ['r2', 't2', 1, { status: 'running' }, 'phase 2/2 b · attempt 1'],
      ],
    });
  });

  it('leaves a board that agrees with job.json as it is', () => {
    const job: Job = makeJob({ status: 'running', eventSeq: 9 }, []);
    job.phases = [phase('a', { status: 'running', attempts: 1, startedAt: T1 })];
    const open: Run = { id: 'r1', taskId: 't1', attempt: 1, worker: 'build[abcd-0]', startedAt: T1, state: { status: 'running' }, output: { file: 'output.log', section: 'phase 1/1 a · attempt 1' } };
    const tasks = [task('t1', 0, { status: 'claimed', attempts: 1 })];
    const board = foldTaskRecords(job, records(tasks, [open]));
    expect(board.tasks).toEqual(tasks);
    expect(board.runs).toEqual([open]);
  });

  it('in a phase of several tasks, keeps a task not run as not run, and rebuilds no run job.json does not describe', () => {
    const job: Job = makeJob({ status: 'failed', endedAt: T3, eventSeq: 9, error: 'boom' }, []);
    job.phases = [phase('a', { status: 'failed', attempts: 1, startedAt: T1, endedAt: T2, error: 'boom' })];
    const board = foldTaskRecords(job, records([task('t1', 0, { status: 'claimed', attempts: 1 }), task('t2', 0, { status: 'cancelled' }), task('t3', 0, { status: 'done', attempts: 1 })]));
    expect(shown(board)).toEqual({ tasks: [['t1', 'failed', 1], ['t2', 'cancelled', 0], ['t3', 'done', 1]], runs: [] });
    // A phase's only task is its phase: cancelled, it ends as the phase did.
    const single: Job = makeJob({ status: 'completed', endedAt: T3, eventSeq: 9 }, []);
    single.phases = [phase('a', { status: 'completed', attempts: 1, startedAt: T1, endedAt: T2 })];
    expect(shown(foldTaskRecords(single, records([task('t1', 0, { status: 'cancelled', attempts: 1 })]))).tasks).toEqual([['t1', 'done', 1]]);
  });
});

describe('a board whose job stopped running', () => {
  const run = (id: string, taskId: string, state: Run['state']): Run => ({ id, taskId, attempt: 1, worker: 'build[abcd-0]', startedAt: T1, state, output: { file: 'runs/' + id + '.log', section: 's' } });

  it('shows only its open runs as interrupted at the job\'s end, and puts their claimed tasks back', () => {
    const job: Job = makeJob({ status: 'interrupted', endedAt: T3, error: 'owner gone' }, ['a']);
    const board: TaskBoard = {
      tasks: [task('t1', 0, { status: 'claimed', attempts: 1 }), task('t2', 0, { status: 'done', attempts: 1 }), task('t3', 0, { status: 'failed', attempts: 1 })],
      runs: [run('r1', 't1', { status: 'running' }), run('r2', 't2', { status: 'succeeded', endedAt: T2 }), run('r3', 't3', { status: 'running' })],
    };
    const settled = settleBoard(job, board);
    expect(settled.runs.map((r) => r.state)).toEqual([{ status: 'interrupted', endedAt: T3, reason: 'owner gone' }, { status: 'succeeded', endedAt: T2 }, { status: 'interrupted', endedAt: T3, reason: 'owner gone' }]);
    // Only a claimed task waits again; one that ended keeps its end.
    expect(settled.tasks.map((t) => t.status)).toEqual(['todo', 'done', 'failed']);
    // A cancelled job's claimed task is cancelled; with no error the reason is that jobline stopped.
    const cancelled = settleBoard(makeJob({ status: 'cancelled', endedAt: T3, error: null }, ['a']), board);
    expect(cancelled.tasks.map((t) => t.status)).toEqual(['cancelled', 'done', 'failed']);
    expect(cancelled.runs[0]!.state).toEqual({ status: 'interrupted', endedAt: T3, reason: 'jobline stopped' });
    // A running job's board, or one without open runs, is left as it is.
    expect(settleBoard(makeJob({ status: 'running' }, ['a']), board)).toBe(board);
    const ended = { tasks: board.tasks, runs: [board.runs[1]!] };
    expect(settleBoard(job, ended)).toBe(ended);
  });
});
