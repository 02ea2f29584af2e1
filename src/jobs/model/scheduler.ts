// The scheduler: which tasks start now, decided from the whole state after every change, instead
// of from the event that caused it. Pure: the state and the capacity come in, the assignments go
// out. Task readiness follows the parallel-execution design's work items (dependencies, claims).
import { findOverlappingClaims } from './claims.js';
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
  /**
   * Tasks of this job claimed by workers from outside (see JoinedWorker): their claims hold other
   * tasks back like running ones, but they take none of this process's workers or slots.
   */
  heldTaskIds?: readonly string[];
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
 * - its claims overlap no claim of a running task of a job in the same folder (nor of a task an
 *   external worker holds, nor of a task this plan starts), see doClaimsOverlap;
 * - the caps allow it: a job without a slot needs a free one (of maxConcurrentJobs), a job runs
 *   at most its `workers` tasks at once, and all jobs together at most maxWorkers.
 * A job whose tasks are all blocked does not hold up the jobs behind it.
 */
export function plan(jobs: readonly ScheduledJob[], capacity: Capacity): Assignment[] {
  return planWithWaits(jobs, capacity).assignments;
}

/**
 * A task that could start but for a claim: its claim `claim` overlaps `heldBy`'s (a running
 * task of job `heldBy.jobId`, or one this plan starts).
 */
export interface ClaimWait {
  jobId: string;
  taskId: string;
  claim: string;
  heldBy: { jobId: string; taskId: string };
}

/** plan, and the tasks it looked at that wait for a claim (see ClaimWait), for a front end to say why. */
export function planWithWaits(jobs: readonly ScheduledJob[], capacity: Capacity): { assignments: Assignment[]; waits: ClaimWait[] } {
  // Cost: the running tasks, plus for each job that may start one, its waiting tasks from the
  // first until its free workers are used (a queue of 10,000 tasks costs a few per plan).
  let freeSlots = capacity.maxConcurrentJobs - jobs.filter((job) => job.hasSlot).length;
  let freeRuns = capacity.maxWorkers - jobs.reduce((count, job) => count + job.runningTaskIds.length, 0);
  // Stryker disable next-line ArrayDeclaration: a string in the list has no workspace, so it is skipped like no holder
  const running: RunningClaims[] = [];
  for (const job of jobs) {
    // Stryker disable next-line ArrayDeclaration,OptionalChaining: a running or held task is always on its board (an id that is not holds no claims)
    for (const id of [...job.runningTaskIds, ...(job.heldTaskIds ?? [])]) running.push({ jobId: job.id, taskId: id, workspace: job.workspace, claims: findTask(job.board, id)?.claims ?? [] });
  }
  const assignments: Assignment[] = [];
  const waits: ClaimWait[] = [];
  for (const job of jobs) {
    const wantsSlot = job.status === 'queued' && !job.hasSlot;
    const isRunning = job.status === 'running' && job.hasSlot;
    if (!wantsSlot && !isRunning) continue;
    if (wantsSlot && freeSlots <= 0) continue;
    let freeWorkers = job.workers - job.runningTaskIds.length;
    let needsSlot = wantsSlot;
    if (freeWorkers <= 0 || freeRuns <= 0) continue;
    for (const task of waitingTasks(job.board, job.currentPhase)) {
      if (job.runningTaskIds.includes(task.id) || !task.dependsOn.every((id) => findTask(job.board, id)?.status === 'done')) continue;
      const conflict = findClaimConflict(task, job, running);
      if (conflict) {
        waits.push({ jobId: job.id, taskId: task.id, claim: conflict.claim, heldBy: { jobId: conflict.holder.jobId, taskId: conflict.holder.taskId } });
        continue;
      }
      assignments.push({ jobId: job.id, taskId: task.id, needsSlot });
      running.push({ jobId: job.id, taskId: task.id, workspace: job.workspace, claims: task.claims });
      if (needsSlot) freeSlots--;
      needsSlot = false;
      freeWorkers--;
      freeRuns--;
      if (freeWorkers <= 0 || freeRuns <= 0) break;
    }
  }
  return { assignments, waits };
}

interface RunningClaims {
  jobId: string;
  taskId: string;
  workspace: string;
  claims: readonly string[];
}

// The running task (of any job in the same folder) whose claims overlap `task`'s, and the claim
// of `task` it holds, or null when none does.
function findClaimConflict(task: Task, job: ScheduledJob, running: readonly RunningClaims[]): { claim: string; holder: RunningClaims } | null {
  // Stryker disable next-line ConditionalExpression: a fast path: no claims overlap none
  if (task.claims.length === 0) return null;
  for (const holder of running) {
    if (holder.workspace !== job.workspace) continue;
    const overlap = findOverlappingClaims(task.claims, holder.claims);
    if (overlap) return { claim: overlap[0], holder };
  }
  return null;
}

/** The icon a claim wait is said with (an activity of the waiting task's job). */
export const CLAIM_WAIT_ICON = '⏸';

/** The sentence for a ClaimWait, e.g. `t3 waits: src/auth.ts is claimed by job-ab12 t1` (`job-ab12`: the first 4 characters of the id's suffix). */
export function describeClaimWait(wait: ClaimWait): string {
  const holder = wait.heldBy.jobId === wait.jobId ? wait.heldBy.taskId : `${wait.heldBy.jobId.slice(0, 8)} ${wait.heldBy.taskId}`;
  return `${wait.taskId} waits: ${wait.claim} is claimed by ${holder}`;
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
