// How long a job has worked: the time its phases ran, without the time it waited in the queue,
// for an approval, or lay interrupted. One rule for every view (/jobs, `jobline list` and `show`,
// the dashboard's cards). Pure: the clock is passed in.
import type { Job } from './job.js';

/**
 * Milliseconds the job's phases have run (each phase from its start to its end, up to `now` for
 * a running one): the wall time from the job's start to its end less the waits between phases
 * (approvals, a queue, an interruption before a resume).
 */
export function workingMs(job: Job, now: Date): number {
  let total = 0;
  for (const phase of job.phases) {
    if (!phase.startedAt) continue;
    const end = phase.endedAt ?? (phase.status === 'running' && job.status === 'running' ? now.toISOString() : null);
    if (end) total += Math.max(0, Date.parse(end) - Date.parse(phase.startedAt));
  }
  return total;
}
