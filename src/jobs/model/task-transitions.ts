// How a job's tasks and runs follow its lifecycle: each job action (see transitions.ts) moves the
// tasks of the phase it concerns and opens or closes a run. Pure: the job before and after the
// action and the time come in; the next board and the changed records go out.
import type { Job } from './job.js';
import type { JobEvent } from './job-event.js';
import type { JobAction } from './transitions.js';
import { TransitionError } from '../../errors.js';
import { formatRunOutputFile, formatRunSection, formatWorkerName, isTaskEnded, OUTPUT_FILE, type Run, type RunState, type Task, type TaskBoard } from './task.js';

/** Characters of a run's answer or error kept as its task's `result` (the full text is in output.log). */
export const TASK_RESULT_CHARS = 200;

/** The board after an action, the tasks and runs it changed (each once, in the board's order), and the task events to log. */
export interface TaskTransition {
  board: TaskBoard;
  changed: Array<Task | Run>;
  events: JobEvent[];
}

/**
 * Applies to `board` what `action` did to the job (`before` → `after`) at `now` (ISO-8601 UTC):
 * - startPhase claims the current phase's task `taskId` (default: its first `todo` task whose
 *   dependencies are done) and opens a run for it on worker `worker` (default 0); startTask does
 *   the same for another task of the running phase. A run's attempt number is its task's;
 * - completeTask / failTask close the task's run (succeeded / failed) and end the task (done /
 *   failed); a failed task whose runs are fewer than 1 + the job's retries waits again (`todo`)
 *   for a new run; one that failed for good cancels the phase's waiting tasks that will not run
 *   now (see findTasksNotToRun);
 * - completePhase / failPhase close the run still open, if any (a phase of one task ended by the
 *   agent) and end its task;
 * - retry puts the phase's tasks back to `todo` (their runs stay, as history);
 * - cancel closes every open run as cancelled and cancels every task not ended;
 * - interrupt closes every open run as interrupted, and their tasks wait again (`todo`);
 * - resume puts every task of a phase that did not complete back to `todo`.
 * Other actions change nothing. The input board is not modified.
 * @throws TransitionError ILLEGAL_TRANSITION for a task that cannot start or end so.
 */
