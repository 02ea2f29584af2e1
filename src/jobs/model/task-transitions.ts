// How a job's tasks and runs follow its lifecycle: each job action (see transitions.ts) moves the
// tasks of the phase it concerns and opens or closes a run. Pure: the job before and after the
// action and the time come in; the next board and the changed records go out.
import type { Job } from './job.js';
import type { JobAction } from './transitions.js';
import { formatRunSection, formatWorkerName, isTaskEnded, OUTPUT_FILE, type Run, type RunState, type Task, type TaskBoard } from './task.js';

/** Characters of a run's answer or error kept as its task's `result` (the full text is in output.log). */
export const TASK_RESULT_CHARS = 200;

/** The board after an action, and the tasks and runs it changed (each once, in the board's order). */
export interface TaskTransition {
  board: TaskBoard;
  changed: Array<Task | Run>;
}

/**
 * Applies to `board` what `action` did to the job (`before` → `after`) at `now` (ISO-8601 UTC):
 * - startPhase claims the current phase's first `todo` task whose dependencies are done, and opens
 *   a run for it (its attempt number is the task's, its worker the job's worker 0);
 * - completePhase / failPhase close that run (succeeded / failed) and end its task (done / failed);
 * - retry puts the phase's tasks back to `todo` (their runs stay, as history);
 * - cancel closes the open run as cancelled and cancels every task not ended;
 * - interrupt closes the open run as interrupted, and its task waits again (`todo`);
 * - resume puts every task of a phase that did not complete back to `todo`.
 * Other actions change nothing. The input board is not modified.
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
  const openRun = board.runs.find((run) => run.state.status === 'running');
  const closeOpenRun = (state: Exclude<RunState, { status: 'running' }>): Task | undefined => {
    if (!openRun) return undefined;
    setRun({ ...openRun, state });
    return tasks.get(openRun.taskId);
  };

  switch (action.type) {
    case 'startPhase': {
      const phaseIndex = after.currentPhase;
      const task = board.tasks.find((candidate) => candidate.phase === phaseIndex && candidate.status === 'todo' && candidate.dependsOn.every((id) => tasks.get(id)?.status === 'done'));
      if (!task) break;
      const attempts = task.attempts + 1;
      setTask({ ...task, status: 'claimed', attempts });
      const phase = after.phases[phaseIndex]!;
      setRun({
        id: `r${board.runs.length + 1}`,
        taskId: task.id,
        attempt: attempts,
        worker: formatWorkerName(after.agent, after.id, 0),
        startedAt: now,
        state: { status: 'running' },
        output: { file: OUTPUT_FILE, section: formatRunSection(phaseIndex, after.phases.length, phase.name, phase.attempts) },
      });
      break;
    }
    case 'completePhase': {
      const task = closeOpenRun({ status: 'succeeded', endedAt: now });
      if (task) setTask({ ...task, status: 'done', result: summarize(action.output), filesModified: action.changes?.files.map((file) => file.path) ?? [] });
      break;
    }
    case 'failPhase': {
      const task = closeOpenRun({ status: 'failed', endedAt: now, error: action.error });
      if (task) setTask({ ...task, status: 'failed', result: summarize(action.error) });
      break;
    }
    case 'retry':
      for (const task of board.tasks) if (task.phase === before.currentPhase && task.status !== 'todo') setTask({ ...task, status: 'todo' });
      break;
    case 'cancel':
      closeOpenRun({ status: 'cancelled', endedAt: now });
      for (const task of tasks.values()) if (!isTaskEnded(task)) setTask({ ...task, status: 'cancelled' });
      break;
    case 'interrupt': {
      const task = closeOpenRun({ status: 'interrupted', endedAt: now, reason: action.reason });
      if (task?.status === 'claimed') setTask({ ...task, status: 'todo' });
      break;
    }
    case 'resume':
      for (const task of board.tasks) {
        if (after.phases[task.phase]?.status !== 'completed' && task.status !== 'todo') setTask({ ...task, status: 'todo' });
      }
      break;
    default:
      break;
  }
  if (changed.size === 0) return { board, changed: [] };
  const next: TaskBoard = { tasks: [...tasks.values()], runs: [...runs.values()] };
  return {
    board: next,
    changed: [...next.tasks.filter((task) => changed.has(`t:${task.id}`)), ...next.runs.filter((run) => changed.has(`r:${run.id}`))],
  };
}

/** Shortens `text` to one line of at most TASK_RESULT_CHARS characters (null stays null). */
export function summarize(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= TASK_RESULT_CHARS ? line : `${line.slice(0, TASK_RESULT_CHARS - 1)}…`;
}
