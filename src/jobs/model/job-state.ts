// A job with its tasks and runs, and the one function that changes them together: the job's
// state machine (transitions.ts), then its tasks (task-transitions.ts), then sequence numbers for
// the events and the changed records. Pure: time passed in.
import { numberEvents, type Job } from './job.js';
import type { JobEvent } from './job-event.js';
import type { Run, Task, TaskBoard, TaskRecord } from './task.js';
import { transitionTasks } from './task-transitions.js';
import { transitionJob, type JobAction } from './transitions.js';

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
  for (const action of actions) {
    const result = transitionJob(job, action, now);
    const tasks = transitionTasks(board, job, result.job, action, now);
    for (const item of tasks.changed) changed.set(`${'taskId' in item ? 'r' : 't'}:${item.id}`, item);
    job = result.job;
    board = tasks.board;
    events.push(...result.events);
  }
  const numbered = numberEvents(job, events);
  const seq = numbered.job.eventSeq;
  const records = [...changed.values()].map((item): TaskRecord => ('taskId' in item ? { kind: 'run', seq, run: item } : { kind: 'task', seq, task: item }));
  return { state: { job: numbered.job, board }, events: numbered.events, records };
}

/** Every task and run of `board` as records stamped with `seq`: a board's first write in full (a new or migrated job). */
export function recordBoard(board: TaskBoard, seq: number): TaskRecord[] {
  return [...board.tasks.map((task): TaskRecord => ({ kind: 'task', seq, task })), ...board.runs.map((run): TaskRecord => ({ kind: 'run', seq, run }))];
}
