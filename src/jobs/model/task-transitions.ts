// How a job's tasks and runs follow its lifecycle: each job action (see transitions.ts) moves the
// tasks of the phase it concerns and opens or closes a run. Pure: the job before and after the
// action and the time come in; the next board and the changed records go out.
import { isExternalJob, type Job, type TokenUsage, type WorkspaceChanges } from './job.js';
import type { JobEvent } from './job-event.js';
import type { JobAction } from './transitions.js';
import { TransitionError } from '../../errors.js';
import { formatRunOutputFile, formatRunSection, formatWorkerName, isTaskEnded, OUTPUT_FILE, type Run, type RunState, type Task, type TaskBoard, type TaskPlan } from './task.js';
import { findTask, indexOf, isSharedPhase, updateBoard, waitingTasks } from './task-board.js';
import { planResume } from './resume-plan.js';

/** Characters of a run's answer or error kept as its task's `result` (the full text is in output.log). */
export const TASK_RESULT_CHARS = 200;

/**
 * The board after an action, the tasks and runs it changed (each once, in the board's order), the
 * tasks it removed (a placeholder a plan replaced), and the task events to log.
 */
export interface TaskTransition {
  board: TaskBoard;
  changed: Array<Task | Run>;
  removed: Task[];
  events: JobEvent[];
}

/**
 * Applies to `board` what `action` did to the job (`before` → `after`) at `now` (ISO-8601 UTC):
 * - startPhase claims the current phase's task `taskId` (default: its first `todo` task whose
 *   dependencies are done) and opens a run for it on worker `worker` (default 0); startTask does
 *   the same for another task of the running phase (its run keeps the claim's `tokenHash`). A
 *   run's attempt number is its task's;
 * - completeTask / failTask close the task's run (succeeded / failed; interrupted for a failTask
 *   whose worker went away) and end the task (done / failed); a failed task whose runs are fewer
 *   than 1 + the job's retries waits again (`todo`) for a new run; one that failed for good cancels the phase's waiting tasks that will not run
 *   now (see findTasksNotToRun);
 * - completePhase / failPhase close the run still open, if any (a phase of one task ended by the
 *   agent) and end its task;
 * - retry puts the phase's tasks back to `todo` (their runs stay, as history): those that did not
 *   succeed, or all of them when every one did;
 * - cancel closes every open run as cancelled and cancels every task not ended;
 * - interrupt closes every open run as interrupted, and their tasks wait again (`todo`);
 * - resume puts back to `todo` the tasks its plan runs again (see planResume): never a done one;
 * - takeRun names the remote worker that took a task's open run (`sh[ab12-0]@box-1`), and clears
 *   its wait; waitRun records the labels an open run waits for a worker with (see Run.waitingFor).
 * Other actions change nothing. The input board is not modified.
 * @throws TransitionError ILLEGAL_TRANSITION for a task that cannot start or end so.
 */
