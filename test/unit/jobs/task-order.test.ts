// The order views list a job's tasks in and the words a user filters them by: running, failed,
// waiting, done, not run, by task number within each (t9 before t10, odd ids first); filters in
// any case, with spaces, repeated words and `not_run` / `notrun`, and none for an unknown word.
import { describe, expect, it } from 'vitest';
import { parseTaskStatuses, sortTasksForView, TASK_STATUS_WORDS, TASK_VIEW_ORDER } from '../../../src/jobs/model/task-order.js';
import type { TaskStatus } from '../../../src/jobs/model/task.js';

const row = (id: string, status: TaskStatus) => ({ id, status });

describe('sortTasksForView', () => {
  it('lists every status in view order, whatever order they came in', () => {
    expect(TASK_VIEW_ORDER).toEqual(['claimed', 'failed', 'todo', 'done', 'cancelled']);
    const tasks = [row('t1', 'cancelled'), row('t2', 'done'), row('t3', 'todo'), row('t4', 'failed'), row('t5', 'claimed')];
    expect(sortTasksForView(tasks).map((task) => task.status)).toEqual(['claimed', 'failed', 'todo', 'done', 'cancelled']);
    expect(sortTasksForView([...tasks].reverse()).map((task) => task.id)).toEqual(['t5', 't4', 't3', 't2', 't1']);
  });

  it('orders by task number within a status (t9 before t10), and ids of other shapes first', () => {
    const tasks = [row('t10', 'done'), row('t9', 'done'), row('t100', 'done'), row('t2', 'done'), row('x', 'done')];
    expect(sortTasksForView(tasks).map((task) => task.id)).toEqual(['x', 't2', 't9', 't10', 't100']);
    // A later status never comes before an earlier one, whatever its number.
    expect(sortTasksForView([row('t1', 'done'), row('t50', 'failed'), row('t2', 'failed')]).map((task) => task.id)).toEqual(['t2', 't50', 't1']);
  });

  it('returns a new array and leaves the given one as it was', () => {
    const tasks = [row('t2', 'done'), row('t1', 'claimed')];
    const sorted = sortTasksForView(tasks);
    expect(sorted).not.toBe(tasks);
    expect(tasks.map((task) => task.id)).toEqual(['t2', 't1']);
    expect(sorted.map((task) => task.id)).toEqual(['t1', 't2']);
  });
});

describe('parseTaskStatuses', () => {
  it('names each status by its word and by itself', () => {
    expect(TASK_STATUS_WORDS).toEqual({ claimed: 'running', failed: 'failed', todo: 'waiting', done: 'done', cancelled: 'not-run' });
    expect(parseTaskStatuses('running,failed,waiting,done,not-run')).toEqual(['claimed', 'failed', 'todo', 'done', 'cancelled']);
    expect(parseTaskStatuses('claimed,todo,cancelled')).toEqual(['claimed', 'todo', 'cancelled']);
  });

  it('reads any case, spaces around words, empty parts, repeats, not_run and notrun', () => {
    expect(parseTaskStatuses(' RUNNING , Failed ,, ')).toEqual(['claimed', 'failed']);
    expect(parseTaskStatuses('done,DONE,done')).toEqual(['done']);
    expect(parseTaskStatuses('not_run')).toEqual(['cancelled']);
    expect(parseTaskStatuses('NotRun')).toEqual(['cancelled']);
    expect(parseTaskStatuses('Cancelled')).toEqual(['cancelled']);
  });

  it('names no statuses for an unknown word anywhere, or no word at all', () => {
    expect(parseTaskStatuses('running,frob')).toBeNull();
    expect(parseTaskStatuses('frob,running')).toBeNull();
    expect(parseTaskStatuses('run')).toBeNull();
    expect(parseTaskStatuses('not run')).toBeNull();
    expect(parseTaskStatuses('')).toBeNull();
    expect(parseTaskStatuses(' , ')).toBeNull();
  });
});
