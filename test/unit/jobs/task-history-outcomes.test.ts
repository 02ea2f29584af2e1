// Reading a board back, case by case: records beyond job.json's eventSeq (a write a crash cut
// short), a board lagging job.json's phases after a power loss, and a version-1 job's runs
// rebuilt from its events or its phases.
import { describe, expect, it } from 'vitest';
import { createJob, type Job, type PhaseState } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { Run, Task, TaskBoard, TaskRecord } from '../../../src/jobs/model/task.js';
import { alignWithPhases, deriveBoardFromHistory, foldTaskRecords } from '../../../src/jobs/model/task-history.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:01:00.000Z';
const T2 = '2026-11-22T10:02:00.000Z';
const T3 = '2026-11-22T10:03:00.000Z';
const OWNER = { pid: 4242, hostname: 'box', processStartedAt: T0 };

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: 'fix it', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}
function run(id: string, taskId: string, extra: Partial<Run> = {}): Run {
  return { id, taskId, attempt: 1, worker: 'build[abcd-0]', startedAt: T1, state: { status: 'running' }, output: { file: 'runs/r1.log', section: 's' }, ...extra };
}
function job(overrides: Partial<Job> = {}, phases: Array<Partial<PhaseState>> = [{}, {}]): Job {
  const base = createJob({ id: 'job-abcd1234', agent: 'build', description: 'fix it', mode: 'background', phaseNames: phases.map((_, i) => `p${i + 1}`), owner: OWNER, now: T0 });
  return { ...base, phases: base.phases.map((p, i) => ({ ...p, ...phases[i] })), ...overrides };
}
const ev = (type: string, ts: string, details: Record<string, unknown> = {}): JobEvent => ({ ts, type, ...details }) as JobEvent;
const runStates = (board: TaskBoard) => board.runs.map((r) => [r.id, r.taskId, r.attempt, r.state]);

describe('foldTaskRecords: a write a crash cut short', () => {
  const running = job({ status: 'running', eventSeq: 3, startedAt: T0 }, [{ status: 'running', attempts: 1, startedAt: T1 }, {}]);

  it('a run that write ended did end, even when its start is not on record', () => {
    const records: TaskRecord[] = [
      { kind: 'task', seq: 1, task: task('t1', 0, { status: 'claimed', attempts: 1 }) },
      { kind: 'task', seq: 1, task: task('t2', 0) },
      { kind: 'task', seq: 1, task: task('t3', 1) },
      { kind: 'run', seq: 4, run: run('r1', 't1', { state: { status: 'succeeded', endedAt: T2 } }) },
      { kind: 'run', seq: 4, run: run('r2', 't2') },
    ];
    expect(runStates(foldTaskRecords(running, records))).toEqual([['r1', 't1', 1, { status: 'succeeded', endedAt: T2 }]]);
  });

  it('a task that write added and claimed waits, never claimed', () => {
    const records: TaskRecord[] = [
      { kind: 'task', seq: 1, task: task('t1', 0, { status: 'claimed', attempts: 1 }) },
      { kind: 'task', seq: 1, task: task('t3', 1) },
      { kind: 'task', seq: 4, task: task('t4', 0, { status: 'claimed', attempts: 1 }) },
    ];
    const board = foldTaskRecords(running, records);
    expect(board.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([['t1', 'claimed', 1], ['t4', 'todo', 0], ['t3', 'todo', 0]]);
  });

  it('a task recorded removed leaves the board', () => {
    const records: TaskRecord[] = [
      { kind: 'task', seq: 1, task: task('t1', 0, { status: 'claimed', attempts: 1 }) },
      { kind: 'task', seq: 1, task: task('t2', 1) },
      { kind: 'task', seq: 2, task: task('t2', 1), removed: true },
      { kind: 'task', seq: 2, task: task('t3', 1) },
      { kind: 'run', seq: 2, run: run('r1', 't1') },
    ];
    const board = foldTaskRecords(running, records);
    expect(board.tasks.map((t) => t.id)).toEqual(['t1', 't3']);
    expect(board.runs.map((r) => r.id)).toEqual(['r1']);
  });
});

describe('alignWithPhases: a board lagging job.json', () => {
  it('a board that agrees with job.json is returned as it is', () => {
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'claimed', attempts: 1 }), task('t2', 1)], runs: [run('r1', 't1')] };
    const running = job({ status: 'running' }, [{ status: 'running', attempts: 1, startedAt: T1 }, {}]);
    expect(alignWithPhases(running, board)).toBe(board);
  });

  it('a running phase\'s lost run is rebuilt, running, and its task counts the attempt', () => {
    const running = job({ status: 'running' }, [{ status: 'running', attempts: 2, startedAt: T1 }, {}]);
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'claimed', attempts: 1 }), task('t2', 1)], runs: [run('r1', 't1', { state: { status: 'failed', endedAt: T1, error: 'x' } })] };
    const aligned = alignWithPhases(running, board);
    expect(aligned.runs[1]).toEqual({ id: 'r2', taskId: 't1', attempt: 2, worker: 'build[abcd-0]', startedAt: T1, state: { status: 'running' }, output: { file: 'output.log', section: 'phase 1/2 p1 · attempt 2' } });
    expect(aligned.tasks.map((t) => [t.id, t.attempts])).toEqual([['t1', 2], ['t2', 0]]);
  });

  it('an interrupted phase\'s lost run is rebuilt interrupted, with the job\'s reason', () => {
    const phases = [{ status: 'interrupted' as const, attempts: 1, startedAt: T1, endedAt: T2 }, {}];
    const board: TaskBoard = { tasks: [task('t1', 0, { attempts: 1 }), task('t2', 1)], runs: [] };
    expect(alignWithPhases(job({ status: 'interrupted', error: 'jobline exited' }, phases), board).runs.map((r) => r.state)).toEqual([{ status: 'interrupted', endedAt: T2, reason: 'jobline exited' }]);
    expect(alignWithPhases(job({ status: 'interrupted' }, phases), board).runs.map((r) => r.state)).toEqual([{ status: 'interrupted', endedAt: T2, reason: 'interrupted' }]);
  });

  it('a phase never started (no attempt) gets no run', () => {
    const board: TaskBoard = { tasks: [task('t1', 0), task('t2', 1)], runs: [] };
    expect(alignWithPhases(job({ status: 'interrupted' }, [{ status: 'interrupted', attempts: 0, startedAt: T1 }, {}]), board)).toBe(board);
  });

  it('a completed phase ends its open run, and a task that had a later run keeps its count', () => {
    const completed = job({ status: 'running', currentPhase: 1 }, [{ status: 'completed', attempts: 1, startedAt: T1, endedAt: T2 }, { status: 'running', attempts: 1, startedAt: T2 }]);
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'claimed', attempts: 3 }), task('t2', 1, { status: 'claimed', attempts: 1 })], runs: [run('r1', 't1', { attempt: 1 }), run('r2', 't2')] };
    const aligned = alignWithPhases(completed, board);
    expect(aligned.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([['t1', 'done', 3], ['t2', 'claimed', 1]]);
    expect(runStates(aligned)).toEqual([['r1', 't1', 1, { status: 'succeeded', endedAt: T2 }], ['r2', 't2', 1, { status: 'running' }]]);
  });
});

