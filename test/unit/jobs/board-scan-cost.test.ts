// What the board index keeps true beyond agreeing with a fresh one (see board-index.test.ts):
// claiming the tasks of a phase one by one, and ending them, reads each task a few times, not the
// phase each time (a batch of 10,000 lines would otherwise claim in O(n²)); an older board stays
// as it was (the commit path keeps it to undo a failed write); and the rules the index carries
// (run numbers, phases with dependencies) hold on a board it computes from scratch.
import { describe, expect, it } from 'vitest';
import { applyActions } from '../../../src/jobs/model/job-state.js';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import { countBoard, countPhase, findOpenRun, findTask, indexOf, updateBoard, waitingTasks } from '../../../src/jobs/model/task-board.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = '2026-11-22T10:01:00.000Z';
const N = 2_000;

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: 'true', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}

function run(id: string, taskId: string, status: 'running' | 'failed'): Run {
  return { id, taskId, attempt: 1, worker: 'sh[x-0]', startedAt: NOW, state: status === 'running' ? { status } : { status, endedAt: NOW, error: 'exit 1' }, output: { file: `runs/${id}.log`, section: '' } } as Run;
}

// Reads of a task's phase and status, counted: about 20 per claim or end (copies included), and a
// scan of the phase each time would be about n²/2 = 2,000,000 for these 2,000 tasks.
let reads = 0;
const counted = (source: Task): Task => new Proxy({ ...source }, {
  get(target, key, receiver) {
    if (key === 'phase' || key === 'status') reads++;
    return Reflect.get(target, key, receiver);
  },
});

// Claims phase `phase`'s waiting tasks one by one, as the scheduler does (the first waiting one).
function claimAll(board: TaskBoard, phase: number): TaskBoard {
  for (let next = waitingTasks(board, phase).next(); !next.done; next = waitingTasks(board, phase).next()) board = updateBoard(board, [counted({ ...next.value, status: 'claimed' })], []);
  return board;
}

describe('the board index, claiming and ending a phase of many tasks', () => {
  it('reads each task a few times, not the phase each time, when its tasks are claimed one by one', () => {
    let board: TaskBoard = { tasks: Array.from({ length: N }, (_, i) => counted(task(`t${i + 1}`, 0))), runs: [] };
    countBoard(board);
    reads = 0;
    board = claimAll(board, 0);
    expect(countPhase(board, 0)).toMatchObject({ total: N, running: N });
    expect(reads).toBeLessThan(50 * N);
  });

  it('reads as few when another phase\'s waiting tasks come first on the board', () => {
    let board: TaskBoard = { tasks: [...Array.from({ length: N }, (_, i) => counted(task(`a${i + 1}`, 1))), ...Array.from({ length: N }, (_, i) => counted(task(`t${i + 1}`, 0)))], runs: [] };
    countBoard(board);
    reads = 0;
    board = claimAll(board, 0);
    expect(countPhase(board, 0).running).toBe(N);
    expect([...waitingTasks(board, 1)]).toHaveLength(N);
    expect(reads).toBeLessThan(50 * N);
  });

  it('reads as few when the claimed tasks then end one by one, in board order', () => {
    let board = claimAll({ tasks: Array.from({ length: N }, (_, i) => counted(task(`t${i + 1}`, 0))), runs: [] }, 0);
    reads = 0;
    for (const claimed of board.tasks) {
      board = updateBoard(board, [counted({ ...claimed, status: 'done' })], []);
      expect(waitingTasks(board, 0).next().done).toBe(true);
    }
    expect(countPhase(board, 0)).toMatchObject({ total: N, done: N, running: 0 });
    expect(reads).toBeLessThan(50 * N);
  });

  it('computed from scratch, starts a phase\'s scan at its first waiting task, and a phase with none waiting reads nothing', () => {
    const board: TaskBoard = { tasks: [...Array.from({ length: N }, (_, i) => counted(task(`d${i + 1}`, 0, { status: 'done' }))), counted(task('t1', 0)), ...Array.from({ length: N }, (_, i) => counted(task(`e${i + 1}`, 1, { status: 'done' })))], runs: [] };
    countBoard(board);
    reads = 0;
    expect(waitingTasks(board, 0).next().value?.id).toBe('t1');
    expect(waitingTasks(board, 1).next().done).toBe(true);
    expect(reads).toBeLessThan(5);
  });

  it('finds a task waiting again (a retry) below where the scan had got to', () => {
    let board = claimAll({ tasks: Array.from({ length: 10 }, (_, i) => task(`t${i + 1}`, 0)), runs: [] }, 0);
    board = updateBoard(board, [{ ...findTask(board, 't3')!, status: 'todo' }], []);
    expect([...waitingTasks(board, 0)].map((t) => t.id)).toEqual(['t3']);
  });
});

