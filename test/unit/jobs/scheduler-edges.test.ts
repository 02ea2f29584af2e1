// The scheduler's edges (scheduler.ts): a running job's next task takes no job slot, so a queued
// job still gets the slot left; blocked tasks are waiting ones whose dependency failed, was
// cancelled or is missing; and a path too long to show is cut in what a refusal says.
import { describe, expect, it } from 'vitest';
import { assertTaskPlanFiles, findClaimPathProblem } from '../../../src/jobs/model/claims.js';
import { findBlockedTasks, plan, type ScheduledJob } from '../../../src/jobs/model/scheduler.js';
import type { Task } from '../../../src/jobs/model/task.js';

function task(id: string, overrides: Partial<Task> = {}): Task {
  return { id, phase: 0, title: id, input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...overrides };
}

function job(id: string, overrides: Partial<Omit<ScheduledJob, 'board'>> & { tasks?: Task[] } = {}): ScheduledJob {
  const { tasks = [task('t1')], ...rest } = overrides;
  return { id, status: 'queued', currentPhase: 0, workspace: '/w', board: { tasks, runs: [] }, runningTaskIds: [], hasSlot: false, workers: 1, ...rest };
}

const started = (assignments: ReturnType<typeof plan>) => assignments.map((a) => `${a.jobId}:${a.taskId}${a.needsSlot ? '+slot' : ''}`);

describe('plan', () => {
  it("starts a running job's next task without a slot, and a queued job in the slot left", () => {
    const running = job('a', { status: 'running', hasSlot: true, workers: 2, runningTaskIds: ['t1'], tasks: [task('t1', { status: 'claimed' }), task('t2')] });
    expect(started(plan([running, job('b'), job('c')], { maxConcurrentJobs: 2, maxWorkers: 9 }))).toEqual(['a:t2', 'b:t1+slot']);
  });
});

describe('findBlockedTasks', () => {
  it('names waiting tasks whose dependency failed, was cancelled or is missing; never a task that is not waiting', () => {
    const tasks = [task('t1', { status: 'cancelled' }), task('t2', { dependsOn: ['t1'] }), task('t3', { status: 'failed' }), task('t4', { status: 'cancelled', dependsOn: ['t3'] }), task('t5', { status: 'done', dependsOn: ['t9'] }), task('t6', { dependsOn: ['t3'] })];
    expect(findBlockedTasks(tasks)).toEqual([{ taskId: 't2', dependency: 't1' }, { taskId: 't6', dependency: 't3' }]);
  });
});

describe('what a refused file says', () => {
  it('shows a path of up to 80 characters whole, and a longer one cut at 80 with …', () => {
    const eighty = `/${'a'.repeat(79)}`;
    expect(findClaimPathProblem(eighty)).toBe(`${JSON.stringify(eighty)} is absolute: a file is a path relative to the job's folder, inside it`);
    const longer = `/${'b'.repeat(100)}`;
    expect(findClaimPathProblem(longer)).toBe(`${JSON.stringify(`${longer.slice(0, 80)}…`)} is absolute: a file is a path relative to the job's folder, inside it`);
  });

  it("names a task by the first 80 characters of its title", () => {
    const title = `build ${'x'.repeat(100)}`;
    expect(() => assertTaskPlanFiles([{ title, claims: ['../up'] }])).toThrow(`The files of task ${JSON.stringify(title.slice(0, 80))}: "../up" leaves the job's folder (..)`);
  });
});
