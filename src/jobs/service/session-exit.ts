// The session's exit paths: every active job marked interrupted on disk, synchronously (an exit
// may not get another tick), and every run stopped, cooperatively first.
import { isActiveStatus, isExternalJob } from '../model/job.js';
import type { Executor } from '../ports/executor.js';
import type { JobRepository } from '../ports/repository.js';
import type { JobHandle } from './job-handle.js';

/**
 * Marks every active job of `jobs` interrupted with `reason`, written synchronously to `store`.
 * Returns the ids marked. An external job is left as it is: its workers are other processes, and
 * its state is all in its files (see EXTERNAL_AGENT).
 */
export function interruptJobsSync(jobs: Iterable<JobHandle>, store: JobRepository, reason: string): string[] {
  const marked: string[] = [];
  for (const entry of jobs) {
    if (isActiveStatus(entry.job.status) && !isExternalJob(entry.job) && entry.interruptSync(store, reason)) marked.push(entry.id);
  }
  return marked;
}

/**
 * Stops every run of `jobs`: asked to stop, then killed after `graceMs`; resolves once each has
 * ended and `executor` is closed. Cooperative first: a worker in the middle of spawning a child
 * finishes, records it and then stops it; terminating it at once could orphan that child.
 */
export async function stopRuns(jobs: Iterable<JobHandle>, executor: Executor, graceMs: number): Promise<void> {
  const runs = [...jobs].flatMap((entry) => entry.runHandles);
  for (const run of runs) run.cancel(graceMs);
  await Promise.all(runs.map((run) => run.outcome));
  await executor.close();
}
