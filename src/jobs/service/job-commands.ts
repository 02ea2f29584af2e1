// The one request language every front end speaks to the job service (the REPL, the script
// commands, the startup review; later the HTTP API): a typed union of commands, what each
// returns, and what the service tells its subscribers. Pure types.
import type { Isolation, Job, JobMode, JoinedWorker } from '../model/job.js';
import type { Task, TaskPlan } from '../model/task.js';
import type { ClaimedTask } from './session-port.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobPaths } from '../ports/job-reader.js';
import type { TaskBoard } from '../model/task.js';
import type { SubmitRequest, SubmitResult } from './manager-api.js';

/**
 * A change a front end asks for. `jobId` may be a unique prefix. `requestId` on approve and retry
 * is the correlation id of the approval being answered (see approvalIdOf): an answer to an
 * approval that is no longer pending is refused instead of applying to the next one.
 */
export type JobCommand =
  | ({ type: 'submit' } & SubmitRequest)
  | { type: 'approve'; jobId: string; requestId?: string }
  /** `keep`: the attempt's changes stay (by default an LLM phase's retry starts from the files as before it). */
  | { type: 'retry'; jobId: string; feedback?: string | null; requestId?: string; keep?: boolean }
  | { type: 'cancel'; jobId: string }
  /** `retryFailed`: failed tasks run again even where the resume is not their retry (see planResume). */
  | { type: 'resume'; jobId: string; mode: JobMode; retryFailed?: boolean; isolation?: Isolation; model?: string }
  | { type: 'remove'; jobs: readonly Job[] }
  /** Lands a completed job's worktree work on its target through the merge queue. */
  | { type: 'merge'; jobId: string }
  /** Removes a job's worktree and branch: its work is gone (the job stays, `discarded`). */
  | { type: 'discard'; jobId: string }
  /**
   * Changes a job's name (null: none) and, for an active job, its mode; `dismissed` sets a failed,
   * cancelled or interrupted job aside (see Job.dismissedAt), or offers it again.
   */
  | { type: 'update'; jobId: string; name?: string | null; mode?: JobMode; dismissed?: boolean }
  /** Workers from outside (see ExternalWorkers): join, leave, heartbeat, claim, and end tasks. */
  | { type: 'join'; jobId: string; agent: string }
  | { type: 'leave'; jobId: string; worker: string }
  /** `token`: the claim token of a claim the worker holds (see ExternalWorkers.heartbeat). */
  | { type: 'heartbeat'; jobId: string; worker: string; token?: string }
  | { type: 'claim'; jobId: string; worker: string; files?: readonly string[] }
  /** `token`: the task's claim token, as its claim returned it (without it, refused: TASK_NOT_CLAIMED). */
  | { type: 'completeTask'; jobId: string; taskId: string; worker?: string; token?: string; summary?: string | null; filesModified?: string[] }
  | { type: 'failTask'; jobId: string; taskId: string; worker?: string; token?: string; reason: string }
  | { type: 'addTasks'; jobId: string; tasks: readonly TaskPlan[] }
  | { type: 'close'; jobId: string; status: 'completed' | 'failed' | 'cancelled'; reason?: string | null };

/** What each command resolves to: the job after the change (`remove`: the ids removed). */
export interface CommandResults {
  submit: SubmitResult;
  approve: Job;
  retry: Job;
  cancel: Job;
  resume: Job;
  remove: string[];
  merge: Job;
  discard: Job;
  update: Job;
  join: { worker: JoinedWorker; leaseExpiresAtMs: number };
  leave: Job;
  heartbeat: { leaseExpiresAtMs: number };
  /** null: no task is runnable now. */
  claim: ClaimedTask | null;
  completeTask: Task;
  failTask: Task;
  addTasks: Task[];
  close: Job;
}

/** The result type of command `C`. */
export type CommandResult<C extends JobCommand> = CommandResults[C['type']];

/** One job in full, as queries return it: its state, its tasks and runs, and its files. */
export interface JobView {
  job: Job;
  board: TaskBoard;
  paths: JobPaths;
}


/**
 * What a subscriber hears, in the order it happened. Lifecycle events carry their `seq` (strictly
 * increasing per job) and are delivered only once on disk; output, activity and progress are live.
 */
export type JobUpdate =
  | { type: 'event'; job: Job; event: JobEvent }
  | { type: 'output'; job: Job; lines: string[]; lineCount: number; taskId?: string }
  | { type: 'activity'; job: Job; icon: string; text: string; taskId?: string }
  /** A model's answer as it streams (live). */
  | { type: 'text'; job: Job; text: string; taskId?: string }
  | { type: 'progress'; job: Job }
  | { type: 'removed'; jobId: string }
  | { type: 'warning'; message: string };

/**
 * The correlation id of the approval job `job` waits on (null when it waits on none): the job, the
 * phase and its attempt, e.g. `job-ab12cd34/2/1` (a budget stop: `job-ab12cd34/budget/<time>`). An
 * answer carrying it applies to that approval only.
 */
export function approvalIdOf(job: Job): string | null {
  if (job.status !== 'awaiting_approval') return null;
  // A budget stop is its own approval (one phase attempt may stop more than once).
  if (job.budgetStop) return `${job.id}/budget/${job.budgetStop.at}`;
  return `${job.id}/${job.currentPhase + 1}/${job.phases[job.currentPhase]?.attempts ?? 0}`;
}
