// The job model's small rules, as callers rely on them: lapsed leases, a new job's fields, the
// last activity of a job, and how tasks are made, found and their runs counted as failed.
import { describe, expect, it } from 'vitest';
import { createJob, findLapsedWorkers, getLastRecordedActivity, type Job } from '../../../src/jobs/model/job.js';
import { createJobTasks, createPhaseTasks, findTaskByReference, isFailedRun, type Run, type Task } from '../../../src/jobs/model/task.js';

const T0 = '2026-11-22T10:00:00.000Z';
const OWNER = { pid: 4242, hostname: 'box', processStartedAt: T0 };
const input = { id: 'job-abcd1234', agent: 'build', description: 'fix it', mode: 'background' as const, phaseNames: ['a'], owner: OWNER, now: T0 };

describe('external workers', () => {
  it('a worker\'s lease lapses at its end; a worker without a lease never lapses', () => {
    const worker = (name: string, leaseExpiresAt?: string) => ({ name, agent: 'dev', index: 0, joinedAt: T0, ...(leaseExpiresAt ? { leaseExpiresAt } : {}) });
    const job = { joinedWorkers: [worker('a[x-0]', '2026-11-22T10:00:10.000Z'), worker('b[x-1]'), worker('c[x-2]', '2026-11-22T10:00:20.000Z')] };
    expect(findLapsedWorkers(job, '2026-11-22T10:00:09.999Z')).toEqual([]);
    expect(findLapsedWorkers(job, '2026-11-22T10:00:10.000Z')).toEqual(['a[x-0]']);
    expect(findLapsedWorkers(job, '2026-11-22T11:00:00.000Z')).toEqual(['a[x-0]', 'c[x-2]']);
    expect(findLapsedWorkers({}, '2026-11-22T11:00:00.000Z')).toEqual([]);
  });
});

describe('createJob', () => {
  it('keeps a model given, and has no model key otherwise', () => {
    expect(createJob({ ...input, model: 'large' }).model).toBe('large');
    expect(Object.keys(createJob(input))).not.toContain('model');
    expect(Object.keys(createJob({ ...input, model: null }))).not.toContain('model');
  });
});

describe('getLastRecordedActivity', () => {
  it('is the latest of the job\'s times and the file\'s', () => {
    const job: Job = { ...createJob(input), startedAt: '2026-11-22T10:01:00.000Z', phases: [{ ...createJob(input).phases[0]!, startedAt: '2026-11-22T10:02:00.000Z', endedAt: '2026-11-22T10:03:00.000Z' }] };
    expect(getLastRecordedActivity(job)).toBe('2026-11-22T10:03:00.000Z');
    expect(getLastRecordedActivity(job, '2026-11-22T10:04:00.000Z')).toBe('2026-11-22T10:04:00.000Z');
    expect(getLastRecordedActivity(job, '2026-11-22T09:00:00.000Z')).toBe('2026-11-22T10:03:00.000Z');
    expect(getLastRecordedActivity(createJob(input))).toBe(T0);
  });
});

describe('tasks', () => {
  it('a new job\'s tasks: one per phase holding the prompt, with nothing modified yet', () => {
    const expected = [
      { id: 't1', phase: 0, title: 'a', input: 'fix it', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] },
      { id: 't2', phase: 1, title: 'b', input: 'fix it', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] },
    ];
    expect(createPhaseTasks(['a', 'b'], 'fix it')).toEqual(expected);
    expect(createJobTasks(['a', 'b'], 'fix it')).toEqual(expected);
  });

  it('finds a task by id, by title whatever its case and spaces, or by the prefix of one title only', () => {
    const task = (id: string, title: string): Task => ({ id, phase: 0, title, input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });
    const tasks = [task('t1', 'Build'), task('t2', 'build-docs'), task('t3', 'Test'), task('t4', 't1')];
    expect(findTaskByReference(tasks, 't1')).toEqual({ task: tasks[0] });
    expect(findTaskByReference(tasks, ' T1 ')).toEqual({ task: tasks[0] });
    expect(findTaskByReference(tasks, '  BUILD ')).toEqual({ task: tasks[0] });
    expect(findTaskByReference(tasks, 'build-DOCS')).toEqual({ task: tasks[1] });
    expect(findTaskByReference(tasks, 'te')).toEqual({ task: tasks[2] });
    expect(findTaskByReference(tasks, 'bui')).toEqual({ candidates: [tasks[0], tasks[1]] });
    expect(findTaskByReference(tasks, 'nope')).toEqual({ candidates: [] });
    expect(findTaskByReference(tasks, '  ')).toEqual({ candidates: [] });
  });

  it('failed views show a failed run, and an interrupted run only of a task that failed for good', () => {
    const run = (state: Run['state']): Run => ({ id: 'r1', taskId: 't1', attempt: 1, worker: 'w', startedAt: T0, state, output: { file: 'output.log', section: 's' } });
    const task = (status: Task['status']): Task => ({ id: 't1', phase: 0, title: 't1', input: '', status, dependsOn: [], claims: [], attempts: 1, result: null, filesModified: [] });
    const interrupted = run({ status: 'interrupted', endedAt: T0, reason: 'gone' });
    expect(isFailedRun(run({ status: 'failed', endedAt: T0, error: 'x' }), task('todo'))).toBe(true);
    expect(isFailedRun(interrupted, task('failed'))).toBe(true);
    expect(isFailedRun(interrupted, task('todo'))).toBe(false);
    expect(isFailedRun(interrupted, undefined)).toBe(false);
    expect(isFailedRun(run({ status: 'cancelled', endedAt: T0 }), task('failed'))).toBe(false);
    expect(isFailedRun(run({ status: 'succeeded', endedAt: T0 }), task('failed'))).toBe(false);
  });
});
