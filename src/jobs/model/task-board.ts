// Fast lookups into a task board: where each task sits, each phase's counts, the open runs, and
// where a phase's waiting tasks begin. A change to one task of a 10,000-task job must cost the
// same as one of a 10-task job, so the transitions (task-transitions.ts), the phase's end
// (job-state.ts) and the scheduler read these instead of scanning the board. Pure; boards stay
// immutable values: an index is computed once per board, cached beside it, and derived for the
// next board from the previous one's (see deriveIndex).
import { countTasks, type Run, type Task, type TaskBoard, type TaskCounts, type TaskStatus } from './task.js';

/** What an index knows about one board. Read-only: shared between successive boards. */
export interface BoardIndex {
  /** Position in `board.tasks` of each task id. Tasks are never reordered, so boards share it. */
  readonly positions: ReadonlyMap<string, number>;
  /** Counts of each phase's tasks (by phase index; a phase without tasks has none). */
  readonly phaseCounts: ReadonlyArray<TaskCounts | undefined>;
  /** Position in `board.runs` of each open (running) run, by its task id. */
  readonly openRuns: ReadonlyMap<string, number>;
  /**
   * By phase: a position before which no task of the phase is `todo` (a lower bound, so a scan
   * for the next waiting task starts there, and a queue of tasks claimed in order costs O(1) each).
   */
  readonly firstTodo: readonly number[];
  /** Phases one of whose tasks waits for another (their failures need a look at dependents). */
  readonly phasesWithDependencies: ReadonlySet<number>;
  /**
   * The number of the next new run (`r<n>`): above every run id on the board. Not its length + 1:
   * a crash can leave a gap (a start it cut off is dropped from the journal while a later start
   * stays, see task-log.ts), and an id given twice merged two runs into one, losing ends.
   */
  readonly nextRunNumber: number;
}

const indexes = new WeakMap<TaskBoard, BoardIndex>();

/** The index of `board`, computed on first use (O(tasks + runs)) and cached for the board's lifetime. */
export function indexOf(board: TaskBoard): BoardIndex {
  let index = indexes.get(board);
  if (!index) {
    index = buildIndex(board);
    indexes.set(board, index);
  }
  return index;
}

/** Task `id` of `board`, or undefined. O(1). */
export function findTask(board: TaskBoard, id: string): Task | undefined {
  // No position: -1, where an array holds nothing.
  return board.tasks[indexOf(board).positions.get(id) ?? -1];
}

/** The open run of task `taskId`, or undefined. O(1). */
export function findOpenRun(board: TaskBoard, taskId: string): Run | undefined {
  return board.runs[indexOf(board).openRuns.get(taskId) ?? -1];
}

/** Counts of all the board's tasks. O(phases). */
export function countBoard(board: TaskBoard): TaskCounts {
  const total: TaskCounts = { total: 0, done: 0, running: 0, failed: 0, notRun: 0 };
  for (const counts of indexOf(board).phaseCounts) {
    if (!counts) continue;
    total.total += counts.total;
    total.done += counts.done;
    total.running += counts.running;
    total.failed += counts.failed;
    total.notRun += counts.notRun;
  }
  return total;
}

/** Counts of phase `phase`'s tasks (zeros for a phase without tasks). O(1). */
export function countPhase(board: TaskBoard, phase: number): TaskCounts {
  return indexOf(board).phaseCounts[phase] ?? { total: 0, done: 0, running: 0, failed: 0, notRun: 0 };
}

/**
 * True when phase `phase` holds several tasks: its runs go side by side, each writes a file of
 * its own, is not diffed, logs task events and is marked with its task. O(1).
 */
export function isSharedPhase(board: TaskBoard, phase: number): boolean {
  return (indexOf(board).phaseCounts[phase]?.total ?? 0) > 1;
}

/**
 * The `todo` tasks of phase `phase`, in board order, lazily: a caller that stops after a few
 * pays for those (plus the tasks before them that no longer wait).
 */
export function* waitingTasks(board: TaskBoard, phase: number): Generator<Task> {
  const { tasks } = board;
  for (let position = indexOf(board).firstTodo[phase] ?? 0; position < tasks.length; position++) {
    const task = tasks[position]!;
    if (task.phase === phase && task.status === 'todo') yield task;
  }
}

