// Which task a worker from outside gets when it asks for one, and why it gets none: the next
// runnable task of the job's current phase whose claims (with the files the worker says it will
// touch) overlap no claim held in the same folder. Pure; the parallel-execution design's claims,
// declared when a task is claimed rather than found out when it completes (../shared/designs/).
import { findOverlappingClaims } from './claims.js';
import type { Job } from './job.js';
import type { Task, TaskBoard } from './task.js';
import { findTask, waitingTasks } from './task-board.js';

/** A claim held now: task `taskId` of job `jobId`, run by `worker`, in folder `workspace`. */
export interface HeldClaim {
  jobId: string;
  taskId: string;
  worker: string;
  workspace: string;
  claims: readonly string[];
}

/**
 * What a claim request gets:
 * - `claim`: task `task` is the worker's (the caller applies it);
 * - `conflict`: a file the worker named is held: `files` are the named files that overlap, and
 *   `holder` holds them (the first such holder);
 * - `none`: no task is runnable now; `reason` says why (for a person reading a 204).
 */
export type ClaimDecision =
  | { kind: 'claim'; task: Task }
  | { kind: 'conflict'; files: string[]; holder: HeldClaim }
  | { kind: 'none'; reason: string };

/**
 * Decides a claim by a worker of job `job` (its tasks on `board`, in folder `workspace`) that
 * names `files`, with `held` the claims held now in every job of the session. The task is the
 * first of the current phase that is `todo`, whose dependencies are `done`, and whose claims
 * together with `files` overlap no held claim of the same folder. Cost: the held claims, plus the
 * waiting tasks from the phase's first until one fits.
 */
export function decideClaim(job: Job, board: TaskBoard, workspace: string, files: readonly string[], held: readonly HeldClaim[]): ClaimDecision {
  const nearby = held.filter((claim) => claim.workspace === workspace);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a fast path: no named files overlap nothing
  if (files.length > 0) {
    for (const holder of nearby) {
      const overlapping = files.filter((file) => findOverlappingClaims([file], holder.claims) !== null);
      if (overlapping.length > 0) return { kind: 'conflict', files: overlapping, holder };
    }
  }
  if (job.status !== 'running' || job.phases[job.currentPhase]?.status !== 'running') return { kind: 'none', reason: `${job.id} is ${job.status === 'running' ? 'between phases' : job.status}` };
  let isAnyWaiting = false;
  for (const task of waitingTasks(board, job.currentPhase)) {
    isAnyWaiting = true;
    // A dependency missing from the board (a hand-edited file) is never done: the task waits.
    if (!task.dependsOn.every((id) => findTask(board, id)?.status === 'done')) continue;
    const claims = [...task.claims, ...files];
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a fast path: no claims overlap nothing
    if (claims.length > 0 && nearby.some((holder) => findOverlappingClaims(claims, holder.claims) !== null)) continue;
    return { kind: 'claim', task };
  }
  return { kind: 'none', reason: !isAnyWaiting ? `no task of ${job.id} waits` : `every waiting task of ${job.id} waits for a dependency or a claim` };
}
