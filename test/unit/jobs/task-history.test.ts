// Rebuilding the tasks and runs of a job written before they existed (schemaVersion 1), from its
// phases and its events log: the real files of the previous release, and the edge cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getLastRecordedActivity, isActiveStatus, isTerminalStatus, isUnfinishedStatus, numberEvents, type Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { getEndedLimits } from '../../../src/jobs/model/storage-limits.js';
import { isTaskEnded, type Task } from '../../../src/jobs/model/task.js';
import { deriveBoardFromHistory, settleBoard } from '../../../src/jobs/model/task-history.js';
import { parseJobFile } from '../../../src/store/job-file.js';
import { makeJob } from '../../helpers/jobs.js';

function fixture(id: string): { job: Job; events: JobEvent[] } {
  const dir = new URL(`../../fixtures/jobs-v1/${id}/`, import.meta.url);
  const job = parseJobFile(readFileSync(new URL('job.json', dir), 'utf8'), id);
  const events = readFileSync(new URL('events.jsonl', dir), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as JobEvent);
  return { job, events };
}

const summary = (board: ReturnType<typeof deriveBoardFromHistory>) => ({
  tasks: board.tasks.map((t) => [t.id, t.title, t.status, t.attempts]),
  runs: board.runs.map((r) => [r.id, r.taskId, r.attempt, r.state.status, r.output.section]),
});

describe('rebuilding tasks and runs from a version-1 job', () => {
  it('recovers every attempt of a retried phase from the log, though job.json kept only the last', () => {
    const { job, events } = fixture('job-35dwp9ah');
    expect(job.schemaVersion).toBe(2); // migrated as read
    const board = deriveBoardFromHistory(job, events);
    expect(summary(board)).toEqual({
      tasks: [['t1', 'analyze', 'done', 1], ['t2', 'plan', 'done', 2], ['t3', 'deliver', 'done', 1]],
      runs: [
        ['r1', 't1', 1, 'succeeded', 'phase 1/3 analyze · attempt 1'],
        ['r2', 't2', 1, 'succeeded', 'phase 2/3 plan · attempt 1'],
        ['r3', 't2', 2, 'succeeded', 'phase 2/3 plan · attempt 2'],
        ['r4', 't3', 1, 'succeeded', 'phase 3/3 deliver · attempt 1'],
      ],
    });
    expect(board.runs.every((run) => run.worker === 'three[35dw-0]' && run.output.file === 'output.log')).toBe(true);
    expect(board.tasks[1]).toMatchObject({ input: 'retry me', result: 'planning', dependsOn: [], claims: [] });
    const started = events.find((event) => event.type === 'phase_started')!;
    expect(board.runs[0]!.startedAt).toBe(started.ts);
  });

  it('records a failure with its error, and the phases never reached as waiting tasks', () => {
    const { job, events } = fixture('job-vwl3x00o');
    const board = deriveBoardFromHistory(job, events);
    expect(board.runs.map((r) => r.state)).toEqual([{ status: 'failed', endedAt: job.phases[0]!.endedAt, error: '`echo out; exit 3` exited with code 3' }]);
    expect(board.tasks[0]).toMatchObject({ status: 'failed', result: '`echo out; exit 3` exited with code 3' });
    const waiting = deriveBoardFromHistory(fixture('job-esy9r0pj').job, fixture('job-esy9r0pj').events);
    expect(waiting.tasks.map((t) => t.status)).toEqual(['done', 'todo', 'todo']);
  });

  it('closes runs by the events that ended them: cancelled, interrupted', () => {
    const job = makeJob({ status: 'cancelled', endedAt: '2026-11-22T10:03:00.000Z' }, ['a', 'b']);
    const events: JobEvent[] = [
      { ts: '2026-11-22T10:01:00.000Z', type: 'phase_started', phase: 'a', attempt: 1 },
      { ts: '2026-11-22T10:02:00.000Z', type: 'interrupted', reason: 'jobline exited' },
      { ts: '2026-11-22T10:02:30.000Z', type: 'phase_started', phase: 'a', attempt: 2 },
      { ts: '2026-11-22T10:03:00.000Z', type: 'cancelled' },
      { ts: '2026-11-22T10:03:01.000Z', type: 'phase_started', phase: 'nosuch', attempt: 1 },
    ];
    const board = deriveBoardFromHistory({ ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, status: 'cancelled', attempts: 2 } : p)) }, events);
    expect(board.runs.map((r) => [r.attempt, r.state])).toEqual([
      [1, { status: 'interrupted', endedAt: '2026-11-22T10:02:00.000Z', reason: 'jobline exited' }],
      [2, { status: 'cancelled', endedAt: '2026-11-22T10:03:00.000Z' }],
    ]);
    // A cancelled job's tasks that had not ended are cancelled.
    expect(board.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('without a log, gives each started phase one run, its last attempt', () => {
    const base = makeJob({ status: 'failed', endedAt: '2026-11-22T10:09:00.000Z' }, ['a', 'b', 'c', 'd']);
    const phases = [
      { ...base.phases[0]!, status: 'completed' as const, attempts: 2, startedAt: '2026-11-22T10:01:00.000Z', endedAt: '2026-11-22T10:02:00.000Z', output: 'ok' },
      { ...base.phases[1]!, status: 'cancelled' as const, attempts: 1, startedAt: '2026-11-22T10:03:00.000Z', endedAt: null },
      { ...base.phases[2]!, status: 'failed' as const, attempts: 1, startedAt: '2026-11-22T10:04:00.000Z', endedAt: '2026-11-22T10:05:00.000Z', error: null },
      base.phases[3]!,
    ];
    const board = deriveBoardFromHistory({ ...base, phases }, []);
    expect(board.runs.map((r) => [r.taskId, r.attempt, r.state])).toEqual([
      ['t1', 2, { status: 'succeeded', endedAt: '2026-11-22T10:02:00.000Z' }],
      ['t2', 1, { status: 'cancelled', endedAt: '2026-11-22T10:03:00.000Z' }],
      ['t3', 1, { status: 'failed', endedAt: '2026-11-22T10:05:00.000Z', error: 'failed' }],
    ]);
    expect(board.tasks.map((t) => t.status)).toEqual(['done', 'todo', 'failed', 'todo']);
  });

  it('shows a run its jobline died in as interrupted, and a cancelled job\'s claimed task as cancelled', () => {
    const { job, events } = fixture('job-i4b09255');
    const stillRunning = deriveBoardFromHistory(job, events);
    expect(stillRunning.runs[0]!.state.status).toBe('running'); // the job still says running
    const gone = { ...job, status: 'interrupted' as const, endedAt: null, error: null };
    expect(settleBoard(gone, stillRunning).runs[0]!.state).toEqual({ status: 'interrupted', endedAt: getLastRecordedActivity(gone), reason: 'jobline stopped' });
    const cancelled = settleBoard({ ...job, status: 'cancelled', endedAt: '2026-12-01T21:00:00.000Z' }, stillRunning);
    expect(cancelled.tasks[0]!.status).toBe('cancelled');
    expect(cancelled.runs[0]!.state).toMatchObject({ status: 'interrupted', endedAt: '2026-12-01T21:00:00.000Z' });
  });
});

