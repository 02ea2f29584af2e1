// A job with its tasks and runs, and the one function that changes them together: the job's
// state machine (transitions.ts), then its tasks (task-transitions.ts), then the end of a phase
// whose last task ended, then sequence numbers for the events and the changed records. Pure:
// time passed in.
import { isExternalJob, numberEvents, type Job } from './job.js';
import type { JobEvent } from './job-event.js';
import type { Run, Task, TaskBoard, TaskRecord } from './task.js';
import { countBoard, countPhase } from './task-board.js';
import { transitionTasks } from './task-transitions.js';
import { transitionJob, type JobAction } from './transitions.js';
import { planResume } from './resume-plan.js';

/** A job as the service holds it: the header stored in job.json and its task board. */
export interface JobState {
  job: Job;
  board: TaskBoard;
}

/** The result of applying actions: the next state, its events (numbered) and task records to append. */
export interface StateChange {
  state: JobState;
  events: JobEvent[];
  records: TaskRecord[];
}

/**
 * Applies `actions` in order at `now` (ISO-8601 UTC), after `leadingEvents` (events that are not
 * transitions, e.g. `created`). Events get the job's next sequence numbers; every task or run
 * changed is returned once, as its latest record, stamped with the job's resulting eventSeq.
 * @throws TransitionError ILLEGAL_TRANSITION (see transitionJob); nothing changes then.
 */
export function applyActions(state: JobState, actions: readonly JobAction[], now: string, leadingEvents: readonly JobEvent[] = []): StateChange {
  let { job, board } = state;
  const events: JobEvent[] = [...leadingEvents];
  const changed = new Map<string, Task | Run>();
  const removed = new Map<string, Task>();
  const apply = (given: JobAction): void => {
    // A resume's plan is made from the board (what is done stays done), once for both machines.
    const action: JobAction = given.type === 'resume' && !given.plan ? { ...given, plan: planResume(job, board, given.retryFailed ?? false) } : given;
    const result = transitionJob(job, action, now);
    const tasks = transitionTasks(board, job, result.job, action, now);
    for (const item of tasks.changed) changed.set(`${'taskId' in item ? 'r' : 't'}:${item.id}`, item);
    for (const task of tasks.removed) {
      changed.delete(`t:${task.id}`);
      removed.set(task.id, task);
    }
    job = result.job;
    board = tasks.board;
    events.push(...tasks.events, ...result.events);
  };
  for (const action of actions) {
    apply(action);
    if (action.type === 'completeTask' || action.type === 'failTask') {
      const end = decidePhaseEnd(job, board, action);
      if (end) apply(end);
    }
  }
  const numbered = numberEvents(job, events);
  const seq = numbered.job.eventSeq;
  // Removals first: a task a plan replaced leaves before the tasks that take its place arrive.
  const records = [
    ...[...removed.values()].map((task): TaskRecord => ({ kind: 'task', seq, task, removed: true })),
    ...[...changed.values()].map((item): TaskRecord => ('taskId' in item ? { kind: 'run', seq, run: item } : { kind: 'task', seq, task: item })),
  ];
  return { state: { job: numbered.job, board }, events: numbered.events, records };
}

/**
 * How the running phase of `job` ends once `last` ended its last task, or null while any of its
 * tasks has not ended (or the phase is not running). A phase of one task ends as that task did,
 * with its output, changes and error. Otherwise the phase's output counts its tasks; it fails if
 * any failed, unless the job keeps going (then it completes, carrying the job's failed-task count,
 * and the job's last phase ends the job `failed`; see transitions.ts), or is interactive (then it
 * completes carrying its own failed-task count, and the job asks the person what to do).
 */
export function decidePhaseEnd(job: Job, board: TaskBoard, last: Extract<JobAction, { type: 'completeTask' | 'failTask' }>): JobAction | null {
  if (job.status !== 'running' || job.phases[job.currentPhase]?.status !== 'running') return null;
  // An external job ends when its coordinator closes it (`jobline job close`): more tasks may come.
  if (isExternalJob(job)) return null;
  // From the board's counts (task-board.ts): O(1) however many tasks the phase has.
  const { total, done, failed, notRun } = countPhase(board, job.currentPhase);
  if (total === 0 || done + failed + notRun < total) return null;
  const isSingle = total === 1;
  const output = isSingle ? (last.output ?? null) : `${done} of ${total} tasks done${failed > 0 ? `, ${failed} failed` : ''}${notRun > 0 ? `, ${notRun} not run` : ''}`;
  const answer = { output, ...(isSingle && last.outputFile ? { outputFile: last.outputFile } : {}) };
  // The last run's diff counts from the phase's baseline (see phase-workspace.ts): for a phase of
  // several tasks it holds every task's change.
  const changes = last.changes ?? null;
  // The worktree's commit of the phase, made before its last task's end was recorded (background mode).
  const commit = last.type === 'completeTask' && last.commit !== undefined ? { commit: last.commit } : {};
  if (failed === 0 || job.keepGoing) return { type: 'completePhase', ...answer, changes, failedTasks: countBoard(board).failed, ...commit };
  // An interactive job's phase of several tasks asks what to do about the failed ones, and so
  // does a phase whose failure asks (its tests fail): going on anyway ends the job failed.
  const asks = !isSingle || (last.type === 'failTask' && last.asks === true);
  if (asks && job.mode === 'interactive') return { type: 'completePhase', ...answer, changes, failedTasks: countBoard(board).failed, failedInPhase: failed, ...commit };
  const error = isSingle && last.type === 'failTask' ? last.error : `${failed} of ${total} tasks failed`;
  return { type: 'failPhase', error, ...answer, changes };
}

/** Every task and run of `board` as records stamped with `seq`: a board's first write in full (a new or migrated job). */
export function recordBoard(board: TaskBoard, seq: number): TaskRecord[] {
  return [...board.tasks.map((task): TaskRecord => ({ kind: 'task', seq, task })), ...board.runs.map((run): TaskRecord => ({ kind: 'run', seq, run }))];
}