describe('the board index of an older board', () => {
  it('stays as it was once a newer board is derived from it', () => {
    const board: TaskBoard = { tasks: [task('t1', 0), task('t2', 0)], runs: [] };
    const counts = countPhase(board, 0);
    const next = updateBoard(board, [{ ...board.tasks[0]!, status: 'claimed' }], [run('r1', 't1', 'running')]);
    expect(countPhase(next, 0)).toMatchObject({ total: 2, running: 1 });
    expect([...waitingTasks(next, 0)].map((t) => t.id)).toEqual(['t2']);
    expect(countPhase(board, 0)).toEqual(counts);
    expect(countPhase(board, 0)).toMatchObject({ total: 2, running: 0 });
    expect([...waitingTasks(board, 0)].map((t) => t.id)).toEqual(['t1', 't2']);
    expect(findOpenRun(board, 't1')).toBeUndefined();
    expect(findOpenRun(next, 't1')?.id).toBe('r1');
  });
});

describe('the board index, computed or derived', () => {
  it('keeps a task\'s open run when an older run of the task changes', () => {
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'claimed', attempts: 2 })], runs: [run('r1', 't1', 'failed'), run('r2', 't1', 'running')] };
    expect(findOpenRun(board, 't1')?.id).toBe('r2');
    const next = updateBoard(board, [], [{ ...run('r1', 't1', 'failed'), state: { status: 'failed', endedAt: NOW, error: 'exit 2' } } as Run]);
    expect(findOpenRun(next, 't1')?.id).toBe('r2');
  });

  it('counts a board whose first phase has no tasks', () => {
    const board: TaskBoard = { tasks: [task('t1', 1, { status: 'done' }), task('t2', 1)], runs: [] };
    expect(countBoard(board)).toEqual({ total: 2, done: 1, running: 0, failed: 0, notRun: 0 });
  });

  it('numbers new runs after the highest r<n>; a run id of another shape takes no number', () => {
    const board: TaskBoard = { tasks: [task('t1', 0, { status: 'done' })], runs: [run('r2', 't1', 'failed'), run('r9x', 't1', 'failed'), run('xr8', 't1', 'failed'), run('r', 't1', 'failed')] };
    expect(indexOf(board).nextRunNumber).toBe(3);
    const next = updateBoard(board, [], [run('zr40', 't1', 'failed'), run('r5', 't1', 'failed')]);
    expect(indexOf(next).nextRunNumber).toBe(6);
  });

  it('still cancels the dependents of a failed task in a keep-going phase whose board it computed from scratch', () => {
    const job = makeJob({ mode: 'background', workers: 2, retries: 0, keepGoing: true }, ['run']);
    const tasks = [task('t1', 0), task('t2', 0, { dependsOn: ['t1'] }), task('t3', 0)];
    let state = applyActions({ job, board: { tasks, runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
    state = applyActions(state, [{ type: 'failTask', taskId: 't1', error: 'exit 1' }], NOW).state;
    expect(findTask(state.board, 't2')).toMatchObject({ status: 'cancelled', result: 'not run: t1 failed' });
    expect(findTask(state.board, 't3')!.status).toBe('todo');
  });

  it('also where every task of the phase waits for another', () => {
    const job = makeJob({ mode: 'background', workers: 2, retries: 0, keepGoing: true }, ['build', 'test']);
    const tasks = [task('t1', 0, { status: 'done', attempts: 1 }), task('t2', 1, { dependsOn: ['t1'] }), task('t3', 1, { dependsOn: ['t2'] })];
    let state = applyActions({ job: { ...job, status: 'running', currentPhase: 1 }, board: { tasks, runs: [] } }, [{ type: 'startPhase', taskId: 't2', worker: 0 }], NOW).state;
    state = applyActions(state, [{ type: 'failTask', taskId: 't2', error: 'exit 1' }], NOW).state;
    expect(findTask(state.board, 't3')).toMatchObject({ status: 'cancelled', result: 'not run: t2 failed' });
  });
});