export function transitionTasks(board: TaskBoard, before: Job, after: Job, action: JobAction, now: string): TaskTransition {
  // Only what the action touches is looked at (see task-board.ts): a change to one task costs
  // the same in a job of 10 tasks and of 10,000. Changes are kept aside and applied once.
  const index = indexOf(board);
  const changedTasks = new Map<string, Task>();
  const newRuns = new Map<string, Run>();
  const taskOf = (id: string): Task | undefined => changedTasks.get(id) ?? findTask(board, id);
  const setTask = (task: Task): void => void changedTasks.set(task.id, task);
  const setRun = (run: Run): void => void newRuns.set(run.id, run);
  const events: JobEvent[] = [];
  // The next phase's tasks a completed task planned (see planNextPhase).
  let plans: readonly TaskPlan[] = [];
  // Task events are logged for phases of several tasks, and for every task of an external job (its
  // workers report through them); a phase of one says it all with its own.
  const isInSharedPhase = (task: Task): boolean => isExternalJob(after) || isSharedPhase(board, task.phase);
  const closeRuns = (state: Exclude<RunState, { status: 'running' }>, only?: string, filesModified?: string[], worker?: string, usage?: TokenUsage): Task[] => {
    const closed: Task[] = [];
    for (const [taskId, position] of [...index.openRuns].sort((a, b) => a[1] - b[1])) {
      if (only !== undefined && taskId !== only) continue;
      if (worker !== undefined && board.runs[position]!.worker !== worker) continue;
      setRun({ ...board.runs[position]!, state, ...(filesModified ? { filesModified } : {}), ...(usage ? { usage } : {}) });
      const task = taskOf(taskId);
      if (task) closed.push(task);
    }
    return closed;
  };
  const claim = (task: Task, worker: number | string, files: readonly string[] = [], tokenHash?: string, recorded: { runId?: string; startedAt?: string } = {}): void => {
    const attempts = task.attempts + 1;
    // An external worker's files join the task's claims: what it holds is what others wait for.
    const claims = files.length === 0 ? task.claims : [...new Set([...task.claims, ...files])];
    setTask({ ...task, status: 'claimed', attempts, claims });
    const phase = after.phases[task.phase]!;
    const workerName = typeof worker === 'string' ? worker : formatWorkerName(after.agent, after.id, worker);
    // Above every id on the board, never its length + 1 (see BoardIndex.nextRunNumber); an
    // action opens one run at most.
    const id = recorded.runId ?? `r${index.nextRunNumber}`;
    // Runs that may go side by side write files of their own; a phase of one task writes its
    // section of the job's output.log, as every phase did before tasks.
    const file = isInSharedPhase(task) ? formatRunOutputFile(id) : OUTPUT_FILE;
    setRun({
      id,
      taskId: task.id,
      attempt: attempts,
      worker: workerName,
      startedAt: recorded.startedAt ?? now,
      state: { status: 'running' },
      output: { file, section: formatRunSection(task.phase, after.phases.length, phase.name, phase.attempts) },
      ...(tokenHash !== undefined ? { tokenHash } : {}),
    });
    if (isInSharedPhase(task)) events.push({ ts: now, type: 'task_started', task: task.id, worker: workerName, attempt: attempts });
  };
  const isReady = (task: Task): boolean => task.phase === after.currentPhase && task.status === 'todo' && task.dependsOn.every((id) => taskOf(id)?.status === 'done');
  const requireTask = (taskId: string, isWanted: (task: Task) => boolean, what: string): Task => {
    const task = taskOf(taskId);
    if (!task || !isWanted(task)) throw new TransitionError('ILLEGAL_TRANSITION', `Cannot ${action.type} ${taskId} of ${after.id}: ${task ? `it is ${task.status}` : 'no such task'}${what}.`);
    return task;
  };
  const endTask = (task: Task, status: 'done' | 'failed', result: string | null, changes?: WorkspaceChanges | null, filesModified?: string[]): void => {
    // A run's diff is its phase's (every task's, in a phase of several): only a phase's only task
    // takes its files from it.
    const fromDiff = isInSharedPhase(task) ? [] : (changes?.files.map((file) => file.path) ?? []);
    setTask({ ...task, status, result: summarize(result), ...(status === 'done' ? { filesModified: filesModified ?? fromDiff } : {}) });
  };

  switch (action.type) {
    case 'startPhase': {
      if (action.taskId === null) break; // opened for external workers, who claim its tasks
      let task: Task | undefined;
      if (action.taskId !== undefined) task = requireTask(action.taskId, isReady, ', or not ready in the current phase');
      else for (const waiting of waitingTasks(board, after.currentPhase)) if (isReady(waiting) && (task = waiting)) break;
      if (task) claim(task, action.worker ?? 0, action.files, undefined, action);
      break;
    }
    case 'startTask':
      claim(requireTask(action.taskId, isReady, ', or not ready in the current phase'), action.worker, action.files, action.tokenHash, action);
      break;
    case 'leaveWorker':
      // Its claims end: its open runs are interrupted and their tasks wait for another worker.
      for (const task of closeRuns({ status: 'interrupted', endedAt: now, reason: action.reason }, undefined, undefined, action.worker)) setTask({ ...task, status: 'todo' });
      break;
    case 'addTasks':
      return addTasks(board, after, action.tasks);
    case 'reopen': {
      // The phase's tasks wait again; a phase just added gets one task holding the prompt.
      const existing = board.tasks.filter((task) => task.phase === after.currentPhase);
      if (existing.length === 0) {
        const task: Task = { id: `t${highestTaskNumber(board) + 1}`, phase: after.currentPhase, title: action.phase, input: after.description, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] };
        return { board: { tasks: [...board.tasks, task], runs: board.runs }, changed: [task], removed: [], events: [] };
      }
      for (const task of existing) if (task.status !== 'todo') setTask({ ...task, status: 'todo' });
      break;
    }
    case 'close':
      closeRuns({ status: 'cancelled', endedAt: now });
      for (const task of board.tasks) if (!isTaskEnded(task)) setTask({ ...task, status: 'cancelled' });
      break;
    case 'completeTask': {
      const task = requireTask(action.taskId, (candidate) => candidate.status === 'claimed', '');
      closeRuns({ status: 'succeeded', endedAt: now }, task.id, action.filesModified, undefined, action.usage);
      endTask(task, 'done', action.output, action.changes, action.filesModified);
      if (isInSharedPhase(task)) events.push({ ts: now, type: 'task_completed', task: task.id });
      plans = action.plannedTasks ?? [];
      break;
    }
    case 'takeRun': {
      // The task's open run (none: position -1, no run).
      const run = board.runs[index.openRuns.get(action.taskId) ?? -1];
      if (run) {
        const { waitingFor: _waited, ...rest } = run;
        // A run taken again (its host went away) names its new host only.
        setRun({ ...rest, worker: `${run.worker.replace(/@.*/, '')}@${action.host}` });
      }
      break;
    }
    case 'waitRun': {
      const run = board.runs[index.openRuns.get(action.taskId) ?? -1];
      if (run && !run.worker.includes('@')) setRun({ ...run, waitingFor: [...action.labels] });
      break;
    }
    case 'failTask': {
      const task = requireTask(action.taskId, (candidate) => candidate.status === 'claimed', '');
      // A run whose worker went away is interrupted, not failed; its task counts it as a failure
      // all the same (runs again while its retries last): a task that kills its worker each time stops.
      closeRuns(action.isInterrupted ? { status: 'interrupted', endedAt: now, reason: action.error } : { status: 'failed', endedAt: now, error: action.error }, task.id, action.filesModified, undefined, action.usage);
      // A task runs at most 1 + retries times; until then a failure sends it back to the queue.
      const willRetry = action.retry ?? task.attempts <= after.retries;
      setTask({ ...task, status: willRetry ? 'todo' : 'failed', result: summarize(action.error) });
      if (isInSharedPhase(task) || willRetry) events.push({ ts: now, type: 'task_failed', task: task.id, error: action.error, willRetry });
      if (!willRetry) for (const skipped of findTasksNotToRun(after, board, task, index.phasesWithDependencies.has(task.phase))) setTask({ ...skipped, status: 'cancelled', result: `not run: ${task.id} failed` });
      break;
    }
    case 'completePhase':
      for (const task of closeRuns({ status: 'succeeded', endedAt: now })) endTask(task, 'done', action.output, action.changes);
      break;
    case 'failPhase':
      for (const task of closeRuns({ status: 'failed', endedAt: now, error: action.error })) endTask(task, 'failed', action.error);
      break;
    case 'retry': {
      // A phase some of whose tasks failed re-runs those (and the ones not run), keeping the work
      // done; a phase whose tasks all succeeded re-runs them all (the person wants it redone).
      const counts = index.phaseCounts[before.currentPhase];
      const isPartial = counts !== undefined && counts.done < counts.total;
      for (const task of board.tasks) if (task.phase === before.currentPhase && task.status !== 'todo' && !(isPartial && task.status === 'done')) setTask({ ...task, status: 'todo' });
      break;
    }
    case 'cancel':
      closeRuns({ status: 'cancelled', endedAt: now });
      for (const task of board.tasks) if (!isTaskEnded(task)) setTask({ ...task, status: 'cancelled' });
      break;
    case 'interrupt':
      for (const task of closeRuns({ status: 'interrupted', endedAt: now, reason: action.reason })) if (task.status === 'claimed') setTask({ ...task, status: 'todo' });
      break;
    case 'resume':
      // Only what is not done runs again (see planResume): done tasks keep their runs and results.
      for (const taskId of (action.plan ?? planResume(before, board, action.retryFailed ?? false)).taskIds) {
        const task = taskOf(taskId);
        if (task && task.status !== 'todo') setTask({ ...task, status: 'todo' });
      }
      break;
  }
  if (changedTasks.size === 0 && newRuns.size === 0) return { board, changed: [], removed: [], events };
  // Records go out in the board's order: tasks by position, then runs (new ones last).
  const tasks = [...changedTasks.values()].sort((a, b) => index.positions.get(a.id)! - index.positions.get(b.id)!);
  const runs = [...newRuns.values()];
  const next = updateBoard(board, tasks, runs);
  if (plans.length > 0) {
    const planned = planNextPhase(next, after, tasks[0]!.phase, plans);
    if (planned) return { board: planned.board, changed: [...tasks, ...planned.added, ...runs], removed: planned.removed, events };
  }
  return { board: next, changed: [...tasks, ...runs], removed: [], events };
}

