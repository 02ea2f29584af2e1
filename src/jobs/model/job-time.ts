// How long a job has worked: the time it spent running, summed over all its attempts (its start,
// every resume, every approval), without the time it waited in the queue, for an approval, or lay
// interrupted. One rule for every view (/jobs, `jobline list` and `show`, the REPL's and the
// dashboard's cards), read from job.json alone (a listing of 10,000 jobs reads no event log): the
// state machine keeps the sum (Job.ranMs, Job.runningSince) at each change into or out of
// `running` (see accountRunningTime). Pure: the clock is passed in.
import type { Job } from './job.js';

/**
 * Milliseconds the job has run (status `running`) up to `now`: its finished stretches of running
 * (Job.ranMs) and, while it runs, the current one. A job file of an older version (no `ranMs`)
 * counts its phases instead, each from its last attempt's start to its end (up to `now` for a
 * running one).
 */
export function workingMs(job: Job, now: Date): number {
  if (job.ranMs === undefined) return countPhasesMs(job, now);
  const since = job.status === 'running' && job.runningSince ? Date.parse(job.runningSince) : null;
  return job.ranMs + (since === null ? 0 : Math.max(0, now.getTime() - since));
}

/**
 * `next` (a copy being built from `job` by a transition at `now`, ISO-8601 UTC) with its running
 * time kept: entering `running` opens a stretch (`runningSince`), leaving it adds the stretch to
 * `ranMs`. Any other change leaves them as they are. Mutates and returns `next`; pure otherwise.
 * Computed from `job` alone, so applying it twice to one transition changes nothing.
 */
export function accountRunningTime(job: Job, next: Job, now: string): Job {
  const wasRunning = job.status === 'running';
  const isRunning = next.status === 'running';
  if (wasRunning === isRunning) return next;
  next.ranMs = workingMs(job, new Date(now));
  next.runningSince = isRunning ? now : null;
  return next;
}

// The time of an older version's job: its phases' last attempts (each start to end).
function countPhasesMs(job: Job, now: Date): number {
  let total = 0;
  for (const phase of job.phases) {
    if (!phase.startedAt) continue;
    const end = phase.endedAt ?? (phase.status === 'running' && job.status === 'running' ? now.toISOString() : null);
    if (end) total += Math.max(0, Date.parse(end) - Date.parse(phase.startedAt));
  }
  return total;
}
