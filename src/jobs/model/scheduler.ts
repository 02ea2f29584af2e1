// The scheduler: which tasks start now, decided from the whole state after every change, instead
// of from the event that caused it. Pure: the state and the capacity come in, the assignments go
// out. Task readiness follows the parallel-execution design's work items (dependencies, claims).
import { doClaimListsOverlap } from './claims.js';
import type { JobStatus } from './job.js';
import type { Task, TaskBoard } from './task.js';
import { findTask, waitingTasks } from './task-board.js';

/** One job as the scheduler sees it. */
export interface ScheduledJob {
  id: string;
  status: JobStatus;
  /** Index of the phase whose tasks may run. */
  currentPhase: number;
  /** Folder the job's claims are relative to: claims of jobs in different folders never overlap. */
  workspace: string;
  /** The job's tasks and runs (looked up through its index, see task-board.ts). */
  board: TaskBoard;
  /** Tasks of this job whose runs are going (or still winding down). */
  runningTaskIds: readonly string[];
  /** True while the job holds a slot: one of its runs is going, or about to. */
  hasSlot: boolean;
  /** Its tasks that may run at once (Job.workers). */
  workers: number;
}

/** Limits: jobs holding a slot at once (maxConcurrentJobs), and runs at once across all jobs (maxWorkers). */
export interface Capacity {
  maxConcurrentJobs: number;
  maxWorkers: number;
}

/** Start task `taskId` of job `jobId`; `needsSlot`: the job does not hold a slot yet and takes one. */
export interface Assignment {
  jobId: string;
  taskId: string;
  needsSlot: boolean;
}

/**
 * Decides which tasks start now. `jobs` are in order of submission, which is the order jobs get
 * slots in. A task is runnable when:
 * - its job wants to run: `queued` (its approval gate is open) without a slot, or `running` with one;
 *   a job that is queued again while its last run winds down waits for that slot to free;
 * - it belongs to the job's current phase and is `todo`;
 * - every task it depends on is `done` (a failed or cancelled dependency blocks it for good);
 * - its claims overlap no claim of a running task of a job in the same folder (nor of a task this
 *   plan starts), see doClaimsOverlap;
 * - the caps allow it: a job without a slot needs a free one (of maxConcurrentJobs), a job runs
 *   at most its `workers` tasks at once, and all jobs together at most maxWorkers.
 * A job whose tasks are all blocked does not hold up the jobs behind it.
 */
export function plan(jobs: readonly ScheduledJob[], capacity: Capacity): Assignment[] {
  // Cost: the running tasks, plus for each job that may start one, its waiting tasks from the
  // first until its free workers are used (a queue of 10,000 tasks costs a few per plan).
  let freeSlots = capacity.maxConcurrentJobs - jobs.filter((job) => job.hasSlot).length;
  let freeRuns = capacity.maxWorkers - jobs.reduce((count, job) => count + job.runningTaskIds.length, 0);
  const running: Array<{ workspace: string; claims: readonly string[] }> = [];
  for (const job of jobs) {
    for (const id of job.runningTaskIds) running.push({ workspace: job.workspace, claims: findTask(job.board, id)?.claims ?? [] });
  }
  const assignments: Assignment[] = [];
  for (const job of jobs) {
    const wantsSlot = job.status === 'queued' && !job.hasSlot;
    const isRunning = job.status === 'running' && job.hasSlot;
    if (!wantsSlot && !isRunning) continue;
    if (wantsSlot && freeSlots <= 0) continue;
    let freeWorkers = job.workers - job.runningTaskIds.length;
    let needsSlot = wantsSlot;
    if (freeWorkers <= 0 || freeRuns <= 0) continue;
    for (const task of waitingTasks(job.board, job.currentPhase)) {
      if (!isRunnable(task, job, running)) continue;
      assignments.push({ jobId: job.id, taskId: task.id, needsSlot });
      running.push({ workspace: job.workspace, claims: task.claims });
      if (needsSlot) freeSlots--;
      needsSlot = false;
      freeWorkers--;
      freeRuns--;
      if (freeWorkers <= 0 || freeRuns <= 0) break;
    }
  }
  return assignments;
}

// A waiting task of the job's current phase (see waitingTasks) may start when its dependencies
// are done and its claims overlap no running task's in the same folder.
function isRunnable(task: Task, job: ScheduledJob, running: ReadonlyArray<{ workspace: string; claims: readonly string[] }>): boolean {
  if (job.runningTaskIds.includes(task.id)) return false;
  if (!task.dependsOn.every((id) => findTask(job.board, id)?.status === 'done')) return false;
  return task.claims.length === 0 || !running.some((other) => other.workspace === job.workspace && doClaimListsOverlap(task.claims, other.claims));
}

/**
 * Tasks that can never run as things stand: a dependency failed or was cancelled, or is missing
 * from the job. Returns `{ taskId, dependency }` pairs, for a front end to say why a job is stuck.
 */
export function findBlockedTasks(tasks: readonly Task[]): Array<{ taskId: string; dependency: string }> {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const blocked: Array<{ taskId: string; dependency: string }> = [];
  for (const task of tasks) {
    if (task.status !== 'todo') continue;
    const dependency = task.dependsOn.find((id) => {
      const other = byId.get(id);
      return !other || other.status === 'failed' || other.status === 'cancelled';
    });
    if (dependency) blocked.push({ taskId: task.id, dependency });
  }
  return blocked;
}