/**
 * The board once the tasks `plans` (from a run of phase `phase`: an LLM's create_tasks call, a
 * module agent's returned tasks) are the next phase's work: they replace that phase's tasks,
 * which have not run (its placeholder, holding the prompt), in their place on the board. New ids
 * follow the job's highest (`t6`, `t7`, …); dependencies turn from titles into ids. Null when no
 * phase follows, or the next phase has already run (a plan never rewrites work done). Every phase
 * has a task from the job's creation on, so the next one has tasks to replace.
 */
function planNextPhase(board: TaskBoard, job: Job, phase: number, plans: readonly TaskPlan[]): { board: TaskBoard; added: Task[]; removed: Task[] } | null {
  const nextPhase = phase + 1;
  // No phase follows the last: it has no tasks to replace.
  const removed = board.tasks.filter((task) => task.phase === nextPhase);
  if (removed.length === 0 || removed.some((task) => task.attempts > 0 || task.status !== 'todo')) return null;
  const highest = highestTaskNumber(board);
  const idOf = new Map(plans.map((plan, offset) => [plan.title, `t${highest + offset + 1}`]));
  const added = plans.map((plan): Task => ({ id: idOf.get(plan.title)!, phase: nextPhase, title: plan.title, input: plan.input, status: 'todo', dependsOn: plan.dependsOn.flatMap((title) => idOf.get(title) ?? []), claims: [...plan.claims], attempts: 0, result: null, filesModified: [], isPlanned: true }));
  // In place of the phase's old tasks: /tasks lists phases in order.
  const position = board.tasks.indexOf(removed[0]!);
  const kept = board.tasks.filter((task) => task.phase !== nextPhase);
  // A new board: its index is computed afresh on first use (a plan is one change in a job's life).
  return { board: { tasks: [...kept.slice(0, position), ...added, ...kept.slice(position)], runs: board.runs }, added, removed };
}

