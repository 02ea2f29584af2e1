// The task board's fine print: each change records exactly what it changed, a phase with several
// tasks, and a board that lags job.json after a power loss follows job.json's phases.
import { describe, expect, it } from 'vitest';
import { applyActions, recordBoard, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Job } from '../../../src/jobs/model/job.js';
import { createPhaseTasks, formatPhaseHeader, formatRunSection, formatWorkerName, PHASE_HEADER_PATTERN, type Task, type TaskBoard } from '../../../src/jobs/model/task.js';
import { alignWithPhases, foldTaskRecords } from '../../../src/jobs/model/task-history.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { makeJob } from '../../helpers/jobs.js';

const T = '2026-11-22T10:05:00.000Z';
const T2 = '2026-11-22T10:06:00.000Z';

function stateOf(job: Job, tasks?: Task[]): JobState {
  return { job, board: { tasks: tasks ?? createPhaseTasks(job.phases.map((p) => p.name), job.description), runs: [] } };
}
const apply = (state: JobState, actions: JobAction[], now = T) => applyActions(state, actions, now);
const ids = (records: ReturnType<typeof apply>['records']) => records.map((r) => (r.kind === 'task' ? `${r.task.id}:${r.task.status}` : `${r.run.id}:${r.run.state.status}`));

describe('the task board', () => {
  it('records exactly the tasks and runs each action changes', () => {
    let state = stateOf(makeJob({}, ['a', 'b', 'c']));
    let change = apply(state, [{ type: 'start' }, { type: 'startPhase' }]);
    expect(ids(change.records)).toEqual(['t1:claimed', 'r1:running']);
    change = apply(change.state, [{ type: 'completePhase', output: 'x' }]);
    expect(ids(change.records)).toEqual(['t1:done', 'r1:succeeded']);
    change = apply(change.state, [{ type: 'retry', feedback: null }]);
    expect(ids(change.records)).toEqual(['t1:todo']); // t2, t3 are todo already: not recorded
    change = apply(change.state, [{ type: 'start' }, { type: 'startPhase' }, { type: 'failPhase', error: 'no' }]);
    expect(ids(change.records)).toEqual(['t1:failed', 'r2:failed']); // each once, as it ended
    change = apply(change.state, [{ type: 'resume', mode: 'background' }]);
    expect(ids(change.records)).toEqual(['t1:todo']);
    change = apply(change.state, [{ type: 'cancel' }]);
    expect(ids(change.records)).toEqual(['t1:cancelled', 't2:cancelled', 't3:cancelled']);
    state = change.state;
    expect(change.records.every((r) => r.seq === state.job.eventSeq)).toBe(true);
    expect(change.events.map((e) => e.seq)).toEqual([state.job.eventSeq]);
  });

  it('puts leading events first and numbers them with the rest', () => {
    const change = applyActions(stateOf(makeJob()), [{ type: 'start' }], T, [{ ts: T, type: 'created' }, { ts: T, type: 'queued' }]);
    expect(change.events.map((e) => [e.seq, e.type])).toEqual([[1, 'created'], [2, 'queued'], [3, 'started']]);
  });

  it('runs a phase\'s tasks in order, each once its dependencies are done', () => {
    const job = makeJob({ mode: 'background' }, ['build', 'ship']);
    const tasks: Task[] = [
      { ...createPhaseTasks(['build'], 'p')[0]!, id: 't1', title: 'compile', dependsOn: ['t2'] },
      { ...createPhaseTasks(['build'], 'p')[0]!, id: 't2', title: 'fetch' },
      { ...createPhaseTasks(['ship', 'ship'], 'p')[1]!, id: 't3' },
    ];
    const first = apply(stateOf(job, tasks), [{ type: 'start' }, { type: 'startPhase' }]);
    expect(first.state.board.runs.map((r) => r.taskId)).toEqual(['t2']); // t1 waits for t2
    expect(first.state.board.tasks.map((t) => t.status)).toEqual(['todo', 'claimed', 'todo']);
    expect(first.state.board.runs[0]!.worker).toBe(formatWorkerName('build', job.id, 0));
  });

  it('opens no run when the phase has no task left to run', () => {
    const job = makeJob({}, ['a']);
    const done = { ...createPhaseTasks(['a'], 'p')[0]!, status: 'done' as const };
    const change = apply(stateOf(job, [done]), [{ type: 'start' }, { type: 'startPhase' }]);
    expect(change.state.board.runs).toEqual([]);
    expect(change.records).toEqual([]);
  });

  it('writes a whole board as records stamped with one seq', () => {
    const board: TaskBoard = stateOf(makeJob({}, ['a', 'b'])).board;
    expect(recordBoard(board, 7).map((r) => [r.kind, r.seq])).toEqual([['task', 7], ['task', 7]]);
  });
});

