// A task taken ahead that has not begun is shown as the job's files say it is: waiting, its run
// not there yet (queued-ahead.ts).
import { describe, expect, it } from 'vitest';
import { presentAheadAsQueued } from '../../../src/jobs/model/queued-ahead.js';
import { countBoard } from '../../../src/jobs/model/task-board.js';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';

const task = (id: string, status: Task['status'], attempts: number): Task => ({ id, phase: 0, title: id, input: 'true', status, dependsOn: [], claims: [], attempts, result: null, filesModified: [] });
const run = (id: string, taskId: string, status: 'running' | 'succeeded'): Run => ({ id, taskId, attempt: 1, worker: 'sh[ab12-0]', startedAt: '2026-01-01T00:00:00Z', state: status === 'running' ? { status } : { status, endedAt: '2026-01-01T00:00:01Z' }, output: { file: `runs/${id}.log`, section: '' } });

describe('presentAheadAsQueued', () => {
  const board: TaskBoard = {
    tasks: [task('t1', 'done', 1), task('t2', 'claimed', 1), task('t3', 'claimed', 1), task('t4', 'claimed', 2), task('t5', 'todo', 0)],
    runs: [run('r1', 't1', 'succeeded'), run('r2', 't2', 'running'), run('r3', 't4', 'succeeded'), run('r4', 't3', 'running'), run('r5', 't4', 'running')],
  };

  it('shows tasks taken ahead waiting, without their open runs, and counts them so', () => {
    const shown = presentAheadAsQueued(board, new Set(['t3', 't4']));
    expect(shown.tasks.map((t) => `${t.id} ${t.status} ${t.attempts}`)).toEqual(['t1 done 1', 't2 claimed 1', 't3 todo 0', 't4 todo 1', 't5 todo 0']);
    // t4's earlier, ended run stays; only the open runs of the tasks taken ahead go.
    expect(shown.runs.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
    expect(countBoard(shown)).toMatchObject({ total: 5, done: 1, running: 1 });
    expect(board.tasks[2]!.status).toBe('claimed'); // the job's own board is untouched
  });

  it('is the board itself when no task is taken ahead', () => {
    expect(presentAheadAsQueued(board, new Set())).toBe(board);
  });
});