export function transitionTasks(board: TaskBoard, before: Job, after: Job, action: JobAction, now: string): TaskTransition {
  const tasks = new Map(board.tasks.map((task) => [task.id, task]));
  const runs = new Map(board.runs.map((run) => [run.id, run]));
  const changed = new Set<string>();
  const setTask = (task: Task): void => {
    tasks.set(task.id, task);
    changed.add(`t:${task.id}`);
  };
  const setRun = (run: Run): void => {
    runs.set(run.id, run);
    changed.add(`r:${run.id}`);
  };
  const events: JobEvent[] = [];
  // Task events are logged for phases of several tasks; a phase of one says it all with its own.
  const isInSharedPhase = (task: Task): boolean => board.tasks.some((other) => other.phase === task.phase && other.id !== task.id);
  const openRuns = board.runs.filter((run) => run.state.status === 'running');
  const closeRuns = (state: Exclude<RunState, { status: 'running' }>, only?: string): Task[] => {
    const closed: Task[] = [];
    for (const run of openRuns) {
      if (only !== undefined && run.taskId !== only) continue;
      setRun({ ...run, state });
      const task = tasks.get(run.taskId);
      if (task) closed.push(task);
    }
    return closed;
  };
  const claim = (task: Task, worker: number): void => {
    const attempts = task.attempts + 1;
    setTask({ ...task, status: 'claimed', attempts });
    const phase = after.phases[task.phase]!;
    const workerName = formatWorkerName(after.agent, after.id, worker);
    const id = `r${runs.size + 1}`;
    // Runs that may go side by side write files of their own; a phase of one task writes its
    // section of the job's output.log, as every phase did before tasks.
    const file = isInSharedPhase(task) ? formatRunOutputFile(id) : OUTPUT_FILE;
    setRun({
      id,
      taskId: task.id,
      attempt: attempts,
      worker: workerName,
      startedAt: now,
      state: { status: 'running' },
      output: { file, section: formatRunSection(task.phase, after.phases.length, phase.name, phase.attempts) },
    });
    if (isInSharedPhase(task)) events.push({ ts: now, type: 'task_started', task: task.id, worker: workerName, attempt: attempts });
  };
  const isReady = (task: Task): boolean => task.phase === after.currentPhase && task.status === 'todo' && task.dependsOn.every((id) => tasks.get(id)?.status === 'done');
  const requireTask = (taskId: string, isWanted: (task: Task) => boolean, what: string): Task => {
    const task = tasks.get(taskId);
    if (!task || !isWanted(task)) throw new TransitionError('ILLEGAL_TRANSITION', `Cannot ${action.type} ${taskId} of ${after.id}: ${task ? `it is ${task.status}` : 'no such task'}${what}.`);
    return task;
  };

  switch (action.type) {
    case 'startPhase': {
      const task = action.taskId === undefined ? board.tasks.find(isReady) : requireTask(action.taskId, isReady, ', or not ready in the current phase');
      if (task) claim(task, action.worker ?? 0);
      break;
    }
    case 'startTask':
      claim(requireTask(action.taskId, isReady, ', or not ready in the current phase'), action.worker);
      break;
    case 'completeTask': {
      const task = requireTask(action.taskId, (candidate) => candidate.status === 'claimed', '');
      closeRuns({ status: 'succeeded', endedAt: now }, task.id);
      setTask({ ...task, status: 'done', result: summarize(action.output), filesModified: action.changes?.files.map((file) => file.path) ?? [] });
      if (isInSharedPhase(task)) events.push({ ts: now, type: 'task_completed', task: task.id });
      break;
    }
    case 'failTask': {
      const task = requireTask(action.taskId, (candidate) => candidate.status === 'claimed', '');
      closeRuns({ status: 'failed', endedAt: now, error: action.error }, task.id);
      // A task runs at most 1 + retries times; until then a failure sends it back to the queue.
      const willRetry = task.attempts <= after.retries;
      setTask({ ...task, status: willRetry ? 'todo' : 'failed', result: summarize(action.error) });
      if (isInSharedPhase(task) || willRetry) events.push({ ts: now, type: 'task_failed', task: task.id, error: action.error, willRetry });
      if (!willRetry) for (const skipped of findTasksNotToRun(after, [...tasks.values()], task)) setTask({ ...skipped, status: 'cancelled', result: `not run: ${task.id} failed` });
      break;
    }
    case 'completePhase':
      for (const task of closeRuns({ status: 'succeeded', endedAt: now })) setTask({ ...task, status: 'done', result: summarize(action.output), filesModified: action.changes?.files.map((file) => file.path) ?? [] });
      break;
    case 'failPhase':
      for (const task of closeRuns({ status: 'failed', endedAt: now, error: action.error })) setTask({ ...task, status: 'failed', result: summarize(action.error) });
      break;
    case 'retry':
      for (const task of board.tasks) if (task.phase === before.currentPhase && task.status !== 'todo') setTask({ ...task, status: 'todo' });
      break;
    case 'cancel':
      closeRuns({ status: 'cancelled', endedAt: now });
      for (const task of tasks.values()) if (!isTaskEnded(task)) setTask({ ...task, status: 'cancelled' });
      break;
    case 'interrupt':
      for (const task of closeRuns({ status: 'interrupted', endedAt: now, reason: action.reason })) if (task.status === 'claimed') setTask({ ...task, status: 'todo' });
      break;
    case 'resume':
      for (const task of board.tasks) {
        if (after.phases[task.phase]?.status !== 'completed' && task.status !== 'todo') setTask({ ...task, status: 'todo' });
      }
      break;
    default:
      break;
  }
  if (changed.size === 0) return { board, changed: [], events };
  const next: TaskBoard = { tasks: [...tasks.values()], runs: [...runs.values()] };
  return {
    board: next,
    changed: [...next.tasks.filter((task) => changed.has(`t:${task.id}`)), ...next.runs.filter((run) => changed.has(`r:${run.id}`))],
    events,
  };
}

/**
 * The waiting tasks of `failed`'s phase that will not run now that it failed for good: all of
 * them, unless the job keeps going (fail fast, as make does without -k); with keepGoing, those
 * that depend on it, directly or through other tasks, which could never run. Running tasks finish.
 */
function findTasksNotToRun(job: Job, tasks: readonly Task[], failed: Task): Task[] {
  const waiting = tasks.filter((task) => task.phase === failed.phase && task.status === 'todo');
  if (!job.keepGoing) return waiting;
  const blocked = new Set<string>([failed.id]);
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const task of waiting) {
      if (!blocked.has(task.id) && task.dependsOn.some((id) => blocked.has(id))) {
        blocked.add(task.id);
        isGrowing = true;
      }
    }
  }
  return waiting.filter((task) => blocked.has(task.id));
}

/** Shortens `text` to one line of at most TASK_RESULT_CHARS characters (null stays null). */
export function summarize(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= TASK_RESULT_CHARS ? line : `${line.slice(0, TASK_RESULT_CHARS - 1)}…`;
}
