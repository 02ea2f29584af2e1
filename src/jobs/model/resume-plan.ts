// What a resume runs again: only the work that is not done. A task that ended done stays done
// (its run, output and result are kept); a task whose run was interrupted, or that never started,
// waits again; a failed task runs again only where the resume is its retry. Pure: the job and its
// board come in, the tasks to put back and the phases they reopen go out.
import type { Job } from './job.js';
import type { Task, TaskBoard } from './task.js';

/** The work a resume puts back in the queue. */
export interface ResumePlan {
  /** Ids of the tasks that go back to `todo`. */
  taskIds: string[];
  /**
   * Phases that run again, in order: those that did not complete, and completed ones that hold a
   * task put back (a keep-going phase whose failed tasks are retried). The job resumes at the first.
   */
  phases: number[];
}

/**
 * Decides what resuming `job` (with its tasks and runs `board`) runs again:
 * - a `done` task never runs again, and its dependents stay unblocked;
 * - a task that waits (`todo`) or whose run was stopped (`claimed` by a run that is gone) waits again;
 * - a `failed` task runs again only when the resume is its retry: `retryFailed` (the user asked,
 *   `--retry-failed`), or the job ended `failed` (because of it), or the job fails fast (without
 *   keepGoing a failed task fails its phase, so resuming is retrying it). A keep-going job that was
 *   interrupted or cancelled keeps its failed tasks failed unless asked (issue 25 §1);
 * - a `cancelled` task (not run: the job was cancelled, or a task it needed failed) waits again,
 *   unless a task it depends on, directly or through others, stays failed: it still could not run.
 * Only tasks of phases that did not complete, or that hold a failed task being retried, are looked
 * at: a phase that completed with all its tasks done keeps its results.
 */
export function planResume(job: Job, board: TaskBoard, retryFailed: boolean): ResumePlan {
  const isRetry = retryFailed || job.status === 'failed' || !job.keepGoing;
  const isPhaseOpen = (phase: number): boolean => job.phases[phase]?.status !== 'completed';
  // Failed tasks that are not retried: what they block cannot run either.
  const staysFailed = new Set<string>(isRetry ? [] : board.tasks.filter((task) => task.status === 'failed').map((task) => task.id));
  const byId = new Map(board.tasks.map((task) => [task.id, task]));
  // A cancelled task blocked by a failure that stays: found by walking its dependencies once each.
  const blocked = new Map<string, boolean>();
  const isBlocked = (task: Task, seen: Set<string>): boolean => {
    const known = blocked.get(task.id);
    if (known !== undefined) return known;
    if (seen.has(task.id)) return false; // a cycle (never written by jobline): not a failure's
    seen.add(task.id);
    const result = task.dependsOn.some((id) => staysFailed.has(id) || (byId.get(id) !== undefined && byId.get(id)!.status !== 'done' && isBlocked(byId.get(id)!, seen)));
    blocked.set(task.id, result);
    return result;
  };
  const taskIds: string[] = [];
  const phases = new Set<number>();
  for (const task of board.tasks) {
    if (!shouldRunAgain(task, isRetry, isPhaseOpen(task.phase), () => isBlocked(task, new Set()))) continue;
    taskIds.push(task.id);
    phases.add(task.phase);
  }
  job.phases.forEach((phase, index) => {
    if (phase.status !== 'completed') phases.add(index);
  });
  return { taskIds, phases: [...phases].sort((a, b) => a - b) };
}

// Whether `task` goes back to todo (see planResume). A task already `todo` is not a change.
function shouldRunAgain(task: Task, isRetry: boolean, isPhaseOpen: boolean, isBlockedByFailure: () => boolean): boolean {
  switch (task.status) {
    case 'done':
    case 'todo':
      return false;
    case 'claimed':
      return true;
    case 'failed':
      return isRetry;
    case 'cancelled':
      // A completed phase's cancelled tasks were not run by a choice the phase's end confirmed
      // (keep-going dependents of a failure); they run again only with the failure they wait on.
      return (isPhaseOpen || isRetry) && !isBlockedByFailure();
  }
}