describe('a board behind job.json (power loss)', () => {
  const base = makeJob({ status: 'running', currentPhase: 2, eventSeq: 9 }, ['a', 'b', 'c']);
  const job: Job = {
    ...base,
    phases: [
      { ...base.phases[0]!, status: 'completed', attempts: 1, startedAt: T, endedAt: T2 },
      { ...base.phases[1]!, status: 'failed', attempts: 1, startedAt: T, endedAt: null, error: null },
      { ...base.phases[2]!, status: 'running', attempts: 1, startedAt: T2 },
    ],
  };

  it('ends the tasks and open runs of phases job.json says ended', () => {
    const tasks = createPhaseTasks(['a', 'b', 'c'], 'p').map((t, i) => (i < 2 ? { ...t, status: 'claimed' as const, attempts: 1 } : t));
    const runs = [0, 1].map((i) => ({ id: `r${i + 1}`, taskId: `t${i + 1}`, attempt: 1, worker: 'build[abcd-0]', startedAt: T, state: { status: 'running' as const }, output: { file: 'output.log', section: 's' } }));
    const aligned = alignWithPhases(job, { tasks, runs });
    expect(aligned.tasks.map((t) => t.status)).toEqual(['done', 'failed', 'todo']);
    expect(aligned.runs.map((r) => r.state)).toEqual([
      { status: 'succeeded', endedAt: T2 },
      { status: 'failed', endedAt: base.createdAt, error: 'failed' },
      { status: 'running' }, // phase c's run, whose record was lost, rebuilt from the phase
    ]);
    const untouched = { tasks: aligned.tasks, runs: aligned.runs };
    expect(alignWithPhases(job, untouched)).toBe(untouched); // nothing to do: the same board
    expect(alignWithPhases({ ...job, endedAt: T2 }, { tasks, runs: [] }).tasks[1]!.status).toBe('failed');
  });

  it('rebuilds the run of a phase\'s current attempt whose records were lost, and keeps earlier attempts', () => {
    const ended: Job = {
      ...base,
      status: 'completed',
      endedAt: T2,
      phases: [
        { ...base.phases[0]!, status: 'completed', attempts: 2, startedAt: T, endedAt: T2 },
        { ...base.phases[1]!, status: 'cancelled', attempts: 1, startedAt: T, endedAt: T2 },
        { ...base.phases[2]!, status: 'pending', attempts: 0 },
      ],
    };
    const tasks = createPhaseTasks(['a', 'b', 'c'], 'p');
    const first = { id: 'r1', taskId: 't1', attempt: 1, worker: 'build[abcd-0]', startedAt: T, state: { status: 'failed' as const, endedAt: T, error: 'exit 1' }, output: { file: 'output.log', section: 's' } };
    const aligned = alignWithPhases(ended, { tasks, runs: [first] });
    expect(aligned.runs.map((r) => [r.id, r.taskId, r.attempt, r.state.status])).toEqual([
      ['r1', 't1', 1, 'failed'], // the earlier attempt, as recorded
      ['r2', 't1', 2, 'succeeded'],
      ['r3', 't2', 1, 'cancelled'],
    ]);
    expect(aligned.runs[1]).toMatchObject({ startedAt: T, state: { endedAt: T2 }, output: { section: formatRunSection(0, 3, 'a', 2) } });
    expect(aligned.tasks.map((t) => [t.status, t.attempts])).toEqual([['done', 2], ['todo', 1], ['todo', 0]]);
    expect(alignWithPhases(ended, aligned)).toBe(aligned);
  });

  it('rebuilds the board from job.json when the creation\'s records were lost', () => {
    const onlyRun = [{ kind: 'run' as const, seq: 3, run: { id: 'r1', taskId: 't1', attempt: 1, worker: 'build[abcd-0]', startedAt: T, state: { status: 'running' as const }, output: { file: 'output.log', section: 's' } } }];
    const board = foldTaskRecords(job, onlyRun);
    expect(board.tasks.map((t) => [t.id, t.status])).toEqual([['t1', 'done'], ['t2', 'failed'], ['t3', 'claimed']]);
  });
});

describe('phase headers', () => {
  it('formats the header of a phase attempt in UTC, and recognises headers only', () => {
    const header = formatPhaseHeader({ index: 1, count: 5, name: 'plan', attempt: 2 }, new Date('2026-12-01T17:45:02.123Z'));
    expect(header).toBe('── phase 2/5 plan · attempt 2 · 2026-12-01 17:45:02 UTC ──');
    expect(PHASE_HEADER_PATTERN.test(header)).toBe(true);
    expect(PHASE_HEADER_PATTERN.test(`x${header}`)).toBe(false);
    expect(PHASE_HEADER_PATTERN.test(`${header}x`)).toBe(false);
    expect(PHASE_HEADER_PATTERN.test('── phase 12/15 x · attempt 1 · t ──')).toBe(true);
    expect(PHASE_HEADER_PATTERN.test('── phase a/5 x ──')).toBe(false);
    expect(PHASE_HEADER_PATTERN.test('── phase 1/b x ──')).toBe(false);
    expect(PHASE_HEADER_PATTERN.test('── phase 1/5  ──')).toBe(true);
    expect(formatWorkerName('sh', 'ab12cd34', 1)).toBe('sh[ab12-1]');
    expect(formatWorkerName('sh', 'job-job-1234', 1)).toBe('sh[job--1]');
  });
});
