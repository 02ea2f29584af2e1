// Whether a job's owner process is still there to run it, and how a job whose owner died without
// marking it reads: interrupted, dated by its last recorded activity, so every reader sees the same
// job. The view changes no file; the job service records it (job-commit.ts, settleStoredJob).
import { isActiveStatus, isExternalJob, type Job } from '../model/job.js';
import { transitionJob } from '../model/transitions.js';
import { checkOwnerAlive } from './owner.js';

/** Reason recorded on a job whose owner process died without marking it. */
export const OWNER_GONE_REASON = 'Interrupted: the jobline process that ran it is gone';

/**
 * True for an active job whose owner process is known to be gone (see owner.ts). An external job
 * has no owner that runs it (see EXTERNAL_AGENT): the process that last wrote it may be gone.
 */
export function isOwnerGone(job: Job): boolean {
  return isActiveStatus(job.status) && !isExternalJob(job) && checkOwnerAlive(job.owner) === false;
}

/**
 * Returns `job` as it really is: an active job whose owner process has died is interrupted, with
 * `endedAt` = `endedAt` (the job's last recorded activity, so every reader sees the same job).
 * Pure apart from the liveness check; no file changes.
 */
export function viewWithLiveness(job: Job, endedAt: string): Job {
  if (!isOwnerGone(job)) return job;
  return transitionJob(job, { type: 'interrupt', reason: OWNER_GONE_REASON }, endedAt).job;
}