/**
 * A board with `changedTasks` replaced and `changedRuns` replaced or appended (a run whose id is
 * new is appended), and its index derived from `board`'s without a scan: O(changes) plus one
 * copy of the arrays (pointer copies). Every changed task must already be on `board`.
 */
export function updateBoard(board: TaskBoard, changedTasks: readonly Task[], changedRuns: readonly Run[]): TaskBoard {
  const previous = indexOf(board);
  const tasks = board.tasks.slice();
  const runs = board.runs.slice();
  const phaseCounts = previous.phaseCounts.slice();
  const firstTodo = previous.firstTodo.slice();
  const openRuns = new Map(previous.openRuns);
  let { nextRunNumber } = previous;
  const runPositions = new Map<string, number>();
  for (const task of changedTasks) {
    const position = previous.positions.get(task.id)!;
    const old = tasks[position]!;
    tasks[position] = task;
    if (old.status === task.status) continue;
    const counts = { ...(phaseCounts[task.phase] ?? countTasks([])) };
    adjust(counts, old.status, -1);
    adjust(counts, task.status, +1);
    phaseCounts[task.phase] = counts;
    if (task.status === 'todo') firstTodo[task.phase] = Math.min(firstTodo[task.phase] ?? 0, position);
  }
  for (const run of changedRuns) {
    // Changed runs are nearly always the newest ones: look for them from the end.
    let position = runPositions.get(run.id) ?? findRunFromEnd(runs, run.id);
    if (position === -1) position = runs.push(run) - 1;
    else runs[position] = run;
    runPositions.set(run.id, position);
    nextRunNumber = Math.max(nextRunNumber, runNumberOf(run.id) + 1);
    if (run.state.status === 'running') openRuns.set(run.taskId, position);
    else if (openRuns.get(run.taskId) === position) openRuns.delete(run.taskId);
  }
  // Move each phase's lower bound past the tasks that no longer wait (amortised O(1) per claim).
  for (const phase of new Set(changedTasks.map((task) => task.phase))) {
    let position = firstTodo[phase] ?? 0;
    while (position < tasks.length && !(tasks[position]!.phase === phase && tasks[position]!.status === 'todo')) position++;
    firstTodo[phase] = position;
  }
  const next: TaskBoard = { tasks, runs };
  indexes.set(next, { positions: previous.positions, phaseCounts, openRuns, firstTodo, phasesWithDependencies: previous.phasesWithDependencies, nextRunNumber });
  return next;
}

// The number of run id `r<n>` (0 for an id of another shape: it takes no number).
function runNumberOf(id: string): number {
  const number = /^r(\d{1,9})$/.exec(id)?.[1];
  return number === undefined ? 0 : Number(number);
}

function findRunFromEnd(runs: readonly Run[], id: string): number {
  for (let position = runs.length - 1; position >= 0; position--) if (runs[position]!.id === id) return position;
  return -1;
}

function adjust(counts: TaskCounts, status: TaskStatus, delta: number): void {
  if (status === 'done') counts.done += delta;
  else if (status === 'claimed') counts.running += delta;
  else if (status === 'failed') counts.failed += delta;
  else if (status === 'cancelled') counts.notRun += delta;
}

function buildIndex(board: TaskBoard): BoardIndex {
  const positions = new Map<string, number>();
  const byPhase: Task[][] = [];
  const firstTodo: number[] = [];
  const phasesWithDependencies = new Set<number>();
  board.tasks.forEach((task, position) => {
    positions.set(task.id, position);
    (byPhase[task.phase] ??= []).push(task);
    if (task.status === 'todo' && firstTodo[task.phase] === undefined) firstTodo[task.phase] = position;
    if (task.dependsOn.length > 0) phasesWithDependencies.add(task.phase);
  });
  byPhase.forEach((tasks, phase) => {
    if (firstTodo[phase] === undefined) firstTodo[phase] = board.tasks.length;
  });
  const openRuns = new Map<string, number>();
  let nextRunNumber = 1;
  board.runs.forEach((run, position) => {
    if (run.state.status === 'running') openRuns.set(run.taskId, position);
    nextRunNumber = Math.max(nextRunNumber, runNumberOf(run.id) + 1);
  });
  return { positions, phaseCounts: Array.from(byPhase, (tasks) => (tasks ? countTasks(tasks) : undefined)), openRuns, firstTodo, phasesWithDependencies, nextRunNumber };
}
