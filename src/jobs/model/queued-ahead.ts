// How a job's board is shown while it takes tasks ahead (issue 28 §6): a task whose run is opened
// and whose start is durable, but which waits its turn and has not begun, is shown as it would be
// read from the job's files (where its start has no mark yet): waiting, without that run.
import type { TaskBoard } from './task.js';

/**
 * `board` with each task of `aheadTaskIds` shown queued: `todo` again (its attempt not counted
 * yet), its open run left out. The board itself when none is. O(tasks + runs): for views only.
 */
export function presentAheadAsQueued(board: TaskBoard, aheadTaskIds: ReadonlySet<string>): TaskBoard {
  if (aheadTaskIds.size === 0) return board;
  return {
    tasks: board.tasks.map((task) => (aheadTaskIds.has(task.id) && task.status === 'claimed' ? { ...task, status: 'todo', attempts: Math.max(0, task.attempts - 1) } : task)),
    runs: board.runs.filter((run) => !(aheadTaskIds.has(run.taskId) && run.state.status === 'running')),
  };
}
