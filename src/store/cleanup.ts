// The storage policy. Cleanup is driven by how much is stored, never by age: a completed job's
// folder goes when it completes, and only the newest `maxUnfinishedJobs` unfinished ones stay.
import { isTerminalStatus, isUnfinishedStatus, type Job } from '../jobs/job.js';
import type { JobStore } from './job-store.js';

/**
 * Removes the oldest unfinished jobs (failed, cancelled, interrupted; ordered by endedAt, then
 * createdAt) until at most `maxUnfinished` remain. Active and completed jobs are never touched.
 * Returns the removed ids. Throws only if the jobs folder cannot be listed.
 */
export async function enforceUnfinishedLimit(store: JobStore, maxUnfinished: number, now?: string): Promise<string[]> {
  const { jobs } = await store.list(now);
  const unfinished = jobs
    .filter((job) => isUnfinishedStatus(job.status))
    .sort((a, b) => (a.endedAt ?? a.createdAt).localeCompare(b.endedAt ?? b.createdAt) || a.createdAt.localeCompare(b.createdAt));
  const excess = unfinished.slice(0, Math.max(0, unfinished.length - maxUnfinished));
  for (const job of excess) await store.remove(job.id);
  return excess.map((job) => job.id);
}

/** Removes every job whose status is completed, failed, cancelled or interrupted. Returns the removed ids. */
export async function removeFinishedJobs(store: JobStore, now?: string): Promise<string[]> {
  const { jobs } = await store.list(now);
  const finished = jobs.filter((job) => isTerminalStatus(job.status));
  for (const job of finished) await store.remove(job.id);
  return finished.map((job) => job.id);
}

/** The storage policy's two settings (from the config). */
export interface StoragePolicy {
  keepTempFiles: boolean;
  maxUnfinishedJobs: number;
}

/**
 * Applies the policy to a job that just reached a terminal status: a completed job's folder is
 * deleted (unless `keepTempFiles`); an unfinished one may push the oldest unfinished jobs out.
 * Returns the ids of jobs removed by the limit (not the completed job itself).
 */
export async function applyStoragePolicy(store: JobStore, job: Job, policy: StoragePolicy, now?: string): Promise<string[]> {
  if (job.status === 'completed') {
    if (!policy.keepTempFiles) await store.remove(job.id);
    return [];
  }
  return isUnfinishedStatus(job.status) ? enforceUnfinishedLimit(store, policy.maxUnfinishedJobs, now) : [];
}
