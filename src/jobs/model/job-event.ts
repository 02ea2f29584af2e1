// Lifecycle events: one line each in events.jsonl and the payload the manager reports to its
// listeners. Pure types only.

/** Every lifecycle event type, in the order a job usually meets them. */
export type JobEventType =
  | 'created'
  | 'queued'
  | 'started'
  | 'phase_started'
  | 'phase_completed'
  | 'phase_failed'
  | 'approval_requested'
  | 'approved'
  | 'retried'
  | 'cancelled'
  | 'failed'
  | 'completed'
  | 'interrupted'
  | 'resumed'
  | 'task_started'
  | 'task_completed'
  | 'task_failed'
  | 'tasks_added'
  | 'worker_joined'
  | 'worker_left'
  | 'renamed'
  | 'dismissed'
  | 'worktree'
  | 'phase_committed'
  | 'attempt_kept'
  | 'merge';

/**
 * One lifecycle event: `ts` (ISO-8601 UTC), `type`, and details that depend on the type
 * (`phase`: phase name, `attempt`, `error`, `feedback`, `reason`, `mode`, `agent`, `cwd`, `task`:
 * task id, `worker`: worker name; on worker_left, `reason` says why: `left`, or that its lease ran out).
 */
export interface JobEvent {
  /**
   * Position in the job's log: 1, 2, 3, … strictly increasing per job, so a reader can resume
   * from a position and a log that lags behind job.json can be completed (absent in logs written
   * before it existed).
   */
  seq?: number;
  ts: string;
  type: JobEventType;
  phase?: string;
  attempt?: number;
  error?: string;
  feedback?: string;
  reason?: string;
  mode?: string;
  agent?: string;
  /** The task a task_* event concerns (`t3`). */
  task?: string;
  /** The worker that runs the task (`build[ab12-1]`), on task_started. */
  worker?: string;
  /** How many tasks a `tasks_added` added. */
  count?: number;
  /** The job's new name, on `renamed`. */
  name?: string;
  /** Whether a failed task runs again (its retries are not used up), on task_failed. */
  willRetry?: boolean;
  /** A merge status (on `merge`: see JobMerge). */
  status?: string;
  /** The step of a landing (on `merge`), e.g. `built`, `checked`, `backup`, `moving`. */
  step?: string;
  /** A commit: the phase's (`phase_committed`), the candidate or landed one (`merge`). */
  commit?: string;
  /** Files: in conflict, or blocking a landing (`merge`). */
  files?: string[];
  /** A git ref: where a retried attempt was kept (`attempt_kept`, refs/jobline/attempts/…). */
  ref?: string;
  /** A folder: the job's worktree (`worktree`). */
  path?: string;
  /** Working directory of the job (on `created`; used to resume it). */
  cwd?: string;
  /**
   * When the event was found out, if later than `ts` (on an `interrupted` recorded after a crash:
   * `ts` is the job's last recorded activity, `detectedAt` when a reader noticed its owner gone).
   */
  detectedAt?: string;
}