describe('a job without task records that is not of version 1', () => {
  it('is an external job made without tasks: its board is empty, not a task for its phase held by nobody', () => {
    const job = makeJob({ agent: 'external', mode: 'background', status: 'running', startedAt: '2026-12-02T10:00:00.000Z' }, ['work']);
    job.phases[0] = { ...job.phases[0]!, status: 'running', attempts: 1, startedAt: '2026-12-02T10:00:00.000Z' };
    expect(deriveBoardFromHistory(job, [{ ts: '2026-12-02T10:00:00.000Z', type: 'phase_started', phase: 'work', attempt: 1, seq: 4 }])).toEqual({ tasks: [], runs: [] });
  });
});

describe('job helpers', () => {
  it('sorts statuses into active, unfinished and terminal', () => {
    expect(['queued', 'running', 'awaiting_approval'].every((s) => isActiveStatus(s as Job['status']))).toBe(true);
    expect(isActiveStatus('failed')).toBe(false);
    expect(['failed', 'cancelled', 'interrupted'].every((s) => isUnfinishedStatus(s as Job['status']))).toBe(true);
    expect(isUnfinishedStatus('completed')).toBe(false);
    expect(isTerminalStatus('completed')).toBe(true);
    expect(isTerminalStatus('interrupted')).toBe(true);
    expect(isTerminalStatus('running')).toBe(false);
  });

  it('numbers events after the job\'s last one, and knows its last recorded activity', () => {
    const job = { ...makeJob(), eventSeq: 4 };
    const { job: next, events } = numberEvents<JobEvent>(job, [{ ts: 'a', type: 'queued' }, { ts: 'b', type: 'started' }]);
    expect(events.map((e) => e.seq)).toEqual([5, 6]);
    expect(next.eventSeq).toBe(6);
    expect(numberEvents(job, []).job.eventSeq).toBe(4);
    const phases = job.phases.map((p, i) => (i === 1 ? { ...p, startedAt: '2026-11-22T10:30:00.000Z', endedAt: '2026-11-22T10:40:00.000Z' } : p));
    expect(getLastRecordedActivity({ ...job, phases })).toBe('2026-11-22T10:40:00.000Z');
    expect(getLastRecordedActivity({ ...job, phases }, '2026-11-22T11:00:00.000Z')).toBe('2026-11-22T11:00:00.000Z');
    expect(getLastRecordedActivity(job, '2026-11-22T09:00:00.000Z')).toBe(job.createdAt);
  });

  it('says which tasks have ended, and which limits the storage policy sets', () => {
    const task = (status: Task['status']) => ({ status }) as Task;
    expect(['done', 'failed', 'cancelled'].map((s) => isTaskEnded(task(s as Task['status'])))).toEqual([true, true, true]);
    expect(['todo', 'claimed'].map((s) => isTaskEnded(task(s as Task['status'])))).toEqual([false, false]);
    expect(getEndedLimits({ keepTempFiles: false, maxUnfinishedJobs: 5, maxCompletedJobs: 7 })).toEqual({ unfinished: 5, completed: 7 });
    expect(getEndedLimits({ keepTempFiles: true, maxUnfinishedJobs: 5, maxCompletedJobs: 7 })).toEqual({ unfinished: 5, completed: Infinity });
  });
});
