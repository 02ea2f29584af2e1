// The storage limits on ended jobs as the config sets them, and which ended job goes first. Pure.
import type { Job } from './job.js';

/** How many ended jobs of each kind stay (`Infinity` keeps them all): unfinished and completed ones. */
export interface EndedLimits {
  unfinished: number;
  completed: number;
}

/**
 * Orders unfinished jobs for eviction, oldest first: by endedAt, then createdAt, then id. A total
 * order on recorded fields, so every process picks the same victims.
 */
export function compareForEviction(a: Job, b: Job): number {
  return (a.endedAt ?? a.createdAt).localeCompare(b.endedAt ?? b.createdAt) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** Completed jobs kept when the config does not say (the config schema's default too). */
export const DEFAULT_MAX_COMPLETED_JOBS = 20;

/** The storage policy's settings (from the config). */
export interface StoragePolicy {
  /** Keep every completed job (debug.keepTempFiles): maxCompletedJobs does not apply. */
  keepTempFiles: boolean;
  maxUnfinishedJobs: number;
  maxCompletedJobs: number;
}

/** The limits the policy's settings set (`keepTempFiles` lifts the one on completed jobs). */
export function getEndedLimits(policy: StoragePolicy): EndedLimits {
  return { unfinished: policy.maxUnfinishedJobs, completed: policy.keepTempFiles ? Infinity : policy.maxCompletedJobs };
}