describe('deriveBoardFromHistory: a version-1 job', () => {
  it('from its events: a cancel before any phase started closes nothing; later attempts open and close runs', () => {
    const done = job({ status: 'completed' }, [{ status: 'completed', attempts: 1, startedAt: T1, endedAt: T2 }, { status: 'completed', attempts: 1, startedAt: T2, endedAt: T3 }]);
    const events = [ev('cancelled', T0), ev('phase_started', T1, { phase: 'p1', attempt: 1 }), ev('phase_completed', T2, { phase: 'p1' }), ev('cancelled', T2), ev('phase_started', T2, { phase: 'p2' }), ev('phase_completed', T3, { phase: 'p2' })];
    expect(runStates(deriveBoardFromHistory(done, events))).toEqual([
      ['r1', 't1', 1, { status: 'succeeded', endedAt: T2 }],
      ['r2', 't2', 1, { status: 'succeeded', endedAt: T3 }],
    ]);
  });

  it('from its events: an interruption closes the open run at its time, with its reason; other events close nothing', () => {
    const stopped = job({ status: 'interrupted', error: 'gone' }, [{ status: 'interrupted', attempts: 1, startedAt: T1, endedAt: T3 }, {}]);
    const events = [ev('phase_started', T1, { phase: 'p1', attempt: 1 }), ev('approval_requested', T2, { phase: 'p1' }), ev('interrupted', T3, { reason: 'jobline exited' })];
    expect(runStates(deriveBoardFromHistory(stopped, events))).toEqual([['r1', 't1', 1, { status: 'interrupted', endedAt: T3, reason: 'jobline exited' }]]);
    expect(runStates(deriveBoardFromHistory(stopped, [ev('phase_started', T1, { phase: 'p1', attempt: 1 }), ev('interrupted', T3)]))).toEqual([['r1', 't1', 1, { status: 'interrupted', endedAt: T3, reason: 'interrupted' }]]);
  });

  it('without phase starts in its log, from its phases: each started phase\'s last attempt, ended as the phase', () => {
    const events = [ev('created', T0), ev('started', T0)];
    const interrupted = job({ status: 'interrupted', error: 'jobline exited' }, [{ status: 'completed', attempts: 2, startedAt: T1, endedAt: T2 }, { status: 'interrupted', attempts: 1, startedAt: T2, endedAt: T3 }]);
    expect(runStates(deriveBoardFromHistory(interrupted, events))).toEqual([
      ['r1', 't1', 2, { status: 'succeeded', endedAt: T2 }],
      ['r2', 't2', 1, { status: 'interrupted', endedAt: T3, reason: 'jobline exited' }],
    ]);
    const noReason = job({ status: 'interrupted' }, [{ status: 'interrupted', attempts: 1, startedAt: T1, endedAt: T2 }, {}]);
    expect(runStates(deriveBoardFromHistory(noReason, []))).toEqual([['r1', 't1', 1, { status: 'interrupted', endedAt: T2, reason: 'interrupted' }]]);
    const cancelled = job({ status: 'cancelled', endedAt: T3 }, [{ status: 'cancelled', attempts: 1, startedAt: T1, endedAt: T2 }, {}]);
    expect(runStates(deriveBoardFromHistory(cancelled, []))).toEqual([['r1', 't1', 1, { status: 'cancelled', endedAt: T2 }]]);
  });

  it('from its phases: a running phase\'s run stays open while the job runs', () => {
    const running = job({ status: 'running' }, [{ status: 'running', attempts: 1, startedAt: T1 }, {}]);
    expect(runStates(deriveBoardFromHistory(running, []))).toEqual([['r1', 't1', 1, { status: 'running' }]]);
  });
});
