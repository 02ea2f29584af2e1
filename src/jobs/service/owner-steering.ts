// Steering a job another jobline owns (a REPL, a `run`) from a process that does not run it: the
// request goes to the owner's inbox (store/job-requests.ts), and the steerer waits until the job
// shows it was carried out. Only the owner changes a job it runs. Used by the job service (the
// server, a REPL) and by `jobline approve|retry|cancel` alike.
import { ManagerError } from '../../errors.js';
import { isActiveStatus, type Job } from '../model/job.js';
import type { OwnerRequest } from '../ports/job-reader.js';

/** How long the owner gets to act on a request before the steerer gives up (ms). */
export const STEER_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

/** Why `action` cannot apply to `job` as it is now, or null. The owner checks again under the job's claim. */
export function checkSteerable(job: Job, action: OwnerRequest): string | null {
  if (action.type === 'cancel') {
    return isActiveStatus(job.status) ? null : `${job.id} is already ${job.status}; only queued, running or waiting jobs can be cancelled.`;
  }
  if (job.status === 'awaiting_approval') return null;
  const hint = job.status === 'interrupted' ? ` Resume it first: jobline resume ${job.id}.` : '';
  // (Only awaiting_approval, answered above, has an underscore.)
  return `${job.id} is ${job.status}, not awaiting approval: there is nothing to ${action.type}.${hint}`;
}

/** What steering needs of the jobs folder. */
export interface SteeringDeps {
  sendToOwner(job: Job, request: OwnerRequest): void;
  /** The job as stored now; rejects while it is rewritten or once it is removed. */
  read(id: string): Promise<Job>;
}

/**
 * Sends `action` to the owner of `job` and waits until the job shows it was carried out.
 * @throws ManagerError JOB_NOT_ACTIVE / JOB_NOT_AWAITING_APPROVAL (see checkSteerable);
 *   OWNER_DID_NOT_ACT when the owner did not act within `timeoutMs`.
 */
export async function steerOwner(deps: SteeringDeps, job: Job, action: OwnerRequest, timeoutMs = STEER_TIMEOUT_MS): Promise<Job> {
  const refusal = checkSteerable(job, action);
  if (refusal) throw new ManagerError(action.type === 'cancel' ? 'JOB_NOT_ACTIVE' : 'JOB_NOT_AWAITING_APPROVAL', refusal);
  deps.sendToOwner(job, action);
  // The owner is another process: its change is seen in the job's file (there is no other signal
  // between processes), read every POLL_MS.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    // Stryker disable next-line ArrowFunction: undefined is as falsy as null below
    const now = await deps.read(job.id).catch(() => null);
    if (!now) continue; // being rewritten, or removed: the deadline decides
    if (action.type === 'cancel' ? !isActiveStatus(now.status) : hasMovedOn(job, now)) return now;
  }
  throw new ManagerError('OWNER_DID_NOT_ACT', `${job.id}'s owner (pid ${job.owner.pid}) did not act on the ${action.type} within ${timeoutMs / 1000} s. Is it an older jobline? Use its REPL (/${action.type} ${job.id}), or see jobline show ${job.id}.`);
}

// An approved or retried job has left the approval it waited in: it runs, or has already reached
// the next approval (a later phase, or another attempt) or its end. (A change while it still waits
// in the same approval, a note or a count, is not it.)
function hasMovedOn(before: Job, job: Job): boolean {
  // Stryker disable next-line OptionalChaining: a job's phases never shrink: the phase it waited in is there
  const attemptsOf = (of: Job): number | undefined => of.phases[before.currentPhase]?.attempts;
  return job.status !== 'awaiting_approval' || job.currentPhase !== before.currentPhase || attemptsOf(job) !== attemptsOf(before);
}
