// The order views list a job's tasks in (the REPL's /tasks, `jobline tasks`, the dashboard): the
// running ones first, then the failed, the waiting, the done, and last those not run; by id within
// each. And the words a user filters them by. Pure.
import type { Task, TaskStatus } from './task.js';

/** Task statuses in the order views list them: running, failed, waiting, done, not run. */
export const TASK_VIEW_ORDER: readonly TaskStatus[] = ['claimed', 'failed', 'todo', 'done', 'cancelled'];

/** What a user calls each task status (`claimed` is `running`, `todo` `waiting`, `cancelled` `not-run`). */
export const TASK_STATUS_WORDS: Readonly<Record<TaskStatus, string>> = { claimed: 'running', failed: 'failed', todo: 'waiting', done: 'done', cancelled: 'not-run' };

/** `t12` → 12 (ids of other shapes: 0), so t9 comes before t10. */
function taskNumber(id: string): number {
  return Number(id.slice(1)) || 0;
}

/** `tasks` in view order (see TASK_VIEW_ORDER), by id within a status. Returns a new array. */
export function sortTasksForView<T extends Pick<Task, 'id' | 'status'>>(tasks: readonly T[]): T[] {
  const rank = new Map(TASK_VIEW_ORDER.map((status, index) => [status, index]));
  return [...tasks].sort((a, b) => rank.get(a.status)! - rank.get(b.status)! || taskNumber(a.id) - taskNumber(b.id));
}

/**
 * The statuses a typed filter names: words separated by commas (`failed,running`), each a
 * status's word (`running`, `waiting`, `not-run`) or the status itself (`claimed`, `todo`,
 * `cancelled`), in any case. Null when a word names none.
 */
export function parseTaskStatuses(typed: string): TaskStatus[] | null {
  const statuses: TaskStatus[] = [];
  for (const word of typed.toLowerCase().split(',').map((part) => part.trim()).filter(Boolean)) {
    const status = (Object.keys(TASK_STATUS_WORDS) as TaskStatus[]).find((candidate) => candidate === word || TASK_STATUS_WORDS[candidate] === word.replace('_', '-') || (word === 'notrun' && candidate === 'cancelled'));
    if (!status) return null;
    if (!statuses.includes(status)) statuses.push(status);
  }
  return statuses.length > 0 ? statuses : null;
}
