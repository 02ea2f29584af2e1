// planResume on boards as a crash or an older version may leave them, case by case: a task still
// claimed waits again; a cancelled task waits again unless a failure that stays blocks it (directly,
// through waiting tasks, never through done ones, not through unknown ids, and not around a cycle);
// a completed phase keeps its cancelled tasks unless the resume retries; phases come back in order.
import { describe, expect, it } from 'vitest';
import type { Job, JobStatus, PhaseState } from '../../../src/jobs/model/job.js';
import { planResume } from '../../../src/jobs/model/resume-plan.js';
import type { Task, TaskStatus } from '../../../src/jobs/model/task.js';
import { makeJob } from '../../helpers/jobs.js';

function task(id: string, status: TaskStatus, dependsOn: string[] = [], phase = 0): Task {
  return { id, phase, title: id, input: id, status, dependsOn, claims: [], attempts: 1, result: null, filesModified: [] };
}

// A job of `phaseStatuses.length` phases with those statuses, keep-going unless told.
function jobOf(phaseStatuses: PhaseState['status'][], options: { status?: JobStatus; keepGoing?: boolean } = {}): Job {
  const base = makeJob({ status: options.status ?? 'interrupted', keepGoing: options.keepGoing ?? true }, phaseStatuses.map((_status, index) => `p${index}`));
  return { ...base, phases: base.phases.map((phase, index) => ({ ...phase, status: phaseStatuses[index]! })) };
}

describe('planResume, case by case', () => {
  it('puts a task still claimed (its run gone) back, and leaves done and waiting tasks as they are', () => {
    const plan = planResume(jobOf(['running']), { tasks: [task('t1', 'claimed'), task('t2', 'done'), task('t3', 'todo')], runs: [] }, false);
    expect(plan).toEqual({ taskIds: ['t1'], phases: [0] });
  });

  it('keeps a cancelled task from running while a failure it needs stays, directly or through waiting tasks, not through done ones', () => {
    const tasks = [
      task('t1', 'failed'),
      task('t2', 'cancelled', ['t1']),
      task('t3', 'cancelled', ['t4']),
      task('t4', 'todo', ['t1']),
      task('t5', 'cancelled', ['t6']),
      task('t6', 'done', ['t1']),
      task('t7', 'cancelled', ['t-unknown']),
      task('t8', 'cancelled', ['t9']),
      task('t9', 'cancelled', ['t8']),
      task('t10', 'cancelled', ['t4', 't6']),
    ];
    expect(planResume(jobOf(['running']), { tasks, runs: [] }, false).taskIds).toEqual(['t5', 't7', 't8', 't9']);
    // Retrying the failure frees what it blocked.
    expect(planResume(jobOf(['running']), { tasks, runs: [] }, true).taskIds).toEqual(['t1', 't2', 't3', 't5', 't7', 't8', 't9', 't10']);
  });

  it('retries failed tasks when asked, when the job failed, or when it fails fast; a keep-going job cut short keeps them failed', () => {
    const board = { tasks: [task('t1', 'failed'), task('t2', 'cancelled', ['t1'])], runs: [] };
    expect(planResume(jobOf(['running'], { status: 'interrupted' }), board, false).taskIds).toEqual([]);
    expect(planResume(jobOf(['running'], { status: 'cancelled' }), board, false).taskIds).toEqual([]);
    expect(planResume(jobOf(['running'], { status: 'interrupted' }), board, true).taskIds).toEqual(['t1', 't2']);
    expect(planResume(jobOf(['failed'], { status: 'failed' }), board, false).taskIds).toEqual(['t1', 't2']);
    expect(planResume(jobOf(['running'], { keepGoing: false }), board, false).taskIds).toEqual(['t1', 't2']);
  });

  it('keeps the cancelled tasks of a completed phase unless the resume retries, and those of an open phase run again', () => {
    const board = { tasks: [task('t1', 'cancelled', [], 0), task('t2', 'cancelled', [], 1)], runs: [] };
    expect(planResume(jobOf(['completed', 'pending']), board, false)).toEqual({ taskIds: ['t2'], phases: [1] });
    expect(planResume(jobOf(['completed', 'pending']), board, true)).toEqual({ taskIds: ['t1', 't2'], phases: [0, 1] });
    // A task of a phase the job does not list counts as of an open phase.
    expect(planResume(jobOf(['completed']), { tasks: [task('t1', 'cancelled', [], 3)], runs: [] }, false)).toEqual({ taskIds: ['t1'], phases: [3] });
  });

  it('lists the phases to run again in number order: open ones and completed ones that get tasks back', () => {
    const statuses: PhaseState['status'][] = Array.from({ length: 11 }, (_, index) => (index === 2 ? 'pending' : 'completed'));
    const plan = planResume(jobOf(statuses, { status: 'failed' }), { tasks: [task('t1', 'failed', [], 10), task('t2', 'done', [], 2)], runs: [] }, false);
    expect(plan).toEqual({ taskIds: ['t1'], phases: [2, 10] });
    expect(planResume(jobOf(['completed', 'completed']), { tasks: [task('t1', 'done')], runs: [] }, false)).toEqual({ taskIds: [], phases: [] });
  });
});
