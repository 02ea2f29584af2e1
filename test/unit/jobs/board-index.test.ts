// The board index (task-board.ts): an index derived change by change must say what one computed
// from scratch says, through random runs of a job of many tasks (starts, ends, failures with
// retries, keep-going, cancels); and the work of a change must not grow with the job.
import { describe, expect, it } from 'vitest';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import { countTasks, type Task, type TaskBoard } from '../../../src/jobs/model/task.js';
import { countBoard, countPhase, findOpenRun, findTask, waitingTasks } from '../../../src/jobs/model/task-board.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { plan } from '../../../src/jobs/model/scheduler.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = '2026-11-22T10:01:00.000Z';

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: id, input: 'true', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}

// A fresh copy of the board: its index is computed from scratch on first use.
const fresh = (board: TaskBoard): TaskBoard => ({ tasks: [...board.tasks], runs: [...board.runs] });

function expectSameIndex(board: TaskBoard, phases: number): void {
  const scratch = fresh(board);
  expect(countBoard(board)).toEqual(countTasks(board.tasks));
  for (let phase = 0; phase < phases; phase++) {
    expect(countPhase(board, phase)).toEqual(countPhase(scratch, phase));
    expect(countPhase(board, phase)).toEqual(countTasks(board.tasks.filter((t) => t.phase === phase)));
    expect([...waitingTasks(scratch, phase)].map((t) => t.id)).toEqual(board.tasks.filter((t) => t.phase === phase && t.status === 'todo').map((t) => t.id));
    expect([...waitingTasks(board, phase)].map((t) => t.id)).toEqual(board.tasks.filter((t) => t.phase === phase && t.status === 'todo').map((t) => t.id));
  }
  // Derived change by change, and computed from scratch: both say the same.
  for (const candidate of [board, scratch]) {
    for (const t of candidate.tasks) {
      expect(findTask(candidate, t.id)).toBe(t);
      expect(findOpenRun(candidate, t.id)).toBe(candidate.runs.find((run) => run.taskId === t.id && run.state.status === 'running'));
    }
    expect(findTask(candidate, 't999')).toBeUndefined();
  }
}

// A small deterministic random number generator (mulberry32), so a failure can be replayed.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the board index', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`agrees with one computed from scratch after every change (seed ${seed})`, () => {
      const next = random(seed);
      const keepGoing = seed % 2 === 0;
      const tasks = [...Array.from({ length: 30 }, (_, i) => task(`t${i + 1}`, 0, i > 2 && next() < 0.3 ? { dependsOn: [`t${1 + Math.floor(next() * i)}`] } : {})), task('t31', 1), task('t32', 1)];
      const job = makeJob({ mode: 'background', workers: 4, retries: 1, keepGoing }, ['run', 'report']);
      let state: JobState = applyActions({ job, board: { tasks, runs: [] } }, [{ type: 'start' }], NOW).state;
      for (let step = 0; step < 200 && state.job.status === 'running'; step++) {
        const running = state.board.tasks.filter((t) => t.status === 'claimed');
        const assignments = plan([{ id: job.id, status: 'running', currentPhase: state.job.currentPhase, workspace: '/w', board: state.board, runningTaskIds: running.map((t) => t.id), hasSlot: true, workers: 4 }], { maxConcurrentJobs: 1, maxWorkers: 4 });
        let action: JobAction;
        if (running.length > 0 && (assignments.length === 0 || next() < 0.5)) {
          const t = running[Math.floor(next() * running.length)]!;
          action = next() < 0.25 ? { type: 'failTask', taskId: t.id, error: 'exit 1' } : { type: 'completeTask', taskId: t.id, output: 'ok' };
        } else if (assignments.length > 0) {
          const isPhaseRunning = state.job.phases[state.job.currentPhase]?.status === 'running';
          action = isPhaseRunning ? { type: 'startTask', taskId: assignments[0]!.taskId, worker: running.length } : { type: 'startPhase', taskId: assignments[0]!.taskId, worker: 0 };
        } else break;
        if (seed === 5 && step === 40) action = { type: 'cancel' };
        state = applyActions(state, [action], NOW).state;
        expectSameIndex(state.board, 2);
      }
    });
  }

  it('counts a phase without tasks as empty, and finds no open run of a task that has none', () => {
    const board: TaskBoard = { tasks: [task('t1', 0)], runs: [] };
    expect(countPhase(board, 3)).toEqual({ total: 0, done: 0, running: 0, failed: 0, notRun: 0 });
    expect(findOpenRun(board, 't1')).toBeUndefined();
    expect([...waitingTasks(board, 3)]).toEqual([]);
  });

  it('costs a change the same in a job of 20,000 tasks as in one of 20 (no scan of the board)', () => {
    // Counted, not timed: the tasks a change reads, one by one. (The next board's copy of the
    // array, a pointer copy, is not counted: it is one memcpy, not a look at each task.)
    const many = Array.from({ length: 20_000 }, (_, i) => task(`t${i + 1}`, 0));
    const job = makeJob({ mode: 'background', workers: 3 }, ['run']);
    let state = applyActions({ job, board: { tasks: many, runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
    let reads = 0;
    const counted = new Proxy(state.board.tasks, {
      get(target, key, receiver) {
        if (key === 'slice') return () => target.slice();
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    state = { ...state, board: { ...state.board, tasks: counted } };
    // The index of this board is computed once (a full read); the changes after it are O(1).
    countBoard(state.board);
    reads = 0;
    state = applyActions(state, [{ type: 'startTask', taskId: 't2', worker: 1 }, { type: 'completeTask', taskId: 't1', output: 'ok' }], NOW).state;
    expect(reads).toBeLessThan(20);
    expect(countBoard(state.board)).toMatchObject({ total: 20_000, done: 1, running: 1 });
  });

  it('numbers a new run above every run on the board, also across a gap a crash left, so no two runs share an id', () => {
    // A crash dropped r2's start (it never began) while r3's stayed: the board has r1 and r3.
    const tasks = [task('t1', 0, { status: 'done', attempts: 1 }), task('t2', 0, { status: 'done', attempts: 1 }), task('t3', 0), task('t4', 0), task('t5', 0)];
    const ended = (id: string, taskId: string) => ({ id, taskId, attempt: 1, worker: 'sh[x-0]', startedAt: NOW, state: { status: 'succeeded' as const, endedAt: NOW }, output: { file: `runs/${id}.log`, section: '' } });
    const job = makeJob({ mode: 'background', workers: 3 }, ['run']);
    let state = applyActions({ job, board: { tasks, runs: [ended('r1', 't1'), ended('r3', 't2')] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't3', worker: 0 }], NOW).state;
    state = applyActions(state, [{ type: 'startTask', taskId: 't4', worker: 1 }], NOW).state;
    state = applyActions(state, [{ type: 'completeTask', taskId: 't3', output: 'ok' }, { type: 'startTask', taskId: 't5', worker: 0 }], NOW).state;
    const ids = state.board.runs.map((run) => run.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(state.board.runs.map((run) => [run.id, run.taskId])).toEqual([['r1', 't1'], ['r3', 't2'], ['r4', 't3'], ['r5', 't4'], ['r6', 't5']]);
    expect(countBoard(state.board)).toMatchObject({ done: 3, running: 2 });
  });
});