/**
 * The board once `plans` are added to `job`'s current phase, after its last task (ids follow the
 * job's highest; dependencies name titles of the added tasks, or ids of tasks already on the
 * board). O(tasks): adding is rare next to claiming.
 */
function addTasks(board: TaskBoard, job: Job, plans: readonly TaskPlan[]): TaskTransition {
  const phase = job.currentPhase;
  const highest = highestTaskNumber(board);
  const idOf = new Map(plans.map((plan, offset) => [plan.title, `t${highest + offset + 1}`]));
  const added = plans.map((plan, offset): Task => ({ id: `t${highest + offset + 1}`, phase, title: plan.title, input: plan.input, status: 'todo', dependsOn: plan.dependsOn.flatMap((name) => idOf.get(name) ?? (findTask(board, name) ? [name] : [])), claims: [...plan.claims], attempts: 0, result: null, filesModified: [] }));
  let position = board.tasks.length;
  while (position > 0 && board.tasks[position - 1]!.phase > phase) position--;
  const tasks = [...board.tasks.slice(0, position), ...added, ...board.tasks.slice(position)];
  return { board: { tasks, runs: board.runs }, changed: added, removed: [], events: [] };
}

// The highest number of a task id of `board` (`t12` → 12; 0 for none).
function highestTaskNumber(board: TaskBoard): number {
  let highest = 0;
  for (const task of board.tasks) highest = Math.max(highest, Number(task.id.slice(1)) || 0);
  return highest;
}

/**
 * The waiting tasks of `failed`'s phase that will not run now that it failed for good: all of
 * them, unless the job keeps going (fail fast, as make does without -k); with keepGoing, those
 * that depend on it, directly or through other tasks, which could never run. Running tasks finish.
 */
function findTasksNotToRun(job: Job, board: TaskBoard, failed: Task, hasDependencies: boolean): Task[] {
  // With keepGoing, a phase where no task waits for another has no dependents to look for (a
  // batch of 10,000 lines keeps each failure O(1)).
  // Stryker disable next-line ConditionalExpression: a shortcut only: in a phase without dependencies the walk below finds no dependent either
  if (job.keepGoing && !hasDependencies) return [];
  // The failed task is not among them: it was claimed.
  const waiting = [...waitingTasks(board, failed.phase)];
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
